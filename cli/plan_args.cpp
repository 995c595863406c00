// The shared planning flags (see plan_args.h).
#include "cli/plan_args.h"

#include "compiler/planner/target.h"

namespace agt::cli {

void AddPlanOptions(CLI::App* cmd, PlanArgs& args) {
  cmd->add_option("--precision", args.precision, "fp32, tf32, fp16 (default) or bf16");
  cmd->add_option("--arch", args.arch, "Target GPU: sm_90 (default), sm_89, sm_80, or native (this machine's GPU 0)");
  cmd->add_option("--input-shape", args.input_shapes, "Fix an input's shape: NAME=1x3x224x224 (repeatable)");
  cmd->add_option("--max-group-size", args.max_group_size, "Most ops in one fused group (default 24)");
  cmd->add_flag("--fold-layer-norm", args.fold_layer_norm,
                "LayerNorms into the GEMMs that read them (gamma and beta folded into the weights; fp16/bf16 on sm_90)");
}

Expected<planner::PlanOptions> ToPlanOptions(const PlanArgs& a) {
  planner::PlanOptions o;
  auto p = ir::ParsePrecision(a.precision);
  if (!p) return Status::Errorf("--precision must be fp32, tf32, fp16 or bf16, got '{}'", a.precision);
  o.precision = *p;
  auto device = planner::ResolveArch(a.arch);
  if (!device.ok()) return device.status().WithContext("--arch");
  o.device = *device;
  if (a.max_group_size < 1) return Status::Errorf("--max-group-size must be at least 1, got {}", a.max_group_size);
  o.legality.max_group_size = a.max_group_size;
  o.fold_layer_norm = a.fold_layer_norm;
  return o;
}

Status ToFrontendOptions(const PlanArgs& a, frontend::FrontendOptions& out) {
  for (const std::string& s : a.input_shapes) AGT_RETURN_IF_ERROR(frontend::ParseInputShape(s, out));
  return Status::Ok();
}

}  // namespace agt::cli

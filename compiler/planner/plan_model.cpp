// PlanModel: pricing, calibration, DPOF and task extraction in one place (see plan_model.h).
#include "compiler/planner/plan_model.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "compiler/fusion/cost_model.h"
#include "compiler/fusion/group_signature.h"
#include "compiler/planner/sketch_aware_cost.h"

namespace agt::planner {

bool ExpectsFastSketch(fusion::GroupKind kind) {
  return kind == fusion::GroupKind::kGemm || kind == fusion::GroupKind::kConv || kind == fusion::GroupKind::kAttention ||
         kind == fusion::GroupKind::kReduction;
}

Expected<ModelPlan> PlanModel(const ir::Graph& g, const PlanOptions& options,
                              const std::map<std::string, double>& measured_kernel_us) {
  AGT_RETURN_IF_ERROR(ir::DeviceForArch(options.device.arch).status().WithContext("--arch"));
  if (options.legality.max_group_size < 1) {
    return Status::Errorf("the largest fused group must hold at least 1 op, got {}", options.legality.max_group_size);
  }
  fusion::FusionOptions fo;
  fo.precision = options.precision;
  fo.legality = options.legality;
  fo.legality.allow_norm_prologue = fo.legality.allow_norm_prologue || options.fold_layer_norm;
  fo.explain = options.explain;

  const ir::DeviceInfo& device = options.device;
  fusion::AnalyticalCostModel analytical(device, options.analytical);
  fusion::MeasuredCostModel measured(analytical, fusion::TaskIdKeyFn(g), device.graph_launch_us);
  for (const auto& [key, us] : measured_kernel_us) measured.SetMeasured(key, us);
  measured.set_unmeasured_margin(options.unmeasured_margin);
  SketchAwareCostModel aware(g, measured, options.precision, device.arch);
  const fusion::GroupCostModel& cost = !options.sketch_aware
                                           ? static_cast<const fusion::GroupCostModel&>(measured)
                                           : static_cast<const fusion::GroupCostModel&>(aware);

  ModelPlan out;
  out.options = options;
  out.measured_given = measured_kernel_us.size();
  if (measured.num_measured() > 0) {
    fusion::FusionOptions quiet = fo;
    quiet.explain = false;
    measured.Calibrate([&] { (void)fusion::RunDpof(g, cost, quiet); });
  }
  for (size_t k = 0; k < out.calibration.size(); ++k) out.calibration[k] = measured.scale(static_cast<fusion::GroupKind>(k));
  AGT_ASSIGN_OR_RETURN(out.plan, fusion::RunDpof(g, cost, fo));
  AGT_ASSIGN_OR_RETURN(out.tasks, tasks::ExtractTasks(g, out.plan, options.precision));
  out.measured_hits = measured.hits();
  out.priced_out = aware.PricedOut();
  out.penalised = aware.LoaderPenalised();

  if (measured.num_measured() > 0) {
    spdlog::info("plan: measured times for {} of DPOF's group estimates; unmeasured estimates scaled by measured/estimated: "
                 "gemm {:.2f}, conv {:.2f}, attention {:.2f}, reduction {:.2f}, element-wise {:.2f}",
                 out.measured_hits, measured.scale(fusion::GroupKind::kGemm), measured.scale(fusion::GroupKind::kConv),
                 measured.scale(fusion::GroupKind::kAttention), measured.scale(fusion::GroupKind::kReduction),
                 measured.scale(fusion::GroupKind::kElementwise));
  }
  if (!out.penalised.empty()) {
    spdlog::debug("plan: {} candidate GEMM groups stage an operand element by element (estimates x{}), e.g. {}",
                  out.penalised.size(), SketchAwareCostModel::kElementLoaderFactor, out.penalised.front());
  }
  if (!out.priced_out.empty()) {
    spdlog::info("plan: {} candidate groups have only the generic sketch and were priced out (e.g. {})",
                 out.priced_out.size(), out.priced_out.front());
  }
  return out;
}

passes::PipelineOptions PrecisionPassOptions(const PlanOptions& plan) {
  passes::PipelineOptions o;
  o.fold_layer_norm = plan.fold_layer_norm;
  return o;
}

Expected<std::unique_ptr<ir::Graph>> LoadModel(const std::string& onnx_path, const frontend::FrontendOptions& frontend,
                                               const PlanOptions& plan) {
  AGT_ASSIGN_OR_RETURN(std::unique_ptr<ir::Graph> g, frontend::LoadOnnx(onnx_path, frontend));
  AGT_RETURN_IF_ERROR(passes::RunFrontendPipeline(*g).status());
  AGT_RETURN_IF_ERROR(passes::RunPrecisionPasses(*g, plan.precision, PrecisionPassOptions(plan)).status());
  return g;
}

}  // namespace agt::planner

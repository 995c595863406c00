// `autogtco inspect MODEL.onnx [--format text|json] [--input-shape NAME=1x3x224x224 ...]`: what the
// frontend makes of a model. Inputs and outputs with their shapes, the op histogram, the parameter
// count, FLOPs, and the IR after the frontend passes (large constants elided). The sections are
// built in order by InspectModel; later stages add theirs after the IR (see the --fusion hook).
#include <fstream>
#include <map>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/plan_args.h"
#include "compiler/frontend/graph_stats.h"
#include "compiler/frontend/onnx_loader.h"
#include "compiler/passes/pipeline.h"
#include "ir/text.h"
#include "compiler/planner/plan_report.h"
#include "records/best_programs.h"

namespace agt::cli {

namespace {

struct InspectArgs {
  std::string model;
  std::string format = "text";
  bool no_passes = false;
  bool no_ir = false;
  int64_t elide = 16;
  std::string dump_after;
  // --fusion: the plan compile builds (compiler/planner/plan_report.h), from the same flags.
  bool fusion = false;
  PlanArgs plan;            // --precision, --arch, --input-shape, --max-group-size
  std::string tuning_log;   // measured times DPOF plans with, as compile --tuning-log
  bool norm_prologue = false;
};

std::string Si(int64_t v) {
  double d = static_cast<double>(v);
  if (d >= 1e9) return fmt::format("{:.2f} G", d / 1e9);
  if (d >= 1e6) return fmt::format("{:.2f} M", d / 1e6);
  if (d >= 1e3) return fmt::format("{:.2f} K", d / 1e3);
  return fmt::format("{}", v);
}

nlohmann::json ValueJson(const ir::Value* v) {
  return {{"name", v->name()}, {"dtype", std::string(ir::DTypeName(v->dtype()))}, {"shape", v->shape()}};
}

Status InspectModel(const InspectArgs& a) {
  frontend::FrontendOptions fopts;
  AGT_RETURN_IF_ERROR(ToFrontendOptions(a.plan, fopts));
  if (a.format == "dot" && !a.fusion) return Status::Error("--format dot needs --fusion");
  AGT_ASSIGN_OR_RETURN(planner::PlanOptions plan_options, ToPlanOptions(a.plan));   // --precision picks the precision passes
  std::map<std::string, double> measured;
  if (a.fusion) {
    plan_options.legality.allow_norm_prologue = a.norm_prologue;   // (--fold-layer-norm turns it on in PlanModel)
    plan_options.sketch_aware = !a.norm_prologue;   // the study's groups have no sketch: plain prices
    plan_options.explain = true;
    if (!a.tuning_log.empty()) {
      AGT_ASSIGN_OR_RETURN(records::BestPrograms best, records::BestProgramsFromLog(a.tuning_log, plan_options.device.arch));
      measured = records::MeasuredKernelUs(best);
    }
  } else if (!a.tuning_log.empty() || a.norm_prologue) {
    return Status::Error("--tuning-log and --norm-prologue need --fusion");
  }
  AGT_ASSIGN_OR_RETURN(std::unique_ptr<ir::Graph> g, frontend::LoadOnnx(a.model, fopts));
  // Parameters are counted as imported: the passes fold BatchNorm into convs, which changes the
  // count of constants but not of what the model trains.
  frontend::GraphStats imported = frontend::ComputeGraphStats(*g);
  int64_t imported_nodes = static_cast<int64_t>(g->num_nodes());
  std::vector<passes::PassRecord> records;
  if (!a.no_passes) {
    passes::PipelineOptions popts = planner::PrecisionPassOptions(plan_options);
    popts.dump_after = a.dump_after;
    popts.dump = [&](std::string_view pass, const ir::Graph& gr) {
      ir::PrintOptions po;
      po.elide_constants_over = a.elide;
      fmt::print(stderr, "// IR after pass {}\n{}", pass, ir::PrintGraph(gr, po));
    };
    AGT_ASSIGN_OR_RETURN(records, passes::RunFrontendPipeline(*g, popts));
    AGT_ASSIGN_OR_RETURN(std::vector<passes::PassRecord> more, passes::RunPrecisionPasses(*g, plan_options.precision, popts));
    records.insert(records.end(), more.begin(), more.end());
  }
  frontend::GraphStats stats = frontend::ComputeGraphStats(*g);
  ir::PrintOptions po;
  po.elide_constants_over = a.elide;
  // With --fusion the report replaces the (long) IR text.
  bool show_ir = !a.no_ir && !a.fusion;
  std::string ir_text = show_ir ? ir::PrintGraph(*g, po) : std::string();
  std::string fusion_report;
  if (a.fusion) {
    AGT_ASSIGN_OR_RETURN(planner::ModelPlan plan, planner::PlanModel(*g, plan_options, measured));
    fusion_report = planner::RenderPlanReport(*g, plan, *planner::ParseReportFormat(a.format));
    if (a.format == "dot") {
      fmt::print("{}", fusion_report);
      return Status::Ok();
    }
  }

  if (a.format == "json") {
    nlohmann::json j;
    j["model"] = a.model;
    for (const ir::Value* v : g->inputs()) j["inputs"].push_back(ValueJson(v));
    for (const ir::Value* v : g->outputs()) j["outputs"].push_back(ValueJson(v));
    j["parameters"] = imported.parameters;
    j["flops"] = {{"total", stats.total_flops()}, {"matrix", stats.matrix_flops}, {"other", stats.other_flops}};
    j["nodes"] = {{"imported", imported_nodes}, {"after_passes", g->num_nodes()}};
    j["op_histogram"] = stats.op_histogram;
    for (const auto& r : records) j["passes"].push_back({{"name", r.name}, {"changed", r.changed}, {"ms", r.millis}});
    if (show_ir) j["ir"] = ir_text;
    if (a.fusion) j["fusion"] = nlohmann::json::parse(fusion_report);
    fmt::print("{}\n", j.dump(2));
    return Status::Ok();
  }

  fmt::print("model: {}\n", a.model);
  fmt::print("inputs:\n");
  for (const ir::Value* v : g->inputs()) fmt::print("  {}: {}\n", v->name(), v->type().ToString());
  fmt::print("outputs:\n");
  for (const ir::Value* v : g->outputs()) fmt::print("  {}: {}\n", v->name(), v->type().ToString());
  fmt::print("parameters: {} ({})\n", imported.parameters, Si(imported.parameters));
  fmt::print("FLOPs: {}FLOP (matrix {}FLOP, other {}FLOP)\n", Si(stats.total_flops()), Si(stats.matrix_flops),
             Si(stats.other_flops));
  fmt::print("nodes: {} imported, {} after the frontend passes\n", imported_nodes, g->num_nodes());
  fmt::print("ops:\n");
  for (const auto& [op, n] : stats.op_histogram) fmt::print("  {:<16} {}\n", op, n);
  if (!records.empty()) {
    fmt::print("passes:");
    for (const auto& r : records) fmt::print(" {}{}", r.name, r.changed ? "*" : "");
    fmt::print("  (* changed the graph)\n");
  }
  if (show_ir) fmt::print("IR after the frontend passes:\n{}", ir_text);
  if (a.fusion) fmt::print("\n{}", fusion_report);
  return Status::Ok();
}

}  // namespace

void AddInspectCommand(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* cmd = app.add_subcommand("inspect", "Show what the frontend makes of an ONNX model");
  cmd->add_option("model", args->model, "The .onnx file")->required();
  cmd->add_option("--format", args->format, "Output format (dot: with --fusion, one cluster per phase)")
      ->check(CLI::IsMember({"text", "json", "dot"}));
  cmd->add_flag("--no-passes", args->no_passes, "Show the graph as imported, before the frontend passes");
  cmd->add_flag("--no-ir", args->no_ir, "Leave the IR text out");
  cmd->add_option("--elide", args->elide, "Print constants with more than N elements as <elided> (-1: never)");
  cmd->add_option("--dump-after", args->dump_after, "Print the IR to stderr after this pass ('all': every pass)");
  cmd->add_flag("--fusion", args->fusion, "Show the fusion plan (DPOF phases, tasks, unfused patterns) instead of the IR");
  AddPlanOptions(cmd, args->plan);
  cmd->add_option("--tuning-log", args->tuning_log, "With --fusion: plan with this log's measured times, as compile does");
  cmd->add_flag("--norm-prologue", args->norm_prologue,
                "Let a LayerNorm fuse into the GEMM after it (a plan study: no GEMM sketch computes it yet, so compile keeps it off)");
  cmd->callback([args, &ctx] {
    Status st = InspectModel(*args);
    if (!st.ok()) {
      fmt::print(stderr, "error: {}\n", st.message());
      ctx.exit_code = 2;
    }
  });
}

}  // namespace agt::cli

// The one planner. `compile`, each re-plan of `tune` and `inspect --fusion` build a model's plan
// through PlanModel and nothing else plans, so that the groups inspect shows, the groups the tuner
// measures and the groups compile emits are the same:
//
//   graph (after the frontend passes) + PlanOptions (precision, the device from --arch, legality)
//     + measured kernel times by task id (the tuning log's best records, or the tuner's so far)
//   -> the analytical model of the device, measured times in its place where known, calibrated
//      (unmeasured estimates scaled by measured/estimated of their kind), made sketch-aware
//      (groups only the generic sketch takes are priced out, prologues that cost cp.async staging
//      priced up)
//   -> DPOF -> the tuning tasks of its plan -> ModelPlan.
//
// LoadModel is the frontend half that every command shares: the ONNX loader and the pass pipeline.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "compiler/frontend/onnx_loader.h"
#include "compiler/fusion/dpof.h"
#include "compiler/passes/pipeline.h"
#include "compiler/tasks/task.h"
#include "ir/device.h"
#include "ir/graph.h"
#include "ir/precision.h"
#include "ir/status.h"

namespace agt::planner {

// Everything that decides a plan. Embedded in the compile and tune options; inspect fills it from the
// same flags as compile (--precision, --arch, --max-group-size).
struct PlanOptions {
  ir::Precision precision = ir::Precision::kFP16;
  ir::DeviceInfo device = ir::H100();     // from --arch (target.h: ResolveArch); device.arch keys tasks
  fusion::LegalityOptions legality;
  fusion::AnalyticalCostOptions analytical;   // the estimates DPOF starts from (before measured times)
  // Price groups by the sketches that would take them (sketch_aware_cost.h). Off only for plan studies
  // of groups no sketch takes yet (inspect --norm-prologue), which that pricing would all price out.
  bool sketch_aware = true;
  // Look for attention/LayerNorm patterns left unfused and say why (the report's notes). Notes only:
  // the plan is the same either way.
  bool explain = false;
  // The settling rule of co-optimisation (fusion::MeasuredCostModel::set_unmeasured_margin): with
  // measured times given, unmeasured groups are priced 25% up, so a re-plan (tune) or a plan from a
  // log (compile) moves away from measured groups only where the estimates beat them by more than
  // their noise. Both commands plan through here, so the groups compile builds are the ones tuned.
  double unmeasured_margin = 0.25;
  // LayerNorms into the GEMMs reading them (compile/tune/inspect --fold-layer-norm): LoadModel runs
  // fold-layer-norm-affine and DPOF may then fuse each affine-free LayerNorm into its linear as a
  // prologue (LegalityOptions::allow_norm_prologue), which the Hopper GEMM core takes at fp16 and
  // bf16. Off by default until the committed tuning logs cover the groups it makes.
  bool fold_layer_norm = false;
};

struct ModelPlan {
  PlanOptions options;
  fusion::FusionPlan plan;
  std::vector<tasks::Task> tasks;                  // in order of first occurrence in the plan
  std::vector<std::string> priced_out;             // groups only the generic sketch takes, by ops
  std::vector<std::string> penalised;              // GEMM groups whose prologue costs cp.async staging
  size_t measured_given = 0;                       // measured times handed to the planner
  int64_t measured_hits = 0;                       // DPOF estimates that came from them
  // The calibration factor of each fusion::GroupKind (1 where nothing was measured).
  std::array<double, static_cast<size_t>(fusion::GroupKind::kOpaque) + 1> calibration{};
  double estimated_us() const { return plan.total_us; }
};

// Plans `g` (a graph after the frontend passes). `measured_kernel_us`: the measured kernel time of
// tasks by tasks::Task::id; empty for an untuned plan.
Expected<ModelPlan> PlanModel(const ir::Graph& g, const PlanOptions& options,
                              const std::map<std::string, double>& measured_kernel_us = {});

// Whether a group of this kind is meant to get a fast sketch (GEMM/conv/attention/reduction): for
// these, the generic sketch is a fallback.
bool ExpectsFastSketch(fusion::GroupKind kind);

// The ONNX model through the frontend, the pass pipeline and the passes of the plan's precision and
// options (passes::RunPrecisionPasses), as compile and tune read it (inspect runs the same steps
// itself, because it reports the graph as imported before the passes).
Expected<std::unique_ptr<ir::Graph>> LoadModel(const std::string& onnx_path, const frontend::FrontendOptions& frontend,
                                               const PlanOptions& plan);
// The pipeline options of the plan's precision passes (PlanOptions::fold_layer_norm).
passes::PipelineOptions PrecisionPassOptions(const PlanOptions& plan);

}  // namespace agt::planner

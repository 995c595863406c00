// The planning flags that compile, tune and inspect share, so that `inspect --fusion` takes the very
// options compile plans with: --precision, --arch, --input-shape, --max-group-size and, for compile
// and inspect, --tuning-log (whose measured times DPOF plans with).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "compiler/frontend/onnx_loader.h"
#include "compiler/planner/plan_model.h"
#include "ir/status.h"

namespace agt::cli {

struct PlanArgs {
  std::string precision = "fp16";
  std::string arch = "sm_90";
  std::vector<std::string> input_shapes;
  int max_group_size = 24;
  bool fold_layer_norm = false;
};

// Adds --precision, --arch, --input-shape, --max-group-size and --fold-layer-norm to `cmd`.
void AddPlanOptions(CLI::App* cmd, PlanArgs& args);

// The flags as the planner's options (--arch resolved: canned, or this GPU for `native`).
Expected<planner::PlanOptions> ToPlanOptions(const PlanArgs& args);
Status ToFrontendOptions(const PlanArgs& args, frontend::FrontendOptions& out);

}  // namespace agt::cli

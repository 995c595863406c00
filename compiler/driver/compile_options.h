// The options of one compile (`autogtco compile`): the plan's options, weights placement, threads,
// and where each task's program comes from. One struct handed to the driver; no global flags.
#pragma once

#include <memory>
#include <string>

#include "codegen/program.h"
#include "compiler/frontend/onnx_loader.h"
#include "compiler/planner/plan_model.h"
#include "runtime/artifact_format.h"

namespace agt::driver {

class ProgramSource;

struct CompileOptions {
  // Precision, the device from --arch (whose arch keys the kernels) and the legality of fused groups:
  // what the one planner takes (compiler/planner/plan_model.h), as tune and inspect hand it over too.
  planner::PlanOptions plan;
  frontend::FrontendOptions frontend;    // --input-shape
  // Embedded in the .so (any size: the runtime reads the payload with 64-bit pread, never through
  // relocations), or NAME.weights beside it.
  runtime::WeightsMode weights = runtime::WeightsMode::kEmbedded;
  int jobs = 0;                          // NVRTC threads; 0: hardware concurrency
  std::string nvrtc_cache_dir;           // empty: in-memory cache only
  // When set, each task's CUDA source is written there as TASKID.cu, headed by a comment with the
  // task's ops, its program and its launch shape (--dump-kernels), for reading and profiling.
  std::string dump_kernels_dir;
  // The program of each task: the tuning log's best record (`programs`; null: no log), else the cost
  // model's prediction (`cost_model`: "shipped" the model shipped for the arch, where one is; a model
  // file; "" or "none": none), else the default annotation.
  std::shared_ptr<ProgramSource> programs;
  std::string cost_model;
  std::string model_name;                // metadata; default: the model file's stem
};

}  // namespace agt::driver

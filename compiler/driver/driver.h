// The compiler driver: the stages of `autogtco compile` in order, over CompileOptions.
//   frontend (LoadOnnx) -> passes -> DPOF -> tasks -> kernels (parallel NVRTC, one per task)
//   -> launch list + weights (launch_list.h) -> memory plan -> edge cast kernels -> ArtifactContents
//   -> PackArtifact (runtime/pack.h): MODEL.so, and MODEL.weights with external weights.
// Each stage logs through spdlog and is timed for the summary. The same graph, options and program
// source give the same ArtifactContents, byte for byte: nothing depends on time, paths or threads.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "compiler/driver/compile_options.h"
#include "compiler/driver/summary.h"
#include "compiler/plan/memory_plan.h"
#include "ir/graph.h"
#include "ir/status.h"
#include "runtime/artifact_format.h"

namespace agt::driver {

struct CompileResult {
  runtime::ArtifactContents contents;
  CompileSummary summary;
  std::vector<plan::BufferRequest> buffers;   // the arena's buffers (lifetimes are launch indices)
  plan::MemoryPlan memory;                    // their offsets
  std::vector<std::string> task_ids;          // tasks::Task::id of each compiled task, in task order
  std::string plan_json;                      // the plan as `inspect --fusion --format json` prints it
};

// Compiles a graph that has been through the frontend passes. `source_name` is recorded in the metadata.
Expected<CompileResult> CompileGraph(const ir::Graph& g, const CompileOptions& options, const std::string& source_name = "");

// LoadOnnx + the frontend pipeline + CompileGraph.
Expected<CompileResult> CompileOnnxFile(const std::string& onnx_path, const CompileOptions& options);

// Packs `result` into `out_path` (with `options.weights`), filling summary.output and its sizes.
Status WriteArtifact(CompileResult& result, const std::string& out_path, const CompileOptions& options);

// Fails early (before minutes of compiling) when `out_path` cannot be created.
Status CheckOutputWritable(const std::string& out_path);
// With external weights, NAME.weights beside the output is (re)written: refused when a file of that
// name exists and is not an AutoGTCO weights file (for example the model's own external data).
Status CheckWeightsFileReplaceable(const std::string& out_path, runtime::WeightsMode weights);
// Refuses an output that is one of the command's inputs (the model, its tuning log, a model file):
// writing it would destroy what is being read. Empty inputs are skipped.
Status CheckOutputNotInput(const std::string& out_path, const std::vector<std::pair<std::string, std::string>>& inputs);

}  // namespace agt::driver

// Lowering of a fusion plan to the artifact's launch list. Every phase becomes one kernel launch of its
// task's kernel, with one argument per group input (an arena buffer, or a weight in the blob) and per
// group output (a fresh arena buffer), then its task's split-K workspace when the kernel has one. The
// model's inputs and outputs are staging buffers in the model's dtypes; cast launches bridge them to
// the storage dtype where it differs (boundary_casts.h), and outputs that are constants or inputs are
// copies. Arena arguments come out symbolic, holding buffer indices into `buffers`; AssignArena
// replaces them with the memory plan's offsets. A kernel whose launch spec is programmatic (it waits
// on its grid dependency) gets a programmatic launch where every input it reads before that wait
// (LaunchSpec::pre_wait_inputs) is a weight.
//
// Lifetimes are launch indices: a buffer lives from the launch that writes it to the last that reads
// it. Input staging buffers, output staging buffers and the workspaces live through the whole list:
// inputs are copied in before the first launch, outputs copied out after the last, and a benchmark
// replays the list on the same staging buffers.
#pragma once

#include <cstdint>
#include <vector>

#include "codegen/kernel_source.h"
#include "compiler/driver/boundary_casts.h"
#include "compiler/fusion/dpof.h"
#include "compiler/plan/memory_plan.h"
#include "ir/graph.h"
#include "ir/status.h"
#include "runtime/artifact_format.h"

namespace agt::driver {

struct LoweringInput {
  const ir::Graph* graph = nullptr;
  const fusion::FusionPlan* plan = nullptr;
  std::vector<int> phase_task;                         // task (= kernel) index of each phase
  std::vector<codegen::LaunchSpec> task_launch;        // per task
  ir::Precision precision = ir::Precision::kFP16;
};

struct LaunchList {
  std::vector<runtime::Launch> launches;     // kArena args, memset dst and arena copy src: buffer indices
  std::vector<runtime::TensorInfo> inputs;   // arena_offset: buffer index
  std::vector<runtime::TensorInfo> outputs;  // arena_offset: buffer index
  std::vector<plan::BufferRequest> buffers;
  std::vector<CastPair> casts;               // cast kernel c is kernel index (number of tasks + c)
  uint64_t workspace_bytes = 0;              // all split-K workspaces together
  // The kernels' TMA tensor maps (KernelArg::TensorMap indexes them). An arena base holds a buffer
  // index until AssignArena, which adds tensor_map_arena_extra (the tensor's bytes into the buffer).
  std::vector<runtime::TensorMapDesc> tensor_maps;
  std::vector<uint64_t> tensor_map_arena_extra;
};

// Builds the launch list; weights the launches read are appended to `contents.weights` (converted to
// the storage dtype, each constant once).
Expected<LaunchList> LowerPlan(const LoweringInput& in, runtime::ArtifactContents& contents);

// Plans the arena and rewrites the symbolic arena references of `list` into offsets.
Expected<plan::MemoryPlan> AssignArena(LaunchList& list);

}  // namespace agt::driver

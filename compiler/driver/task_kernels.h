// Kernels of the distinct tasks: for each task (one per distinct fused group; identical encoder
// layers share one), build its codegen context, take its program from the ProgramSource or the
// default annotation, emit CUDA and compile it with NVRTC. Tasks compile in parallel on a small
// thread pool (NVRTC is thread-safe); every occurrence of a task launches the one kernel.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "codegen/compile.h"
#include "compiler/driver/compile_options.h"
#include "compiler/driver/program_source.h"
#include "compiler/tasks/task.h"
#include "ir/status.h"

namespace agt::driver {

struct TaskKernel {
  codegen::CompiledProgram compiled;
  std::string rule;          // the sketch rule that applied ("gemm", "generic", ...)
  ProgramOrigin origin = ProgramOrigin::kDefault;   // measured (tuning log), predicted (cost model) or default
  bool fallback = false;     // a GEMM/conv/attention/reduction group that only the generic sketch takes (slow)
};

// `where[i]` describes task i for errors (its ops and the ONNX nodes of its first occurrence).
// Results are in task order; the first failing task (in task order) is the error, whatever the threads did.
// `predicted`: the cost model's source (null: none), asked for the tasks the log does not cover.
Expected<std::vector<TaskKernel>> CompileTaskKernels(const std::vector<tasks::Task>& tasks,
                                                     const std::vector<std::string>& where,
                                                     const CompileOptions& options, const ProgramSource* predicted,
                                                     codegen::NvrtcCompiler& nvrtc);

// Runs fn(0..n-1) on `threads` threads (0: hardware concurrency).
void ParallelFor(size_t n, int threads, const std::function<void(size_t)>& fn);

}  // namespace agt::driver

// Parallel emission and NVRTC compilation of one kernel per task.
#include "compiler/driver/task_kernels.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "compiler/driver/program_source.h"
#include "compiler/planner/plan_model.h"

namespace agt::driver {

void ParallelFor(size_t n, int threads, const std::function<void(size_t)>& fn) {
  size_t t = threads > 0 ? static_cast<size_t>(threads) : std::max(1u, std::thread::hardware_concurrency());
  t = std::min(t, n);
  if (t <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (size_t k = 0; k < t; ++k) {
    pool.emplace_back([&]() {
      for (size_t i = next++; i < n; i = next++) fn(i);
    });
  }
  for (auto& th : pool) th.join();
}

namespace {

Status DumpKernel(const std::string& dir, const tasks::Task& task, const codegen::CompiledProgram& c) {
  std::string path = (std::filesystem::path(dir) / (task.id + ".cu")).string();
  std::ofstream f(path, std::ios::binary);
  const codegen::LaunchSpec& l = c.kernel.launch;
  f << fmt::format("// task {} ({} group, {} occurrences): {}\n// program: {} sketch, {}\n// launch: grid {}x{}x{}, block {}, {} B dynamic shared memory\n\n",
                   task.id, fusion::GroupKindName(task.kind), task.weight, task.ops,
                   codegen::SketchKindName(c.program.sketch.kind), c.program.annotation.ToString(), l.grid[0], l.grid[1],
                   l.grid[2], l.block[0] * l.block[1] * l.block[2], l.dynamic_smem_bytes)
    << c.kernel.source;
  f.close();
  if (!f) return Status::Errorf("--dump-kernels: cannot write {}", path);
  return Status::Ok();
}

Expected<TaskKernel> CompileOne(const tasks::Task& task, const CompileOptions& options, const ProgramSource* predicted,
                                codegen::NvrtcCompiler& nvrtc) {
  AGT_ASSIGN_OR_RETURN(codegen::TaskContext ctx, codegen::MakeTaskContext(*task.graph, options.plan.precision, options.plan.device.arch));
  TaskKernel k;
  k.rule = ctx.rule;
  if (planner::ExpectsFastSketch(task.kind) && ctx.sketches.front().kind == codegen::SketchKind::kGeneric) {
    k.fallback = true;
    spdlog::warn("task {} ({}, a {} group) fell back to the generic sketch: expect a slow kernel", task.id, task.ops,
                 fusion::GroupKindName(task.kind));
  }
  AGT_ASSIGN_OR_RETURN(codegen::Program program, ChooseProgram(task.id, ctx, {options.programs.get(), predicted}, &k.origin));
  auto compiled = codegen::CompileProgram(ctx, program, nvrtc);
  if (!compiled.ok() && k.origin == ProgramOrigin::kPredicted) {
    // The model's pick is a sampled program: one that does not compile costs the task its prediction only.
    spdlog::warn("task {} ({}): the cost model's program does not compile ({}); using the default annotation", task.id,
                 task.ops, compiled.status().message());
    k.origin = ProgramOrigin::kDefault;
    AGT_ASSIGN_OR_RETURN(program, codegen::DefaultProgram(ctx));
    compiled = codegen::CompileProgram(ctx, program, nvrtc);
  }
  AGT_ASSIGN_OR_RETURN(k.compiled, std::move(compiled));
  if (!options.dump_kernels_dir.empty()) AGT_RETURN_IF_ERROR(DumpKernel(options.dump_kernels_dir, task, k.compiled));
  spdlog::debug("task {} ({}): {} sketch, {} ({})", task.id, task.ops, codegen::SketchKindName(program.sketch.kind),
                program.annotation.ToString(), ProgramOriginName(k.origin));
  return k;
}

}  // namespace

Expected<std::vector<TaskKernel>> CompileTaskKernels(const std::vector<tasks::Task>& tasks,
                                                     const std::vector<std::string>& where,
                                                     const CompileOptions& options, const ProgramSource* predicted,
                                                     codegen::NvrtcCompiler& nvrtc) {
  std::vector<Expected<TaskKernel>> results(tasks.size(), Status::Error("not compiled"));
  ParallelFor(tasks.size(), options.jobs, [&](size_t i) { results[i] = CompileOne(tasks[i], options, predicted, nvrtc); });
  std::vector<TaskKernel> out;
  out.reserve(tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (!results[i].ok()) {
      return Status::Errorf("cannot generate a kernel for group {}: {}", where[i], results[i].status().message());
    }
    out.push_back(std::move(results[i]).value());
  }
  return out;
}

}  // namespace agt::driver

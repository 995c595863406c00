// Compiles many programs on a few threads (NVRTC takes about a second per kernel).
#pragma once

#include <atomic>
#include <thread>
#include <vector>

#include "codegen/compile.h"

namespace agt::test {

struct CompileJob {
  const codegen::TaskContext* task = nullptr;
  codegen::Program program;
};

inline std::vector<Expected<codegen::CompiledProgram>> CompileAll(const std::vector<CompileJob>& jobs, codegen::NvrtcCompiler& nvrtc,
                                                                  int threads = 2) {
  std::vector<Expected<codegen::CompiledProgram>> out(jobs.size(), Status::Error("not compiled"));
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&]() {
      for (size_t i = next++; i < jobs.size(); i = next++) out[i] = codegen::CompileProgram(*jobs[i].task, jobs[i].program, nvrtc);
    });
  }
  for (auto& th : pool) th.join();
  return out;
}

}  // namespace agt::test

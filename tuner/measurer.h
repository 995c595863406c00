// The measurer: programs in, typed results out. It compiles a batch of candidates in parallel
// (codegen + NVRTC, which is thread-safe, on a small thread pool) and hands each cubin to a worker
// process on the GPU (`autogtco tune-worker`, measure_worker.h) over a pipe. The worker checks the
// kernel against the reference interpreter and times it; a kernel that hangs past the timeout gets
// the worker killed (a timeout error), one that faults takes only the worker down (a launch error);
// either way a fresh worker starts for the next program and tuning goes on. The tuner's own process
// never touches the GPU beyond probing that a driver exists: without one, Create says so clearly.
#pragma once

#include <sys/types.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "codegen/compile.h"
#include "ir/status.h"
#include "records/measure_result.h"
#include "records/tuning_log.h"
#include "tuner/worker_protocol.h"

namespace agt::tuner {

struct MeasurerOptions {
  int compile_threads = 0;                 // 0: hardware concurrency
  std::string nvrtc_cache_dir;             // empty: memory cache only
  // The worker's command line; empty: this executable with `tune-worker` (/proc/self/exe).
  std::vector<std::string> worker_command;
  double timeout_s = 10;                   // per program, once the task's reference exists
  double first_timeout_s = 300;            // the first program of a task also computes the reference
  double hello_timeout_s = 60;
  int warmup = 3;
  int repeats = 20;
  // The early cut: a program whose median over its first `early_cut_after` repeats exceeds
  // early_cut_factor x the task's best so far (the tuner's, or the batch's) gets no more repeats
  // (worker_protocol.h: EarlyCut). 0: every program gets all repeats.
  double early_cut_factor = 3.0;
  int early_cut_after = 3;
  bool check = true;
  std::string driver_library;              // empty: libcuda.so.1 (or $AGT_CUDA_DRIVER); tests name a missing file
  // Create checks that a CUDA driver loads before it starts the worker; false: no check, for tests
  // whose fake worker (worker_command) stands in for the GPU (tests/tuner/fake_worker.sh).
  bool probe_driver = true;
};

// Compiles programs of one task on `threads` threads; one result per program.
std::vector<Expected<codegen::CompiledProgram>> CompileParallel(const codegen::TaskContext& task,
                                                                const std::vector<codegen::Program>& programs,
                                                                codegen::NvrtcCompiler& nvrtc, int threads);

class Measurer {
 public:
  // Fails with "no CUDA driver: ..." where no driver can be loaded (a machine without a GPU).
  static Expected<std::unique_ptr<Measurer>> Create(MeasurerOptions options = {});
  ~Measurer();
  Measurer(const Measurer&) = delete;
  Measurer& operator=(const Measurer&) = delete;

  // Compiles and measures `programs` (all of task `task`); one result per program, in order.
  // `best_us`: the task's best time so far (0 or infinity: none), the early cut's reference.
  std::vector<records::MeasureResult> Measure(const codegen::TaskContext& task, const std::vector<codegen::Program>& programs,
                                              double best_us = 0);

  // Where measurements run (filled in once the worker has said hello).
  const records::MeasureEnvironment& environment() const { return env_; }
  int64_t worker_restarts() const { return restarts_; }

 private:
  explicit Measurer(MeasurerOptions options);
  Status StartWorker();
  void StopWorker(bool kill);
  // Reads one line from the worker within `timeout_s`; an error on timeout or end of output.
  Expected<std::string> ReadLine(double timeout_s, bool* timed_out);
  records::MeasureResult RunOnWorker(const MeasureRequest& req);

  MeasurerOptions options_;
  codegen::NvrtcCompiler nvrtc_;
  records::MeasureEnvironment env_;
  pid_t pid_ = -1;
  int to_worker_ = -1, from_worker_ = -1;
  std::string pending_;                    // bytes read past the last line
  std::set<std::string> referenced_;       // tasks this worker has computed references for
  int64_t next_id_ = 1;
  int64_t restarts_ = 0;
};

}  // namespace agt::tuner

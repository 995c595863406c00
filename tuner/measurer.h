// The measurer: programs in, typed results out. It compiles a batch of candidates in parallel
// (codegen + NVRTC, which is thread-safe; one compiler and its cache for every GPU) and hands each
// cubin, as soon as it is compiled, to whichever GPU worker is idle: one worker process per GPU
// (`autogtco tune-worker --device=N`, measure_worker.h, worker_process.h), each over its own pipe, so
// a fault on one GPU costs only that worker. The worker checks the kernel against the reference
// interpreter and times it; a kernel that hangs past the timeout gets the worker killed (a timeout
// error), one that faults takes only the worker down (a launch error); either way a fresh worker
// starts on that GPU for its next program and tuning goes on. A worker that exits without answering
// (killed from outside) loses nothing: the program runs again, once, on the next idle worker. A GPU
// whose worker cannot start again is dropped and the others go on. Every result says which GPU
// measured it. The tuner's own process never touches the GPU beyond probing that a driver exists:
// without one, Create says so clearly.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "codegen/compile.h"
#include "ir/status.h"
#include "records/measure_result.h"
#include "records/tuning_log.h"
#include "tuner/device_list.h"
#include "tuner/worker_process.h"

namespace agt::tuner {

struct MeasurerOptions {
  int compile_threads = 0;                 // 0: hardware concurrency
  std::string nvrtc_cache_dir;             // empty: memory cache only
  // The GPUs that measure (--devices): one worker each. Default: GPU 0.
  DeviceSelection devices{false, {0}};
  // The worker's command line (the measurer appends --device=N); empty: this executable with
  // `tune-worker` (/proc/self/exe).
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
  // A program whose worker exited without answering runs again this many times (on whichever
  // worker is idle next) before it is recorded as a launch error.
  int lost_worker_retries = 1;
  std::string driver_library;              // empty: libcuda.so.1 (or $AGT_CUDA_DRIVER); tests name a missing file
  // Create checks that a CUDA driver loads before it starts the worker; false: no check, for tests
  // whose fake worker (worker_command) stands in for the GPU (tests/tuner/fake_worker.sh).
  bool probe_driver = true;
};

// One program's measurement and the GPU that gave it (-1: none measured it, e.g. a compile error).
struct Measurement {
  records::MeasureResult result;
  int device = -1;
};

// What the GPUs did, over the measurer's life.
struct DeviceUse {
  int device = 0;
  int64_t programs = 0;     // answers received (a retried program counts where it was answered)
  double busy_s = 0;        // time spent waiting on this worker
  int64_t restarts = 0;
  bool dropped = false;     // its worker could not be started again
};
struct MeasurerStats {
  std::vector<DeviceUse> devices;
  double measure_wall_s = 0;   // time inside Measure()
  double compile_s = 0;        // compile time summed over programs (threads overlap)
  int64_t retried = 0;         // programs run again after their worker was lost
};

// Compiles programs of one task on `threads` threads; one result per program.
std::vector<Expected<codegen::CompiledProgram>> CompileParallel(const codegen::TaskContext& task,
                                                                const std::vector<codegen::Program>& programs,
                                                                codegen::NvrtcCompiler& nvrtc, int threads);

class Measurer {
 public:
  // Fails with "no CUDA driver: ..." where no driver can be loaded (a machine without a GPU); with
  // the number of GPUs for a device the host lacks; and when the chosen GPUs are not all of one kind
  // (their times would not compare).
  static Expected<std::unique_ptr<Measurer>> Create(MeasurerOptions options = {});
  ~Measurer();
  Measurer(const Measurer&) = delete;
  Measurer& operator=(const Measurer&) = delete;

  // Compiles and measures `programs` (all of task `task`); one measurement per program, in order.
  // `best_us`: the task's best time so far (0 or infinity: none), the early cut's reference.
  std::vector<Measurement> Measure(const codegen::TaskContext& task, const std::vector<codegen::Program>& programs,
                                   double best_us = 0);

  // Where measurements run (the first worker's hello; `device` left -1: each Measurement has its own).
  const records::MeasureEnvironment& environment() const { return env_; }
  std::vector<int> devices() const;
  int64_t worker_restarts() const;
  // The live worker processes (one per GPU; -1 where none runs), for tests that kill one.
  std::vector<pid_t> worker_pids() const;
  MeasurerStats stats() const;

 private:
  struct Worker;
  struct Dispatch;
  explicit Measurer(MeasurerOptions options);
  Status StartWorkers();
  WorkerSpec SpecFor(int device) const;
  void CompileLoop(Dispatch& d, const codegen::TaskContext& task, const std::vector<codegen::Program>& programs);
  void WorkerLoop(Dispatch& d, Worker& w, const codegen::TaskContext& task);

  MeasurerOptions options_;
  codegen::NvrtcCompiler nvrtc_;
  records::MeasureEnvironment env_;
  std::vector<std::unique_ptr<Worker>> workers_;
  int64_t next_id_ = 1;                    // under Dispatch's lock while measuring
  double measure_wall_s_ = 0, compile_s_ = 0;
  int64_t retried_ = 0;
};

}  // namespace agt::tuner

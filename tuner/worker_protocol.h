// The conversation between the measurer (the tuner's process) and its GPU worker process
// (`autogtco tune-worker`): JSON lines over a pipe. The worker first says hello (the GPU it found,
// or why it found none); then, per request, it loads a cubin, checks the kernel's outputs against
// the reference interpreter and times it, and answers with a result. A kernel that hangs or faults
// takes only the worker down; the measurer kills and restarts it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "codegen/kernel_source.h"
#include "codegen/program.h"
#include "ir/status.h"
#include "records/measure_result.h"

namespace agt::tuner {

struct WorkerHello {
  bool ok = false;
  std::string error;      // when !ok: "no CUDA driver: ..." or "no CUDA device"
  std::string gpu;
  std::string arch;       // "sm_90"
  std::string driver;     // "13.0"
  int device = 0;         // the GPU ordinal it measures on (`tune-worker --device=N`)
  int devices = 0;        // how many GPUs the host has (0: not said); also sent with an error
};

struct MeasureRequest {
  int64_t id = 0;
  std::string graph_text;           // the task's group graph: shapes and the reference
  ir::Precision precision = ir::Precision::kFP16;
  std::vector<uint8_t> cubin;
  codegen::LaunchSpec launch;
  int warmup = 3;
  int repeats = 20;
  bool check = true;                // compare with the reference before timing
  uint64_t input_seed = 1;
  // The early cut: after `cut_after` timed repeats, stop if their median exceeds cut_us (0: never).
  double cut_us = 0;
  int cut_after = 3;
};

struct MeasureResponse {
  int64_t id = 0;
  records::MeasureResult result;
  bool fatal = false;               // the worker's context is unusable; it exits after answering
};

std::string HelloToLine(const WorkerHello& h);
Expected<WorkerHello> HelloFromLine(std::string_view line);
std::string RequestToLine(const MeasureRequest& r);
Expected<MeasureRequest> RequestFromLine(std::string_view line);
std::string ResponseToLine(const MeasureResponse& r);
Expected<MeasureResponse> ResponseFromLine(std::string_view line);

// The early cut's rule, applied by the worker after each timed repeat: true once `times_us` holds at
// least `cut_after` repeats (and fewer than all) and their median exceeds `cut_us` (> 0). A candidate
// that far behind its task's best is recorded from those repeats; the rest are not run.
bool EarlyCut(const std::vector<double>& times_us, double cut_us, int cut_after);

// Relative L2 tolerance of DESIGN.md per precision: fp32 1e-4, tf32 5e-3, fp16/bf16 2e-2.
double Tolerance(ir::Precision p);

}  // namespace agt::tuner

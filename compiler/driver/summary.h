// What a compile did, for the summary `autogtco compile` prints on stdout and for tests: counts
// (tasks, kernels, launches, phases), the arena's peak against the sum of all intermediates, the
// weights, where programs came from, and the wall time of each stage.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace agt::driver {

struct CompileSummary {
  std::string model;
  std::string precision, arch;
  int nodes = 0;                    // after the frontend passes
  int phases = 0;                   // fused groups (kernel launches of the model)
  double estimated_us = 0;          // DPOF's end-to-end estimate of the plan (measured times where the log has them)
  int measured_phases = 0;          // groups whose estimate is a measured time
  int tasks = 0;                    // distinct groups = compiled model kernels
  int kernels = 0;                  // tasks + edge cast kernels
  int launches = 0;                 // kernels launched per run, casts, memsets and copies included
  int tuned_tasks = 0;              // programs from the tuning log (measured)
  int predicted_tasks = 0;          // programs the cost model chose
  int fallback_tasks = 0;           // GEMM/conv/attention/reduction groups left to the generic sketch
  std::vector<std::pair<std::string, int>> sketches;   // sketch kind -> tasks
  uint64_t arena_bytes = 0;         // the memory plan's peak
  uint64_t intermediate_bytes = 0;  // sum of every buffer, no reuse
  uint64_t weight_bytes = 0;
  uint64_t workspace_bytes = 0;
  std::string program_source;
  struct TaskProgram {
    std::string id, ops;
    int weight = 0;
    std::string origin;             // "measured", "predicted", "default"
    std::string sketch;
  };
  std::vector<TaskProgram> task_programs;   // in task order
  std::string weights_mode;         // "embedded", "external"
  std::string output;               // the artifact's path ("" before packing)
  std::string weights_file;         // external mode
  uint64_t artifact_bytes = 0;
  int64_t nvrtc_compiles = 0, nvrtc_cache_hits = 0;
  std::vector<std::pair<std::string, double>> stage_ms;   // in order
};

// Several lines of text.
std::string FormatSummary(const CompileSummary& s);
// "1.23 MiB".
std::string FormatBytes(uint64_t bytes);

}  // namespace agt::driver

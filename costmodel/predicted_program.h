// The program of a task nothing has measured, chosen by the cost model: the task's default program
// and `candidates` valid random ones (drawn from a generator seeded by the task's graph text and
// `seed`, so the same task always gets the same draw), scored by the model; the best score wins, the
// default on ties. No GPU, no clock: a compile with the same model is deterministic.
#pragma once

#include <cstdint>

#include "codegen/compile.h"
#include "costmodel/program_cost_model.h"
#include "ir/device.h"
#include "ir/status.h"

namespace agt::costmodel {

struct PredictedProgram {
  codegen::Program program;
  double score = 0;            // the model's score (normalised throughput within the task)
  double default_score = 0;    // the default program's
  bool is_default = false;     // no candidate scored above the default
};

inline constexpr int kPredictCandidates = 256;

// `model` must be trained. Thread-safe only if the model's Predict is (the caller serialises).
Expected<PredictedProgram> PredictProgram(const codegen::TaskContext& task, const ir::DeviceInfo& device, CostModel& model,
                                          uint64_t seed = 0, int candidates = kPredictCandidates);

}  // namespace agt::costmodel

// The annotation of a task nothing has measured, chosen by the cost model. The sketch is the default's
// (the rule's first choice: the model picks knobs, not sketches; trained on a few models' logs it
// would otherwise carry a fallback sketch's within-task score to tasks where the fast sketch applies).
// Candidates, all of that sketch: the default program, the fastest measured programs of the logged
// tasks (`carried`: the model file's programs) whose annotation is valid for this task, and the valid
// random ones among `candidates` draws (from a generator seeded by the task's graph text and `seed`,
// so the same task always gets the same draw).
// The model scores them; the best wins if it beats the default's score by kPredictMargin, else the
// default stays (the defaults are chosen by shape and the model extrapolates to unseen shapes).
// A sketch none of `carried` has (the model never saw it measured) keeps its default.
// No GPU, no clock: a compile with the same model is deterministic.
#pragma once

#include <cstdint>
#include <vector>

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
inline constexpr double kPredictMargin = 0.05;   // in the model's score: normalised throughput within a task

// `model` must be trained. Thread-safe only if the model's Predict is (the caller serialises).
Expected<PredictedProgram> PredictProgram(const codegen::TaskContext& task, const ir::DeviceInfo& device, CostModel& model,
                                          const std::vector<codegen::Program>& carried = {}, uint64_t seed = 0,
                                          int candidates = kPredictCandidates);

}  // namespace agt::costmodel

// The cost model's choice for an unmeasured task (see predicted_program.h).
#include "costmodel/predicted_program.h"

#include <algorithm>
#include <random>
#include <set>

#include "codegen/nvrtc.h"
#include "costmodel/features.h"

namespace agt::costmodel {

Expected<PredictedProgram> PredictProgram(const codegen::TaskContext& task, const ir::DeviceInfo& device, CostModel& model,
                                          const std::vector<codegen::Program>& carried, uint64_t seed, int candidates) {
  AGT_ASSIGN_OR_RETURN(codegen::Program def, codegen::DefaultProgram(task));
  // A sketch the model was never trained on (no measured program of it among `carried`): its scores
  // would rank that sketch's knobs by another sketch's records, so the default stays.
  if (std::none_of(carried.begin(), carried.end(), [&](const codegen::Program& c) { return c.sketch == def.sketch; })) {
    PredictedProgram out;
    out.program = def;
    out.is_default = true;
    return out;
  }
  std::mt19937_64 rng(codegen::SourceHash(task.task.graph_text) ^ (seed * 0x9e3779b97f4a7c15ull));
  AGT_ASSIGN_OR_RETURN(std::vector<codegen::Program> drawn, codegen::SampleProgram(task, candidates, rng));
  auto key = [](const codegen::Program& p) {
    return std::string(codegen::SketchKindName(p.sketch.kind)) + (p.sketch.tensor_cores ? "/tc " : " ") + p.annotation.ToString();
  };
  std::vector<codegen::Program> pool = {def};
  std::set<std::string> seen = {key(def)};
  for (const codegen::Program& c : carried) {
    if (!(c.sketch == def.sketch)) continue;
    auto space = task.Space(c.sketch);
    if (!space.ok() || !codegen::ValidateAnnotation(*space, c.annotation).ok()) continue;
    codegen::Program p{task.task, c.sketch, c.annotation};
    if (seen.insert(key(p)).second) pool.push_back(std::move(p));
  }
  for (codegen::Program& p : drawn) {
    if (!(p.sketch == def.sketch)) continue;
    if (seen.insert(key(p)).second) pool.push_back(std::move(p));
  }
  FeatureExtractor fx(task, device);
  std::vector<double> score = model.Predict(fx.Extract(pool));
  size_t best = 0;
  for (size_t i = 1; i < pool.size(); ++i) {
    if (score[i] > score[best]) best = i;
  }
  if (score[best] < score[0] + kPredictMargin) best = 0;
  PredictedProgram out;
  out.program = pool[best];
  out.score = score[best];
  out.default_score = score[0];
  out.is_default = best == 0;
  return out;
}

}  // namespace agt::costmodel

// The search policy: evolutionary search over annotations guided by the cost model (Ansor's
// SketchPolicy). A population of (sketch, annotation) candidates, seeded with the best measured
// programs and random samples, evolves for a few generations by mutation (one knob to another
// value of its domain) and crossover (knob-wise mix of two parents of the same sketch); the cost
// model scores each generation; the best unmeasured candidates, plus an epsilon share of random
// ones, are the batch handed to the measurer. Every candidate it returns is valid (search_space.h):
// mutation and crossover re-check validity and retry. Random numbers come from a seeded generator
// passed in, so a search is reproducible.
#pragma once

#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "codegen/compile.h"
#include "costmodel/program_cost_model.h"
#include "costmodel/features.h"

namespace agt::tuner {

struct SearchOptions {
  int population = 512;         // Ansor uses 2048; fewer keeps a round cheap on a small CPU
  int generations = 4;
  double mutation_prob = 0.85;  // otherwise crossover
  double seed_share = 0.2;      // of the initial population, from the best measured programs
  double eps_random = 0.05;     // of each batch, picked at random instead of by the model
};

// A program without its task: what the search moves around.
struct Candidate {
  codegen::Sketch sketch;
  codegen::Annotation annotation;
  bool operator==(const Candidate&) const = default;
};
// "gemm/tc block_m=64 ...": identifies a candidate within its task.
std::string CandidateKey(const codegen::Sketch& s, const codegen::Annotation& a);
inline std::string CandidateKey(const codegen::Program& p) { return CandidateKey(p.sketch, p.annotation); }

// `a` with one knob moved to another value of its domain; valid whenever `a` is (falls back to `a`
// itself only when no valid neighbour turns up after many draws).
codegen::Annotation Mutate(const codegen::SpaceContext& ctx, const codegen::Annotation& a, std::mt19937_64& rng);
// Each knob from either parent; a valid child, or a mutation of `a` when no mix is valid.
codegen::Annotation Crossover(const codegen::SpaceContext& ctx, const codegen::Annotation& a, const codegen::Annotation& b,
                              std::mt19937_64& rng);

class EvolutionarySearch {
 public:
  EvolutionarySearch(const codegen::TaskContext& task, const costmodel::FeatureExtractor& features, SearchOptions options = {});

  // Up to `batch` valid programs not in `measured` (candidate keys), best predicted first, with
  // round(eps * batch) random ones among them. `best_measured`: measured programs, fastest first.
  std::vector<codegen::Program> NextBatch(costmodel::CostModel& model, const std::vector<codegen::Program>& best_measured,
                                          const std::set<std::string>& measured, int batch, std::mt19937_64& rng);

  // Random valid candidates spread over the sketches.
  std::vector<Candidate> RandomCandidates(int count, std::mt19937_64& rng) const;

 private:
  const codegen::SpaceContext* Space(const codegen::Sketch& s) const;
  codegen::Program ToProgram(const Candidate& c) const { return codegen::Program{task_->task, c.sketch, c.annotation}; }

  const codegen::TaskContext* task_;
  const costmodel::FeatureExtractor* features_;
  SearchOptions options_;
  std::vector<std::pair<codegen::Sketch, codegen::SpaceContext>> spaces_;
};

}  // namespace agt::tuner

// Mutation, crossover and the evolutionary search (see search.h).
#include "tuner/search.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include <fmt/format.h>

namespace agt::tuner {

using codegen::Annotation;
using codegen::KnobSpec;
using codegen::SpaceContext;

std::string CandidateKey(const codegen::Sketch& s, const codegen::Annotation& a) {
  return fmt::format("{}{} {}", codegen::SketchKindName(s.kind), s.tensor_cores ? "/tc" : "", a.ToString());
}

namespace {

int64_t PickOther(const KnobSpec& k, int64_t current, std::mt19937_64& rng) {
  std::vector<int64_t> others;
  for (int64_t v : k.domain) {
    if (v != current) others.push_back(v);
  }
  if (others.empty()) return current;
  std::uniform_int_distribution<size_t> pick(0, others.size() - 1);
  return others[pick(rng)];
}

}  // namespace

Annotation Mutate(const SpaceContext& ctx, const Annotation& a, std::mt19937_64& rng) {
  std::vector<KnobSpec> knobs;
  for (KnobSpec& k : codegen::KnobsFor(ctx)) {
    if (k.domain.size() > 1) knobs.push_back(std::move(k));
  }
  if (knobs.empty()) return a;
  std::uniform_int_distribution<size_t> pick_knob(0, knobs.size() - 1);
  for (int attempt = 0; attempt < 64; ++attempt) {
    const KnobSpec& k = knobs[pick_knob(rng)];
    Annotation m = a;
    m.set(k.knob, PickOther(k, a.get(k.knob), rng));
    if (codegen::ValidateAnnotation(ctx, m).ok()) return m;
    // Knobs are coupled (block_m and warps_m, block_q and warps): move one more knob to repair.
    const KnobSpec& k2 = knobs[pick_knob(rng)];
    if (k2.knob == k.knob) continue;
    m.set(k2.knob, PickOther(k2, a.get(k2.knob), rng));
    if (codegen::ValidateAnnotation(ctx, m).ok()) return m;
  }
  return a;
}

Annotation Crossover(const SpaceContext& ctx, const Annotation& a, const Annotation& b, std::mt19937_64& rng) {
  std::vector<KnobSpec> knobs = codegen::KnobsFor(ctx);
  std::bernoulli_distribution coin(0.5);
  for (int attempt = 0; attempt < 16; ++attempt) {
    Annotation c = a;
    for (const KnobSpec& k : knobs) c.set(k.knob, coin(rng) ? a.get(k.knob) : b.get(k.knob));
    if (codegen::ValidateAnnotation(ctx, c).ok()) return c;
  }
  return Mutate(ctx, a, rng);
}

EvolutionarySearch::EvolutionarySearch(const codegen::TaskContext& task, const costmodel::FeatureExtractor& features, SearchOptions options)
    : task_(&task), features_(&features), options_(options) {
  for (const codegen::Sketch& s : task.sketches) {
    auto space = task.Space(s);
    if (space.ok()) spaces_.emplace_back(s, *space);
  }
}

const SpaceContext* EvolutionarySearch::Space(const codegen::Sketch& s) const {
  for (const auto& [sk, space] : spaces_) {
    if (sk == s) return &space;
  }
  return nullptr;
}

std::vector<Candidate> EvolutionarySearch::RandomCandidates(int count, std::mt19937_64& rng) const {
  std::vector<Candidate> out;
  if (spaces_.empty()) return out;
  for (int i = 0; i < count; ++i) {
    const auto& [s, space] = spaces_[static_cast<size_t>(i) % spaces_.size()];
    out.push_back({s, codegen::SampleAnnotation(space, rng)});
  }
  return out;
}

std::vector<codegen::Program> EvolutionarySearch::NextBatch(costmodel::CostModel& model, const std::vector<codegen::Program>& best_measured,
                                                            const std::set<std::string>& measured, int batch, std::mt19937_64& rng) {
  std::vector<codegen::Program> out;
  if (spaces_.empty() || batch <= 0) return out;
  const int pop_size = std::max(options_.population, 2);

  // Initial population: the best measured programs, then random samples.
  std::vector<Candidate> pop;
  int seeded = static_cast<int>(std::lround(options_.seed_share * pop_size));
  for (const codegen::Program& p : best_measured) {
    if (static_cast<int>(pop.size()) >= seeded) break;
    if (Space(p.sketch) != nullptr) pop.push_back({p.sketch, p.annotation});
  }
  for (Candidate& c : RandomCandidates(pop_size - static_cast<int>(pop.size()), rng)) pop.push_back(std::move(c));

  // Every distinct candidate seen, with its latest score.
  std::map<std::string, std::pair<Candidate, double>> seen;
  auto score = [&](const std::vector<Candidate>& cs) {
    std::vector<costmodel::FeatureVector> f;
    f.reserve(cs.size());
    for (const Candidate& c : cs) f.push_back(features_->Extract(c.sketch, c.annotation));
    std::vector<double> s = model.Predict(f);
    for (size_t i = 0; i < cs.size(); ++i) seen[CandidateKey(cs[i].sketch, cs[i].annotation)] = {cs[i], s[i]};
    return s;
  };

  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> scores = score(pop);
  for (int gen = 0; gen < options_.generations; ++gen) {
    // Tournament selection of size 3: robust to the scale and sign of the model's scores.
    std::uniform_int_distribution<size_t> any(0, pop.size() - 1);
    auto select = [&]() -> const Candidate& {
      size_t best = any(rng);
      for (int t = 0; t < 2; ++t) {
        size_t c = any(rng);
        if (scores[c] > scores[best]) best = c;
      }
      return pop[best];
    };
    std::vector<Candidate> next;
    next.reserve(pop.size());
    while (next.size() < pop.size()) {
      const Candidate& p1 = select();
      const SpaceContext* space = Space(p1.sketch);
      if (u(rng) < options_.mutation_prob) {
        next.push_back({p1.sketch, Mutate(*space, p1.annotation, rng)});
      } else {
        const Candidate& p2 = select();
        next.push_back({p1.sketch, p2.sketch == p1.sketch ? Crossover(*space, p1.annotation, p2.annotation, rng)
                                                          : Mutate(*space, p1.annotation, rng)});
      }
    }
    pop = std::move(next);
    scores = score(pop);
  }

  // Best predicted unmeasured candidates; ties by key, so the batch does not depend on map order.
  std::vector<std::pair<double, std::string>> ranked;
  for (const auto& [key, cs] : seen) {
    if (!measured.count(key)) ranked.push_back({cs.second, key});
  }
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  int n_random = static_cast<int>(std::lround(options_.eps_random * batch));
  std::set<std::string> chosen;
  for (const auto& [s, key] : ranked) {
    if (static_cast<int>(out.size()) >= batch - n_random) break;
    chosen.insert(key);
    out.push_back(ToProgram(seen.at(key).first));
  }
  // The random share (and any shortfall): fresh samples not measured nor chosen.
  for (int attempt = 0; attempt < 8 && static_cast<int>(out.size()) < batch; ++attempt) {
    for (Candidate& c : RandomCandidates(batch, rng)) {
      if (static_cast<int>(out.size()) >= batch) break;
      std::string key = CandidateKey(c.sketch, c.annotation);
      if (measured.count(key) || !chosen.insert(key).second) continue;
      out.push_back(ToProgram(c));
    }
  }
  return out;
}

}  // namespace agt::tuner

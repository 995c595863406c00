// The cost models: labels, rank correlation, and XGBoost learning a synthetic latency function
// well enough to rank held-out programs.
#include <cmath>
#include <random>

#include <catch2/catch.hpp>

#include "costmodel/program_cost_model.h"

namespace agt::costmodel {
namespace {

TEST_CASE("Spearman correlation with ties, by hand", "[costmodel]") {
  // ranks of b: 1, 2, 3.5, 5, 3.5 -> rho = 8 / sqrt(10 * 9.5).
  CHECK(SpearmanCorrelation({1, 2, 3, 4, 5}, {5, 6, 7, 8, 7}) == Approx(8.0 / std::sqrt(95.0)));
  CHECK(SpearmanCorrelation({1, 2, 3}, {30, 20, 10}) == Approx(-1.0));
  CHECK(SpearmanCorrelation({1, 2, 3}, {1, 1, 1}) == 0.0);
  CHECK(SpearmanCorrelation({1}, {2}) == 0.0);
}

TEST_CASE("labels are throughput normalised per task, failures zero", "[costmodel]") {
  std::vector<CostSample> s = {{"a", {}, 10, true}, {"a", {}, 20, true}, {"b", {}, 1000, true}, {"b", {}, 0, false},
                               {"b", {}, 4000, true}};
  std::vector<float> y = NormalizedThroughput(s);
  REQUIRE(y.size() == 5);
  CHECK(y[0] == 1.0f);
  CHECK(y[1] == 0.5f);
  CHECK(y[2] == 1.0f);
  CHECK(y[3] == 0.0f);
  CHECK(y[4] == 0.25f);
}

// Synthetic programs: time depends non-linearly on a few features, with tasks of different scales.
std::vector<CostSample> Synthetic(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<CostSample> out;
  for (int i = 0; i < n; ++i) {
    CostSample s;
    for (float& f : s.features) f = u(rng);
    int task = i % 3;
    s.task_key = fmt::format("task{}", task);
    s.features[0] = static_cast<float>(task);
    double x1 = s.features[1], x2 = s.features[2], x3 = s.features[3];
    double shape = 1.0 + 3.0 * x1 + 2.0 * (x2 - 0.5) * (x2 - 0.5) * 4 + (x3 > 0.7 ? 2.0 : 0.0);
    s.time_us = shape * std::pow(10.0, task);   // tasks 1, 10 and 100 us scale
    s.ok = true;
    out.push_back(s);
  }
  return out;
}

TEST_CASE("XGBoost learns to rank held-out programs", "[costmodel]") {
  std::vector<CostSample> train = Synthetic(600, 1), test = Synthetic(300, 2);
  XGBoostOptions o;
  o.threads = 2;
  o.rounds = 60;
  XGBoostCostModel model(o);
  CHECK_FALSE(model.trained());
  std::vector<FeatureVector> xs;
  for (const CostSample& s : test) xs.push_back(s.features);
  CHECK(model.Predict(xs) == std::vector<double>(xs.size(), 0.0));   // untrained: no opinion
  REQUIRE(model.Update(train).ok());
  CHECK(model.trained());
  std::vector<double> pred = model.Predict(xs);
  // Within each task, predicted score against measured throughput.
  for (int task = 0; task < 3; ++task) {
    std::vector<double> p, thr;
    for (size_t i = 0; i < test.size(); ++i) {
      if (test[i].task_key != fmt::format("task{}", task)) continue;
      p.push_back(pred[i]);
      thr.push_back(1.0 / test[i].time_us);
    }
    double rho = SpearmanCorrelation(p, thr);
    INFO("task " << task << ": Spearman " << rho);
    CHECK(rho > 0.85);
  }
  // The random model ranks no better than chance.
  RandomCostModel random(5);
  std::vector<double> rp = random.Predict(xs), thr;
  for (const CostSample& s : test) thr.push_back(1.0 / s.time_us);
  CHECK(std::abs(SpearmanCorrelation(rp, thr)) < 0.2);
}

}  // namespace
}  // namespace agt::costmodel

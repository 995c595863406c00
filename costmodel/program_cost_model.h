// The learned cost model of the performance tuner: it ranks candidate programs so that only the
// promising ones are compiled and measured. An interface (Update on measured records, Predict on
// candidate programs), with XGBoost through its C library as Ansor does, and a random model as the
// fallback and the baseline. Both work on feature vectors (features.h); the label is the normalised
// throughput of a program within its task (best time of the task / its time; 0 for a failure), so
// that tasks of very different sizes train one model and scores compare within a task.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "ir/status.h"
#include "costmodel/features.h"
#include "records/measure_result.h"

namespace agt::costmodel {

// One measured program as the model sees it.
struct CostSample {
  std::string task_key;
  FeatureVector features{};
  double time_us = 0;      // when ok
  bool ok = false;         // failed programs teach the model too (label 0)
};

// Per-task normalised throughput labels: min time of the task / time, 0 for failures.
std::vector<float> NormalizedThroughput(const std::vector<CostSample>& samples);

class CostModel {
 public:
  virtual ~CostModel() = default;
  // Retrains on every sample measured so far.
  virtual Status Update(const std::vector<CostSample>& samples) = 0;
  // A score per program: higher is faster (comparable within a task).
  virtual std::vector<double> Predict(const std::vector<FeatureVector>& programs) = 0;
  virtual std::string name() const = 0;
};

struct XGBoostOptions {
  int rounds = 100;           // boosting rounds per Update
  int max_depth = 8;
  double eta = 0.2;
  double min_child_weight = 0;
  double gamma = 0.001;
  int threads = 0;            // 0: XGBoost's default
  uint64_t seed = 0;
};

class XGBoostCostModel : public CostModel {
 public:
  explicit XGBoostCostModel(XGBoostOptions options = {});
  ~XGBoostCostModel() override;
  XGBoostCostModel(const XGBoostCostModel&) = delete;
  XGBoostCostModel& operator=(const XGBoostCostModel&) = delete;
  Status Update(const std::vector<CostSample>& samples) override;
  // All zeros until the first Update with samples.
  std::vector<double> Predict(const std::vector<FeatureVector>& programs) override;
  std::string name() const override { return "xgboost"; }
  bool trained() const { return booster_ != nullptr; }

  // The trained booster as XGBoost's JSON model text; an error before the first Update.
  Expected<std::string> SaveJson() const;
  // A trained model from that text, for prediction (an Update retrains from scratch as usual).
  static Expected<std::unique_ptr<XGBoostCostModel>> LoadJson(std::string_view json, XGBoostOptions options = {});

 private:
  XGBoostOptions options_;
  void* booster_ = nullptr;   // BoosterHandle
};

class RandomCostModel : public CostModel {
 public:
  explicit RandomCostModel(uint64_t seed) : rng_(seed) {}
  Status Update(const std::vector<CostSample>&) override { return Status::Ok(); }
  std::vector<double> Predict(const std::vector<FeatureVector>& programs) override;
  std::string name() const override { return "random"; }

 private:
  std::mt19937_64 rng_;
};

// Spearman's rank correlation of two equally long series (average ranks for ties); 0 when either
// is constant or shorter than 2.
double SpearmanCorrelation(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace agt::costmodel

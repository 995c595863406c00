// Labels, the random model and rank correlation (the XGBoost model is in xgboost_cost_model.cpp).
#include "costmodel/program_cost_model.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace agt::costmodel {

std::vector<float> NormalizedThroughput(const std::vector<CostSample>& samples) {
  std::map<std::string, double> best;
  for (const CostSample& s : samples) {
    if (!s.ok || !(s.time_us > 0)) continue;
    auto [it, fresh] = best.emplace(s.task_key, s.time_us);
    if (!fresh) it->second = std::min(it->second, s.time_us);
  }
  std::vector<float> y;
  y.reserve(samples.size());
  for (const CostSample& s : samples) {
    y.push_back(s.ok && s.time_us > 0 ? static_cast<float>(best.at(s.task_key) / s.time_us) : 0.0f);
  }
  return y;
}

std::vector<double> RandomCostModel::Predict(const std::vector<FeatureVector>& programs) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> out(programs.size());
  for (double& v : out) v = u(rng_);
  return out;
}

namespace {

std::vector<double> Ranks(const std::vector<double>& v) {
  std::vector<size_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (size_t i = 0; i < idx.size();) {
    size_t j = i;
    while (j + 1 < idx.size() && v[idx[j + 1]] == v[idx[i]]) ++j;
    double avg = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (size_t k = i; k <= j; ++k) r[idx[k]] = avg;
    i = j + 1;
  }
  return r;
}

}  // namespace

double SpearmanCorrelation(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size() || a.size() < 2) return 0;
  std::vector<double> ra = Ranks(a), rb = Ranks(b);
  double n = static_cast<double>(a.size());
  double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / n, mb = std::accumulate(rb.begin(), rb.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < ra.size(); ++i) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) * (ra[i] - ma);
    sbb += (rb[i] - mb) * (rb[i] - mb);
  }
  if (saa == 0 || sbb == 0) return 0;
  return sab / std::sqrt(saa * sbb);
}

}  // namespace agt::costmodel

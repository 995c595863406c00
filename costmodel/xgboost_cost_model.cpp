// The XGBoost cost model through XGBoost's C API (linked, never dlopen'ed): a fresh booster is
// trained on all samples after each round of measurements (Ansor retrains after every round too),
// regression on normalised throughput with squared error.
#include <cmath>

#include <fmt/format.h>
#include <xgboost/c_api.h>

#include "costmodel/program_cost_model.h"

namespace agt::costmodel {

namespace {

Status XgbCheck(int rc, const char* what) {
  if (rc == 0) return Status::Ok();
  return Status::Errorf("xgboost {} failed: {}", what, XGBGetLastError());
}

// A dense DMatrix freed on scope exit.
class DMatrix {
 public:
  static Expected<std::unique_ptr<DMatrix>> Create(const std::vector<FeatureVector>& rows) {
    std::vector<float> data;
    data.reserve(rows.size() * kNumFeatures);
    for (const FeatureVector& r : rows) data.insert(data.end(), r.begin(), r.end());
    auto m = std::make_unique<DMatrix>();
    AGT_RETURN_IF_ERROR(XgbCheck(XGDMatrixCreateFromMat(data.data(), rows.size(), kNumFeatures, NAN, &m->h), "XGDMatrixCreateFromMat"));
    return m;
  }
  ~DMatrix() {
    if (h != nullptr) XGDMatrixFree(h);
  }
  DMatrixHandle h = nullptr;
};

}  // namespace

XGBoostCostModel::XGBoostCostModel(XGBoostOptions options) : options_(options) {}

XGBoostCostModel::~XGBoostCostModel() {
  if (booster_ != nullptr) XGBoosterFree(static_cast<BoosterHandle>(booster_));
}

Status XGBoostCostModel::Update(const std::vector<CostSample>& samples) {
  if (samples.empty()) return Status::Ok();
  std::vector<FeatureVector> rows;
  rows.reserve(samples.size());
  for (const CostSample& s : samples) rows.push_back(s.features);
  std::vector<float> labels = NormalizedThroughput(samples);
  AGT_ASSIGN_OR_RETURN(auto dtrain, DMatrix::Create(rows));
  AGT_RETURN_IF_ERROR(XgbCheck(XGDMatrixSetFloatInfo(dtrain->h, "label", labels.data(), labels.size()), "XGDMatrixSetFloatInfo"));
  BoosterHandle b = nullptr;
  AGT_RETURN_IF_ERROR(XgbCheck(XGBoosterCreate(&dtrain->h, 1, &b), "XGBoosterCreate"));
  auto set = [&](const char* k, const std::string& v) { return XgbCheck(XGBoosterSetParam(b, k, v.c_str()), "XGBoosterSetParam"); };
  Status st = [&]() -> Status {
    AGT_RETURN_IF_ERROR(set("objective", "reg:squarederror"));
    AGT_RETURN_IF_ERROR(set("max_depth", std::to_string(options_.max_depth)));
    AGT_RETURN_IF_ERROR(set("eta", fmt::format("{}", options_.eta)));
    AGT_RETURN_IF_ERROR(set("gamma", fmt::format("{}", options_.gamma)));
    AGT_RETURN_IF_ERROR(set("min_child_weight", fmt::format("{}", options_.min_child_weight)));
    AGT_RETURN_IF_ERROR(set("seed", std::to_string(options_.seed)));
    AGT_RETURN_IF_ERROR(set("verbosity", "0"));
    if (options_.threads > 0) AGT_RETURN_IF_ERROR(set("nthread", std::to_string(options_.threads)));
    for (int i = 0; i < options_.rounds; ++i) {
      AGT_RETURN_IF_ERROR(XgbCheck(XGBoosterUpdateOneIter(b, i, dtrain->h), "XGBoosterUpdateOneIter"));
    }
    return Status::Ok();
  }();
  if (!st.ok()) {
    XGBoosterFree(b);
    return st;
  }
  if (booster_ != nullptr) XGBoosterFree(static_cast<BoosterHandle>(booster_));
  booster_ = b;
  return Status::Ok();
}

Expected<std::string> XGBoostCostModel::SaveJson() const {
  if (booster_ == nullptr) return Status::Error("the cost model has not been trained");
  bst_ulong len = 0;
  const char* buf = nullptr;
  AGT_RETURN_IF_ERROR(XgbCheck(XGBoosterSaveModelToBuffer(static_cast<BoosterHandle>(booster_), R"({"format": "json"})", &len, &buf),
                               "XGBoosterSaveModelToBuffer"));
  return std::string(buf, len);
}

Expected<std::unique_ptr<XGBoostCostModel>> XGBoostCostModel::LoadJson(std::string_view json, XGBoostOptions options) {
  if (json.empty() || json.front() != '{') return Status::Error("not an XGBoost JSON model");
  BoosterHandle b = nullptr;
  AGT_RETURN_IF_ERROR(XgbCheck(XGBoosterCreate(nullptr, 0, &b), "XGBoosterCreate"));
  Status st = XgbCheck(XGBoosterLoadModelFromBuffer(b, json.data(), json.size()), "XGBoosterLoadModelFromBuffer");
  bst_ulong features = 0;
  if (st.ok()) st = XgbCheck(XGBoosterGetNumFeature(b, &features), "XGBoosterGetNumFeature");
  if (st.ok() && features != kNumFeatures) {
    st = Status::Errorf("the model was trained on {} features, this build computes {}: train it again (autogtco cost-model train)",
                        features, kNumFeatures);
  }
  if (st.ok() && options.threads > 0) st = XgbCheck(XGBoosterSetParam(b, "nthread", std::to_string(options.threads).c_str()), "XGBoosterSetParam");
  if (!st.ok()) {
    XGBoosterFree(b);
    return st;
  }
  auto m = std::make_unique<XGBoostCostModel>(options);
  m->booster_ = b;
  return m;
}

std::vector<double> XGBoostCostModel::Predict(const std::vector<FeatureVector>& programs) {
  std::vector<double> out(programs.size(), 0.0);
  if (booster_ == nullptr || programs.empty()) return out;
  auto d = DMatrix::Create(programs);
  if (!d.ok()) return out;
  bst_ulong n = 0;
  const float* res = nullptr;
  if (XGBoosterPredict(static_cast<BoosterHandle>(booster_), (*d)->h, 0, 0, 0, &n, &res) != 0 || n != programs.size()) return out;
  for (size_t i = 0; i < programs.size(); ++i) out[i] = res[i];
  return out;
}

}  // namespace agt::costmodel

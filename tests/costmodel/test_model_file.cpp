// The cost model as data: the shipped file is what the committed logs and seed 0 train to, byte for
// byte (retrain it with `autogtco cost-model train`, models/cost_model/README.md, when logs, features or
// emitters change); it loads, and it ranks; the predicted program is the best-scored valid candidate,
// the same on every call.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "costmodel/features.h"
#include "costmodel/model_file.h"
#include "costmodel/predicted_program.h"
#include "tests/tuner/tuner_test_util.h"

namespace agt::costmodel {
namespace {

namespace fs = std::filesystem;

fs::path RepoRoot() { return fs::path(AGT_TEST_DATA_DIR).parent_path().parent_path(); }

// The logs the shipped model is trained from: every committed sm_90 log, in name order.
std::vector<std::string> CommittedLogs() {
  std::vector<std::string> logs;
  for (const auto& e : fs::directory_iterator(RepoRoot() / "models" / "tuning" / "h100")) {
    if (e.path().extension() == ".jsonl") logs.push_back(e.path().string());
  }
  std::sort(logs.begin(), logs.end());
  return logs;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_CASE("the shipped cost model is reproducible from the committed logs and its seed", "[costmodel][shipped]") {
  std::vector<std::string> logs = CommittedLogs();
  REQUIRE_FALSE(logs.empty());
  auto set = TrainingSetFromLogs(logs, "sm_90");
  REQUIRE(set.ok());
  CHECK(set->samples.size() > 1000);
  CHECK(set->tasks >= 10);
  auto text = TrainModelText(*set, "sm_90", /*seed=*/0);
  REQUIRE(text.ok());
  const std::string committed = ReadFile(RepoRoot() / "models" / "cost_model" / "sm_90.json");
  INFO("retrain: build/bin/autogtco cost-model train models/tuning/h100/*.jsonl -o models/cost_model/sm_90.json");
  CHECK(text->size() == committed.size());
  CHECK((*text == committed));
  // What is linked into the library is that file.
  CHECK((std::string(ShippedModelText("sm_90")) == committed));
  CHECK(ShippedModelText("sm_80").empty());
  // Trained twice, the same bytes.
  auto again = TrainModelText(*set, "sm_90", 0);
  REQUIRE(again.ok());
  CHECK((*again == *text));
}

TEST_CASE("the shipped model loads and ranks a task's programs", "[costmodel][shipped]") {
  auto model = LoadShippedModel("sm_90");
  REQUIRE(model.ok());
  codegen::TaskContext task = test::LinearTask(197, 768, 2304);
  std::mt19937_64 rng(3);
  auto programs = codegen::SampleProgram(task, 64, rng);
  REQUIRE(programs.ok());
  FeatureExtractor fx(task, ir::H100());
  std::vector<double> s = model->model->Predict(fx.Extract(*programs));
  CHECK(model->arch == "sm_90");
  CHECK(model->seed == 0);
  CHECK(model->programs.size() >= 10);   // one carried program per logged task
  REQUIRE(s.size() == programs->size());
  CHECK(*std::max_element(s.begin(), s.end()) > *std::min_element(s.begin(), s.end()));
  CHECK_FALSE(LoadShippedModel("sm_80").ok());
}

TEST_CASE("a model file that is not one, or of another feature set, is refused", "[costmodel]") {
  CHECK_FALSE(XGBoostCostModel::LoadJson("not json").ok());
  CHECK_FALSE(XGBoostCostModel::LoadJson("").ok());
  CHECK_FALSE(ParseModelFile("{}").ok());
  CHECK_FALSE(ParseModelFile(R"({"format": "autogtco-cost-model", "version": 2})").ok());
  auto missing = LoadModelFile("/nonexistent/model.json");
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.status().message(), Catch::Contains("/nonexistent/model.json"));
  // A model trained on fewer features than this build computes.
  std::string text = ReadFile(RepoRoot() / "models" / "cost_model" / "sm_90.json");
  const std::string key = "\"num_feature\":\"" + std::to_string(kNumFeatures) + "\"";
  REQUIRE(text.find(key) != std::string::npos);
  for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at)) text.replace(at, key.size(), "\"num_feature\":\"7\"");
  auto fewer = ParseModelFile(text);
  REQUIRE_FALSE(fewer.ok());
  CHECK_THAT(fewer.status().message(), Catch::Contains("train it again"));
}

// Scores each program by one knob (times `sign`): the predicted program must be the candidate with
// the largest score.
class KnobModel final : public CostModel {
 public:
  KnobModel(Feature f, double sign) : f_(f), sign_(sign) {}
  Status Update(const std::vector<CostSample>&) override { return Status::Ok(); }
  std::vector<double> Predict(const std::vector<FeatureVector>& ps) override {
    std::vector<double> out;
    for (const FeatureVector& p : ps) out.push_back(sign_ * Get(p, f_));
    return out;
  }
  std::string name() const override { return "knob"; }

 private:
  Feature f_;
  double sign_;
};

class ConstantModel final : public CostModel {
 public:
  Status Update(const std::vector<CostSample>&) override { return Status::Ok(); }
  std::vector<double> Predict(const std::vector<FeatureVector>& ps) override { return std::vector<double>(ps.size(), 0.5); }
  std::string name() const override { return "constant"; }
};

TEST_CASE("the predicted program is the best-scored valid candidate, the default on ties, the same every call",
          "[costmodel][predict]") {
  codegen::TaskContext task = test::LinearTask(197, 768, 768);
  auto def = codegen::DefaultProgram(task);
  REQUIRE(def.ok());
  // The model has seen the sketch: one program of it among the carried ones (as the model file's).
  codegen::Program seen = *def;
  seen.task = codegen::Task{};
  const std::vector<codegen::Program> carried = {seen};
  KnobModel by_stages(Feature::kStages, -1.0);   // fewest stages first (the default has the most)
  auto unseen = PredictProgram(task, ir::H100(), by_stages);   // nothing carried: a sketch it never saw
  REQUIRE(unseen.ok());
  CHECK(unseen->is_default);
  CHECK((unseen->program == *def));
  auto p = PredictProgram(task, ir::H100(), by_stages, carried);
  REQUIRE(p.ok());
  auto space = task.Space(p->program.sketch);
  REQUIRE(space.ok());
  CHECK(codegen::ValidateAnnotation(*space, p->program.annotation).ok());
  FeatureExtractor fx(task, ir::H100());
  CHECK(p->score == -Get(fx.Extract(p->program), Feature::kStages));
  CHECK(p->score >= p->default_score);
  CHECK(p->score > -Get(fx.Extract(*def), Feature::kStages));
  CHECK_FALSE(p->is_default);
  auto again = PredictProgram(task, ir::H100(), by_stages, carried);
  REQUIRE(again.ok());
  CHECK((again->program == p->program));

  ConstantModel flat;
  auto tie = PredictProgram(task, ir::H100(), flat, carried);
  REQUIRE(tie.ok());
  CHECK(tie->is_default);
  CHECK((tie->program == *def));

  // A gain below the margin keeps the default.
  KnobModel nearly_flat(Feature::kStages, -0.001);
  auto small = PredictProgram(task, ir::H100(), nearly_flat, carried);
  REQUIRE(small.ok());
  CHECK(small->is_default);
  CHECK(small->score - small->default_score < kPredictMargin);
}

TEST_CASE("programs carried from logged tasks are candidates where they are valid", "[costmodel][predict]") {
  codegen::TaskContext task = test::LinearTask(197, 768, 768);
  auto def = codegen::DefaultProgram(task);
  REQUIRE(def.ok());
  auto space = task.Space(def->sketch);
  REQUIRE(space.ok());
  codegen::Program fewer_stages = *def;
  fewer_stages.task = codegen::Task{};   // as the model file stores them: no task
  fewer_stages.annotation.set(codegen::Knob::kStages, 2);
  REQUIRE(codegen::ValidateAnnotation(*space, fewer_stages.annotation).ok());
  codegen::Program wrong_sketch = fewer_stages;
  wrong_sketch.sketch.kind = codegen::SketchKind::kAttention;   // no such sketch for a Linear: skipped
  KnobModel by_stages(Feature::kStages, -1.0);
  // No random draw: the pool is the default and the carried programs.
  auto p = PredictProgram(task, ir::H100(), by_stages, {wrong_sketch, fewer_stages}, 0, /*candidates=*/0);
  REQUIRE(p.ok());
  CHECK_FALSE(p->is_default);
  CHECK(p->program.annotation == fewer_stages.annotation);
  CHECK((p->program.task == task.task));   // rebound to this task
  auto only_wrong = PredictProgram(task, ir::H100(), by_stages, {wrong_sketch}, 0, 0);
  REQUIRE(only_wrong.ok());
  CHECK(only_wrong->is_default);
}

}  // namespace
}  // namespace agt::costmodel

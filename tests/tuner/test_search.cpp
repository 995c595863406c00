// The search's moves keep annotations valid (a property test over many seeds), and a batch holds
// only valid, distinct, unmeasured programs.
#include <set>

#include <catch2/catch.hpp>

#include "tests/tuner/tuner_test_util.h"
#include "tuner/search.h"

namespace agt::tuner {
namespace {

// Tasks of every sketch kind the tuner meets in a ViT.
std::vector<codegen::TaskContext> Tasks() {
  std::vector<codegen::TaskContext> ts;
  ts.push_back(test::LinearTask(197, 768, 2304));
  ts.push_back(test::LinearTask(197, 3072, 768, ir::Precision::kFP32));
  ts.push_back(test::LinearTask(50, 64, 1000, ir::Precision::kBF16));
  auto g = test::SmallModelGraph();
  // Softmax alone: a row reduction.
  auto sm = std::make_unique<ir::Graph>("sm");
  ir::Value* x = sm->AddInput("x", ir::TensorType{ir::DType::kF32, {12, 197, 197}});
  auto s = sm->AddNode(ir::OpKind::kSoftmax, {x});
  REQUIRE(s.ok());
  sm->SetOutputs({(*s)->output(0)});
  auto t = codegen::MakeTaskContext(*sm, ir::Precision::kFP16);
  REQUIRE(t.ok());
  ts.push_back(std::move(t).value());
  auto ew = std::make_unique<ir::Graph>("ew");
  ir::Value* y = ew->AddInput("y", ir::TensorType{ir::DType::kF32, {1, 197, 768}});
  auto ge = ew->AddNode(ir::OpKind::kGelu, {y});
  REQUIRE(ge.ok());
  ew->SetOutputs({(*ge)->output(0)});
  auto t2 = codegen::MakeTaskContext(*ew, ir::Precision::kFP16);
  REQUIRE(t2.ok());
  ts.push_back(std::move(t2).value());
  return ts;
}

TEST_CASE("mutation and crossover always give valid annotations", "[tuner][search]") {
  std::vector<codegen::TaskContext> tasks = Tasks();
  int checked = 0, changed = 0;
  for (const codegen::TaskContext& t : tasks) {
    for (const codegen::Sketch& s : t.sketches) {
      auto space = t.Space(s);
      REQUIRE(space.ok());
      for (uint64_t seed = 0; seed < 200; ++seed) {
        std::mt19937_64 rng(seed);
        codegen::Annotation a = codegen::SampleAnnotation(*space, rng);
        REQUIRE(codegen::ValidateAnnotation(*space, a).ok());
        codegen::Annotation b = codegen::SampleAnnotation(*space, rng);
        // A chain of mutations, as generations apply them.
        for (int step = 0; step < 5; ++step) {
          codegen::Annotation m = Mutate(*space, a, rng);
          INFO(codegen::SketchKindName(s.kind) << " seed " << seed << ": " << a.ToString() << " -> " << m.ToString());
          REQUIRE(codegen::ValidateAnnotation(*space, m).ok());
          changed += !(m == a);
          a = m;
          ++checked;
        }
        codegen::Annotation c = Crossover(*space, a, b, rng);
        INFO("crossover of " << a.ToString() << " and " << b.ToString() << " -> " << c.ToString());
        REQUIRE(codegen::ValidateAnnotation(*space, c).ok());
        // Every knob of the child comes from one of its parents (or one mutation away from `a`).
        for (const codegen::KnobSpec& k : codegen::KnobsFor(*space)) REQUIRE(c.has(k.knob));
      }
    }
  }
  // Mutation moves: almost every draw changes something.
  CHECK(changed > checked * 9 / 10);
}

TEST_CASE("mutation moves exactly one knob when that alone stays valid", "[tuner][search]") {
  codegen::TaskContext t = test::LinearTask(197, 768, 768);
  auto space = t.Space(t.sketches.front());
  REQUIRE(space.ok());
  std::mt19937_64 rng(7);
  int single = 0;
  for (int i = 0; i < 300; ++i) {
    codegen::Annotation a = codegen::SampleAnnotation(*space, rng);
    codegen::Annotation m = Mutate(*space, a, rng);
    int diff = 0;
    for (const codegen::KnobSpec& k : codegen::KnobsFor(*space)) diff += a.get(k.knob) != m.get(k.knob);
    CHECK(diff <= 2);
    single += diff == 1;
  }
  CHECK(single > 150);
}

// A model that prefers large block_m: the search should find such programs.
class PreferLargeBlocks : public costmodel::CostModel {
 public:
  Status Update(const std::vector<costmodel::CostSample>&) override { return Status::Ok(); }
  std::vector<double> Predict(const std::vector<costmodel::FeatureVector>& ps) override {
    std::vector<double> out;
    for (const costmodel::FeatureVector& f : ps) out.push_back(costmodel::Get(f, costmodel::Feature::kBlockM) + costmodel::Get(f, costmodel::Feature::kBlockN) / 1000.0);
    return out;
  }
  std::string name() const override { return "prefer-large"; }
};

TEST_CASE("a batch is valid, distinct, unmeasured, and follows the model", "[tuner][search]") {
  codegen::TaskContext t = test::LinearTask(197, 768, 2304);
  costmodel::FeatureExtractor fx(t, ir::H100());
  SearchOptions so;
  so.population = 128;
  EvolutionarySearch search(t, fx, so);
  PreferLargeBlocks model;
  std::mt19937_64 rng(3);
  std::set<std::string> measured;
  for (int round = 0; round < 3; ++round) {
    std::vector<codegen::Program> batch = search.NextBatch(model, {}, measured, 16, rng);
    REQUIRE(batch.size() == 16);
    int large = 0;
    for (const codegen::Program& p : batch) {
      auto space = t.Space(p.sketch);
      REQUIRE(space.ok());
      REQUIRE(codegen::ValidateAnnotation(*space, p.annotation).ok());
      CHECK(p.task == t.task);
      REQUIRE(measured.insert(CandidateKey(p)).second);   // new, and distinct within the batch
      large += p.annotation.get(codegen::Knob::kBlockM) >= 128;
    }
    // 15 chosen by the model (which wants block_m as large as possible), 1 random.
    CHECK(large >= 14);
  }
  // The same seed gives the same batch.
  std::mt19937_64 r1(11), r2(11);
  auto b1 = search.NextBatch(model, {}, {}, 8, r1);
  auto b2 = search.NextBatch(model, {}, {}, 8, r2);
  CHECK(b1 == b2);
}

}  // namespace
}  // namespace agt::tuner

// compile with a tuning log: the log's programs are taken for the tasks it has (a sampled program,
// not the default, so that taking it shows), and its measured times replace DPOF's estimates, so the
// plan compiled is the one the tuner tuned (tuner/tuner.cpp plans with the same cost model and legality).
#include <algorithm>
#include <fstream>
#include <map>
#include <random>
#include <regex>

#include "codegen/compile.h"
#include "compiler/driver/program_source.h"
#include "compiler/fusion/cost_model.h"
#include "ir/device.h"
#include "compiler/fusion/dpof.h"
#include "compiler/fusion/group_signature.h"
#include "compiler/tasks/task.h"
#include "tests/driver/driver_test_util.h"
#include "compiler/planner/plan_model.h"
#include "records/tuning_log.h"

using namespace agt;
using namespace agt::test;
using ir::Precision;

namespace {

// The tasks of the plan an untuned compile builds (the driver's planning: analytical costs made
// sketch-aware, default legality).
std::vector<tasks::Task> UntunedTasks(const ir::Graph& g) {
  auto planned = planner::PlanModel(g, planner::PlanOptions{});
  REQUIRE(planned.ok());
  return std::move(planned->tasks);
}

const tasks::Task& AttentionTask(const std::vector<tasks::Task>& ts) {
  for (const tasks::Task& t : ts) {
    if (t.kind == fusion::GroupKind::kAttention) return t;
  }
  FAIL("no attention task in the plan");
  return ts.front();
}

int SketchCount(const driver::CompileSummary& s, const std::string& kind) {
  for (const auto& [k, n] : s.sketches) {
    if (k == kind) return n;
  }
  return 0;
}

// Only measured times, no programs: what steers DPOF, alone.
class TimesOnly final : public driver::ProgramSource {
 public:
  explicit TimesOnly(std::map<std::string, double> us) : us_(std::move(us)) {}
  std::string Describe() const override { return "measured times only"; }
  Expected<std::optional<codegen::Program>> Lookup(const std::string&, const codegen::TaskContext&) const override {
    return std::optional<codegen::Program>();
  }
  std::map<std::string, double> MeasuredKernelUs() const override { return us_; }
  driver::ProgramOrigin origin() const override { return driver::ProgramOrigin::kMeasured; }

 private:
  std::map<std::string, double> us_;
};

}  // namespace

TEST_CASE("driver: a tuning log's measured times steer DPOF away from a group that measured slow", "[driver][tuning]") {
  auto g = ZooGraph("vit-base-16", /*tiny=*/true);
  std::vector<tasks::Task> ts = UntunedTasks(*g);
  const tasks::Task& attention = AttentionTask(ts);

  driver::CompileResult base = CompileTo(*g, Options(Precision::kFP16), TempDir().File("base.so"));
  CHECK(SketchCount(base.summary, "attention") == 1);

  // The fused attention measured at one second: DPOF must leave that group (it may find another
  // attention grouping, e.g. with the reshape moved into the qkv GEMM's epilogue).
  auto has = [](const std::vector<std::string>& ids, const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  };
  REQUIRE(has(base.task_ids, attention.id));
  driver::CompileOptions o = Options(Precision::kFP16);
  o.programs = std::make_shared<TimesOnly>(std::map<std::string, double>{{attention.id, 1e6}});
  auto slow = driver::CompileGraph(*g, o, "vit.onnx");
  REQUIRE(slow.ok());
  CHECK_FALSE(has(slow->task_ids, attention.id));
  CHECK(slow->summary.tuned_tasks == 0);

  // A time below the estimate changes nothing.
  o.programs = std::make_shared<TimesOnly>(std::map<std::string, double>{{attention.id, 0.01}});
  auto fast = driver::CompileGraph(*g, o, "vit.onnx");
  REQUIRE(fast.ok());
  CHECK(fast->task_ids == base.task_ids);
  CHECK(fast->summary.phases == base.summary.phases);
}

TEST_CASE("driver: compile takes each task's fastest program from a tuning log file", "[driver][tuning]") {
  auto g = ZooGraph("vit-base-16", /*tiny=*/true);
  std::vector<tasks::Task> ts = UntunedTasks(*g);
  const tasks::Task& attention = AttentionTask(ts);
  auto ctx = codegen::MakeTaskContext(*attention.graph, Precision::kFP16, "sm_90");
  REQUIRE(ctx.ok());
  auto dflt = codegen::DefaultProgram(*ctx);
  REQUIRE(dflt.ok());
  // Two sampled programs that differ from the default: the faster one must be taken.
  std::mt19937_64 rng(11);
  auto samples = codegen::SampleProgram(*ctx, 32, rng);
  REQUIRE(samples.ok());
  std::vector<codegen::Program> others;
  for (const codegen::Program& p : *samples) {
    if (!(p.annotation == dflt->annotation) && p.sketch.kind == dflt->sketch.kind) others.push_back(p);
  }
  REQUIRE(others.size() >= 2);
  REQUIRE_FALSE(others[0].annotation == others[1].annotation);

  TempDir dir;
  // A log of the given (program, median) records of the attention task; compiles with it; the images.
  auto compile_with = [&](const std::string& name, const std::vector<std::pair<int, double>>& records) {
    std::string log = dir.File(name);
    {
      auto w = records::TuningLogWriter::Open(log);
      REQUIRE(w.ok());
      for (const auto& [which, us] : records) {
        records::TuningRecord r;
        r.task_key = attention.id;
        r.task_ops = attention.ops;
        r.program = others[which];
        r.result.median_us = us;
        r.env.gpu = "test";
        r.env.arch = "sm_90";
        r.emitter = codegen::SketchEmitterVersion(r.program.sketch.kind);
        REQUIRE(w->Append(r).ok());
      }
    }
    driver::CompileOptions o = Options(Precision::kFP16);
    auto src = driver::OpenTuningLogSource(log, "sm_90");
    REQUIRE(src.ok());
    o.programs = *src;
    auto r = driver::CompileGraph(*g, o, "vit.onnx");
    REQUIRE(r.ok());
    CHECK(r->summary.tuned_tasks == 1);
    CHECK(SketchCount(r->summary, "attention") == 1);
    CHECK_THAT(r->summary.program_source, Catch::Contains(log));
    std::vector<std::vector<uint8_t>> images;
    for (const runtime::Module& m : r->contents.modules) images.push_back(m.image);
    return images;
  };
  // Times below the analytical estimate, so that DPOF keeps the group the records are of.
  auto both = compile_with("both.jsonl", {{0, 0.02}, {1, 0.01}});     // the second is the faster
  auto second = compile_with("second.jsonl", {{1, 0.01}});
  auto first = compile_with("first.jsonl", {{0, 0.02}});
  CHECK((both == second));
  CHECK((both != first));
}

TEST_CASE("driver: compile says for each task whether its program is measured, predicted or default", "[driver][tuning]") {
  auto g = ZooGraph("vit-base-16", /*tiny=*/true);
  std::vector<tasks::Task> ts = UntunedTasks(*g);
  const tasks::Task& attention = AttentionTask(ts);
  auto ctx = codegen::MakeTaskContext(*attention.graph, Precision::kFP16, "sm_90");
  REQUIRE(ctx.ok());
  auto dflt = codegen::DefaultProgram(*ctx);
  REQUIRE(dflt.ok());
  TempDir dir;
  const std::string log = dir.File("attention.jsonl");
  {
    auto w = records::TuningLogWriter::Open(log);
    REQUIRE(w.ok());
    records::TuningRecord r;
    r.task_key = attention.id;
    r.task_ops = attention.ops;
    r.program = *dflt;
    r.result.median_us = 0.01;   // below the estimate: DPOF keeps the group
    r.env.arch = "sm_90";
    r.emitter = codegen::SketchEmitterVersion(r.program.sketch.kind);
    REQUIRE(w->Append(r).ok());
  }
  auto origins = [&](const std::string& cost_model) {
    driver::CompileOptions o = Options(Precision::kFP16);
    auto src = driver::OpenTuningLogSource(log, "sm_90");
    REQUIRE(src.ok());
    o.programs = *src;
    o.cost_model = cost_model;
    auto r = driver::CompileGraph(*g, o, "vit.onnx");
    REQUIRE(r.ok());
    std::map<std::string, std::string> by_task;
    for (const auto& t : r->summary.task_programs) by_task[t.id] = t.origin;
    CHECK(by_task.size() == static_cast<size_t>(r->summary.tasks));
    return std::make_pair(by_task, std::move(r).value());
  };
  auto [shipped, r1] = origins("shipped");
  CHECK(shipped.at(attention.id) == "measured");
  int predicted = 0;
  for (const auto& [id, origin] : shipped) {
    if (id == attention.id) continue;
    // The model's pick, or the default where no candidate beats it by the margin.
    CHECK((origin == "predicted" || origin == "default"));
    predicted += origin == "predicted";
  }
  CHECK(r1.summary.tuned_tasks == 1);
  CHECK(r1.summary.predicted_tasks == predicted);
  CHECK_THAT(driver::FormatSummary(r1.summary),
             Catch::Contains(fmt::format("1 measured, {} predicted, {} default", predicted, r1.summary.tasks - 1 - predicted)));
  CHECK_THAT(r1.summary.program_source, Catch::Contains("cost model (shipped, sm_90)"));

  // "none", and the default (no --cost-model): default annotations.
  for (const char* spec : {"none", ""}) {
    auto [none, r2] = origins(spec);
    CHECK(none.at(attention.id) == "measured");
    for (const auto& [id, origin] : none) {
      if (id != attention.id) CHECK(origin == "default");
    }
  }
  // Deterministic: the same model picks the same programs, compile after compile.
  auto [again, r3] = origins("shipped");
  REQUIRE(r3.contents.modules.size() == r1.contents.modules.size());
  for (size_t i = 0; i < r1.contents.modules.size(); ++i) CHECK((r3.contents.modules[i].image == r1.contents.modules[i].image));
  // A model file that is not one is refused with its name.
  const std::string bad = dir.File("bad.json");
  { std::ofstream(bad) << "not a model"; }
  driver::CompileOptions o = Options(Precision::kFP16);
  o.cost_model = bad;
  auto r4 = driver::CompileGraph(*g, o, "vit.onnx");
  REQUIRE_FALSE(r4.ok());
  CHECK_THAT(r4.status().message(), Catch::Contains("--cost-model") && Catch::Contains("bad.json"));
}

TEST_CASE("driver: a task the log lacks takes the program measured for one that differs only in epsilon", "[driver][tuning]") {
  // Unit: the epsilon-free text equates epsilons and nothing else.
  const std::string a = "%t0 = layer_norm(%in0, %in1, %in2) {axis = -1, epsilon = 9.999999974752427e-07} : f32[197,768]";
  const std::string b = "%t0 = layer_norm(%in0, %in1, %in2) {axis = -1, epsilon = 1e-12} : f32[197,768]";
  const std::string c = "%t0 = layer_norm(%in0, %in1, %in2) {axis = 0, epsilon = 1e-12} : f32[197,768]";
  CHECK(tasks::EpsilonFreeText(a) == tasks::EpsilonFreeText(b));
  CHECK(tasks::EpsilonFreeText(b) != tasks::EpsilonFreeText(c));
  CHECK(tasks::EpsilonFreeText(a).find("9.99") == std::string::npos);

  // The tiny ViT's LayerNorm task, logged as if it had another epsilon, with a sampled program.
  auto g = ZooGraph("vit-base-16", /*tiny=*/true);
  std::vector<tasks::Task> ts = UntunedTasks(*g);
  const tasks::Task* ln = nullptr;
  for (const tasks::Task& t : ts) {
    if (t.ops == "layer_norm") ln = &t;
  }
  REQUIRE(ln != nullptr);
  auto ctx = codegen::MakeTaskContext(*ln->graph, Precision::kFP16, "sm_90");
  REQUIRE(ctx.ok());
  std::mt19937_64 rng(5);
  auto sampled = codegen::SampleProgram(*ctx, 1, rng);
  REQUIRE(sampled.ok());
  codegen::Program logged = sampled->front();
  const std::string text = logged.task.graph_text;
  logged.task.graph_text = std::regex_replace(text, std::regex(R"(epsilon = [^,}\s]+)"), "epsilon = 1.0000000000000001e-12");
  REQUIRE(logged.task.graph_text != text);
  TempDir dir;
  const std::string log = dir.File("sibling.jsonl");
  {
    auto w = records::TuningLogWriter::Open(log);
    REQUIRE(w.ok());
    records::TuningRecord r;
    r.task_key = fusion::SignatureId(logged.task.graph_text, Precision::kFP16);
    REQUIRE(r.task_key != ln->id);
    r.task_ops = ln->ops;
    r.program = logged;
    r.result.median_us = 1.0;
    r.env.arch = "sm_90";
    r.emitter = codegen::SketchEmitterVersion(r.program.sketch.kind);
    REQUIRE(w->Append(r).ok());
  }
  auto src = driver::OpenTuningLogSource(log, "sm_90");
  REQUIRE(src.ok());
  auto got = (*src)->Lookup(ln->id, *ctx);
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  CHECK((*got)->annotation == logged.annotation);
  CHECK((*got)->task.graph_text == text);   // compiled from the task's own text: its own epsilon
  // A task of another shape finds nothing.
  auto other = (*src)->Lookup(AttentionTask(ts).id, *codegen::MakeTaskContext(*AttentionTask(ts).graph, Precision::kFP16, "sm_90"));
  REQUIRE(other.ok());
  CHECK_FALSE(other->has_value());
}

// The whole tuning loop on the CPU with a simulated measurer: budgets, the log as it grows, resume
// without re-measuring, co-optimisation reruns of DPOF, and the best programs for the compiler.
#include <filesystem>
#include <map>
#include <set>

#include <catch2/catch.hpp>

#include "tests/tuner/tuner_test_util.h"
#include "records/best_programs.h"
#include "records/tuning_log.h"
#include "tuner/tuner.h"

namespace agt::tuner {
namespace {

// Deterministic fake times from the annotation; every 7th program gives a wrong answer.
class SimulatedMeasurer : public ProgramMeasurer {
 public:
  std::vector<Measurement> Measure(const codegen::TaskContext&, const std::vector<codegen::Program>& ps, double) override {
    std::vector<Measurement> out;
    for (const codegen::Program& p : ps) {
      records::MeasureResult r;
      uint64_t h = codegen::SourceHash(CandidateKey(p));
      if (++calls % 7 == 0) {
        r.error = records::MeasureError::kWrongAnswer;
        r.message = "simulated";
      } else {
        r.median_us = 5.0 + static_cast<double>(h % 1000) / 100.0;
        r.times_us = {r.median_us};
      }
      out.push_back({r, static_cast<int>(calls % 2)});   // as if two GPUs took turns
    }
    return out;
  }
  records::MeasureEnvironment environment() const override { return {"Simulated GPU", "sm_90", "0.0", "none", "test"}; }
  int64_t calls = 0;
};

std::string TempLog(const std::string& name) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / fmt::format("agt_tuner_loop_{}", ::getpid());
  fs::create_directories(dir);
  fs::remove(dir / name);
  return (dir / name).string();
}

TEST_CASE("the tuner spends its trial budget, logs every trial and resumes without repeating", "[tuner][loop]") {
  auto g = test::SmallModelGraph();
  TuneOptions o;
  o.tuning_log = TempLog("loop.jsonl");
  o.trials = 40;
  o.batch = 8;
  o.seed = 5;
  o.model_threads = 2;
  o.search.population = 64;
  o.search.generations = 2;
  std::vector<TuneProgress> progress;
  o.on_progress = [&](const TuneProgress& p) { progress.push_back(p); };
  SimulatedMeasurer sim;
  auto s = TuneGraph(*g, sim, o);
  REQUIRE(s.ok());
  CHECK(s->trials == 40);
  CHECK(sim.calls == 40);
  CHECK(s->failures == 40 / 7);
  CHECK(s->plans >= 2);   // DPOF ran again with the measured times
  // One report per rerun, saying what changed; the settling rule ends re-planning at an unchanged one.
  REQUIRE(s->replans.size() == static_cast<size_t>(s->plans - 1));
  for (size_t k = 0; k < s->replans.size(); ++k) {
    const ReplanReport& r = s->replans[k];
    CHECK(r.plan == static_cast<int>(k) + 1);
    CHECK(r.measured_groups > 0);
    CHECK_FALSE(r.Why().empty());
    if (r.changed()) CHECK_THAT(r.Why(), Catch::Contains("groups changed"));
    if (!r.changed()) CHECK(k + 1 == s->replans.size());
  }
  if (s->plan_converged) CHECK_FALSE(s->replans.back().changed());
  REQUIRE_FALSE(s->tasks.empty());
  for (const TunedTask& t : s->tasks) CHECK(t.best_us > 0);
  REQUIRE_FALSE(progress.empty());
  CHECK(progress.back().trials == 40);
  CHECK(progress.back().trials_planned == 40);

  auto log = records::LoadTuningLog(o.tuning_log);
  REQUIRE(log.ok());
  CHECK(log->records.size() == 40);
  std::set<std::string> seen;
  for (const records::TuningRecord& r : log->records) {
    CHECK(r.env.gpu == "Simulated GPU");
    CHECK((r.env.device == 0 || r.env.device == 1));   // every record names the GPU that measured it
    CHECK(seen.insert(r.task_key + " " + CandidateKey(r.program)).second);
  }

  // Resume: 16 more trials, none of them a program measured before.
  TuneOptions o2 = o;
  o2.trials = 16;
  o2.seed = 5;   // the same seed would redraw the same candidates if the log were ignored
  auto s2 = TuneGraph(*g, sim, o2);
  REQUIRE(s2.ok());
  CHECK(s2->trials == 16);
  auto log2 = records::LoadTuningLog(o.tuning_log);
  REQUIRE(log2.ok());
  REQUIRE(log2->records.size() == 56);
  for (size_t i = 40; i < log2->records.size(); ++i) {
    const records::TuningRecord& r = log2->records[i];
    CHECK(seen.insert(r.task_key + " " + CandidateKey(r.program)).second);
  }
  // The tuned estimate can only improve with more trials.
  CHECK(s2->best_e2e_us <= s->best_e2e_us);

  // What the compile driver reads: the best program of every task of the final plan.
  auto best = records::BestProgramsFromLog(o.tuning_log, "sm_90");
  REQUIRE(best.ok());
  for (const TunedTask& t : s2->tasks) {
    const records::BestProgram* b = best->Find(t.key);
    REQUIRE(b != nullptr);
    CHECK(b->median_us == t.best_us);
  }
  CHECK(records::BestProgramsFromLog(o.tuning_log, "sm_80")->size() == 0);
}

// tune --shard I/N over a model of 7 distinct tasks: each shard tunes only its tasks (ShardOfTask),
// every task of the plan is tuned by exactly one shard, and the shards' logs merged (tune-merge) hold
// the task set of one unsharded run with the same budget rules.
TEST_CASE("shards: every task is tuned by exactly one shard, and merged shard logs hold one run's task set", "[tuner][shard]") {
  auto g = test::ChainModelGraph({64, 96, 128, 80, 112, 48, 144, 72});
  TuneOptions o;
  o.batch = 4;
  o.trials = 4 * 8;   // a round for each task of the whole plan, whoever tunes it
  o.seed = 9;
  o.model_threads = 1;
  o.max_replans = 0;
  o.search.population = 32;
  o.search.generations = 1;
  SimulatedMeasurer sim;
  TuneOptions whole = o;
  whole.tuning_log = TempLog("whole.jsonl");
  auto one = TuneGraph(*g, sim, whole);
  REQUIRE(one.ok());
  std::set<std::string> plan_tasks;
  for (const TunedTask& t : one->tasks) {
    CHECK(t.trials > 0);
    CHECK_FALSE(t.other_shard);
    plan_tasks.insert(t.key);
  }
  REQUIRE(plan_tasks.size() >= 6);

  const int n = 3;
  std::map<std::string, int> tuned_by;   // task -> shards that tuned it
  std::vector<std::string> logs;
  for (int i = 0; i < n; ++i) {
    TuneOptions so = o;
    so.shard = Shard{i, n};
    so.tuning_log = TempLog(fmt::format("shard{}.jsonl", i));
    logs.push_back(so.tuning_log);
    auto s = TuneGraph(*g, sim, so);
    REQUIRE(s.ok());
    CHECK(s->plans == 1);   // no DPOF rerun in a shard
    std::set<std::string> seen_tasks;
    for (const TunedTask& t : s->tasks) {
      seen_tasks.insert(t.key);
      CHECK(t.other_shard == (ShardOfTask(t.key, n) != i));
      if (!t.other_shard) CHECK(t.trials > 0);
      if (t.trials > 0) ++tuned_by[t.key];
    }
    CHECK(seen_tasks == plan_tasks);   // every shard planned the same tasks
    auto log = records::LoadTuningLog(so.tuning_log);
    REQUIRE(log.ok());
    for (const records::TuningRecord& r : log->records) CHECK(ShardOfTask(r.task_key, n) == i);
  }
  for (const std::string& t : plan_tasks) {
    INFO(t);
    CHECK(tuned_by[t] == 1);
  }
  auto merged = records::MergeTuningLogs(logs);
  REQUIRE(merged.ok());
  std::set<std::string> merged_tasks;
  for (const records::TuningRecord& r : merged->records) merged_tasks.insert(r.task_key);
  auto whole_log = records::LoadTuningLog(whole.tuning_log);
  REQUIRE(whole_log.ok());
  std::set<std::string> whole_tasks;
  for (const records::TuningRecord& r : whole_log->records) whole_tasks.insert(r.task_key);
  CHECK(merged_tasks == whole_tasks);
  CHECK(merged_tasks == plan_tasks);
}

TEST_CASE("the tuner needs a budget", "[tuner][loop]") {
  auto g = test::SmallModelGraph();
  TuneOptions o;
  o.tuning_log = TempLog("nobudget.jsonl");
  SimulatedMeasurer sim;
  auto s = TuneGraph(*g, sim, o);
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.status().message(), Catch::Contains("budget"));
}

}  // namespace
}  // namespace agt::tuner

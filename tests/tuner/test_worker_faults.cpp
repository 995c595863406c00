// Fault injection for the tuner's measurer, on any machine: a fake worker (tests/tuner/fake_worker.sh)
// stands in for the GPU and misbehaves on its first request - it dies, hangs, writes garbage, answers
// another request, or reports a wrong answer. Each fault must come back as its typed error, the
// worker must be restarted where it was killed, and the next program must still be measured. A
// worker that dies without answering loses nothing by default: its program runs again.
#include <unistd.h>

#include <filesystem>
#include <string>

#include <fmt/format.h>

#include <catch2/catch.hpp>

#include "tests/support/test_support.h"
#include "tests/tuner/tuner_test_util.h"
#include "tuner/measurer.h"

namespace agt::tuner {
namespace {

namespace fs = std::filesystem;

// A fresh state file for one fake-worker run (its count of workers started).
std::string StateFile(const std::string& mode) {
  fs::path p = fs::temp_directory_path() / fmt::format("agt_worker_faults_{}_{}", ::getpid(), mode);
  fs::remove(p);
  return p.string();
}

std::string FakeWorker() { return (fs::path(AGT_TEST_DATA_DIR).parent_path() / "tuner" / "fake_worker.sh").string(); }

MeasurerOptions FakeOptions(const std::string& mode, const std::string& state) {
  MeasurerOptions o;
  o.worker_command = {"/bin/bash", FakeWorker(), mode, state};
  o.probe_driver = false;
  o.timeout_s = 1.0;
  o.first_timeout_s = 1.0;
  o.hello_timeout_s = 5.0;
  o.compile_threads = 2;
  o.early_cut_factor = 0;
  return o;
}

struct Case {
  const char* mode;
  records::MeasureError first;   // what the first program records
  int restarts;                  // workers started after the first
  const char* message;           // part of the first program's message
  int retries = 1;               // MeasurerOptions::lost_worker_retries
};

TEST_CASE("tuner faults: each comes back typed, the worker restarts, the next program is measured", "[tuner][faults]") {
  codegen::TaskContext task = test::LinearTask(16, 32, 32, ir::Precision::kFP16, "sm_80");
  auto def = codegen::DefaultProgram(task);
  REQUIRE(def.ok());
  const std::vector<codegen::Program> programs = {*def, *def};
  const Case cases[] = {
      {"die", records::MeasureError::kLaunchError, 1, "exited", /*retries=*/0},
      {"die", records::MeasureError::kNone, 1, "", /*retries=*/1},   // run again on the fresh worker
      {"hang", records::MeasureError::kTimeout, 1, ""},
      {"garbage", records::MeasureError::kLaunchError, 1, ""},
      {"other_id", records::MeasureError::kLaunchError, 1, "another request"},
      {"wrong", records::MeasureError::kWrongAnswer, 0, "exceeds"},
  };
  for (const Case& c : cases) {
    INFO(c.mode);
    const std::string state = StateFile(c.mode);
    INFO("retries " << c.retries);
    MeasurerOptions o = FakeOptions(c.mode, state);
    o.lost_worker_retries = c.retries;
    auto m = Measurer::Create(o);
    REQUIRE(m.ok());
    CHECK((*m)->environment().gpu == "fake GPU");
    std::vector<Measurement> r = (*m)->Measure(task, programs);
    REQUIRE(r.size() == 2);
    CHECK(r[0].result.error == c.first);
    CHECK_THAT(r[0].result.message, Catch::Contains(c.message));
    CHECK(r[0].device == 0);
    CHECK(r[1].result.ok());
    CHECK(r[1].result.median_us == 5.0);
    CHECK((*m)->worker_restarts() == c.restarts);
    CHECK((*m)->stats().retried == (c.first == records::MeasureError::kNone ? 1 : 0));
    fs::remove(state);
  }
}

TEST_CASE("tuner faults: a worker that never says hello fails Create with a message", "[tuner][faults]") {
  const std::string state = StateFile("nohello");
  auto m = Measurer::Create(FakeOptions("nohello", state));
  REQUIRE_FALSE(m.ok());
  CHECK_FALSE(m.status().message().empty());
  fs::remove(state);
}

}  // namespace
}  // namespace agt::tuner

// Measuring on several GPUs of one host without a GPU (issue 19's CPU part): fake workers
// (tests/tuner/fake_worker.sh, one process per fake GPU) stand in for `tune-worker --device=N`.
// Programs go to whichever worker is idle (a slow GPU gets fewer; two equal GPUs split a batch and
// finish it in about half the time), a worker that dies or is killed mid-batch loses and duplicates
// nothing (its program runs again elsewhere), a device the host lacks or GPUs of two kinds are
// refused with a clear message, and the whole tuner over two fake GPUs logs every trial once with
// the GPU that measured it.
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <thread>

#include "records/tuning_log.h"
#include "tests/support/test_support.h"
#include "tests/tuner/tuner_test_util.h"
#include "tuner/measurer.h"
#include "tuner/tuner.h"

namespace agt::tuner {
namespace {

namespace fs = std::filesystem;

// The state files of one fake-worker run (GPU 0's, and STATE.dN for GPU N), removed first and after.
class FakeState {
 public:
  explicit FakeState(const std::string& tag)
      : base_((fs::temp_directory_path() / fmt::format("agt_dispatch_{}_{}", ::getpid(), tag)).string()) {
    Clean();
  }
  ~FakeState() { Clean(); }
  const std::string& path() const { return base_; }

 private:
  void Clean() {
    fs::remove(base_);
    for (int d = 1; d < 8; ++d) fs::remove(fmt::format("{}.d{}", base_, d));
  }
  std::string base_;
};

MeasurerOptions FakeGpus(const std::string& mode, const FakeState& state, int gpus, DeviceSelection devices) {
  MeasurerOptions o;
  o.worker_command = {"/bin/bash", (fs::path(AGT_TEST_DATA_DIR).parent_path() / "tuner" / "fake_worker.sh").string(),
                      mode, state.path(), std::to_string(gpus)};
  o.devices = std::move(devices);
  o.probe_driver = false;
  o.timeout_s = 5.0;
  o.first_timeout_s = 5.0;
  o.hello_timeout_s = 5.0;
  o.compile_threads = 2;
  o.early_cut_factor = 0;
  return o;
}

const DeviceSelection kAll{true, {}};

std::vector<codegen::Program> Copies(const codegen::TaskContext& task, size_t n) {
  auto def = codegen::DefaultProgram(task);
  REQUIRE(def.ok());
  return std::vector<codegen::Program>(n, *def);
}

// Every program answered once, successfully; how many each GPU measured.
std::map<int, int> CheckAllMeasured(const std::vector<Measurement>& r, size_t n) {
  REQUIRE(r.size() == n);
  std::map<int, int> per_device;
  for (const Measurement& m : r) {
    CHECK(m.result.ok());
    CHECK(m.result.median_us == 5.0);
    ++per_device[m.device];
  }
  return per_device;
}

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TEST_CASE("dispatch: --devices all starts a worker per GPU, and the idle one takes the next program", "[tuner][dispatch]") {
  codegen::TaskContext task = test::LinearTask(16, 32, 32, ir::Precision::kFP16, "sm_80");
  const auto programs = Copies(task, 12);
  FakeState state("slow");
  auto m = Measurer::Create(FakeGpus("slow", state, 2, kAll));  // GPU 1 takes 0.4 s a program, GPU 0 0.02 s
  REQUIRE(m.ok());
  CHECK((*m)->devices() == std::vector<int>{0, 1});
  std::map<int, int> per = CheckAllMeasured((*m)->Measure(task, programs), programs.size());
  CHECK(per[0] + per[1] == 12);
  CHECK(per[0] > per[1]);  // a fixed split would give each 6
  MeasurerStats st = (*m)->stats();
  REQUIRE(st.devices.size() == 2);
  CHECK(st.devices[0].programs == per[0]);
  CHECK(st.devices[1].programs == per[1]);
  CHECK(st.retried == 0);
}

TEST_CASE("dispatch: two equal GPUs split a batch and measure it in about half the time of one", "[tuner][dispatch]") {
  codegen::TaskContext task = test::LinearTask(16, 32, 32, ir::Precision::kFP16, "sm_80");
  const auto programs = Copies(task, 10);  // 0.15 s each on a fake GPU
  FakeState s1("one"), s2("two");
  auto one = Measurer::Create(FakeGpus("sleepy", s1, 2, DeviceSelection{false, {0}}));
  auto two = Measurer::Create(FakeGpus("sleepy", s2, 2, kAll));
  REQUIRE(one.ok());
  REQUIRE(two.ok());
  // Compile once and start every worker (a batch of two reaches both of `two`'s), so that both timings
  // are of measurement alone: a worker's first program costs its start-up, which a loaded machine
  // (CI's two cores under parallel tests) stretches.
  (*one)->Measure(task, {programs[0], programs[1]});
  (*two)->Measure(task, {programs[0], programs[1]});
  auto t0 = std::chrono::steady_clock::now();
  std::map<int, int> per_one = CheckAllMeasured((*one)->Measure(task, programs), programs.size());
  const double t_one = Seconds(t0);
  t0 = std::chrono::steady_clock::now();
  std::map<int, int> per_two = CheckAllMeasured((*two)->Measure(task, programs), programs.size());
  const double t_two = Seconds(t0);
  INFO("one GPU " << t_one << " s, two GPUs " << t_two << " s");
  CHECK(per_one[0] == 10);
  CHECK(per_two[0] >= 3);
  CHECK(per_two[1] >= 3);
  CHECK(t_two < 0.75 * t_one);
}

TEST_CASE("dispatch: a worker that dies mid-batch loses and duplicates nothing", "[tuner][dispatch]") {
  codegen::TaskContext task = test::LinearTask(16, 32, 32, ir::Precision::kFP16, "sm_80");
  const auto programs = Copies(task, 10);
  FakeState state("die_mid");
  auto m = Measurer::Create(FakeGpus("die_mid", state, 2, kAll));  // GPU 1's worker exits at its 2nd program
  REQUIRE(m.ok());
  std::map<int, int> per = CheckAllMeasured((*m)->Measure(task, programs), programs.size());
  CHECK(per[0] + per[1] == 10);
  MeasurerStats st = (*m)->stats();
  CHECK(st.retried == 1);
  CHECK(st.devices[0].programs + st.devices[1].programs == 10);  // the lost attempt is no answer
  CHECK(st.devices[1].restarts <= 1);
  CHECK_FALSE(st.devices[1].dropped);
}

TEST_CASE("dispatch: a worker killed from outside mid-batch: its program runs again, the worker restarts",
          "[tuner][dispatch]") {
  codegen::TaskContext task = test::LinearTask(16, 32, 32, ir::Precision::kFP16, "sm_80");
  const auto programs = Copies(task, 10);
  FakeState state("kill");
  auto m = Measurer::Create(FakeGpus("sleepy", state, 2, kAll));
  REQUIRE(m.ok());
  (*m)->Measure(task, {programs[0]});  // compiled: the kill lands while both GPUs measure
  const pid_t victim = (*m)->worker_pids().at(1);
  REQUIRE(victim > 0);
  std::thread killer([victim]() {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    ::kill(victim, SIGKILL);
  });
  std::vector<Measurement> r = (*m)->Measure(task, programs);
  killer.join();
  CheckAllMeasured(r, programs.size());
  MeasurerStats st = (*m)->stats();
  CHECK(st.retried == 1);
  CHECK(st.devices[1].restarts == 1);
  CHECK((*m)->worker_pids().at(1) != victim);
}

TEST_CASE("dispatch: a GPU the host lacks, and GPUs of two kinds, are refused", "[tuner][dispatch]") {
  FakeState a("absent"), b("absent_first"), c("mixed");
  auto absent = Measurer::Create(FakeGpus("ok", a, 2, DeviceSelection{false, {0, 5}}));
  REQUIRE_FALSE(absent.ok());
  CHECK_THAT(absent.status().message(), Catch::Contains("no GPU 5") && Catch::Contains("it has 2"));
  auto absent_first = Measurer::Create(FakeGpus("ok", b, 2, DeviceSelection{false, {5}}));
  REQUIRE_FALSE(absent_first.ok());
  CHECK_THAT(absent_first.status().message(), Catch::Contains("no GPU 5") && Catch::Contains("it has 2"));
  auto mixed = Measurer::Create(FakeGpus("mixed", c, 2, kAll));
  REQUIRE_FALSE(mixed.ok());
  CHECK_THAT(mixed.status().message(), Catch::Contains("another fake GPU") && Catch::Contains("one kind"));
  FakeState d("three");
  auto three = Measurer::Create(FakeGpus("ok", d, 3, kAll));
  REQUIRE(three.ok());
  CHECK((*three)->devices() == std::vector<int>{0, 1, 2});
}

TEST_CASE("dispatch: the tuner over two fake GPUs logs every trial once, with its GPU", "[tuner][dispatch]") {
  auto g = test::SmallModelGraph();
  fs::path dir = fs::temp_directory_path() / fmt::format("agt_dispatch_tune_{}", ::getpid());
  fs::create_directories(dir);
  TuneOptions o;
  o.tuning_log = (dir / "two.jsonl").string();
  fs::remove(o.tuning_log);
  o.plan.device = ir::A100();  // sm_80 kernels compile faster than sm_90a's
  o.trials = 16;
  o.batch = 8;
  o.seed = 3;
  o.model_threads = 1;
  o.max_replans = 0;
  o.search.population = 32;
  o.search.generations = 1;
  FakeState state("tune");
  auto m = Measurer::Create(FakeGpus("die_mid", state, 2, kAll));
  REQUIRE(m.ok());
  GpuProgramMeasurer gm(std::move(m).value());
  auto s = TuneGraph(*g, gm, o);
  REQUIRE(s.ok());
  CHECK(s->trials == 16);
  auto log = records::LoadTuningLog(o.tuning_log);
  REQUIRE(log.ok());
  CHECK(log->records.size() == 16);
  std::set<std::string> seen;
  std::set<int> devices;
  for (const records::TuningRecord& r : log->records) {
    CHECK(seen.insert(r.task_key + " " + CandidateKey(r.program)).second);
    if (r.result.error != records::MeasureError::kCompileError) devices.insert(r.env.device);
    if (r.result.error != records::MeasureError::kCompileError) CHECK(r.result.ok());  // the lost program ran again
  }
  CHECK(devices == std::set<int>{0, 1});
  CHECK(gm.measurer().stats().retried == 1);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace agt::tuner

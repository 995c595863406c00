// The one planner, checked from outside: for the tiny zoo models and the committed PyTorch exports,
// the plan `autogtco inspect --fusion --format json` prints (a separate process) and the plan the
// compile driver builds from the same file and options are the same, group for group and task for
// task, untuned and with a tuning log; and `--arch` reaches the prices (sm_80 plans on the A100's
// description, not the H100's).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "codegen/compile.h"
#include "compiler/driver/driver.h"
#include "compiler/driver/program_source.h"
#include "compiler/planner/plan_model.h"
#include "records/tuning_log.h"

using namespace agt;

namespace {

namespace fs = std::filesystem;

const std::string kBinary = std::string(AGT_BINARY_DIR) + "/bin/autogtco";

struct Dir {
  fs::path path = fs::temp_directory_path() / ("agt-one-planner-" + std::to_string(::getpid()));
  Dir() { fs::create_directories(path); }
  ~Dir() { fs::remove_all(path); }
  std::string File(const std::string& name) const { return (path / name).string(); }
};

std::string Run(const std::string& args, const Dir& dir) {
  const std::string out = dir.File("stdout.txt");
  std::string cmd = kBinary + " " + args + " >" + out + " 2>" + dir.File("stderr.txt");
  int st = std::system(cmd.c_str());
  INFO(cmd);
  REQUIRE(WIFEXITED(st));
  REQUIRE(WEXITSTATUS(st) == 0);
  std::ifstream f(out);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The plan's groups and tasks: what must agree (DPOF's wall time and the notes, which only inspect
// asks for, are left out).
nlohmann::json PlanPart(const nlohmann::json& plan) {
  return {{"phases", plan.at("phases")}, {"tasks", plan.at("tasks")}, {"estimated_us", plan.at("estimated_us")},
          {"device", plan.at("device")}, {"precision", plan.at("precision")}};
}

nlohmann::json InspectPlan(const std::string& model, const std::string& flags, const Dir& dir) {
  auto j = nlohmann::json::parse(Run("inspect " + model + " --fusion --format json " + flags, dir));
  return PlanPart(j.at("fusion"));
}

driver::CompileResult Compile(const std::string& model, const driver::CompileOptions& o) {
  auto r = driver::CompileOnnxFile(model, o);
  INFO(model);
  REQUIRE(r.ok());
  return std::move(r).value();
}

driver::CompileOptions Options() {
  driver::CompileOptions o;
  o.jobs = 2;
  return o;
}

// `flags` are inspect's spelling of `o`'s planning options.
driver::CompileResult CheckSamePlan(const std::string& model, const Dir& dir, const driver::CompileOptions& o = Options(),
                                    const std::string& flags = "") {
  INFO(model << " " << flags);
  driver::CompileResult r = Compile(model, o);
  nlohmann::json compiled = PlanPart(nlohmann::json::parse(r.plan_json));
  nlohmann::json inspected = InspectPlan(model, flags, dir);
  REQUIRE(compiled.at("phases").size() == inspected.at("phases").size());
  for (size_t p = 0; p < compiled.at("phases").size(); ++p) {
    INFO("phase " << p);
    CHECK(compiled["phases"][p] == inspected["phases"][p]);
  }
  CHECK(compiled == inspected);
  std::vector<std::string> task_ids;
  for (const auto& t : compiled["tasks"]) task_ids.push_back(t["id"]);
  CHECK(task_ids == r.task_ids);
  return r;
}

}  // namespace

TEST_CASE("one planner: inspect --fusion shows the plan compile builds, for every tiny zoo model", "[cli][planner]") {
  Dir dir;
  for (const char* name : {"vit-base-16", "vit-large-16", "vit-huge-14", "setr-naive-base", "setr-naive", "setr-pup",
                           "detr-resnet50-e3", "detr-resnet50-e6", "detr-resnet50-e12"}) {
    std::string model = dir.File(std::string(name) + ".onnx");
    Run(std::string("zoo ") + name + " --tiny -o " + model, dir);
    CheckSamePlan(model, dir);
  }
}

TEST_CASE("one planner: inspect --fusion shows the plan compile builds, for the committed PyTorch exports", "[cli][planner]") {
  Dir dir;
  int models = 0;
  for (const auto& e : fs::directory_iterator(fs::path(AGT_TEST_DATA_DIR) / "torch")) {
    fs::path model = e.path() / "model.onnx";
    if (!fs::exists(model)) continue;
    CheckSamePlan(model.string(), dir);
    ++models;
  }
  CHECK(models >= 8);
}

TEST_CASE("one planner: with --fold-layer-norm, inspect and compile plan the same groups, the LayerNorms in the GEMMs",
          "[cli][planner]") {
  Dir dir;
  std::string model = dir.File("vit.onnx");
  Run("zoo vit-base-16 --tiny -o " + model, dir);
  driver::CompileOptions o = Options();
  o.plan.fold_layer_norm = true;
  driver::CompileResult r = CheckSamePlan(model, dir, o, "--fold-layer-norm");
  int fused = 0;
  for (const auto& t : r.summary.task_programs) fused += t.ops.find("layer_norm+linear") != std::string::npos ? 1 : 0;
  CHECK(fused == 2);   // qkv, and fc1 with its GELU
  driver::CompileResult plain = Compile(model, Options());
  CHECK(plain.summary.tasks > 0);
  CHECK(nlohmann::json::parse(r.plan_json).at("phases").size() < nlohmann::json::parse(plain.plan_json).at("phases").size());
}

TEST_CASE("one planner: with a tuning log, inspect and compile plan with the same measured times", "[cli][planner]") {
  Dir dir;
  std::string model = dir.File("vit.onnx");
  Run("zoo vit-base-16 --tiny -o " + model, dir);
  auto g = planner::LoadModel(model, {}, planner::PlanOptions{});
  REQUIRE(g.ok());
  auto untuned = planner::PlanModel(**g, planner::PlanOptions{});
  REQUIRE(untuned.ok());
  // The attention task measured at one second: the plan must move away from it, in both.
  const tasks::Task* attention = nullptr;
  for (const tasks::Task& t : untuned->tasks) {
    if (t.kind == fusion::GroupKind::kAttention) attention = &t;
  }
  REQUIRE(attention != nullptr);
  auto ctx = codegen::MakeTaskContext(*attention->graph, ir::Precision::kFP16, "sm_90");
  REQUIRE(ctx.ok());
  auto program = codegen::DefaultProgram(*ctx);
  REQUIRE(program.ok());
  const std::string log = dir.File("vit.jsonl");
  {
    auto w = records::TuningLogWriter::Open(log);
    REQUIRE(w.ok());
    records::TuningRecord r;
    r.task_key = attention->id;
    r.task_ops = attention->ops;
    r.program = *program;
    r.result.median_us = 1e6;
    r.env.gpu = "test";
    r.env.arch = "sm_90";
    r.emitter = codegen::SketchEmitterVersion(r.program.sketch.kind);
    REQUIRE(w->Append(r).ok());
  }
  driver::CompileOptions o = Options();
  auto src = driver::OpenTuningLogSource(log, "sm_90");
  REQUIRE(src.ok());
  o.programs = *src;
  driver::CompileResult r = Compile(model, o);
  CHECK(std::find(r.task_ids.begin(), r.task_ids.end(), attention->id) == r.task_ids.end());
  nlohmann::json compiled = PlanPart(nlohmann::json::parse(r.plan_json));
  CHECK(compiled == InspectPlan(model, "--tuning-log " + log, dir));
  CHECK_FALSE(compiled == InspectPlan(model, "", dir));
}

TEST_CASE("one planner: --arch sm_80 prices the plan on the A100's description", "[cli][planner]") {
  Dir dir;
  std::string model = dir.File("vit.onnx");
  Run("zoo vit-base-16 --tiny -o " + model, dir);
  driver::CompileOptions o = Options();
  driver::CompileResult h100 = Compile(model, o);
  auto a100 = ir::DeviceForArch("sm_80");
  REQUIRE(a100.ok());
  o.plan.device = *a100;
  driver::CompileResult sm80 = Compile(model, o);
  nlohmann::json p90 = nlohmann::json::parse(h100.plan_json), p80 = nlohmann::json::parse(sm80.plan_json);
  CHECK(p90["device"] == "NVIDIA H100 80GB HBM3");
  CHECK(p80["device"] == "NVIDIA A100-SXM4-80GB");
  // The A100 has 40% of the H100's tensor rate and 57% of its bandwidth; the tiny model's estimate is
  // mostly the per-kernel launch cost, which the two share, so the total grows by about 15%.
  CHECK(sm80.summary.estimated_us > 1.1 * h100.summary.estimated_us);
  CHECK(sm80.contents.metadata.arch == "sm_80");
  CHECK(PlanPart(p80) == InspectPlan(model, "--arch sm_80", dir));
  // Without a GPU, --arch native is refused with one clear line (skipped where a GPU is present).
  if (!fs::exists("/dev/nvidia0")) {
    int st = std::system((kBinary + " inspect " + model + " --fusion --arch native >/dev/null 2>" + dir.File("err.txt")).c_str());
    REQUIRE(WIFEXITED(st));
    CHECK(WEXITSTATUS(st) == 2);
    std::ifstream f(dir.File("err.txt"));
    std::string line;
    std::getline(f, line);
    CHECK_THAT(line, Catch::Contains("--arch: native needs a GPU"));
  }
}

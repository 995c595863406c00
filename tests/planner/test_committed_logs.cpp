// The committed tuning logs (models/tuning/h100/NAME.jsonl) are data users compile from without a GPU:
// each must still cover every task of its model's plan, as compile plans it from that log. A change
// that re-keys tasks (the IR printer, canonical forms, precision or task types) or bumps an emitter
// version without re-keying or re-measuring the logs fails here instead of silently falling back to
// default annotations (models/tuning/h100/aliases.txt names the models that compile from another's
// log: DETR at 3 and 12 layers from 6). A record counts only if compile can use it: a sketch the rules still choose
// for the task (a new sketch taking a group makes its old records stale) and a valid annotation.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "codegen/compile.h"
#include "compiler/frontend/onnx_loader.h"
#include "compiler/passes/pipeline.h"
#include "compiler/planner/plan_model.h"
#include "models/zoo.h"
#include "records/best_programs.h"

using namespace agt;

namespace fs = std::filesystem;

namespace {

// Checks that `log` covers every task of zoo model `name` as compile plans it from that log.
void CheckCoverage(const std::string& name, const fs::path& log) {
  INFO(name << " from " << log.string());
  auto m = models::BuildZooModel(name, models::ZooOptions{});
  REQUIRE(m.ok());
  auto g = frontend::ImportModel(m->proto, "", name);
  REQUIRE(g.ok());
  REQUIRE(passes::RunFrontendPipeline(**g).ok());
  auto best = records::BestProgramsFromLog(log.string(), "sm_90");
  REQUIRE(best.ok());
  auto plan = planner::PlanModel(**g, planner::PlanOptions{}, records::MeasuredKernelUs(*best));
  REQUIRE(plan.ok());
  for (const tasks::Task& t : plan->tasks) {
    INFO("task " << t.id << " (" << t.ops << ")");
    const records::BestProgram* b = best->Find(t.id);
    REQUIRE(b != nullptr);
    // Usable as compile uses it: the sketch the rules choose now, a valid annotation.
    auto ctx = codegen::MakeTaskContext(*t.graph, ir::Precision::kFP16, "sm_90");
    REQUIRE(ctx.ok());
    Status fits = codegen::ProgramFits(*ctx, records::RebindProgram(b->program, ctx->task));
    INFO(fits.message());
    CHECK(fits.ok());
  }
}

fs::path LogDir() { return fs::path(AGT_TEST_DATA_DIR).parent_path().parent_path() / "models" / "tuning" / "h100"; }

}  // namespace

TEST_CASE("committed tuning logs cover every task of their model", "[planner][logs]") {
  int logs = 0;
  for (const auto& e : fs::directory_iterator(LogDir())) {
    if (e.path().extension() != ".jsonl") continue;
    CheckCoverage(e.path().stem().string(), e.path());
    ++logs;
  }
  CHECK(logs >= 1);
}

// aliases.txt: "MODEL LOG-MODEL" lines (# comments), read by make models and the GPU scripts.
TEST_CASE("models compiled from another model's log are covered by it", "[planner][logs]") {
  std::ifstream in(LogDir() / "aliases.txt");
  REQUIRE(in.good());
  std::string line;
  int aliases = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string model, log_model, extra;
    REQUIRE(static_cast<bool>(words >> model >> log_model));
    CHECK_FALSE(static_cast<bool>(words >> extra));
    CHECK_FALSE(fs::exists(LogDir() / (model + ".jsonl")));   // one log per model: its own or the alias
    CheckCoverage(model, LogDir() / (log_model + ".jsonl"));
    ++aliases;
  }
  CHECK(aliases >= 1);
}

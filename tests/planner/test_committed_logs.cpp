// The committed tuning logs (models/tuning/h100/NAME.jsonl) are data users compile from without a GPU:
// each must still cover every task of its model's plan, as compile plans it from that log. A change
// that re-keys tasks (the IR printer, canonical forms, precision or task types) or bumps an emitter
// version without re-keying or re-measuring the logs fails here instead of silently falling back to
// default annotations.
#include <filesystem>

#include <catch2/catch.hpp>

#include "compiler/frontend/onnx_loader.h"
#include "compiler/passes/pipeline.h"
#include "compiler/planner/plan_model.h"
#include "models/zoo.h"
#include "records/best_programs.h"

using namespace agt;

namespace fs = std::filesystem;

TEST_CASE("committed tuning logs cover every task of their model", "[planner][logs]") {
  const fs::path dir = fs::path(AGT_TEST_DATA_DIR).parent_path().parent_path() / "models" / "tuning" / "h100";
  int logs = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".jsonl") continue;
    const std::string name = e.path().stem().string();
    INFO(e.path().string());
    auto m = models::BuildZooModel(name, models::ZooOptions{});
    REQUIRE(m.ok());
    auto g = frontend::ImportModel(m->proto, "", name);
    REQUIRE(g.ok());
    REQUIRE(passes::RunFrontendPipeline(**g).ok());
    auto best = records::BestProgramsFromLog(e.path().string(), "sm_90");
    REQUIRE(best.ok());
    auto plan = planner::PlanModel(**g, planner::PlanOptions{}, records::MeasuredKernelUs(*best));
    REQUIRE(plan.ok());
    for (const tasks::Task& t : plan->tasks) {
      INFO("task " << t.id << " (" << t.ops << ")");
      CHECK(best->Find(t.id) != nullptr);
    }
    ++logs;
  }
  CHECK(logs >= 1);
}

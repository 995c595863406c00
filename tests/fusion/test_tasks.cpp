// Task extraction: one task per distinct group, weight = occurrences; identical encoder layers
// share their tasks; names and weights do not enter the signature; precision enters the id.
#include <catch2/catch.hpp>

#include <set>

#include "compiler/fusion/dpof.h"
#include "compiler/fusion/group_signature.h"
#include "compiler/tasks/task.h"
#include "tests/fusion/fusion_test_graphs.h"
#include "tests/support/test_support.h"

using namespace agt;
using namespace agt::fusion;

TEST_CASE("tasks: 12 identical ViT-Base layers give weight-12 tasks", "[fusion][tasks]") {
  test::VitConfig c;
  c.layers = 12;
  auto g = test::BuildVitEncoder(c);
  // Each LayerNorm rides in a GEMM (the seed's pricing, the prologue hidden): one group of each kind per layer.
  AnalyticalCostModel model(ir::H100(), AnalyticalCostOptions{.norm_prologue_rate = 0});
  FusionOptions o;
  o.legality.allow_norm_prologue = true;
  auto plan = RunDpof(*g, model, o);
  REQUIRE(plan.ok());
  CHECK(plan->phases.size() <= 12 * 6);
  auto tasks = tasks::ExtractTasks(*g, *plan, ir::Precision::kFP16);
  REQUIRE(tasks.ok());
  int total = 0;
  for (const auto& t : *tasks) {
    INFO(t.ops);
    CHECK(t.weight == 12);
    CHECK(t.id.size() == 16);
    CHECK(t.graph != nullptr);
    CHECK(t.phases.size() == 12);
    total += t.weight;
  }
  CHECK(total == static_cast<int>(plan->phases.size()));
  CHECK(tasks->size() * 12 == plan->phases.size());
  int attention = 0;
  for (const auto& t : *tasks) attention += t.kind == GroupKind::kAttention;
  CHECK(attention == 1);
}

TEST_CASE("tasks: the signature ignores names and weight values, not shapes, and ids differ by precision",
          "[fusion][tasks]") {
  auto g = test::ParseIr(R"(graph g(%x: f32[8,16], %y: f32[8,16], %w: f32[16,16], %v: f32[16,16], %z: f32[4,16]) {
    %a = matmul(%x, %w)
    %ra = relu(%a) loc("first")
    %b = matmul(%y, %v)
    %rb = relu(%b) loc("second")
    %c = matmul(%z, %w)
    %rc = relu(%c)
    return %ra, %rb, %rc
  })");
  AnalyticalCostModel model(ir::H100());
  auto plan = RunDpof(*g, model);
  REQUIRE(plan.ok());
  REQUIRE(plan->phases.size() == 3);
  auto tasks = tasks::ExtractTasks(*g, *plan, ir::Precision::kFP16);
  REQUIRE(tasks.ok());
  REQUIRE(tasks->size() == 2);
  CHECK((*tasks)[0].weight == 2);
  CHECK((*tasks)[1].weight == 1);
  CHECK((*tasks)[0].ops == "matmul+relu");
  CHECK((*tasks)[0].signature.find("first") == std::string::npos);
  auto fp32 = tasks::ExtractTasks(*g, *plan, ir::Precision::kFP32);
  REQUIRE(fp32.ok());
  CHECK((*fp32)[0].signature == (*tasks)[0].signature);
  CHECK((*fp32)[0].id != (*tasks)[0].id);
  CHECK((*tasks)[0].flops == Approx(2.0 * 8 * 16 * 16 + 8 * 16));
}

TEST_CASE("tasks: DETR's encoder and decoder attentions are different tasks", "[fusion][tasks]") {
  auto g = test::BuildDetrLayers();
  AnalyticalCostModel model(ir::H100());
  auto plan = RunDpof(*g, model);
  REQUIRE(plan.ok());
  auto tasks = tasks::ExtractTasks(*g, *plan, ir::Precision::kFP16);
  REQUIRE(tasks.ok());
  std::set<std::string> ids;
  int attention = 0;
  for (const auto& t : *tasks) {
    ids.insert(t.id);
    if (t.kind == GroupKind::kAttention) {
      ++attention;
      CHECK(t.weight == 1);
    }
  }
  CHECK(ids.size() == tasks->size());
  CHECK(attention == 3);   // 1050x1050, 100x100 and 100x1050 scores
}

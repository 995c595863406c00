// The fusion report: text lines per phase with the kernel counts and tasks, JSON that parses back
// with the same numbers, and dot with one cluster per phase; unfused attention is named with its reason.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "compiler/planner/plan_report.h"
#include "tests/fusion/fusion_test_graphs.h"

#include <optional>

using namespace agt;

namespace {

// The plan on the plain analytical model of the H100 (the report renders whatever plan it is given).
std::string Report(const ir::Graph& g, planner::PlanOptions o, planner::ReportFormat format) {
  o.sketch_aware = false;
  o.explain = true;
  auto plan = planner::PlanModel(g, o);
  REQUIRE(plan.ok());
  return planner::RenderPlanReport(g, *plan, format);
}

}  // namespace

TEST_CASE("report: text, json and dot agree on a 2-layer ViT encoder", "[planner][report]") {
  test::VitConfig c;
  c.layers = 2;
  auto g = test::BuildVitEncoder(c);
  planner::PlanOptions o;
  o.legality.allow_norm_prologue = true;   // the counts below are those of the norm-prologue plan,
  o.analytical.norm_prologue_rate = 0;     // which the seed's pricing (prologue hidden) chooses
  auto text = std::optional<std::string>(Report(*g, o, planner::ReportFormat::kText));
  CHECK_THAT(*text, Catch::Contains("kernels: 42 before fusion -> 10 after"));
  CHECK_THAT(*text, Catch::Contains("attention"));
  CHECK_THAT(*text, Catch::Contains("[1,197,768] -> [1,197,2304]"));
  CHECK_THAT(*text, Catch::Contains("tasks: 5 distinct groups for 10 kernels"));
  CHECK_THAT(*text, Catch::Contains("attention / LayerNorm fusion: 6 fused, 0 not fused"));

  auto js = std::optional<std::string>(Report(*g, o, planner::ReportFormat::kJson));
  auto j = nlohmann::json::parse(*js);
  CHECK(j["kernels_before"] == 42);
  CHECK(j["kernels_after"] == 10);
  CHECK(j["phases"].size() == 10);
  CHECK(j["tasks"].size() == 5);
  double sum = 0;
  for (const auto& p : j["phases"]) sum += p["estimated_us"].get<double>();
  CHECK(sum == Approx(j["estimated_us"].get<double>()));
  for (const auto& t : j["tasks"]) CHECK(t["weight"] == 2);

  auto dot = std::optional<std::string>(Report(*g, o, planner::ReportFormat::kDot));
  size_t clusters = 0;
  for (size_t pos = 0; (pos = dot->find("subgraph cluster_", pos)) != std::string::npos; ++pos) ++clusters;
  CHECK(clusters == 10);
  CHECK(dot->rfind("}\n") == dot->size() - 2);
}

TEST_CASE("report: an attention that did not fuse is named with its reason", "[planner][report]") {
  auto g = std::make_unique<ir::Graph>("bad");
  test::GraphBuilder b(*g);
  ir::Value* x = g->AddInput("x", {ir::DType::kF32, {1, 50, 64}});
  g->SetOutputs({b.Mha(x, x, x, 4, "attn", -2)});
  auto text = std::optional<std::string>(Report(*g, planner::PlanOptions{}, planner::ReportFormat::kText));
  CHECK_THAT(*text, Catch::Contains("not fused: attention attn.qk / attn.softmax / attn.pv: softmax axis is not the key axis"));
}

// An attention no sketch can generate (head dim 1024: the attention sketch takes head dims up to 256)
// is priced out of its fused group; the note says the code generator's reason, not "the cost model
// found separate kernels cheaper".
TEST_CASE("report: unfused attention that no sketch takes names the sketches' reasons", "[planner][report]") {
  test::VitConfig c;
  c.tokens = 64;
  c.dim = 1024;
  c.heads = 1;
  c.mlp = 1024;
  auto g = test::BuildVitEncoder(c);
  planner::PlanOptions o;
  o.explain = true;   // sketch-aware pricing on, as compile plans
  auto plan = planner::PlanModel(*g, o);
  REQUIRE(plan.ok());
  int attention_notes = 0;
  for (const fusion::FusionNote& n : plan->plan.notes) {
    if (n.pattern != "attention") continue;
    ++attention_notes;
    INFO(n.reason);
    CHECK_FALSE(n.fused);
    CHECK_THAT(n.reason, Catch::Contains("no fast kernel generates them as one group") &&
                             Catch::Contains("attention: head dims above 256"));
    CHECK_THAT(n.reason, !Catch::Contains("cheaper"));
  }
  CHECK(attention_notes == 1);
  // At head dim 64 the same layer's attention is one kernel.
  test::VitConfig small;
  small.tokens = 64;
  auto g64 = test::BuildVitEncoder(small);
  auto plan64 = planner::PlanModel(*g64, o);
  REQUIRE(plan64.ok());
  for (const fusion::FusionNote& n : plan64->plan.notes) {
    if (n.pattern == "attention") CHECK(n.fused);
  }
}

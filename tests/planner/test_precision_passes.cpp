// The precision passes (compiler/passes/pipeline.h: RunPrecisionPasses) as the planner sees them: at
// tf32 the linears' weights become K-major views, and the Hopper core then takes every linear.
#include <catch2/catch.hpp>

#include "codegen/compile.h"
#include "compiler/passes/pipeline.h"
#include "compiler/planner/plan_model.h"
#include "tests/planner/planner_test_util.h"

namespace agt {
namespace {

TEST_CASE("tf32: the precision passes run at tf32 only, and then every linear of a ViT takes the Hopper core",
          "[passes][tf32][planner]") {
  for (ir::Precision p : {ir::Precision::kFP16, ir::Precision::kBF16, ir::Precision::kFP32}) {
    CHECK(passes::PrecisionPasses(p).empty());
  }
  auto g = test::TinyZoo("vit-base-16");
  auto records = passes::RunPrecisionPasses(*g, ir::Precision::kTF32);
  REQUIRE(records.ok());
  REQUIRE(records->size() == 1);
  CHECK((*records)[0].changed);
  planner::PlanOptions o;
  o.precision = ir::Precision::kTF32;
  auto plan = planner::PlanModel(*g, o);
  REQUIRE(plan.ok());
  int linears = 0;
  for (const tasks::Task& t : plan->tasks) {
    if (t.ops.find("linear") == std::string::npos) continue;
    ++linears;
    auto ctx = codegen::MakeTaskContext(*t.graph, ir::Precision::kTF32, "sm_90");
    REQUIRE(ctx.ok());
    INFO(t.ops << ": " << ctx->rule);
    CHECK(ctx->sketches.front().kind == codegen::SketchKind::kGemmSm90);
  }
  CHECK(linears >= 5);   // patch embedding, qkv, proj, fc1, fc2, head
}

TEST_CASE("fold-layer-norm: every LayerNorm before a linear rides in it on the Hopper core: 5 kernels per ViT-B layer",
          "[passes][layernorm][planner]") {
  auto plain = test::TinyZoo("vit-base-16");
  auto g = test::TinyZoo("vit-base-16");
  planner::PlanOptions o;
  o.fold_layer_norm = true;
  auto records = passes::RunPrecisionPasses(*g, o.precision, planner::PrecisionPassOptions(o));
  REQUIRE(records.ok());
  REQUIRE(records->size() == 1);
  CHECK((*records)[0].name == "fold-layer-norm-affine");
  CHECK((*records)[0].changed);
  auto before = planner::PlanModel(*plain, planner::PlanOptions{});
  auto plan = planner::PlanModel(*g, o);
  REQUIRE(before.ok());
  REQUIRE(plan.ok());
  int layers = 0, ln_linears = 0, lone_norms = 0;
  for (const tasks::Task& t : plan->tasks) {
    const bool norm = t.ops.find("layer_norm") != std::string::npos;
    if (norm && t.ops.find("linear") != std::string::npos) {
      ln_linears += t.weight;
      auto ctx = codegen::MakeTaskContext(*t.graph, o.precision, "sm_90");
      REQUIRE(ctx.ok());
      INFO(t.ops << ": " << ctx->rule);
      CHECK(ctx->sketches.front().kind == codegen::SketchKind::kGemmSm90);
    } else if (norm) {
      lone_norms += t.weight;
    }
    if (t.kind == fusion::GroupKind::kAttention) layers += t.weight;
  }
  REQUIRE(layers >= 1);
  CHECK(ln_linears == 2 * layers);   // qkv and fc1 of every layer
  CHECK(lone_norms <= 1);            // the final norm, read by the class-token gather
  // Two kernels fewer per layer than the plan without the fold.
  CHECK(before->plan.phases.size() - plan->plan.phases.size() == static_cast<size_t>(2 * layers));
}

}  // namespace
}  // namespace agt

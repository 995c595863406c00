// The tf32 precision pass (compiler/passes/tf32_weights.cpp): linear weights stored K-major ([N, K])
// and read through a transpose, so that at tf32 the Hopper core (whose tf32 wgmma reads only K-major
// operands) takes the layers (tests/planner/test_precision_passes.cpp: the pipeline runs it at tf32 only).
#include "compiler/passes/passes.h"
#include "tests/passes/pass_test_util.h"

namespace agt {
namespace {

using test::OpSequence;
using Ops = std::vector<std::string>;

TEST_CASE("tf32: a linear's [K, N] weight is stored [N, K] and read through a transpose", "[passes][tf32]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[5,3]) {
  %w = constant f32[3,2] [1, 2, 3, 4, 5, 6]
  %b = constant f32[2] [0.5, -1]
  %v = constant f32[2,3] [1, -1, 2, -2, 3, -3]
  %y = linear(%x, %w, %b)
  %z = linear(%y, %v)
  return %z
}
)", passes::RunTf32KMajorWeights);
  CHECK(changed);
  CHECK(OpSequence(*g) == Ops{"transpose", "linear", "transpose", "linear"});
  std::vector<std::vector<float>> stored;
  for (const auto& n : g->nodes()) {
    if (n->op() != ir::OpKind::kLinear) continue;
    const ir::Node* t = n->input(1)->producer();
    REQUIRE(t != nullptr);
    CHECK(t->op() == ir::OpKind::kTranspose);
    CHECK(t->attrs().ints(ir::AttrKey::kPerm) == std::vector<int64_t>{1, 0});
    REQUIRE(t->input(0)->is_constant());
    stored.push_back(t->input(0)->data().ToF32());
  }
  // W [3, 2] stored as [2, 3]; V [2, 3] as [3, 2].
  CHECK(stored == std::vector<std::vector<float>>{{1, 3, 5, 2, 4, 6}, {1, -2, -1, 3, 2, -3}});
  CHECK(g->outputs()[0]->name() == "z");
  // A second run finds no constant [K, N] weight left.
  auto again = passes::RunTf32KMajorWeights(*g);
  REQUIRE(again.ok());
  CHECK_FALSE(*again);
}

}  // namespace
}  // namespace agt

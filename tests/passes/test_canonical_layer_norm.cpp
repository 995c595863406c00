// Tests of canonical LayerNorm (compiler/passes/canonical_layer_norm.cpp).
#include "compiler/passes/passes.h"
#include "tests/passes/pass_test_util.h"

namespace agt {
namespace {

using test::OpSequence;
using Ops = std::vector<std::string>;

constexpr const char* kDecomposed = R"(
graph main(%x: f32[2,3,4]) {
  %eps = constant f32[] [1e-05]
  %p2 = constant f32[] [2]
  %gamma = constant f32[4] [0.5, 1, 1.5, 2]
  %beta = constant f32[4] [0, 0.25, -0.25, 1]
  %mean = reduce_mean(%x) {axes = [-1]}
  %d = sub(%x, %mean)
  %sq = pow(%d, %p2)
  %var = reduce_mean(%sq) {axes = [-1]}
  %ve = add(%var, %eps)
  %s = sqrt(%ve)
  %n = div(%d, %s)
  %g = mul(%n, %gamma)
  %y = add(%g, %beta)
  return %y
}
)";

TEST_CASE("the decomposed LayerNorm chain becomes layer_norm with gamma and beta", "[passes][layernorm]") {
  auto [g, changed] = test::RunPassChecked(kDecomposed, passes::RunCanonicalLayerNorm);
  CHECK(changed);
  CHECK(OpSequence(*g) == Ops{"layer_norm"});
  const ir::Node* ln = g->nodes().front().get();
  CHECK(ln->attrs().i(ir::AttrKey::kAxis) == 2);
  CHECK(ln->attrs().f(ir::AttrKey::kEpsilon) == Approx(1e-5));
  CHECK(ln->input(1)->data().ToF32() == std::vector<float>{0.5f, 1, 1.5f, 2});
  CHECK(ln->input(2)->data().ToF32() == std::vector<float>{0, 0.25f, -0.25f, 1});
  CHECK(g->outputs()[0]->name() == "y");
}

TEST_CASE("LayerNorm over two trailing axes, d*d for the square, no affine tail", "[passes][layernorm]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[2,3,4]) {
  %eps = constant f32[] [1e-06]
  %mean = reduce_mean(%x) {axes = [1, 2]}
  %d = sub(%x, %mean)
  %sq = mul(%d, %d)
  %var = reduce_mean(%sq) {axes = [-2, -1]}
  %ve = add(%eps, %var)
  %s = sqrt(%ve)
  %y = div(%d, %s)
  return %y
}
)", passes::RunCanonicalLayerNorm);
  CHECK(changed);
  CHECK(OpSequence(*g) == Ops{"layer_norm"});
  const ir::Node* ln = g->nodes().front().get();
  CHECK(ln->attrs().i(ir::AttrKey::kAxis) == 1);
  CHECK(ln->num_inputs() == 2);
  CHECK(ln->input(1)->data().ToF32() == std::vector<float>(12, 1.0f));
}

TEST_CASE("a mean over a leading axis is not a LayerNorm", "[passes][layernorm]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[2,3]) {
  %eps = constant f32[] [1e-05]
  %mean = reduce_mean(%x) {axes = [0]}
  %d = sub(%x, %mean)
  %sq = mul(%d, %d)
  %var = reduce_mean(%sq) {axes = [0]}
  %ve = add(%var, %eps)
  %s = sqrt(%ve)
  %y = div(%d, %s)
  return %y
}
)", passes::RunCanonicalLayerNorm);
  CHECK_FALSE(changed);
  CHECK(test::CountOps(*g, ir::OpKind::kLayerNorm) == 0);
}

}  // namespace
}  // namespace agt

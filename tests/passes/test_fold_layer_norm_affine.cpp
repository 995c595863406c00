// Tests of the LayerNorm affine fold into the linear reading it (compiler/passes/fold_layer_norm_affine.cpp).
// RunPassChecked also runs both graphs on the interpreter and compares them.
#include "compiler/passes/passes.h"
#include "tests/passes/pass_test_util.h"

namespace agt {
namespace {

using test::OpSequence;
using Ops = std::vector<std::string>;

TEST_CASE("a LayerNorm read by a linear gives gamma to the weight's rows and beta W to the bias", "[passes][layernorm]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[1,3,4]) {
  %gamma = constant f32[4] [0.5, 2, -1, 3]
  %beta = constant f32[4] [1, 0, -2, 0.5]
  %w = constant f32[4,2] [1, 2, 3, 4, 5, 6, 7, 8]
  %b = constant f32[2] [10, -10]
  %n = layer_norm(%x, %gamma, %beta) {axis = -1, epsilon = 1e-06}
  %y = linear(%n, %w, %b)
  return %y
}
)", passes::RunFoldLayerNormAffine);
  CHECK(changed);
  CHECK(OpSequence(*g) == Ops{"layer_norm", "linear"});
  const ir::Node* ln = test::FirstNode(*g, ir::OpKind::kLayerNorm);
  CHECK(ln->num_inputs() == 1);
  CHECK(ln->attrs().f(ir::AttrKey::kEpsilon) == Approx(1e-6));
  const ir::Node* lin = test::FirstNode(*g, ir::OpKind::kLinear);
  // Row k of W times gamma[k]; the bias b + beta W: 10 + (1*1 + 0*3 - 2*5 + 0.5*7), -10 + (2 - 12 + 4).
  CHECK(lin->input(1)->data().ToF32() == std::vector<float>{0.5f, 1, 6, 8, -5, -6, 21, 24});
  CHECK(lin->input(2)->data().ToF32() == std::vector<float>{4.5f, -16});
  CHECK(g->outputs()[0]->name() == "y");
}

TEST_CASE("without beta or a bias the fold still gives the linear a bias; gamma 1 changes nothing but the form",
          "[passes][layernorm]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[5,8]) {
  %gamma = constant f32[8] [1, 1, 1, 1, 1, 1, 1, 1]
  %w = constant f32[8,3] [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24]
  %n = layer_norm(%x, %gamma) {axis = 1}
  %y = linear(%n, %w)
  return %y
}
)", passes::RunFoldLayerNormAffine);
  CHECK(changed);
  const ir::Node* lin = test::FirstNode(*g, ir::OpKind::kLinear);
  REQUIRE(lin->num_inputs() == 3);
  CHECK(lin->input(2)->data().ToF32() == std::vector<float>{0, 0, 0});
  CHECK(test::FirstNode(*g, ir::OpKind::kLayerNorm)->num_inputs() == 1);
}

TEST_CASE("no fold where the normalised rows have another reader, the norm is not over the last axis, or the weight is computed",
          "[passes][layernorm]") {
  const char* two_readers = R"(
graph main(%x: f32[2,4]) {
  %gamma = constant f32[4] [0.5, 2, -1, 3]
  %w = constant f32[4,2] [1, 2, 3, 4, 5, 6, 7, 8]
  %n = layer_norm(%x, %gamma) {axis = -1}
  %y = linear(%n, %w)
  %z = add(%y, %y)
  return %z, %n
}
)";
  const char* leading_axis = R"(
graph main(%x: f32[2,4]) {
  %gamma = constant f32[2,4] [1, 2, 3, 4, 5, 6, 7, 8]
  %w = constant f32[4,2] [1, 2, 3, 4, 5, 6, 7, 8]
  %n = layer_norm(%x, %gamma) {axis = 0}
  %y = linear(%n, %w)
  return %y
}
)";
  const char* computed_weight = R"(
graph main(%x: f32[2,4], %w: f32[4,2]) {
  %gamma = constant f32[4] [0.5, 2, -1, 3]
  %n = layer_norm(%x, %gamma) {axis = -1}
  %y = linear(%n, %w)
  return %y
}
)";
  for (const char* text : {two_readers, leading_axis, computed_weight}) {
    auto [g, changed] = test::RunPassChecked(text, passes::RunFoldLayerNormAffine);
    CHECK_FALSE(changed);
    CHECK(test::FirstNode(*g, ir::OpKind::kLayerNorm)->num_inputs() == 2);
  }
}

}  // namespace
}  // namespace agt

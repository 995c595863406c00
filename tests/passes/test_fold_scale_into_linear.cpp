// Tests of the scalar-scale folding into linear layers (compiler/passes/fold_scale_into_linear.cpp).
#include "compiler/passes/passes.h"
#include "tests/passes/pass_test_util.h"

namespace agt {
namespace {

using test::OpSequence;
using Ops = std::vector<std::string>;

TEST_CASE("a scalar mul after a linear, through a reshape and a transpose, folds into its weight and bias", "[passes][scale]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[1,3,4]) {
  %w = constant f32[4,4] [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
  %b = constant f32[4] [1, -1, 2, -2]
  %s = constant f32[1] [0.5]
  %y = linear(%x, %w, %b)
  %r = reshape(%y) {shape = [1, 3, 2, 2]}
  %t = transpose(%r) {perm = [0, 2, 1, 3]}
  %m = mul(%t, %s)
  return %m
}
)", passes::RunFoldScaleIntoLinear);
  CHECK(changed);
  CHECK(OpSequence(*g) == Ops{"linear", "reshape", "transpose"});
  const ir::Node* lin = test::FirstNode(*g, ir::OpKind::kLinear);
  CHECK(lin->input(1)->data().ToF32() == std::vector<float>{0.5f, 1, 1.5f, 2, 2.5f, 3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7, 7.5f, 8});
  CHECK(lin->input(2)->data().ToF32() == std::vector<float>{0.5f, -0.5f, 1, -1});
  CHECK(g->outputs()[0]->name() == "m");
}

TEST_CASE("a division by a scalar, with the constant first in the mul, and a bias-free linear fold too", "[passes][scale]") {
  SECTION("div") {
    auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[2,4]) {
  %w = constant f32[4,2] [1, 2, 3, 4, 5, 6, 7, 8]
  %s = constant f32[] [4]
  %y = linear(%x, %w)
  %m = div(%y, %s)
  return %m
}
)", passes::RunFoldScaleIntoLinear);
    CHECK(changed);
    CHECK(OpSequence(*g) == Ops{"linear"});
    CHECK(g->nodes().front()->input(1)->data().ToF32() == std::vector<float>{0.25f, 0.5f, 0.75f, 1, 1.25f, 1.5f, 1.75f, 2});
  }
  SECTION("constant on the left") {
    auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[2,4]) {
  %w = constant f32[4,2] [1, 2, 3, 4, 5, 6, 7, 8]
  %s = constant f32[1,1] [-2]
  %y = linear(%x, %w)
  %m = mul(%s, %y)
  return %m
}
)", passes::RunFoldScaleIntoLinear);
    CHECK(changed);
    CHECK(OpSequence(*g) == Ops{"linear"});
  }
}

TEST_CASE("no fold when the linear or a view has another reader, the factor is not one number, or a constant divides", "[passes][scale]") {
  const char* cases[] = {
      // the linear's output also read by the add
      R"(graph main(%x: f32[2,4]) {
  %w = constant f32[4,4] [1, -2, 3, 4, 5, 6, -7, 8, 9, 1, 2, 3, -4, 5, 6, 7]
  %s = constant f32[1] [3]
  %y = linear(%x, %w)
  %m = mul(%y, %s)
  %a = add(%m, %y)
  return %a
})",
      // the reshape's output is also a graph output
      R"(graph main(%x: f32[2,4]) {
  %w = constant f32[4,4] [1, -2, 3, 4, 5, 6, -7, 8, 9, 1, 2, 3, -4, 5, 6, 7]
  %s = constant f32[1] [3]
  %y = linear(%x, %w)
  %r = reshape(%y) {shape = [2, 2, 2]}
  %m = mul(%r, %s)
  return %m, %r
})",
      // a per-column factor, not one number
      R"(graph main(%x: f32[2,4]) {
  %w = constant f32[4,4] [1, -2, 3, 4, 5, 6, -7, 8, 9, 1, 2, 3, -4, 5, 6, 7]
  %s = constant f32[4] [1, 2, 3, 4]
  %y = linear(%x, %w)
  %m = mul(%y, %s)
  return %m
})",
      // s / y is not a scaling of y
      R"(graph main(%x: f32[2,4]) {
  %w = constant f32[4,4] [1, -2, 3, 4, 5, 6, -7, 8, 9, 1, 2, 3, -4, 5, 6, 7]
  %s = constant f32[1] [3]
  %y = linear(%x, %w)
  %m = div(%s, %y)
  return %m
})",
      // an element-wise op between the linear and the mul
      R"(graph main(%x: f32[2,4]) {
  %w = constant f32[4,4] [1, -2, 3, 4, 5, 6, -7, 8, 9, 1, 2, 3, -4, 5, 6, 7]
  %s = constant f32[1] [3]
  %y = linear(%x, %w)
  %e = relu(%y)
  %m = mul(%e, %s)
  return %m
})",
  };
  for (const char* text : cases) {
    INFO(text);
    auto [g, changed] = test::RunPassChecked(text, passes::RunFoldScaleIntoLinear);
    CHECK_FALSE(changed);
  }
}

}  // namespace
}  // namespace agt

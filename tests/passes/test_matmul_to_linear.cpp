// Tests of MatMul + Add(bias) -> linear (compiler/passes/matmul_to_linear.cpp).
#include "compiler/passes/passes.h"
#include "tests/passes/pass_test_util.h"

namespace agt {
namespace {

using test::OpSequence;
using Ops = std::vector<std::string>;

TEST_CASE("matmul by a constant weight plus a constant bias becomes linear with bias", "[passes][linear]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[1,5,3]) {
  %w = constant f32[3,2] [1, 2, 3, 4, 5, 6]
  %b = constant f32[2] [0.5, -0.5]
  %m = matmul(%x, %w)
  %y = add(%b, %m)
  return %y
}
)", passes::RunMatMulToLinear);
  CHECK(changed);
  CHECK(OpSequence(*g) == Ops{"linear"});
  const ir::Node* lin = g->nodes().front().get();
  REQUIRE(lin->num_inputs() == 3);
  CHECK(lin->input(2)->data().ToF32() == std::vector<float>{0.5f, -0.5f});
  CHECK(g->outputs()[0]->name() == "y");
}

TEST_CASE("a bias of shape [1,1,N] is accepted; a bias that broadcasts over rows is not", "[passes][linear]") {
  SECTION("[1,1,N]") {
    auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[1,5,3]) {
  %w = constant f32[3,2] [1, 2, 3, 4, 5, 6]
  %b = constant f32[1,1,2] [1, 2]
  %m = matmul(%x, %w)
  %y = add(%m, %b)
  return %y
}
)", passes::RunMatMulToLinear);
    CHECK(OpSequence(*g) == Ops{"linear"});
  }
  SECTION("[5,1] is not a bias") {
    auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[5,3]) {
  %w = constant f32[3,2] [1, 2, 3, 4, 5, 6]
  %b = constant f32[5,1] [1, 2, 3, 4, 5]
  %m = matmul(%x, %w)
  %y = add(%m, %b)
  return %y
}
)", passes::RunMatMulToLinear);
    CHECK(OpSequence(*g) == Ops{"linear", "add"});
    CHECK(g->nodes().front()->num_inputs() == 2);
  }
}

TEST_CASE("matmul of two activations stays matmul", "[passes][linear]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%a: f32[2,4,3], %b: f32[2,3,5]) {
  %y = matmul(%a, %b)
  return %y
}
)", passes::RunMatMulToLinear);
  CHECK_FALSE(changed);
  CHECK(OpSequence(*g) == Ops{"matmul"});
}

TEST_CASE("a matmul whose result has other users keeps the add separate", "[passes][linear]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[4,3]) {
  %w = constant f32[3,2] [1, 2, 3, 4, 5, 6]
  %b = constant f32[2] [1, 2]
  %m = matmul(%x, %w)
  %y = add(%m, %b)
  %z = relu(%m)
  return %y, %z
}
)", passes::RunMatMulToLinear);
  CHECK(changed);
  CHECK(OpSequence(*g) == Ops{"linear", "add", "relu"});
}

}  // namespace
}  // namespace agt

// Tests of the constant-folding pass (compiler/passes/constant_folding.cpp).
#include "compiler/passes/passes.h"
#include "tests/passes/pass_test_util.h"

namespace agt {
namespace {

using test::OpSequence;

TEST_CASE("constant folding evaluates nodes whose inputs are all constants", "[passes][fold]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[2,3]) {
  %w = constant f32[3,2] [1, 2, 3, 4, 5, 6]
  %wt = transpose(%w) {perm = [1, 0]}
  %two = constant f32[] [2]
  %w2 = mul(%wt, %two)
  %y = add(%x, %w2)
  return %y
}
)", passes::RunConstantFolding);
  CHECK(changed);
  CHECK(OpSequence(*g) == std::vector<std::string>{"add"});
  // transpose of [[1,2],[3,4],[5,6]] is [[1,3,5],[2,4,6]]; times 2, by hand:
  const ir::Value* c = g->nodes().front()->input(1);
  REQUIRE(c->is_constant());
  CHECK(c->name() == "w2");
  CHECK(c->data().ToF32() == std::vector<float>{2, 6, 10, 4, 8, 12});
}

TEST_CASE("constant folding keeps graph outputs named", "[passes][fold]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[2]) {
  %a = constant f32[2] [1, 2]
  %b = neg(%a)
  %y = add(%x, %x)
  return %y, %b
}
)", passes::RunConstantFolding);
  CHECK(changed);
  REQUIRE(g->outputs()[1]->is_constant());
  CHECK(g->outputs()[1]->name() == "b");
  CHECK(g->outputs()[1]->data().ToF32() == std::vector<float>{-1, -2});
}

TEST_CASE("constant folding leaves graphs without constant subexpressions alone", "[passes][fold]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[2]) {
  %c = constant f32[2] [1, 2]
  %y = mul(%x, %c)
  return %y
}
)", passes::RunConstantFolding);
  CHECK_FALSE(changed);
  CHECK(OpSequence(*g) == std::vector<std::string>{"mul"});
}

}  // namespace
}  // namespace agt

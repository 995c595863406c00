// Tests of dead-code elimination (compiler/passes/dead_code.cpp).
#include "compiler/passes/passes.h"
#include "tests/passes/pass_test_util.h"

namespace agt {
namespace {

TEST_CASE("dead-code elimination removes unreachable nodes and constants", "[passes][dce]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[4]) {
  %unused = constant f32[4] [1, 2, 3, 4]
  %dead1 = exp(%x)
  %dead2 = add(%dead1, %unused)
  %y = relu(%x)
  return %y
}
)", passes::RunDeadCodeElimination);
  CHECK(changed);
  CHECK(test::OpSequence(*g) == std::vector<std::string>{"relu"});
  CHECK(g->constants().empty());
  CHECK(g->inputs().size() == 1);   // inputs are the interface: never removed
}

TEST_CASE("dead-code elimination keeps every node that reaches an output", "[passes][dce]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[4]) {
  %a = exp(%x)
  %b = neg(%a)
  return %a, %b
}
)", passes::RunDeadCodeElimination);
  CHECK_FALSE(changed);
  CHECK(g->num_nodes() == 2);
}

}  // namespace
}  // namespace agt

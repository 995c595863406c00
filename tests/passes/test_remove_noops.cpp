// Tests of no-op removal (compiler/passes/remove_noops.cpp).
#include "compiler/passes/passes.h"
#include "tests/passes/pass_test_util.h"

namespace agt {
namespace {

using test::OpSequence;
using Ops = std::vector<std::string>;

TEST_CASE("identity, same-shape reshape and identity transpose are removed", "[passes][noops]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[2,3]) {
  %a = identity(%x)
  %b = reshape(%a) {shape = [2, 3]}
  %c = transpose(%b) {perm = [0, 1]}
  %d = relu(%c)
  %e = expand(%d) {shape = [2, 3]}
  %f = cast(%e) {to = f32}
  %y = exp(%f)
  return %y
}
)", passes::RunRemoveNoOps);
  CHECK(changed);
  CHECK(OpSequence(*g) == Ops{"relu", "exp"});
  CHECK(g->nodes().front()->input(0) == g->inputs()[0]);
}

TEST_CASE("a reshape of a reshape reads the first one's input", "[passes][noops]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[2,3,4]) {
  %a = reshape(%x) {shape = [6, 4]}
  %b = reshape(%a) {shape = [24]}
  %y = neg(%b)
  return %y
}
)", passes::RunRemoveNoOps);
  CHECK(changed);
  CHECK(OpSequence(*g) == Ops{"reshape", "neg"});
  CHECK(g->nodes().front()->input(0) == g->inputs()[0]);
  CHECK(g->nodes().front()->output()->shape() == ir::Shape{24});
}

TEST_CASE("a transpose that only moves unit dims becomes a reshape", "[passes][noops]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[1,5,3,1]) {
  %t = transpose(%x) {perm = [0, 1, 3, 2]}
  %y = neg(%t)
  return %y
}
)", passes::RunRemoveNoOps);
  CHECK(changed);
  CHECK(OpSequence(*g) == Ops{"reshape", "neg"});
}

TEST_CASE("a real transpose stays", "[passes][noops]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[2,3]) {
  %t = transpose(%x) {perm = [1, 0]}
  return %t
}
)", passes::RunRemoveNoOps);
  CHECK_FALSE(changed);
  CHECK(OpSequence(*g) == Ops{"transpose"});
}

TEST_CASE("a no-op that is a graph output hands its name to its input", "[passes][noops]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[3]) {
  %a = exp(%x)
  %out = identity(%a)
  return %out
}
)", passes::RunRemoveNoOps);
  CHECK(changed);
  CHECK(OpSequence(*g) == Ops{"exp"});
  CHECK(g->outputs()[0]->name() == "out");
}

TEST_CASE("an identity from a graph input to a graph output stays", "[passes][noops]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[3]) {
  %out = identity(%x)
  return %out
}
)", passes::RunRemoveNoOps);
  CHECK_FALSE(changed);
  CHECK(g->num_nodes() == 1);
}

}  // namespace
}  // namespace agt

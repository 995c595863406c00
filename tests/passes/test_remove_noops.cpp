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

TEST_CASE("x + 0, x * 1, x - 0 and x / 1 by constants that do not broadcast x are bypassed", "[passes][noops]") {
  // Hugging Face's additive attention mask at batch 1 without padding: a constant of zeros.
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%s: f32[1,2,3,3]) {
  %mask = constant f32[1,1,3,3] [0, 0, 0, 0, 0, 0, 0, 0, 0]
  %one = constant f32[1] [1]
  %zero = constant f32[] [0]
  %a = add(%s, %mask)
  %b = mul(%one, %a)
  %c = sub(%b, %zero)
  %d = div(%c, %one)
  %p = softmax(%d) {axis = -1}
  return %p
}
)", passes::RunRemoveNoOps);
  CHECK(changed);
  CHECK(OpSequence(*g) == Ops{"softmax"});
}

TEST_CASE("a mask that is not all zeros, a broadcast, 0 - x and 1 / x stay", "[passes][noops]") {
  const char* cases[] = {
      R"(graph main(%s: f32[1,2,3,3]) {
  %mask = constant f32[1,1,3,3] [0, 0, 0, 0, -10000, 0, 0, 0, 0]
  %a = add(%s, %mask)
  return %a
})",
      // the constant broadcasts x to a larger result
      R"(graph main(%s: f32[1,3]) {
  %z = constant f32[2,3] [0, 0, 0, 0, 0, 0]
  %a = add(%s, %z)
  return %a
})",
      R"(graph main(%s: f32[3]) {
  %z = constant f32[1] [0]
  %a = sub(%z, %s)
  return %a
})",
      R"(graph main(%s: f32[3]) {
  %o = constant f32[1] [1]
  %a = div(%o, %s)
  return %a
})",
      // a near-one factor is not one
      R"(graph main(%s: f32[3]) {
  %o = constant f32[1] [1.0001]
  %a = mul(%s, %o)
  return %a
})",
  };
  for (const char* text : cases) {
    INFO(text);
    auto [g, changed] = test::RunPassChecked(text, passes::RunRemoveNoOps);
    CHECK_FALSE(changed);
  }
}

}  // namespace
}  // namespace agt

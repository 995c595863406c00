// Tests of canonical_operand_order.cpp and softmax_nan_guard.cpp.
#include "compiler/passes/passes.h"
#include "tests/passes/pass_test_util.h"

namespace agt {
namespace {

using test::OpSequence;
using Ops = std::vector<std::string>;

TEST_CASE("a residual written x + f(x) is ordered f(x) + x; equal depths keep their order", "[passes][operand-order]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[4,3], %y: f32[4,3]) {
  %w = constant f32[3,3] [0.5, -1, 2, 1.5, 0.25, -0.75, 1, 2, -0.5]
  %h = linear(%x, %w)
  %r = add(%x, %h)
  %e = exp(%y)
  %m = mul(%e, %r)
  %s = add(%x, %y)
  %o = add(%m, %s)
  return %o
}
)", passes::RunCanonicalOperandOrder);
  CHECK(changed);
  const ir::Node* r = g->FindValue("r")->producer();
  CHECK(r->input(0)->name() == "h");   // depth 1 before the input x
  CHECK(r->input(1)->name() == "x");
  const ir::Node* m = g->FindValue("m")->producer();
  CHECK(m->input(0)->name() == "r");   // add (depth 2) before exp (depth 1)
  const ir::Node* s = g->FindValue("s")->producer();
  CHECK(s->input(0)->name() == "x");   // both inputs: unchanged
  // The swap leaves the use lists right: x is read by the linear, r (second operand) and s.
  CHECK(g->FindValue("x")->uses().size() == 3);
}

TEST_CASE("the NaN guard after an unmasked attention softmax goes; after a masked one it stays", "[passes][nan-guard]") {
  SECTION("scores straight from a scaled matmul") {
    auto [g, changed] = test::RunPassChecked(R"(
graph main(%q: f32[2,5,8], %kt: f32[2,8,5], %v: f32[2,5,8]) {
  %c = constant f32[] [0.25]
  %z = constant f32[] [0]
  %s = matmul(%q, %kt)
  %ss = mul(%s, %c)
  %p = softmax(%ss)
  %n = is_nan(%p)
  %pg = where(%n, %z, %p)
  %o = matmul(%pg, %v)
  return %o
}
)", passes::RunSoftmaxNanGuard);
    CHECK(changed);
    CHECK(OpSequence(*g) == Ops{"matmul", "mul", "softmax", "matmul"});
  }
  SECTION("a mask added to the scores") {
    auto [g, changed] = test::RunPassChecked(R"(
graph main(%q: f32[2,5,8], %kt: f32[2,8,5], %mask: f32[2,5,5]) {
  %z = constant f32[] [0]
  %s = matmul(%q, %kt)
  %sm = add(%s, %mask)
  %p = softmax(%sm)
  %n = is_nan(%p)
  %pg = where(%n, %z, %p)
  return %pg
}
)", passes::RunSoftmaxNanGuard);
    CHECK_FALSE(changed);
  }
  SECTION("a guard that replaces NaN by another value") {
    auto [g, changed] = test::RunPassChecked(R"(
graph main(%q: f32[2,5,8], %kt: f32[2,8,5]) {
  %one = constant f32[] [1]
  %s = matmul(%q, %kt)
  %p = softmax(%s)
  %n = is_nan(%p)
  %pg = where(%n, %one, %p)
  return %pg
}
)", passes::RunSoftmaxNanGuard);
    CHECK_FALSE(changed);
  }
}

}  // namespace
}  // namespace agt

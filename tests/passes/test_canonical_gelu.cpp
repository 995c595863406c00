// Tests of canonical GELU (compiler/passes/canonical_gelu.cpp): each exporter spelling becomes one
// gelu node that computes the same values.
#include "compiler/passes/passes.h"
#include "tests/passes/pass_test_util.h"

namespace agt {
namespace {

using test::OpSequence;
using Ops = std::vector<std::string>;

std::unique_ptr<ir::Graph> GeluCase(const std::string& body) {
  std::string text = "graph main(%x: f32[2,8]) {\n"
                     "  %s2 = constant f32[] [1.4142135]\n  %is2 = constant f32[] [0.70710677]\n"
                     "  %one = constant f32[] [1]\n  %half = constant f32[] [0.5]\n  %two = constant f32[] [2]\n"
                     "  %c = constant f32[] [0.7978846]\n  %k = constant f32[] [0.044715]\n  %three = constant f32[] [3]\n" +
                     body + "  %z = neg(%y)\n  return %z\n}\n";
  auto [g, changed] = test::RunPassChecked(text, passes::RunCanonicalGelu, 1e-6);
  CHECK(changed);
  return std::move(g);
}

TEST_CASE("erf GELU as PyTorch's TorchScript exporter writes it: (x * (1 + erf(x / sqrt2))) * 0.5", "[passes][gelu]") {
  auto g = GeluCase(R"(
  %d = div(%x, %s2)
  %e = erf(%d)
  %a = add(%e, %one)
  %m = mul(%x, %a)
  %y = mul(%m, %half)
)");
  CHECK(OpSequence(*g) == Ops{"gelu", "neg"});
  CHECK(g->nodes().front()->attrs().s(ir::AttrKey::kApproximate) == "none");
  CHECK(g->nodes().front()->input(0) == g->inputs()[0]);
}

TEST_CASE("erf GELU variants: x * 0.7071, (x * 0.5) * a, x * (a * 0.5), (x * a) / 2", "[passes][gelu]") {
  SECTION("(x*0.5)*(1+erf(x*0.7071))") {
    auto g = GeluCase(R"(
  %d = mul(%is2, %x)
  %e = erf(%d)
  %a = add(%one, %e)
  %h = mul(%x, %half)
  %y = mul(%h, %a)
)");
    CHECK(OpSequence(*g) == Ops{"gelu", "neg"});
  }
  SECTION("x*((1+erf)*0.5)") {
    auto g = GeluCase(R"(
  %d = div(%x, %s2)
  %e = erf(%d)
  %a = add(%e, %one)
  %h = mul(%a, %half)
  %y = mul(%x, %h)
)");
    CHECK(OpSequence(*g) == Ops{"gelu", "neg"});
  }
  SECTION("(x*(1+erf))/2") {
    auto g = GeluCase(R"(
  %d = div(%x, %s2)
  %e = erf(%d)
  %a = add(%e, %one)
  %m = mul(%a, %x)
  %y = div(%m, %two)
)");
    CHECK(OpSequence(*g) == Ops{"gelu", "neg"});
  }
}

TEST_CASE("tanh GELU with x^3 as pow and as x*x*x", "[passes][gelu]") {
  SECTION("pow") {
    auto g = GeluCase(R"(
  %p = pow(%x, %three)
  %kp = mul(%k, %p)
  %in = add(%x, %kp)
  %t0 = mul(%c, %in)
  %t = tanh(%t0)
  %a = add(%t, %one)
  %h = mul(%x, %half)
  %y = mul(%h, %a)
)");
    CHECK(OpSequence(*g) == Ops{"gelu", "neg"});
    CHECK(g->nodes().front()->attrs().s(ir::AttrKey::kApproximate) == "tanh");
  }
  SECTION("mul chain") {
    auto g = GeluCase(R"(
  %sq = mul(%x, %x)
  %p = mul(%sq, %x)
  %kp = mul(%p, %k)
  %in = add(%kp, %x)
  %t0 = mul(%in, %c)
  %t = tanh(%t0)
  %a = add(%one, %t)
  %m = mul(%x, %a)
  %y = mul(%m, %half)
)");
    CHECK(OpSequence(*g) == Ops{"gelu", "neg"});
  }
}

TEST_CASE("near misses are left alone", "[passes][gelu]") {
  // 0.6 instead of 0.5, and erf of x / 2 instead of x / sqrt2: not GELU.
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[4]) {
  %two = constant f32[] [2]
  %one = constant f32[] [1]
  %half = constant f32[] [0.6]
  %d = div(%x, %two)
  %e = erf(%d)
  %a = add(%e, %one)
  %m = mul(%x, %a)
  %y = mul(%m, %half)
  return %y
}
)", passes::RunCanonicalGelu);
  CHECK_FALSE(changed);
  CHECK(test::CountOps(*g, ir::OpKind::kGelu) == 0);
}

}  // namespace
}  // namespace agt

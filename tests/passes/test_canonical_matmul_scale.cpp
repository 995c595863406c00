// Tests of the scale gathering around matmuls (compiler/passes/canonical_matmul_scale.cpp).
#include "compiler/passes/passes.h"
#include "tests/passes/pass_test_util.h"

namespace agt {
namespace {

using test::OpSequence;
using Ops = std::vector<std::string>;

// The one mul left: its constant.
float ScaleOnLeft(const ir::Graph& g) {
  const ir::Node* mm = test::FirstNode(g, ir::OpKind::kMatMul);
  REQUIRE(mm != nullptr);
  const ir::Node* mul = mm->input(0)->producer();
  REQUIRE(mul != nullptr);
  REQUIRE(mul->op() == ir::OpKind::kMul);
  return mul->input(1)->data().GetF32(0);
}

TEST_CASE("sqrt(scale) on q and on k^T (torch.onnx's attention) becomes one scale on q", "[passes][matmul-scale]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%q: f32[2,5,8], %k: f32[2,5,8]) {
  %s = constant f32[] [0.59460356]
  %kt = transpose(%k) {perm = [0, 2, 1]}
  %qs = mul(%q, %s)
  %ks = mul(%kt, %s)
  %a = matmul(%qs, %ks)
  %p = softmax(%a)
  return %p
}
)", passes::RunCanonicalMatMulScale);
  CHECK(changed);
  CHECK(test::CountOps(*g, ir::OpKind::kMul) == 1);
  // 0.59460356^2 = 0.35355338..., an ulp or so from 1/sqrt(8): the canonical value is 1/sqrt(8) in f32.
  CHECK(ScaleOnLeft(*g) == static_cast<float>(1.0 / std::sqrt(8.0)));
  CHECK(g->outputs()[0]->name() == "p");
}

TEST_CASE("a scale on k before its transpose, and one after the product, move onto q", "[passes][matmul-scale]") {
  SECTION("k scaled before the transpose") {
    auto [g, changed] = test::RunPassChecked(R"(
graph main(%q: f32[3,4], %k: f32[5,4]) {
  %s = constant f32[1] [0.25]
  %ks = mul(%k, %s)
  %kt = transpose(%ks) {perm = [1, 0]}
  %a = matmul(%q, %kt)
  return %a
}
)", passes::RunCanonicalMatMulScale);
    CHECK(changed);
    CHECK(OpSequence(*g) == Ops{"mul", "transpose", "matmul"});
    CHECK(ScaleOnLeft(*g) == 0.25f);
  }
  SECTION("the scores divided after the product (Hugging Face's ViT)") {
    auto [g, changed] = test::RunPassChecked(R"(
graph main(%q: f32[3,4], %kt: f32[4,5]) {
  %d = constant f32[] [8]
  %a = matmul(%q, %kt)
  %m = div(%a, %d)
  return %m
}
)", passes::RunCanonicalMatMulScale);
    CHECK(changed);
    CHECK(OpSequence(*g) == Ops{"mul", "matmul"});
    CHECK(ScaleOnLeft(*g) == 0.125f);
    CHECK(g->outputs()[0]->name() == "m");
  }
  SECTION("factors on all three places multiply; a product of exactly 1 leaves no mul") {
    auto [g, changed] = test::RunPassChecked(R"(
graph main(%q: f32[3,4], %k: f32[4,5]) {
  %two = constant f32[] [2]
  %half = constant f32[] [0.5]
  %qs = mul(%q, %two)
  %ks = mul(%half, %k)
  %a = matmul(%qs, %ks)
  %m = mul(%a, %half)
  return %m
}
)", passes::RunCanonicalMatMulScale);
    CHECK(changed);
    CHECK(OpSequence(*g) == Ops{"mul", "matmul"});
    CHECK(ScaleOnLeft(*g) == 0.5f);
  }
}

TEST_CASE("no rewrite when a scaled value has another reader, the factor is not one number, or only q is scaled", "[passes][matmul-scale]") {
  const char* cases[] = {
      // q alone scaled: already the canonical form
      R"(graph main(%q: f32[3,4], %k: f32[4,5]) {
  %s = constant f32[] [0.5]
  %qs = mul(%q, %s)
  %a = matmul(%qs, %k)
  return %a
})",
      // the scaled k is read elsewhere too
      R"(graph main(%q: f32[3,4], %k: f32[4,5]) {
  %s = constant f32[] [0.5]
  %ks = mul(%k, %s)
  %a = matmul(%q, %ks)
  return %a, %ks
})",
      // the product is read by the div and by the graph
      R"(graph main(%q: f32[3,4], %k: f32[4,5]) {
  %d = constant f32[] [2]
  %a = matmul(%q, %k)
  %m = div(%a, %d)
  return %m, %a
})",
      // a per-column factor, not one number
      R"(graph main(%q: f32[3,4], %k: f32[4,5]) {
  %s = constant f32[5] [1, 2, 3, 4, 5]
  %a = matmul(%q, %k)
  %m = mul(%a, %s)
  return %m
})",
      // d / (q k) is not a scaling
      R"(graph main(%q: f32[3,4], %k: f32[4,5]) {
  %d = constant f32[] [2]
  %a = matmul(%q, %k)
  %m = div(%d, %a)
  return %m
})",
  };
  for (const char* text : cases) {
    INFO(text);
    auto [g, changed] = test::RunPassChecked(text, passes::RunCanonicalMatMulScale);
    CHECK_FALSE(changed);
  }
}

}  // namespace
}  // namespace agt

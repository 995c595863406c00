// codegen::AnalyzeGemmStaging: which GEMM operands the sketch stages by 16-byte cp.async (aligned
// affine views, innermost stride 1) and which go element by element through the loader. DPOF's
// sketch-aware pricing (compiler/planner/sketch_aware_cost.h) relies on it to see prologues that cost a GEMM its fast path.
#include <catch2/catch.hpp>

#include "codegen/kernel_source.h"
#include "ir/text.h"

using namespace agt;

namespace {

codegen::GemmStaging Staging(const std::string& text, ir::Precision p = ir::Precision::kFP16) {
  INFO(text);
  auto g = ir::ParseGraph(text);
  REQUIRE(g.ok());
  auto s = codegen::AnalyzeGemmStaging(**g, p);
  REQUIRE(s.ok());
  return *s;
}

}  // namespace

TEST_CASE("gemm staging: plain and reshaped operands go by cp.async", "[codegen][gemm]") {
  auto s = Staging("graph g(%x: f32[1,197,768], %w: f32[768,2304], %b: f32[2304]) {\n"
                   "  %y = linear(%x, %w, %b) : f32[1,197,2304]\n  return %y\n}\n");
  CHECK(s.a_async);
  CHECK(s.b_async);
  // ViT's projection after attention wrote [1, T, H, D]: a reshape is free.
  s = Staging("graph g(%x: f32[1,197,12,64], %w: f32[768,768]) {\n"
              "  %r = reshape(%x) {shape = [1, 197, 768]}\n  %y = linear(%r, %w) : f32[1,197,768]\n  return %y\n}\n");
  CHECK(s.a_async);
  // An epilogue changes nothing on the operand side.
  s = Staging("graph g(%x: f32[197,768], %w: f32[768,3072]) {\n"
              "  %y = linear(%x, %w) : f32[197,3072]\n  %z = gelu(%y)\n  return %z\n}\n");
  CHECK(s.a_async);
}

TEST_CASE("gemm staging: computed or head-merging prologues go through the element loader", "[codegen][gemm]") {
  // GELU in front of fc2.
  auto s = Staging("graph g(%x: f32[197,3072], %w: f32[3072,768]) {\n"
                   "  %a = gelu(%x)\n  %y = linear(%a, %w) : f32[197,768]\n  return %y\n}\n");
  CHECK_FALSE(s.a_async);
  CHECK(s.b_async);
  // [1, H, T, D] -> [1, T, H, D] -> [1, T, H*D]: H and D are not adjacent in memory, no single K stride.
  s = Staging("graph g(%x: f32[1,12,197,64], %w: f32[768,768]) {\n"
              "  %t = transpose(%x) {perm = [0, 2, 1, 3]}\n  %r = reshape(%t) {shape = [1, 197, 768]}\n"
              "  %y = linear(%r, %w) : f32[1,197,768]\n  return %y\n}\n");
  CHECK_FALSE(s.a_async);
  // A transposed weight is still a view (read along K): B stays async, staged [n][k].
  s = Staging("graph g(%a: f32[12,197,64], %k: f32[12,197,64]) {\n"
              "  %kt = transpose(%k) {perm = [0, 2, 1]}\n  %y = matmul(%a, %kt) : f32[12,197,197]\n  return %y\n}\n");
  CHECK(s.a_async);
  CHECK(s.b_async);
}

TEST_CASE("gemm staging: alignment to the 16-byte vector depends on the precision", "[codegen][gemm]") {
  // K = 100: a multiple of fp32's 4-element vector, not of fp16's 8.
  const std::string text = "graph g(%x: f32[37,100], %w: f32[100,200]) {\n  %y = linear(%x, %w) : f32[37,200]\n  return %y\n}\n";
  CHECK(Staging(text, ir::Precision::kFP32).a_async);
  CHECK_FALSE(Staging(text, ir::Precision::kFP16).a_async);
}

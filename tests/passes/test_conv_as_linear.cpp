// Tests of the patch embedding -> linear rewrite (compiler/passes/patch_embed_to_linear.cpp): the
// rewritten graph computes the same tokens (checked through the reference interpreter by
// RunPassChecked), and convolutions that overlap, pad, or are not flattened to tokens stay.
#include "compiler/passes/passes.h"
#include "tests/passes/pass_test_util.h"

namespace agt {
namespace {

using test::OpSequence;
using Ops = std::vector<std::string>;

// A 2x2/2 conv of 2 channels into 3, over a 4x6 image, then the ViT flatten to 6 tokens.
std::string PatchGraph(const std::string& conv_attrs, bool flatten) {
  std::string g = R"(
graph main(%x: f32[1,2,4,6]) {
  %w = constant f32[3,2,2,2] [1, -2, 3, 0.5, -1, 2, 0.25, 4, -3, 1, 2, -0.5, 1.5, 2, -1, 3, 0.75, -2, 1, 1, -4, 2, 0.5, -1]
  %b = constant f32[3] [0.5, -1, 2]
  %c = conv2d(%x, %w, %b))" + conv_attrs + "\n";
  if (flatten) {
    g += R"(  %r = reshape(%c) {shape = [1, 3, 6]}
  %t = transpose(%r) {perm = [0, 2, 1]}
  return %t
}
)";
  } else {
    g += "  return %c\n}\n";
  }
  return g;
}

TEST_CASE("a non-overlapping patch conv flattened to tokens becomes im2col reshapes and a linear", "[passes][linear]") {
  auto [g, changed] = test::RunPassChecked(PatchGraph(" {strides = [2, 2]}", true), passes::RunPatchEmbedToLinear);
  CHECK(changed);
  CHECK(OpSequence(*g) == Ops{"reshape", "transpose", "reshape", "linear"});
  const ir::Node* lin = test::FirstNode(*g, ir::OpKind::kLinear);
  REQUIRE(lin != nullptr);
  CHECK(lin->input(1)->shape() == ir::Shape{8, 3});   // [C*kh*kw, OC]
  // w[o][c][ky][kx] lands at row (c*2 + ky)*2 + kx, column o: w[0][1][1][1] = 4 at row 7, column 0,
  // w[1][0][0][1] = 1 at row 1, column 1.
  CHECK(lin->input(1)->data().GetF32(7 * 3 + 0) == 4.0f);
  CHECK(lin->input(1)->data().GetF32(1 * 3 + 1) == 1.0f);
  REQUIRE(lin->num_inputs() == 3);
  CHECK(g->outputs()[0]->name() == "t");
}

TEST_CASE("convs that overlap, pad or stay images are left alone", "[passes][linear]") {
  SECTION("stride below the kernel") {
    auto [g, changed] = test::RunPassChecked(PatchGraph(" {strides = [1, 1]}", false), passes::RunPatchEmbedToLinear);
    CHECK_FALSE(changed);
  }
  SECTION("padded") {
    auto [g, changed] = test::RunPassChecked(PatchGraph(" {strides = [2, 2], pads = [1, 1, 1, 1]}", false),
                                             passes::RunPatchEmbedToLinear);
    CHECK_FALSE(changed);
    CHECK(test::CountOps(*g, ir::OpKind::kConv2d) == 1);
  }
  SECTION("no flatten to tokens after it") {
    auto [g, changed] = test::RunPassChecked(PatchGraph(" {strides = [2, 2]}", false), passes::RunPatchEmbedToLinear);
    CHECK_FALSE(changed);
    CHECK(OpSequence(*g) == Ops{"conv2d"});
  }
}

}  // namespace
}  // namespace agt

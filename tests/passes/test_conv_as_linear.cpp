// Tests of the convolutions rewritten as linears (compiler/passes/conv_as_linear.cpp): the patch
// embedding and 1x1 convs over token grids. The rewritten graphs compute the same values (checked
// through the reference interpreter by RunPassChecked); convolutions that do not fit stay.
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

// SETR's head: tokens [1, 6, 4] -> an image [1, 4, 2, 3] -> 1x1 conv (4 -> 3) -> relu -> 1x1 conv (3 -> 2).
std::string TokenHeadGraph() {
  return R"(
graph main(%t: f32[1,6,4]) {
  %w1 = constant f32[3,4,1,1] [1, -2, 3, 0.5, -1, 2, 0.25, 4, -3, 1, 2, -0.5]
  %b1 = constant f32[3] [0.5, -1, 2]
  %w2 = constant f32[2,3,1,1] [1.5, 2, -1, 3, 0.75, -2]
  %b2 = constant f32[2] [1, -1]
  %tr = transpose(%t) {perm = [0, 2, 1]}
  %img = reshape(%tr) {shape = [1, 4, 2, 3]}
  %c1 = conv2d(%img, %w1, %b1)
  %a1 = relu(%c1)
  %c2 = conv2d(%a1, %w2, %b2)
  return %c2
}
)";
}

TEST_CASE("1x1 convs over a token grid become linears on the tokens, their ReLU along", "[passes][linear]") {
  auto [g, changed] = test::RunPassChecked(TokenHeadGraph(), passes::RunTokenConvToLinear);
  CHECK(changed);
  CHECK(test::CountOps(*g, ir::OpKind::kConv2d) == 0);
  CHECK(test::CountOps(*g, ir::OpKind::kLinear) == 2);
  const ir::Node* lin = test::FirstNode(*g, ir::OpKind::kLinear);
  REQUIRE(lin != nullptr);
  CHECK(lin->input(0)->name() == "t");               // straight from the tokens
  CHECK(lin->input(1)->shape() == ir::Shape{4, 3});  // [C, OC]
  CHECK(g->outputs()[0]->name() == "c2");
  CHECK(g->outputs()[0]->shape() == ir::Shape{1, 2, 2, 3});
}

TEST_CASE("a 1x1 conv over an image that is not a token grid stays", "[passes][linear]") {
  // transpose [0, 1, 2] is no token-to-channel transpose (and is not removed by this pass).
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[1,4,2,3]) {
  %w = constant f32[3,4,1,1] [1, -2, 3, 0.5, -1, 2, 0.25, 4, -3, 1, 2, -0.5]
  %c = conv2d(%x, %w)
  return %c
}
)", passes::RunTokenConvToLinear);
  CHECK_FALSE(changed);
  CHECK(OpSequence(*g) == Ops{"conv2d"});
}

}  // namespace
}  // namespace agt

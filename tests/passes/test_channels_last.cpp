// Tests of the channels-last layout pass (compiler/passes/channels_last.cpp): convolutions and
// max-pools channels-last, 1x1 convs as linears, the transposes between them sunk and cancelled.
// RunPassChecked runs the reference interpreter on the graph before and after (random inputs): the
// values must not change.
#include "compiler/passes/passes.h"
#include "tests/passes/pass_test_util.h"

namespace agt {
namespace {

using Ops = std::vector<std::string>;

// Deterministic weights: w[i] = ((i * 7) % 11 - 5) / 8.
std::string Weights(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  std::string dims;
  for (int64_t d : shape) {
    n *= d;
    dims += (dims.empty() ? "" : ",") + std::to_string(d);
  }
  std::string v;
  for (int64_t i = 0; i < n; ++i) v += (i ? ", " : "") + std::to_string(static_cast<double>((i * 7) % 11 - 5) / 8.0);
  return "f32[" + dims + "] [" + v + "]";
}

// A ResNet bottleneck's shape: stem 3x3/2 -> relu -> max_pool 3x3/2 -> 1x1 -> relu -> 3x3 -> relu -> 1x1,
// + a 1x1/2... downsample of the pooled input, add, relu, then DETR's flatten to [HW, 1, C].
std::string BottleneckGraph() {
  return "graph main(%x: f32[1,3,12,10]) {\n"
         "  %ws = constant " + Weights({8, 3, 3, 3}) + "\n"
         "  %bs = constant " + Weights({8}) + "\n"
         "  %w1 = constant " + Weights({4, 8, 1, 1}) + "\n"
         "  %w2 = constant " + Weights({4, 4, 3, 3}) + "\n"
         "  %b2 = constant " + Weights({4}) + "\n"
         "  %w3 = constant " + Weights({16, 4, 1, 1}) + "\n"
         "  %wd = constant " + Weights({16, 8, 1, 1}) + "\n"
         "  %s = conv2d(%x, %ws, %bs) {strides = [2, 2], pads = [1, 1, 1, 1]}\n"
         "  %sr = relu(%s)\n"
         "  %p = max_pool(%sr) {kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1]}\n"
         "  %c1 = conv2d(%p, %w1)\n"
         "  %r1 = relu(%c1)\n"
         "  %c2 = conv2d(%r1, %w2, %b2) {pads = [1, 1, 1, 1]}\n"
         "  %r2 = relu(%c2)\n"
         "  %c3 = conv2d(%r2, %w3)\n"
         "  %d = conv2d(%p, %wd)\n"
         "  %sum = add(%c3, %d)\n"
         "  %out = relu(%sum)\n"
         "  %f = reshape(%out) {shape = [1, 16, 9]}\n"
         "  %t = transpose(%f) {perm = [2, 0, 1]}\n"
         "  return %t\n"
         "}\n";
}

TEST_CASE("channels-last: a bottleneck runs NHWC end to end with one transpose left", "[passes][layout]") {
  auto [g, changed] = test::RunPassChecked(BottleneckGraph(), passes::RunChannelsLast);
  CHECK(changed);
  CHECK(test::CountOps(*g, ir::OpKind::kConv2d) == 0);
  CHECK(test::CountOps(*g, ir::OpKind::kMaxPool) == 0);
  CHECK(test::CountOps(*g, ir::OpKind::kConv2dNhwc) == 2);   // the stem and the 3x3
  CHECK(test::CountOps(*g, ir::OpKind::kLinear) == 3);       // the three 1x1s
  CHECK(test::CountOps(*g, ir::OpKind::kMaxPoolNhwc) == 1);
  // The image's transpose in, and the flatten's (composed with the transpose out) at the end.
  CHECK(test::CountOps(*g, ir::OpKind::kTranspose) == 3);
  const ir::Node* conv = test::FirstNode(*g, ir::OpKind::kConv2dNhwc);
  REQUIRE(conv != nullptr);
  // [O, kh, kw, C], the stem's 3 channels padded to 8 (and its input: a pad node).
  CHECK(conv->input(1)->shape() == ir::Shape{8, 3, 3, 8});
  CHECK(conv->input(0)->producer()->op() == ir::OpKind::kPad);
  CHECK(conv->input(0)->shape() == ir::Shape{1, 12, 10, 8});
  // w[o][c][ky][kx] at [o][ky][kx][c]: w[1][2][0][1] (flat 1*27 + 2*9 + 1 = 46) at (1*9 + 0*3 + 1)*8 + 2 = 82,
  // and the padded channel 5 of that tap is zero.
  CHECK(conv->input(1)->data().GetF32(82) == static_cast<float>((46 * 7) % 11 - 5) / 8.0f);
  CHECK(conv->input(1)->data().GetF32(85) == 0.0f);
  const ir::Node* lin = test::FirstNode(*g, ir::OpKind::kLinear);
  REQUIRE(lin != nullptr);
  CHECK(lin->input(1)->shape() == ir::Shape{8, 4});   // [C, O]
}

TEST_CASE("channels-last: a per-channel constant moves across with the transpose", "[passes][layout]") {
  // FrozenBatchNorm as Hugging Face exports it: a Mul and an Add by [1, C, 1, 1] constants after the conv.
  std::string text = "graph main(%x: f32[1,8,5,6]) {\n"
                     "  %w = constant " + Weights({8, 8, 3, 3}) + "\n"
                     "  %sc = constant " + Weights({1, 8, 1, 1}) + "\n"
                     "  %sh = constant " + Weights({8, 1, 1}) + "\n"
                     "  %c = conv2d(%x, %w) {pads = [1, 1, 1, 1]}\n"
                     "  %m = mul(%c, %sc)\n"
                     "  %a = add(%m, %sh)\n"
                     "  %r = relu(%a)\n"
                     "  return %r\n"
                     "}\n";
  auto [g, changed] = test::RunPassChecked(text, passes::RunChannelsLast);
  CHECK(changed);
  // One transpose in, one out; the mul, add and relu between them channels-last.
  const ir::Node* out = g->outputs()[0]->producer();
  REQUIRE(out != nullptr);
  CHECK(out->op() == ir::OpKind::kTranspose);
  CHECK(out->input(0)->producer()->op() == ir::OpKind::kRelu);
}

TEST_CASE("channels-last: a narrowing 1x1 conv after a resize moves before it", "[passes][layout]") {
  // SETR-PUP's end: 3x3 conv -> relu -> bilinear x2 -> 1x1 conv to fewer classes.
  auto text = [](int64_t classes) {
    return "graph main(%x: f32[1,8,5,6]) {\n"
           "  %w = constant " + Weights({8, 8, 3, 3}) + "\n"
           "  %wc = constant " + Weights({classes, 8, 1, 1}) + "\n"
           "  %bc = constant " + Weights({classes}) + "\n"
           "  %c = conv2d(%x, %w) {pads = [1, 1, 1, 1]}\n"
           "  %r = relu(%c)\n"
           "  %u = resize(%r) {sizes = [1, 8, 10, 12], mode = \"linear\", coordinate_transformation_mode = \"half_pixel\"}\n"
           "  %y = conv2d(%u, %wc, %bc)\n"
           "  return %y\n"
           "}\n";
  };
  SECTION("3 classes from 8 channels: the resize comes last, on 3 channels, and writes NCHW itself") {
    auto [g, changed] = test::RunPassChecked(text(3), passes::RunChannelsLast, 1e-5);
    CHECK(changed);
    const ir::Node* out = g->outputs()[0]->producer();
    REQUIRE(out != nullptr);
    CHECK(out->op() == ir::OpKind::kResize);
    CHECK(out->input(0)->shape() == ir::Shape{1, 3, 5, 6});
    CHECK(test::CountOps(*g, ir::OpKind::kTranspose) == 2);   // the image in, the classes to NCHW
  }
  SECTION("as many outputs as inputs: it stays after the resize") {
    auto [g, changed] = test::RunPassChecked(text(8), passes::RunChannelsLast, 1e-5);
    CHECK(changed);
    CHECK(g->outputs()[0]->producer()->op() == ir::OpKind::kTranspose);
    CHECK(g->outputs()[0]->producer()->input(0)->producer()->op() == ir::OpKind::kLinear);
  }
}

TEST_CASE("channels-last: grouped convs and non-constant weights stay NCHW", "[passes][layout]") {
  std::string text = "graph main(%x: f32[1,4,5,5], %w: f32[4,4,3,3]) {\n"
                     "  %wg = constant " + Weights({4, 2, 3, 3}) + "\n"
                     "  %g = conv2d(%x, %wg) {group = 2}\n"
                     "  %c = conv2d(%x, %w)\n"
                     "  %s = add(%g, %c)\n"
                     "  return %s\n"
                     "}\n";
  auto [g, changed] = test::RunPassChecked(text, passes::RunChannelsLast);
  CHECK_FALSE(changed);
  CHECK(test::CountOps(*g, ir::OpKind::kConv2d) == 2);
}

}  // namespace
}  // namespace agt

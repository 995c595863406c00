// Group graphs for the codegen tests (see codegen_test_graphs.h).
#include "tests/codegen/codegen_test_graphs.h"

#include <cmath>

#include <catch2/catch.hpp>

namespace agt::test {

using ir::AttrKey;
using ir::DType;
using ir::OpKind;
using ir::TensorType;
using ir::Value;

namespace {

class B {
 public:
  B() : g_(std::make_unique<ir::Graph>("group")) {}
  Value* In(ir::Shape s) { return g_->AddInput(fmt::format("in{}", n_in_++), TensorType{DType::kF32, std::move(s)}); }
  Value* InI64(ir::Shape s) { return g_->AddInput(fmt::format("in{}", n_in_++), TensorType{DType::kI64, std::move(s)}); }
  Value* Scalar(float v) { return g_->AddConstant(fmt::format("c{}", n_c_++), ir::Tensor::ScalarF32(v)); }
  Value* Index(int64_t i) { return g_->AddConstant(fmt::format("c{}", n_c_++), ir::Tensor::ScalarI64(i)); }
  Value* Op(OpKind op, std::vector<Value*> in, ir::Attrs attrs = {}) {
    auto n = g_->AddNode(op, std::move(in), std::move(attrs));
    if (!n.ok()) FAIL("building a test group: " << n.status().message());
    return (*n)->output(0);
  }
  std::unique_ptr<ir::Graph> Done(std::vector<Value*> outs) {
    g_->SetOutputs(std::move(outs));
    return std::move(g_);
  }

 private:
  std::unique_ptr<ir::Graph> g_;
  int n_in_ = 0, n_c_ = 0;
};

}  // namespace

std::unique_ptr<ir::Graph> LinearGroup(int64_t m, int64_t k, int64_t n, const std::string& epilogue) {
  B b;
  Value* x = b.In({1, m, k});
  Value* w = b.In({k, n});
  Value* bias = b.In({n});
  Value* y = b.Op(OpKind::kLinear, {x, w, bias});
  if (epilogue == "gelu") y = b.Op(OpKind::kGelu, {y});
  if (epilogue == "residual") y = b.Op(OpKind::kAdd, {y, b.In({1, m, n})});
  if (epilogue == "relu_scale") y = b.Op(OpKind::kMul, {b.Op(OpKind::kRelu, {y}), b.Scalar(0.5f)});
  return b.Done({y});
}

std::unique_ptr<ir::Graph> BatchedMatMulGroup(int64_t bt, int64_t m, int64_t k, int64_t n) {
  B b;
  Value* x = b.In({bt, m, k});
  Value* y = b.In({bt, k, n});
  return b.Done({b.Op(OpKind::kMul, {b.Op(OpKind::kMatMul, {x, y}), b.Scalar(0.25f)})});
}

namespace {
Value* AttentionCore(B& b, Value* q, Value* k, Value* v, int64_t heads, int64_t mq, int64_t nk, int64_t d, bool masked) {
  Value* kt = b.Op(OpKind::kTranspose, {k}, {{AttrKey::kPerm, std::vector<int64_t>{0, 1, 3, 2}}});
  Value* s = b.Op(OpKind::kMatMul, {q, kt});
  s = b.Op(OpKind::kMul, {s, b.Scalar(static_cast<float>(1.0 / std::sqrt(static_cast<double>(d))))});
  if (masked) s = b.Op(OpKind::kAdd, {s, b.In({1, 1, mq, nk})});
  Value* p = b.Op(OpKind::kSoftmax, {s}, {{AttrKey::kAxis, int64_t{-1}}});
  Value* o = b.Op(OpKind::kMatMul, {p, v});
  o = b.Op(OpKind::kTranspose, {o}, {{AttrKey::kPerm, std::vector<int64_t>{0, 2, 1, 3}}});
  return b.Op(OpKind::kReshape, {o}, {{AttrKey::kShape, std::vector<int64_t>{1, mq, heads * d}}});
}
}  // namespace

std::unique_ptr<ir::Graph> AttentionGroup(int64_t heads, int64_t mq, int64_t nk, int64_t d, bool masked) {
  B b;
  Value* q = b.In({1, heads, mq, d});
  Value* k = b.In({1, heads, nk, d});
  Value* v = b.In({1, heads, nk, d});
  return b.Done({AttentionCore(b, q, k, v, heads, mq, nk, d, masked)});
}

std::unique_ptr<ir::Graph> QkvAttentionGroup(int64_t heads, int64_t t, int64_t d) {
  B b;
  Value* qkv = b.In({1, t, 3 * heads * d});
  Value* r = b.Op(OpKind::kReshape, {qkv}, {{AttrKey::kShape, std::vector<int64_t>{1, t, 3, heads, d}}});
  r = b.Op(OpKind::kTranspose, {r}, {{AttrKey::kPerm, std::vector<int64_t>{2, 0, 3, 1, 4}}});
  Value* q = b.Op(OpKind::kGather, {r, b.Index(0)}, {{AttrKey::kAxis, int64_t{0}}});
  Value* k = b.Op(OpKind::kGather, {r, b.Index(1)}, {{AttrKey::kAxis, int64_t{0}}});
  Value* v = b.Op(OpKind::kGather, {r, b.Index(2)}, {{AttrKey::kAxis, int64_t{0}}});
  return b.Done({AttentionCore(b, q, k, v, heads, t, t, d, false)});
}

std::unique_ptr<ir::Graph> ResidualLayerNormGroup(int64_t rows, int64_t len) {
  B b;
  Value* x = b.In({1, rows, len});
  Value* r = b.In({1, rows, len});
  Value* s = b.Op(OpKind::kAdd, {x, r});
  Value* y = b.Op(OpKind::kLayerNorm, {s, b.In({len}), b.In({len})}, {{AttrKey::kAxis, int64_t{-1}}, {AttrKey::kEpsilon, 1e-6}});
  return b.Done({s, y});
}

std::unique_ptr<ir::Graph> SoftmaxGroup(const ir::Shape& shape) {
  B b;
  Value* x = b.In(shape);
  return b.Done({b.Op(OpKind::kSoftmax, {b.Op(OpKind::kMul, {x, b.Scalar(0.125f)})}, {{AttrKey::kAxis, int64_t{-1}}})});
}

std::unique_ptr<ir::Graph> CenterGroup(int64_t rows, int64_t len) {
  B b;
  Value* x = b.In({rows, len});
  Value* m = b.Op(OpKind::kReduceMean, {x}, {{AttrKey::kAxes, std::vector<int64_t>{-1}}, {AttrKey::kKeepDims, int64_t{1}}});
  return b.Done({b.Op(OpKind::kSub, {x, m}), m});
}

std::unique_ptr<ir::Graph> ConvGroup(int64_t c, int64_t h, int64_t w, int64_t oc, int64_t k, int64_t stride, int64_t pad, bool relu) {
  B b;
  Value* x = b.In({1, c, h, w});
  Value* wt = b.In({oc, c, k, k});
  Value* bias = b.In({oc});
  Value* y = b.Op(OpKind::kConv2d, {x, wt, bias},
                  {{AttrKey::kStrides, std::vector<int64_t>{stride, stride}}, {AttrKey::kPads, std::vector<int64_t>{pad, pad, pad, pad}}});
  if (relu) y = b.Op(OpKind::kRelu, {y});
  return b.Done({y});
}

std::unique_ptr<ir::Graph> ConvNhwcGroup(int64_t c, int64_t h, int64_t w, int64_t oc, int64_t k, int64_t stride, int64_t pad,
                                         const std::string& epilogue) {
  B b;
  Value* x = b.In({1, h, w, c});
  Value* wt = b.In({oc, k, k, c});
  Value* bias = b.In({oc});
  Value* y = b.Op(OpKind::kConv2dNhwc, {x, wt, bias},
                  {{AttrKey::kStrides, std::vector<int64_t>{stride, stride}}, {AttrKey::kPads, std::vector<int64_t>{pad, pad, pad, pad}}});
  if (epilogue == "relu") y = b.Op(OpKind::kRelu, {y});
  if (epilogue == "residual_relu") y = b.Op(OpKind::kRelu, {b.Op(OpKind::kAdd, {y, b.In(y->shape())})});
  return b.Done({y});
}

std::unique_ptr<ir::Graph> ResizeGroup(int64_t c, int64_t h, int64_t w, int64_t scale) {
  B b;
  Value* x = b.In({1, c, h, w});
  return b.Done({b.Op(OpKind::kResize, {x},
                      {{AttrKey::kSizes, std::vector<int64_t>{1, c, h * scale, w * scale}}, {AttrKey::kMode, std::string("linear")},
                       {AttrKey::kCoordMode, std::string("half_pixel")}})});
}

std::unique_ptr<ir::Graph> TransposeGroup() {
  B b;
  Value* x = b.In({1, 768, 14, 14});
  Value* r = b.Op(OpKind::kReshape, {x}, {{AttrKey::kShape, std::vector<int64_t>{1, 768, 196}}});
  return b.Done({b.Op(OpKind::kTranspose, {r}, {{AttrKey::kPerm, std::vector<int64_t>{0, 2, 1}}})});
}

std::unique_ptr<ir::Graph> ConcatGroup() {
  B b;
  Value* cls = b.In({1, 1, 768});
  Value* x = b.In({1, 196, 768});
  Value* c = b.Op(OpKind::kConcat, {cls, x}, {{AttrKey::kAxis, int64_t{1}}});
  return b.Done({b.Op(OpKind::kAdd, {c, b.In({1, 197, 768})})});
}

std::unique_ptr<ir::Graph> CumSumGroup() {
  B b;
  Value* x = b.In({1, 25, 42});
  return b.Done({b.Op(OpKind::kCumSum, {x}, {{AttrKey::kAxis, int64_t{1}}})});
}

std::unique_ptr<ir::Graph> RowMomentsGroup(int64_t rows, int64_t n, bool normalise) {
  B b;
  Value* y = b.In({1, rows, n});
  Value* m = b.Op(OpKind::kRowMoments, {y});
  return b.Done({normalise ? b.Op(OpKind::kLayerNormMoments, {y, m}) : m});
}

std::unique_ptr<ir::Graph> LinearNormMomentsGroup(int64_t rows, int64_t k, int64_t n) {
  B b;
  Value* y = b.In({1, rows, k});
  Value* w = b.In({k, n});
  Value* colsum = b.In({n});
  Value* bias = b.In({n});
  Value* m = b.Op(OpKind::kRowMoments, {y});
  return b.Done({b.Op(OpKind::kLinearNormMoments, {y, m, w, colsum, bias})});
}

std::unique_ptr<ir::Graph> MaxPoolGroup() {
  B b;
  Value* x = b.In({1, 64, 112, 112});
  return b.Done({b.Op(OpKind::kMaxPool, {x},
                      {{AttrKey::kKernelShape, std::vector<int64_t>{3, 3}}, {AttrKey::kStrides, std::vector<int64_t>{2, 2}},
                       {AttrKey::kPads, std::vector<int64_t>{1, 1, 1, 1}}})});
}

// ArgMax along the middle axis (a classifier's label pick), its indices cast to f32 and added: the
// generic sketch's loop loader.
std::unique_ptr<ir::Graph> ArgMaxGroup() {
  B b;
  Value* x = b.In({4, 30, 50});
  Value* at = b.Op(OpKind::kArgMax, {x}, {{AttrKey::kAxis, int64_t{1}}, {AttrKey::kKeepDims, int64_t{0}}});
  Value* f = b.Op(OpKind::kCast, {at}, {{AttrKey::kTo, ir::DType::kF32}});
  return b.Done({b.Op(OpKind::kAdd, {f, b.In({4, 50})})});
}

// GatherND (Hugging Face exports with dynamo): rows of a [2, 50, 64] table picked per batch by index
// tuples (batch_dims 1), plus an input: one element-wise kernel whose loader reads the indices.
std::unique_ptr<ir::Graph> GatherNdGroup() {
  B b;
  Value* table = b.In({2, 50, 64});
  Value* idx = b.InI64({2, 30, 1});
  Value* rows = b.Op(OpKind::kGatherNd, {table, idx}, {{AttrKey::kBatchDims, int64_t{1}}});
  return b.Done({b.Op(OpKind::kAdd, {rows, b.In({2, 30, 64})})});
}

// Bicubic resize (YOLOS's position-embedding interpolation: a 7x7 grid of embeddings to 12x12,
// PyTorch's coordinates and coefficient), plus an input.
std::unique_ptr<ir::Graph> CubicResizeGroup(int64_t c, int64_t h, int64_t w, int64_t oh, int64_t ow, bool exclude) {
  B b;
  Value* x = b.In({1, c, h, w});
  Value* r = b.Op(OpKind::kResize, {x},
                  {{AttrKey::kSizes, std::vector<int64_t>{1, c, oh, ow}}, {AttrKey::kMode, std::string("cubic")},
                   {AttrKey::kCoordMode, std::string("pytorch_half_pixel")}, {AttrKey::kCubicCoeffA, -0.75},
                   {AttrKey::kExcludeOutside, int64_t{exclude ? 1 : 0}}});
  return b.Done({b.Op(OpKind::kAdd, {r, b.In({1, c, oh, ow})})});
}

// TopK along the last axis (a detector's best queries): the values plus an input, the indices cast to
// f32 and added to another. Two results of one TopK, two loop loaders.
std::unique_ptr<ir::Graph> TopKGroup(int64_t rows, int64_t n, int64_t k, bool largest) {
  B b;
  Value* x = b.In({rows, n});
  ir::Attrs a{{AttrKey::kK, k}, {AttrKey::kAxis, int64_t{-1}}, {AttrKey::kLargest, int64_t{largest ? 1 : 0}}};
  Value* vals = b.Op(OpKind::kTopKValues, {x}, a);
  Value* idx = b.Op(OpKind::kTopKIndices, {x}, a);
  Value* f = b.Op(OpKind::kCast, {idx}, {{AttrKey::kTo, ir::DType::kF32}});
  return b.Done({b.Op(OpKind::kAdd, {vals, b.In({rows, k})}), b.Op(OpKind::kAdd, {f, b.In({rows, k})})});
}

// ScatterND: rows of a [4, 16, 8] table replaced (random indices in {-1, 0, 1}: negative ones and
// repeats, the later update winning), then an input added.
std::unique_ptr<ir::Graph> ScatterNdGroup() {
  B b;
  Value* data = b.In({4, 16, 8});
  Value* idx = b.InI64({3, 1});
  Value* upd = b.In({3, 16, 8});
  Value* s = b.Op(OpKind::kScatterNd, {data, idx, upd});
  return b.Done({b.Op(OpKind::kAdd, {s, b.In({4, 16, 8})})});
}

std::vector<NamedGroup> ModelShapeGroups() {
  std::vector<NamedGroup> g;
  g.push_back({"vit-b qkv linear 197x768x2304", "gemm_sm90", LinearGroup(197, 768, 2304, "none")});
  g.push_back({"vit-b proj linear 197x768x768 +residual", "gemm_sm90", LinearGroup(197, 768, 768, "residual")});
  g.push_back({"vit-b fc1 linear 197x768x3072 +gelu", "gemm_sm90", LinearGroup(197, 768, 3072, "gelu")});
  g.push_back({"vit-b fc2 linear 197x3072x768 +residual", "gemm_sm90", LinearGroup(197, 3072, 768, "residual")});
  g.push_back({"detr ffn linear 1050x256x2048 +relu*0.5", "gemm", LinearGroup(1050, 256, 2048, "relu_scale")});
  g.push_back({"bmm 12x197x64x197", "gemm", BatchedMatMulGroup(12, 197, 64, 197)});
  g.push_back({"vit-b attention 12x197x64", "attention", AttentionGroup(12, 197, 197, 64, false)});
  g.push_back({"vit-b qkv attention 12x197x64", "attention", QkvAttentionGroup(12, 197, 64)});
  g.push_back({"detr self attention 8x1050x32 masked", "attention", AttentionGroup(8, 1050, 1050, 32, true)});
  g.push_back({"detr cross attention 8x100x1050x32", "attention", AttentionGroup(8, 100, 1050, 32, false)});
  g.push_back({"vit-h attention 16x257x80", "attention", AttentionGroup(16, 257, 257, 80, false)});
  g.push_back({"setr attention 16x577x64", "attention", AttentionGroup(16, 577, 577, 64, false)});
  g.push_back({"vit-b residual layer_norm 197x768", "row_reduce", ResidualLayerNormGroup(197, 768)});
  g.push_back({"vit-h layer_norm 257x1280", "row_reduce", ResidualLayerNormGroup(257, 1280)});
  g.push_back({"softmax 12x197x197", "row_reduce", SoftmaxGroup({1, 12, 197, 197})});
  g.push_back({"reduce_mean center 1050x256", "row_reduce", CenterGroup(1050, 256)});
  g.push_back({"conv 3x3 64->64 56x56 +relu", "gemm", ConvGroup(64, 56, 56, 64, 3, 1, 1, true)});
  g.push_back({"conv 1x1 2048->256 25x42", "gemm", ConvGroup(2048, 25, 42, 256, 1, 1, 0, false)});
  g.push_back({"conv_nhwc 3x3 64->64 56x56 +relu", "gemm_sm90", ConvNhwcGroup(64, 56, 56, 64, 3, 1, 1, "relu")});
  g.push_back({"conv_nhwc 3x3/2 128->128 28x28 +residual relu", "gemm_sm90", ConvNhwcGroup(128, 28, 28, 128, 3, 2, 1, "residual_relu")});
  g.push_back({"conv_nhwc 7x7/2 3->64 32x32 (C % 8 != 0)", "gemm", ConvNhwcGroup(3, 32, 32, 64, 7, 2, 3, "relu")});
  g.push_back({"patch conv 16x16/16 3->768 224x224", "gemm", ConvGroup(3, 224, 224, 768, 16, 16, 0, false)});
  g.push_back({"resize bilinear x16 150x24x24", "elementwise", ResizeGroup(150, 24, 24, 16)});
  g.push_back({"transpose 768x196", "elementwise", TransposeGroup()});
  g.push_back({"concat cls + pos", "elementwise", ConcatGroup()});
  g.push_back({"cumsum 25x42", "generic", CumSumGroup()});
  g.push_back({"arg_max 4x30x50 + add", "generic", ArgMaxGroup()});
  g.push_back({"max_pool 3x3/2 64x112x112", "generic", MaxPoolGroup()});
  g.push_back({"row_moments 197x70", "generic", RowMomentsGroup(197, 70, false)});
  g.push_back({"layer_norm_moments 197x768", "generic", RowMomentsGroup(197, 768, true)});
  g.push_back({"linear_norm_moments 50x130x40", "generic", LinearNormMomentsGroup(50, 130, 40)});
  g.push_back({"gather_nd 2x30 rows of 2x50x64 + add", "elementwise", GatherNdGroup()});
  g.push_back({"resize bicubic 768x14x14 -> 24x24 + add", "elementwise", CubicResizeGroup(768, 14, 14, 24, 24, false)});
  g.push_back({"top_k 100 of 9100 (values, indices)", "generic", TopKGroup(1, 9100, 100, true)});
  g.push_back({"scatter_nd 3 rows into 4x16x8 + add", "generic", ScatterNdGroup()});
  return g;
}

std::vector<NamedGroup> NumericsGroups() {
  std::vector<NamedGroup> g;
  g.push_back({"linear 197x768x768 +residual", "gemm", LinearGroup(197, 768, 768, "residual")});
  g.push_back({"linear 197x768x3072 +gelu", "gemm", LinearGroup(197, 768, 3072, "gelu")});
  g.push_back({"linear 1050x256x2048 +relu*0.5", "gemm", LinearGroup(1050, 256, 2048, "relu_scale")});
  g.push_back({"linear 37x200x100 awkward", "gemm", LinearGroup(37, 200, 100, "gelu")});
  g.push_back({"bmm 12x197x64x197", "gemm", BatchedMatMulGroup(12, 197, 64, 197)});
  g.push_back({"attention 12x197x64", "attention", AttentionGroup(12, 197, 197, 64, false)});
  g.push_back({"qkv attention 12x197x64", "attention", QkvAttentionGroup(12, 197, 64)});
  g.push_back({"attention 8x1050x32 masked", "attention", AttentionGroup(8, 1050, 1050, 32, true)});
  g.push_back({"cross attention 8x100x1050x32", "attention", AttentionGroup(8, 100, 1050, 32, false)});
  g.push_back({"attention 4x257x80", "attention", AttentionGroup(4, 257, 257, 80, false)});
  g.push_back({"residual layer_norm 197x768", "row_reduce", ResidualLayerNormGroup(197, 768)});
  g.push_back({"residual layer_norm 50x1280", "row_reduce", ResidualLayerNormGroup(50, 1280)});
  g.push_back({"softmax 12x197x197", "row_reduce", SoftmaxGroup({1, 12, 197, 197})});
  g.push_back({"reduce_mean center 1050x256", "row_reduce", CenterGroup(1050, 256)});
  g.push_back({"conv 3x3 32->48 28x28 +relu", "gemm", ConvGroup(32, 28, 28, 48, 3, 1, 1, true)});
  g.push_back({"conv 1x1 512->256 25x42", "gemm", ConvGroup(512, 25, 42, 256, 1, 1, 0, false)});
  g.push_back({"patch conv 16x16/16 3->768 224x224", "gemm", ConvGroup(3, 224, 224, 768, 16, 16, 0, false)});
  g.push_back({"resize bilinear x4 16x24x24", "elementwise", ResizeGroup(16, 24, 24, 4)});
  g.push_back({"transpose 768x196", "elementwise", TransposeGroup()});
  g.push_back({"concat cls + pos", "elementwise", ConcatGroup()});
  g.push_back({"cumsum 25x42", "generic", CumSumGroup()});
  g.push_back({"arg_max 4x30x50 + add", "generic", ArgMaxGroup()});
  g.push_back({"max_pool 3x3/2 64x112x112", "generic", MaxPoolGroup()});
  g.push_back({"gather_nd 2x30 rows of 2x50x64 + add", "elementwise", GatherNdGroup()});
  g.push_back({"resize bicubic 8x7x7 -> 12x12 + add", "elementwise", CubicResizeGroup(8, 7, 7, 12, 12, false)});
  g.push_back({"resize bicubic exclude_outside 8x7x7 -> 5x9 + add", "elementwise", CubicResizeGroup(8, 7, 7, 5, 9, true)});
  g.push_back({"top_k 5 of 6x40 (values, indices)", "generic", TopKGroup(6, 40, 5, true)});
  g.push_back({"top_k smallest 3 of 4x17", "generic", TopKGroup(4, 17, 3, false)});
  g.push_back({"scatter_nd 3 rows into 4x16x8 + add", "generic", ScatterNdGroup()});
  return g;
}

}  // namespace agt::test

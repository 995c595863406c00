// Group graphs for the codegen tests, built with the ir::Graph API at the shapes of the paper's
// models: ViT-Base Linear layers with epilogues, attention (ViT-B 12x197x64, DETR 8x1050x32 and
// 100x1050 cross-attention, ViT-H head dim 80), LayerNorm and softmax rows, convolutions (3x3, 1x1,
// 16x16 stride-16 patch embedding), resize, transpose, concat, and ops only the generic sketch takes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace agt::test {

struct NamedGroup {
  std::string name;                 // "linear 197x768x3072 +gelu"
  std::string expect_sketch;        // the sketch rule that should apply: "gemm", "attention", ...
  std::unique_ptr<ir::Graph> graph;
};

// y = x W + b then `epilogue`: "none", "gelu", "residual" (+ r), "relu_scale" (relu(y) * 0.5).
std::unique_ptr<ir::Graph> LinearGroup(int64_t m, int64_t k, int64_t n, const std::string& epilogue);
// Batched matmul [b, m, k] x [b, k, n] (+ scale).
std::unique_ptr<ir::Graph> BatchedMatMulGroup(int64_t b, int64_t m, int64_t k, int64_t n);
// Attention over q [1,h,mq,d], k and v [1,h,nk,d]: q k^T * d^-1/2 (+ mask [1,1,mq,nk] when masked),
// softmax, @ v, then transpose + reshape to [1, mq, h*d].
std::unique_ptr<ir::Graph> AttentionGroup(int64_t heads, int64_t mq, int64_t nk, int64_t d, bool masked);
// timm's form: qkv [1, t, 3*h*d] -> reshape, transpose, gather q/k/v, attention, transpose, reshape.
std::unique_ptr<ir::Graph> QkvAttentionGroup(int64_t heads, int64_t t, int64_t d);
// x + r -> layer_norm; outputs both (the residual stream continues).
std::unique_ptr<ir::Graph> ResidualLayerNormGroup(int64_t rows, int64_t len);
std::unique_ptr<ir::Graph> SoftmaxGroup(const ir::Shape& shape);
// reduce_mean over the last axis (keepdims) and x - mean.
std::unique_ptr<ir::Graph> CenterGroup(int64_t rows, int64_t len);
// conv2d NCHW with bias (+ relu).
std::unique_ptr<ir::Graph> ConvGroup(int64_t c, int64_t h, int64_t w, int64_t oc, int64_t k, int64_t stride, int64_t pad, bool relu);
// x [1, h, w, c] channels-last, w [oc, k, k, c], bias; epilogue "none", "relu" or "residual_relu"
// (+ a [1, oh, ow, oc] input, then relu).
std::unique_ptr<ir::Graph> ConvNhwcGroup(int64_t c, int64_t h, int64_t w, int64_t oc, int64_t k, int64_t stride, int64_t pad,
                                         const std::string& epilogue);
std::unique_ptr<ir::Graph> ResizeGroup(int64_t c, int64_t h, int64_t w, int64_t scale);
std::unique_ptr<ir::Graph> TransposeGroup();
std::unique_ptr<ir::Graph> ConcatGroup();
std::unique_ptr<ir::Graph> CumSumGroup();
// row_moments of y[1, rows, n]; with `normalise`, layer_norm_moments(y, row_moments(y)) instead.
std::unique_ptr<ir::Graph> RowMomentsGroup(int64_t rows, int64_t n, bool normalise);
// linear_norm_moments(y, row_moments(y), w, colsum, bias) on y[1, rows, k] and w[k, n].
std::unique_ptr<ir::Graph> LinearNormMomentsGroup(int64_t rows, int64_t k, int64_t n);
std::unique_ptr<ir::Graph> ArgMaxGroup();
std::unique_ptr<ir::Graph> CubicResizeGroup(int64_t c, int64_t h, int64_t w, int64_t oh, int64_t ow, bool exclude);
std::unique_ptr<ir::Graph> TopKGroup(int64_t rows, int64_t n, int64_t k, bool largest);
std::unique_ptr<ir::Graph> ScatterNdGroup();
std::unique_ptr<ir::Graph> MaxPoolGroup();

// Every group above at model shapes (for the compile test) ...
std::vector<NamedGroup> ModelShapeGroups();
// ... and at small and awkward shapes (for the GPU numerics, where the reference interpreter runs).
std::vector<NamedGroup> NumericsGroups();

}  // namespace agt::test

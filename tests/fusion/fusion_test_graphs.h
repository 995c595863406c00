// Graphs for the fusion tests, built with the ir::Graph API the way PyTorch's exporters lay the
// layers out: a ViT encoder (pre-norm, one fused qkv Linear split into heads), a DETR encoder layer
// and decoder layer (post-norm, separate q/k/v projections, cross-attention over 1050 memory
// tokens), and random small graphs for the DP-versus-brute-force property test.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "ir/graph.h"

namespace agt::test {

// Thin helper over Graph::AddNode that fails the current test on an error. Weights of one shape
// share one zero tensor, so that 32-layer models stay small in memory.
class GraphBuilder {
 public:
  explicit GraphBuilder(ir::Graph& g) : g_(g) {}
  ir::Value* Op(ir::OpKind op, std::vector<ir::Value*> inputs, ir::Attrs attrs = {}, const std::string& name = "");
  ir::Node* OpNode(ir::OpKind op, std::vector<ir::Value*> inputs, ir::Attrs attrs = {}, const std::string& name = "");
  ir::Value* Weight(const ir::Shape& shape);
  ir::Value* Scalar(float v);
  ir::Value* Index(int64_t i);   // i64 scalar for gather
  ir::Graph& graph() { return g_; }

  // y = x W + b with W [K, N].
  ir::Value* Linear(ir::Value* x, int64_t n, const std::string& name = "");
  ir::Value* LayerNorm(ir::Value* x, const std::string& name = "");
  // Multi-head attention as torchvision / HF DETR export it: separate projections, heads split by
  // reshape + transpose, q scaled after projection, softmax over keys, output projection.
  ir::Value* Mha(ir::Value* q_in, ir::Value* k_in, ir::Value* v_in, int64_t heads, const std::string& name,
                 int64_t softmax_axis = -1);

 private:
  ir::Graph& g_;
  std::map<ir::Shape, std::shared_ptr<const ir::Tensor>> weights_;
};

struct VitConfig {
  int layers = 1;
  int64_t tokens = 197;
  int64_t dim = 768;
  int64_t heads = 12;
  int64_t mlp = 3072;
};
// Encoder layers only (input [1, tokens, dim] -> output), as timm's Block exports: LN, qkv Linear,
// reshape [1,T,3,H,D], transpose [2,0,3,1,4], split into q/k/v, q@k^T * scale, softmax, @v,
// transpose + reshape, proj Linear, residual; LN, fc1, GELU, fc2, residual.
std::unique_ptr<ir::Graph> BuildVitEncoder(const VitConfig& c);

// DETR (d=256, 8 heads, FFN 2048): an encoder layer over `memory_tokens` and a decoder layer with
// `queries` queries and cross-attention to the memory, post-norm as in torchvision's DETR.
std::unique_ptr<ir::Graph> BuildDetrLayers(int64_t memory_tokens = 1050, int64_t queries = 100);

// A random graph of `num_ops` operators over f32[8,8] tensors (some reductions keep [8,1]): element-
// wise, broadcast, transpose, softmax, layer_norm, reduce_mean, matmul, linear, cumsum, and now and
// then an attention motif (matmul, scale, softmax, matmul).
std::unique_ptr<ir::Graph> BuildRandomGraph(int num_ops, std::mt19937& rng);

}  // namespace agt::test

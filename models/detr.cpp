// DETR in the TorchScript exporter's patterns; see detr.h.
#include "models/detr.h"

#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "models/layers.h"

namespace agt::models {
namespace {

constexpr int64_t kOpenEnd = std::numeric_limits<int64_t>::max();

// torch.nn.init.xavier_uniform_'s standard deviation, used for DETR's linear layers.
float XavierStd(int64_t fan_in, int64_t fan_out) {
  return std::sqrt(2.0f / static_cast<float>(fan_in + fan_out));
}

Val ScopedLinear(OnnxBuilder& b, const std::string& scope, const Val& x, int64_t out) {
  auto s = b.Scope(scope);
  return Linear(b, x, out, XavierStd(x.shape.back(), out));
}

// PositionEmbeddingSine(num_pos_feats = d/2, temperature 10000, normalize=True, scale 2*pi) over a
// constant all-valid mask: returns [1, d, h, w].
Val SinePositionEmbedding(OnnxBuilder& b, int64_t h, int64_t w, int64_t d) {
  const int64_t feats = d / 2;
  const float scale = 2.0f * std::numbers::pi_v<float>;
  Val mask = b.ConstBool({1, h, w}, std::vector<uint8_t>(static_cast<size_t>(h * w), 0));
  Val not_mask = b.Op("Not", {mask}, {1, h, w}, {}, onnx::TensorProto::BOOL);
  Val ones = b.Op("Cast", {not_mask}, {1, h, w}, {AttrInt("to", onnx::TensorProto::FLOAT)});
  Val y = b.Op("CumSum", {ones, b.ConstI64({}, {1})}, {1, h, w});
  Val x = b.Op("CumSum", {ones, b.ConstI64({}, {2})}, {1, h, w});
  Val eps = b.ScalarF32(1e-6f);
  y = Mul(b, Div(b, y, Add(b, SliceAxis(b, y, 1, -1, kOpenEnd), eps)), b.ScalarF32(scale));
  x = Mul(b, Div(b, x, Add(b, SliceAxis(b, x, 2, -1, kOpenEnd), eps)), b.ScalarF32(scale));
  // dim_t = temperature ** (2 * (arange(feats) // 2) / feats): folded by the exporter.
  std::vector<float> dim_t(static_cast<size_t>(feats));
  for (int64_t i = 0; i < feats; ++i) {
    dim_t[i] = static_cast<float>(std::pow(10000.0, 2.0 * static_cast<double>(i / 2) / static_cast<double>(feats)));
  }
  Val dim = b.ConstF32({feats}, dim_t);
  auto embed = [&](const Val& e) {
    Val p = Div(b, Unsqueeze(b, e, 3), dim);   // [1,h,w,feats]
    Val s = b.Op("Sin", {SliceAxis(b, p, 3, 0, kOpenEnd, 2)}, {1, h, w, feats / 2});
    Val c = b.Op("Cos", {SliceAxis(b, p, 3, 1, kOpenEnd, 2)}, {1, h, w, feats / 2});
    Val st = Concat(b, {Unsqueeze(b, s, 4), Unsqueeze(b, c, 4)}, 4);   // torch.stack(dim=4)
    return Reshape(b, st, {1, h, w, feats});                              // flatten(3)
  };
  Val pos = Concat(b, {embed(y), embed(x)}, 3);
  return Transpose(b, pos, {0, 3, 1, 2});
}

// nn.MultiheadAttention on seq-first [L, 1, E] inputs as F.multi_head_attention_forward exports it:
// separate q/k/v projections (MatMul + Add), heads folded into the batch, q scaled before q @ k^T,
// softmax, @ v, then the output projection on the 2-D [L, E] view (a Gemm).
Val MultiheadAttention(OnnxBuilder& b, const Val& q_in, const Val& k_in, const Val& v_in, const DetrConfig& c) {
  const int64_t e = c.d_model;
  const int64_t hd = e / c.heads;
  const int64_t lq = q_in.shape[0];
  const int64_t lk = k_in.shape[0];
  Val q = ScopedLinear(b, "in_proj_q", q_in, e);
  Val k = ScopedLinear(b, "in_proj_k", k_in, e);
  Val v = ScopedLinear(b, "in_proj_v", v_in, e);
  q = Transpose(b, Reshape(b, q, {lq, c.heads, hd}), {1, 0, 2});
  k = Transpose(b, Reshape(b, k, {lk, c.heads, hd}), {1, 0, 2});
  v = Transpose(b, Reshape(b, v, {lk, c.heads, hd}), {1, 0, 2});
  q = Mul(b, q, b.ScalarF32(1.0f / std::sqrt(static_cast<float>(hd))));
  Val attn = Softmax(b, MatMul(b, q, Transpose(b, k, {0, 2, 1})), -1);
  Val o = MatMul(b, attn, v);                                   // [heads, lq, hd]
  o = Reshape(b, Transpose(b, o, {1, 0, 2}), {lq, e});
  {
    auto s = b.Scope("out_proj");
    o = LinearGemm(b, o, e, XavierStd(e, e));
  }
  return Reshape(b, o, {lq, 1, e});
}

Val Norm(OnnxBuilder& b, const std::string& scope, const Val& x, float eps) {
  auto s = b.Scope(scope);
  return LayerNorm(b, x, eps);
}

Val FeedForward(OnnxBuilder& b, const Val& x, const DetrConfig& c) {
  Val h = Relu(b, ScopedLinear(b, "linear1", x, c.ffn));
  return ScopedLinear(b, "linear2", h, c.d_model);
}

// TransformerEncoderLayer.forward_post.
Val EncoderLayer(OnnxBuilder& b, const Val& src, const Val& pos, const DetrConfig& c) {
  Val qk = Add(b, src, pos);
  Val a;
  {
    auto s = b.Scope("self_attn");
    a = MultiheadAttention(b, qk, qk, src, c);
  }
  Val x = Norm(b, "norm1", Add(b, src, a), c.ln_eps);
  return Norm(b, "norm2", Add(b, x, FeedForward(b, x, c)), c.ln_eps);
}

// TransformerDecoderLayer.forward_post.
Val DecoderLayer(OnnxBuilder& b, const Val& tgt, const Val& memory, const Val& pos, const Val& query_pos,
                 const DetrConfig& c) {
  Val qk = Add(b, tgt, query_pos);
  Val a;
  {
    auto s = b.Scope("self_attn");
    a = MultiheadAttention(b, qk, qk, tgt, c);
  }
  Val x = Norm(b, "norm1", Add(b, tgt, a), c.ln_eps);
  {
    auto s = b.Scope("multihead_attn");
    a = MultiheadAttention(b, Add(b, x, query_pos), Add(b, memory, pos), memory, c);
  }
  x = Norm(b, "norm2", Add(b, x, a), c.ln_eps);
  return Norm(b, "norm3", Add(b, x, FeedForward(b, x, c)), c.ln_eps);
}

}  // namespace

BuiltModel BuildDetr(const DetrConfig& c, const std::string& name, uint64_t seed, bool materialize) {
  OnnxBuilder b(name, seed, materialize);
  const int64_t d = c.d_model;
  Val image = b.Input("input", {1, 3, c.height, c.width});
  Val features;
  {
    auto s = b.Scope("backbone.0.body");
    features = ResNetC5(b, image, c.backbone);
  }
  const int64_t h = features.shape[2];
  const int64_t w = features.shape[3];
  const int64_t hw = h * w;
  Val pos;
  {
    auto s = b.Scope("backbone.1");
    pos = SinePositionEmbedding(b, h, w, d);
  }
  Val src;
  {
    auto s = b.Scope("input_proj");
    src = Conv2d(b, features, d, 1, 1, 0, true, 1.0f);
  }
  // flatten(2).permute(2, 0, 1): [1, d, h, w] -> [hw, 1, d], for the features and the embedding.
  src = Transpose(b, Reshape(b, src, {1, d, hw}), {2, 0, 1});
  pos = Transpose(b, Reshape(b, pos, {1, d, hw}), {2, 0, 1});
  Val query_pos = Unsqueeze(b, b.Param("query_embed.weight", {c.num_queries, d}, Init::Normal(0.0f, 1.0f)), 1);
  onnx::TensorProto zero;
  zero.set_data_type(onnx::TensorProto::FLOAT);
  zero.add_dims(1);
  zero.add_float_data(0.0f);
  Val tgt = b.Op("ConstantOfShape", {b.VecI64({c.num_queries, 1, d})}, {c.num_queries, 1, d},
                 {AttrTensor("value", zero)});

  Val memory = src;
  for (int64_t i = 0; i < c.encoder_layers; ++i) {
    auto s = b.Scope("transformer.encoder.layers." + std::to_string(i));
    memory = EncoderLayer(b, memory, pos, c);
  }
  Val hs = tgt;
  for (int64_t i = 0; i < c.decoder_layers; ++i) {
    auto s = b.Scope("transformer.decoder.layers." + std::to_string(i));
    hs = DecoderLayer(b, hs, memory, pos, query_pos, c);
  }
  hs = Norm(b, "transformer.decoder.norm", hs, c.ln_eps);
  hs = Transpose(b, hs, {1, 0, 2});   // [1, queries, d]

  Val logits = ScopedLinear(b, "class_embed", hs, c.num_classes);
  Val box = Relu(b, ScopedLinear(b, "bbox_embed.layers.0", hs, d));
  box = Relu(b, ScopedLinear(b, "bbox_embed.layers.1", box, d));
  box = Sigmoid(b, ScopedLinear(b, "bbox_embed.layers.2", box, 4));
  b.Output(logits, "pred_logits");
  b.Output(box, "pred_boxes");
  return b.Finish();
}

}  // namespace agt::models

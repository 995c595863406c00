// ViT (timm's VisionTransformer) in the ONNX patterns of the TorchScript exporter; see vit.h.
#include "models/vit.h"

#include <cmath>
#include <string>

#include "models/layers.h"

namespace agt::models {
namespace {

// timm's Attention (the non-fused path): qkv Linear, reshape to [3, B, heads, N, head_dim],
// unbind, q * scale, q @ k^T, softmax, @ v, back to [B, N, C], proj Linear.
Val Attention(OnnxBuilder& b, const Val& x, const ViTConfig& c) {
  const int64_t n = x.shape[1];
  const int64_t hd = c.embed / c.heads;
  Val qkv;
  {
    auto s = b.Scope("qkv");
    qkv = Linear(b, x, 3 * c.embed);
  }
  qkv = Reshape(b, qkv, {1, n, 3, c.heads, hd});
  qkv = Transpose(b, qkv, {2, 0, 3, 1, 4});
  std::vector<Val> parts = Unbind(b, qkv, 0);
  Val q = Mul(b, parts[0], b.ScalarF32(1.0f / std::sqrt(static_cast<float>(hd))));
  Val kt = Transpose(b, parts[1], {0, 1, 3, 2});
  Val attn = Softmax(b, MatMul(b, q, kt), -1);
  Val o = MatMul(b, attn, parts[2]);
  o = Transpose(b, o, {0, 2, 1, 3});
  o = Reshape(b, o, {1, n, c.embed});
  auto s = b.Scope("proj");
  return Linear(b, o, c.embed);
}

Val Mlp(OnnxBuilder& b, const Val& x, const ViTConfig& c) {
  Val h;
  {
    auto s = b.Scope("fc1");
    h = Linear(b, x, c.mlp);
  }
  {
    auto s = b.Scope("act");
    h = GeluErf(b, h);
  }
  auto s = b.Scope("fc2");
  return Linear(b, h, c.embed);
}

Val Block(OnnxBuilder& b, const Val& x, const ViTConfig& c) {
  Val h;
  {
    auto s = b.Scope("norm1");
    h = LayerNorm(b, x, c.ln_eps);
  }
  {
    auto s = b.Scope("attn");
    h = Attention(b, h, c);
  }
  Val y = Add(b, x, h);
  {
    auto s = b.Scope("norm2");
    h = LayerNorm(b, y, c.ln_eps);
  }
  {
    auto s = b.Scope("mlp");
    h = Mlp(b, h, c);
  }
  return Add(b, y, h);
}

}  // namespace

Val ViTEncoder(OnnxBuilder& b, const Val& image, const ViTConfig& c) {
  const int64_t grid = c.image / c.patch;
  const int64_t tokens = grid * grid + 1;
  Val x;
  {
    auto s1 = b.Scope("patch_embed");
    auto s2 = b.Scope("proj");
    x = b.Op("Conv", {image, b.Param("weight", {c.embed, 3, c.patch, c.patch},
                                      Init::Normal(0.0f, 1.0f / std::sqrt(3.0f * c.patch * c.patch))),
                      b.Param("bias", {c.embed}, Init::Normal(0.0f, 0.02f))},
             {1, c.embed, grid, grid},
             {AttrInts("dilations", {1, 1}), AttrInt("group", 1), AttrInts("kernel_shape", {c.patch, c.patch}),
              AttrInts("pads", {0, 0, 0, 0}), AttrInts("strides", {c.patch, c.patch})});
    b.AddFlops(2 * c.embed * grid * grid * 3 * c.patch * c.patch);
  }
  x = Reshape(b, x, {1, c.embed, grid * grid});   // flatten(2)
  x = Transpose(b, x, {0, 2, 1});
  // cls_token.expand(B, -1, -1): the exporter turns the -1s into ones, which Expand broadcasts.
  Val cls = b.Param("cls_token", {1, 1, c.embed}, Init::Normal(0.0f, 0.02f));
  cls = b.Op("Expand", {cls, b.VecI64({1, 1, 1})}, {1, 1, c.embed});
  x = Concat(b, {cls, x}, 1);
  x = Add(b, x, b.Param("pos_embed", {1, tokens, c.embed}, Init::Normal(0.0f, 0.02f)));
  for (int64_t i = 0; i < c.depth; ++i) {
    auto s = b.Scope("blocks." + std::to_string(i));
    x = Block(b, x, c);
  }
  auto s = b.Scope("norm");
  return LayerNorm(b, x, c.ln_eps);
}

BuiltModel BuildViT(const ViTConfig& c, const std::string& name, uint64_t seed, bool materialize) {
  OnnxBuilder b(name, seed, materialize);
  Val image = b.Input("input", {1, 3, c.image, c.image});
  Val x = ViTEncoder(b, image, c);
  x = GatherIndex(b, x, 1, 0);   // global_pool="token": x[:, 0]
  {
    auto s = b.Scope("head");
    x = LinearGemm(b, x, c.num_classes);
  }
  b.Output(x, "logits");
  return b.Finish();
}

}  // namespace agt::models

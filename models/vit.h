// The ViT family (timm's VisionTransformer): patch conv, class token, learned position embedding,
// pre-norm blocks (fused qkv Linear, MLP ratio 4, erf GELU), final LayerNorm, class-token head.
// SETR reuses the encoder at 384x384.
#pragma once

#include <cstdint>

#include "models/onnx_builder.h"

namespace agt::models {

struct ViTConfig {
  int64_t image = 224;        // square input, NCHW [1,3,image,image]
  int64_t patch = 16;
  int64_t embed = 768;
  int64_t depth = 12;
  int64_t heads = 12;
  int64_t mlp = 3072;         // hidden width of the MLP (4 x embed in the paper models)
  int64_t num_classes = 1000;
  float ln_eps = 1e-6f;       // timm's LayerNorm epsilon for ViT
};

// Patch embedding, class token, position embedding, `depth` blocks and the final norm.
// Returns the normalised tokens, [1, (image/patch)^2 + 1, embed], class token first.
Val ViTEncoder(OnnxBuilder& b, const Val& image, const ViTConfig& c);

// The classifier: encoder, class token (Gather) and head (Gemm). Input "input", output "logits".
BuiltModel BuildViT(const ViTConfig& c, const std::string& name, uint64_t seed, bool materialize);

}  // namespace agt::models

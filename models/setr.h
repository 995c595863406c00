// The SETR family: a timm ViT encoder at 384x384 (577 tokens with the class token, which is
// dropped before the head, leaving a 24x24 grid) and a segmentation head over 150 classes:
// naive (1x1 conv, BN, ReLU, 1x1 conv, bilinear x16) or PUP (4 x [3x3 conv, BN, ReLU, bilinear x2],
// then a 1x1 conv).
#pragma once

#include <cstdint>

#include "models/onnx_builder.h"
#include "models/vit.h"

namespace agt::models {

struct SetrConfig {
  enum class Head { kNaive, kPup };
  ViTConfig vit;               // vit.num_classes is unused: SETR has no classifier
  Head head = Head::kNaive;
  int64_t head_channels = 256;
  int64_t num_classes = 150;
  float bn_eps = 1e-5f;
};

// Input "input" [1,3,image,image]; output "logits" [1,num_classes,image,image].
BuiltModel BuildSetr(const SetrConfig& c, const std::string& name, uint64_t seed, bool materialize);

}  // namespace agt::models

// The DETR family (facebookresearch/detr, torchvision-style): ResNet-50 C5 backbone, 1x1 input
// projection, sine position embedding computed in the model from a constant padding mask (CumSum,
// Div, Mul, Sin, Cos, Concat, as torch exports it: the frontend must fold it), post-norm
// transformer with seq-first nn.MultiheadAttention, learned queries, class head and box MLP
// with a sigmoid. DETR-ResNet50-E{3,6,12} differ only in the number of encoder layers.
#pragma once

#include <cstdint>

#include "models/onnx_builder.h"
#include "models/resnet.h"

namespace agt::models {

struct DetrConfig {
  ResNetConfig backbone;
  int64_t height = 800;
  int64_t width = 1333;
  int64_t d_model = 256;
  int64_t heads = 8;
  int64_t ffn = 2048;
  int64_t encoder_layers = 6;
  int64_t decoder_layers = 6;
  int64_t num_queries = 100;
  int64_t num_classes = 92;   // 91 COCO ids + "no object"
  float ln_eps = 1e-5f;
};

// Input "input" [1,3,height,width]; outputs "pred_logits" [1,queries,classes] and
// "pred_boxes" [1,queries,4].
BuiltModel BuildDetr(const DetrConfig& c, const std::string& name, uint64_t seed, bool materialize);

}  // namespace agt::models

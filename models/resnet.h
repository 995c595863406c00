// torchvision's ResNet-50 (v1.5: stride on the 3x3 conv) up to C5, the DETR backbone: Conv, BN
// (eval-mode BatchNormalization with running statistics, as the exporter writes nn.BatchNorm2d),
// ReLU, MaxPool and bottleneck blocks with projection shortcuts. No pooling or classifier.
#pragma once

#include <array>
#include <cstdint>

#include "models/onnx_builder.h"

namespace agt::models {

struct ResNetConfig {
  int64_t stem = 64;                                    // channels of the 7x7 stem conv
  std::array<int64_t, 4> widths = {64, 128, 256, 512};  // bottleneck widths of layer1..layer4
  std::array<int64_t, 4> blocks = {3, 4, 6, 3};
  int64_t expansion = 4;
  float bn_eps = 1e-5f;
};

// Returns C5: [1, widths[3] * expansion, H/32, W/32] (floor at each stride).
Val ResNetC5(OnnxBuilder& b, const Val& image, const ResNetConfig& c);

}  // namespace agt::models

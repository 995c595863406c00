// ResNet-50 to C5 in the TorchScript exporter's patterns; see resnet.h.
#include "models/resnet.h"

#include <cmath>
#include <string>

#include "models/layers.h"

namespace agt::models {
namespace {

const float kReluGain = std::sqrt(2.0f);
// The last BN of each residual branch starts small (torchvision offers zero_init_residual for the
// same reason): the sum of 16 unit-variance branches would otherwise grow the activations ~16x.
constexpr float kBranchGamma = 0.3f;

Val ConvBn(OnnxBuilder& b, const Val& x, const std::string& conv, const std::string& bn, int64_t out,
           int64_t kernel, int64_t stride, float eps, float gamma) {
  Val y;
  {
    auto s = b.Scope(conv);
    y = Conv2d(b, x, out, kernel, stride, kernel / 2, false, kReluGain);
  }
  auto s = b.Scope(bn);
  return BatchNorm(b, y, eps, gamma);
}

Val Bottleneck(OnnxBuilder& b, const Val& x, int64_t width, int64_t stride, int64_t expansion, float eps) {
  Val y = Relu(b, ConvBn(b, x, "conv1", "bn1", width, 1, 1, eps, 1.0f));
  y = Relu(b, ConvBn(b, y, "conv2", "bn2", width, 3, stride, eps, 1.0f));
  y = ConvBn(b, y, "conv3", "bn3", width * expansion, 1, 1, eps, kBranchGamma);
  Val identity = x;
  if (stride != 1 || x.shape[1] != width * expansion) {
    identity = ConvBn(b, x, "downsample.0", "downsample.1", width * expansion, 1, stride, eps, 1.0f);
  }
  return Relu(b, Add(b, y, identity));
}

}  // namespace

Val ResNetC5(OnnxBuilder& b, const Val& image, const ResNetConfig& c) {
  Val x;
  {
    auto s = b.Scope("conv1");
    x = Conv2d(b, image, c.stem, 7, 2, 3, false, kReluGain);
  }
  {
    auto s = b.Scope("bn1");
    x = BatchNorm(b, x, c.bn_eps);
  }
  x = Relu(b, x);
  x = MaxPool(b, x, 3, 2, 1);
  for (int layer = 0; layer < 4; ++layer) {
    for (int64_t i = 0; i < c.blocks[layer]; ++i) {
      auto s = b.Scope("layer" + std::to_string(layer + 1) + "." + std::to_string(i));
      int64_t stride = (layer > 0 && i == 0) ? 2 : 1;
      x = Bottleneck(b, x, c.widths[layer], stride, c.expansion, c.bn_eps);
    }
  }
  return x;
}

}  // namespace agt::models

// SETR: ViT encoder + naive or PUP segmentation head, in the TorchScript exporter's patterns.
#include "models/setr.h"

#include <cmath>
#include <limits>
#include <string>

#include "models/layers.h"

namespace agt::models {
namespace {

// Conv (no bias: BN follows, as mmseg's ConvModule does), BN, ReLU.
Val ConvBnRelu(OnnxBuilder& b, const Val& x, int64_t out, int64_t kernel, float eps) {
  Val y;
  {
    auto s = b.Scope("conv");
    y = Conv2d(b, x, out, kernel, 1, kernel / 2, false, std::sqrt(2.0f));
  }
  {
    auto s = b.Scope("bn");
    y = BatchNorm(b, y, eps);
  }
  return Relu(b, y);
}

Val NaiveHead(OnnxBuilder& b, const Val& x, const SetrConfig& c) {
  Val y;
  {
    auto s = b.Scope("conv_0");
    y = ConvBnRelu(b, x, c.head_channels, 1, c.bn_eps);
  }
  {
    auto s = b.Scope("conv_seg");
    y = Conv2d(b, y, c.num_classes, 1, 1, 0, true, 1.0f);
  }
  return ResizeBilinear(b, y, c.vit.patch);
}

Val PupHead(OnnxBuilder& b, const Val& x, const SetrConfig& c) {
  // Four x2 stages bring the 1/16 grid back to the input size.
  Val y = x;
  for (int i = 0; i < 4; ++i) {
    auto s = b.Scope("up." + std::to_string(i));
    y = ConvBnRelu(b, y, c.head_channels, 3, c.bn_eps);
    y = ResizeBilinear(b, y, 2);
  }
  auto s = b.Scope("conv_seg");
  return Conv2d(b, y, c.num_classes, 1, 1, 0, true, 1.0f);
}

}  // namespace

BuiltModel BuildSetr(const SetrConfig& c, const std::string& name, uint64_t seed, bool materialize) {
  OnnxBuilder b(name, seed, materialize);
  const int64_t grid = c.vit.image / c.vit.patch;
  Val image = b.Input("input", {1, 3, c.vit.image, c.vit.image});
  Val x;
  {
    auto s = b.Scope("backbone");
    x = ViTEncoder(b, image, c.vit);
  }
  // x[:, 1:] drops the class token; then [B, N, C] -> [B, C, H, W].
  x = SliceAxis(b, x, 1, 1, std::numeric_limits<int64_t>::max());
  x = Transpose(b, x, {0, 2, 1});
  x = Reshape(b, x, {1, c.vit.embed, grid, grid});
  {
    auto s = b.Scope("decode_head");
    x = c.head == SetrConfig::Head::kNaive ? NaiveHead(b, x, c) : PupHead(b, x, c);
  }
  b.Output(x, "logits");
  return b.Finish();
}

}  // namespace agt::models

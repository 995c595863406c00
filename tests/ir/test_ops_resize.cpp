// resize in every coordinate-transformation and nearest mode, against values known from PyTorch
// and ONNX Runtime and against a trilinear formula written in the test.
#include <catch2/catch.hpp>

#include <cmath>

#include "tests/ir/op_test_util.h"
#include "tests/support/test_support.h"

using namespace agt;
using namespace agt::ir;
using namespace agt::test;

namespace {
using Ints = std::vector<int64_t>;
Attrs Resize(Ints sizes, std::string mode, std::string coord, std::string nearest = "round_prefer_floor") {
  return {{AttrKey::kSizes, sizes}, {AttrKey::kMode, mode}, {AttrKey::kCoordMode, coord}, {AttrKey::kNearestMode, nearest}};
}
}  // namespace

TEST_CASE("bilinear 2x upsampling matches PyTorch", "[ops][resize]") {
  Tensor x = F32({1, 1, 2, 2}, {1, 2, 3, 4});
  // F.interpolate(scale_factor=2, mode="bilinear", align_corners=False)
  std::vector<double> torch = {1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4};
  RequireClose(Run1(OpKind::kResize, {x}, Resize({1, 1, 4, 4}, "linear", "half_pixel")).out, {1, 1, 4, 4}, torch);
  RequireClose(Run1(OpKind::kResize, {x}, Resize({1, 1, 4, 4}, "linear", "pytorch_half_pixel")).out, {1, 1, 4, 4}, torch);
  // align_corners=True: rows [1, 4/3, 5/3, 2] and so on.
  Tensor ac = Run1(OpKind::kResize, {x}, Resize({1, 1, 4, 4}, "linear", "align_corners")).out;
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) CHECK(ac.GetF32(i * 4 + j) == Approx(1 + j / 3.0 + 2 * i / 3.0));
  }
  // asymmetric: x_in = x_out / 2 -> [1, 1.5, 2, 2].
  Tensor row = F32({1, 2}, {1, 2});
  RequireClose(Run1(OpKind::kResize, {row}, Resize({1, 4}, "linear", "asymmetric")).out, {1, 4}, {1, 1.5, 2, 2});
  // tf_half_pixel_for_nearest with linear: x_in = (x_out + 0.5) / 2 -> 0.25, 0.75, 1.25, 1.75 -> clamped.
  RequireClose(Run1(OpKind::kResize, {row}, Resize({1, 4}, "linear", "tf_half_pixel_for_nearest")).out, {1, 4},
               {1.25, 1.75, 2, 2});
}

TEST_CASE("linear downsampling and output size 1", "[ops][resize]") {
  Tensor x = F32({4}, {0, 10, 20, 30});
  // half_pixel 4 -> 2: x_in = 0.5, 2.5.
  RequireClose(Run1(OpKind::kResize, {x}, Resize({2}, "linear", "half_pixel")).out, {2}, {5, 25});
  // size 1: pytorch_half_pixel takes element 0, half_pixel the centre (x_in = 1.5), align_corners element 0.
  RequireClose(Run1(OpKind::kResize, {x}, Resize({1}, "linear", "pytorch_half_pixel")).out, {1}, {0});
  RequireClose(Run1(OpKind::kResize, {x}, Resize({1}, "linear", "half_pixel")).out, {1}, {15});
  RequireClose(Run1(OpKind::kResize, {x}, Resize({1}, "linear", "align_corners")).out, {1}, {0});
  // 4 -> 3 align_corners: x_in = 0, 1.5, 3.
  RequireClose(Run1(OpKind::kResize, {x}, Resize({3}, "linear", "align_corners")).out, {3}, {0, 15, 30});
}

TEST_CASE("nearest in every nearest mode", "[ops][resize]") {
  Tensor x = F32({3}, {1, 2, 3});
  // PyTorch's "nearest" exports as asymmetric + floor: [1,1,2,2,3,3].
  RequireClose(Run1(OpKind::kResize, {x}, Resize({6}, "nearest", "asymmetric", "floor")).out, {6}, {1, 1, 2, 2, 3, 3});
  // tf_half_pixel_for_nearest: x_in = 0.25, 0.75, 1.25, 1.75, 2.25, 2.75 -> 0,1,1,2,2,3->2.
  RequireClose(Run1(OpKind::kResize, {x}, Resize({6}, "nearest", "tf_half_pixel_for_nearest")).out, {6}, {1, 2, 2, 3, 3, 3});
  // half_pixel 3 -> 6: x_in = -0.25, 0.25, 0.75, 1.25, 1.75, 2.25 -> round: 0,0,1,1,2,2.
  RequireClose(Run1(OpKind::kResize, {x}, Resize({6}, "nearest", "half_pixel")).out, {6}, {1, 1, 2, 2, 3, 3});
  Tensor y = F32({4}, {10, 11, 12, 13});
  // half_pixel 4 -> 2: x_in = 0.5, 2.5 exactly: ties decide.
  RequireClose(Run1(OpKind::kResize, {y}, Resize({2}, "nearest", "half_pixel", "round_prefer_floor")).out, {2}, {10, 12});
  RequireClose(Run1(OpKind::kResize, {y}, Resize({2}, "nearest", "half_pixel", "round_prefer_ceil")).out, {2}, {11, 13});
  RequireClose(Run1(OpKind::kResize, {y}, Resize({2}, "nearest", "half_pixel", "floor")).out, {2}, {10, 12});
  RequireClose(Run1(OpKind::kResize, {y}, Resize({2}, "nearest", "half_pixel", "ceil")).out, {2}, {11, 13});
  // align_corners 4 -> 3: x_in = 0, 1.5, 3 -> round_prefer_ceil: 0, 2, 3.
  RequireClose(Run1(OpKind::kResize, {y}, Resize({3}, "nearest", "align_corners", "round_prefer_ceil")).out, {3}, {10, 12, 13});
  // pytorch_half_pixel, asymmetric downsampling 4 -> 3 with floor: x_in = 0, 1.33, 2.67 -> 0, 1, 2.
  RequireClose(Run1(OpKind::kResize, {y}, Resize({3}, "nearest", "asymmetric", "floor")).out, {3}, {10, 11, 12});
  // Nearest moves any dtype.
  Tensor i = Run1(OpKind::kResize, {I64({1, 2}, {5, 7})}, Resize({2, 4}, "nearest", "asymmetric", "floor")).out;
  RequireInts(i, {2, 4}, {5, 5, 7, 7, 5, 5, 7, 7});
}

TEST_CASE("n-linear over every resized dim, untouched dims pass through", "[ops][resize]") {
  Tensor x = RandomTensor(TensorType{DType::kF32, {2, 3, 4, 5}}, 7);
  Ints sizes = {2, 5, 7, 3};
  Tensor y = Run1(OpKind::kResize, {x}, Resize(sizes, "linear", "align_corners")).out;
  REQUIRE(y.shape() == Shape(sizes.begin(), sizes.end()));
  Shape xs = x.shape();
  auto src = [&](int64_t o, int d) { return o * double(xs[d] - 1) / double(sizes[d] - 1); };
  for (int64_t n = 0; n < 2; ++n) {
    for (int64_t a = 0; a < 5; ++a) {
      for (int64_t b = 0; b < 7; ++b) {
        for (int64_t c = 0; c < 3; ++c) {
          double ca = src(a, 1), cb = src(b, 2), cc = src(c, 3);
          double want = 0;
          for (int64_t ia = 0; ia < xs[1]; ++ia) {
            for (int64_t ib = 0; ib < xs[2]; ++ib) {
              for (int64_t ic = 0; ic < xs[3]; ++ic) {
                // Tent weights: the trilinear formula without any floor/ceil bookkeeping.
                double w = std::max(0.0, 1 - std::fabs(ca - ia)) * std::max(0.0, 1 - std::fabs(cb - ib)) *
                           std::max(0.0, 1 - std::fabs(cc - ic));
                want += w * x.GetF32(((n * xs[1] + ia) * xs[2] + ib) * xs[3] + ic);
              }
            }
          }
          CHECK(y.GetF32(((n * 5 + a) * 7 + b) * 3 + c) == Approx(want).margin(1e-5));
        }
      }
    }
  }
}

TEST_CASE("resize shape errors", "[ops][resize]") {
  CHECK_THAT(InferError(OpKind::kResize, {T(DType::kF32, {1, 3, 4, 4})}, {{AttrKey::kSizes, Ints{8, 8}}}),
             Catch::Contains("one entry per dim"));
  CHECK_THAT(InferError(OpKind::kResize, {T(DType::kF32, {4})}, {{AttrKey::kSizes, Ints{0}}}), Catch::Contains("positive"));
  CHECK_THAT(InferError(OpKind::kResize, {T(DType::kI64, {4})}, {{AttrKey::kSizes, Ints{8}}, {AttrKey::kMode, std::string("linear")}}),
             Catch::Contains("floating"));
  CHECK_THAT(InferError(OpKind::kResize, {T(DType::kF32, {4})}, {{AttrKey::kSizes, Ints{8}}, {AttrKey::kCoordMode, std::string("tf_crop_and_resize")}}),
             Catch::Contains("expected one of"));
  CHECK_THAT(InferError(OpKind::kResize, {T(DType::kF32, {4})}), Catch::Contains("requires attribute 'sizes'"));
}

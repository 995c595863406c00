// matmul, linear, conv2d and max_pool against naive loops written in the test (fp64 sums), and a
// hidden benchmark ([.bench]) of the reference GEMM at ViT-Base's MLP size.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>

#include "tests/ir/op_test_util.h"
#include "tests/support/test_support.h"

using namespace agt;
using namespace agt::ir;
using namespace agt::test;

namespace {

Tensor Rand(Shape s, uint64_t seed) { return RandomTensor(TensorType{DType::kF32, std::move(s)}, seed); }

// Naive batched matmul with explicit batch broadcasting of 3-D operands [Ba,M,K] x [Bb,K,N].
std::vector<double> NaiveBmm(const Tensor& a, const Tensor& b, int64_t batch, int64_t m, int64_t k, int64_t n) {
  std::vector<double> c;
  int64_t ba = a.shape()[0], bb = b.shape()[0];
  for (int64_t t = 0; t < batch; ++t) {
    int64_t ta = ba == 1 ? 0 : t, tb = bb == 1 ? 0 : t;
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (int64_t q = 0; q < k; ++q) s += double(a.GetF32((ta * m + i) * k + q)) * b.GetF32((tb * k + q) * n + j);
        c.push_back(s);
      }
    }
  }
  return c;
}

// Direct convolution from the definition.
std::vector<double> NaiveConv(const Tensor& x, const Tensor& w, const Tensor* bias, int64_t sh, int64_t sw,
                              std::vector<int64_t> pads, int64_t dh, int64_t dw, int64_t group, int64_t oh, int64_t ow) {
  int64_t n = x.shape()[0], c = x.shape()[1], h = x.shape()[2], wd = x.shape()[3];
  int64_t o = w.shape()[0], cg = w.shape()[1], kh = w.shape()[2], kw = w.shape()[3];
  int64_t og = o / group;
  std::vector<double> y;
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t oc = 0; oc < o; ++oc) {
      int64_t g = oc / og;
      for (int64_t oy = 0; oy < oh; ++oy) {
        for (int64_t ox = 0; ox < ow; ++ox) {
          double s = bias ? bias->GetF32(oc) : 0.0;
          for (int64_t ci = 0; ci < cg; ++ci) {
            for (int64_t ky = 0; ky < kh; ++ky) {
              for (int64_t kx = 0; kx < kw; ++kx) {
                int64_t iy = oy * sh - pads[0] + ky * dh, ix = ox * sw - pads[1] + kx * dw;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                s += double(x.GetF32(((b * c + g * cg + ci) * h + iy) * wd + ix)) *
                     w.GetF32(((oc * cg + ci) * kh + ky) * kw + kx);
              }
            }
          }
          y.push_back(s);
        }
      }
    }
  }
  return y;
}

}  // namespace

TEST_CASE("matmul: 2-D by hand", "[ops][linalg]") {
  Tensor a = F32({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = F32({3, 2}, {7, 8, 9, 10, 11, 12});
  RequireClose(Run1(OpKind::kMatMul, {a, b}).out, {2, 2}, {58, 64, 139, 154});
}

TEST_CASE("matmul: batched, broadcast batch dims, odd sizes", "[ops][linalg]") {
  // Sizes that are no multiple of the 4x4 micro-kernel.
  for (auto [ba, bb, m, k, n] : std::vector<std::array<int64_t, 5>>{{3, 3, 5, 7, 9}, {1, 4, 6, 3, 5}, {2, 1, 1, 13, 2}}) {
    Tensor a = Rand({ba, m, k}, 1 + m), b = Rand({bb, k, n}, 2 + n);
    int64_t batch = std::max(ba, bb);
    for (int threads : {1, 2, 3}) {
      RequireClose(Run1(OpKind::kMatMul, {a, b}, {}, threads).out, {batch, m, n}, NaiveBmm(a, b, batch, m, k, n), 1e-5);
    }
  }
  // 4-D with broadcasting on both batch dims: [2,1,3,4] x [1,3,4,2] -> [2,3,3,2].
  Tensor a = Rand({2, 1, 3, 4}, 5), b = Rand({1, 3, 4, 2}, 6);
  Tensor c = Run1(OpKind::kMatMul, {a, b}).out;
  REQUIRE(c.shape() == Shape{2, 3, 3, 2});
  for (int64_t i = 0; i < 2; ++i) {
    for (int64_t j = 0; j < 3; ++j) {
      for (int64_t r = 0; r < 3; ++r) {
        for (int64_t q = 0; q < 2; ++q) {
          double s = 0;
          for (int64_t t = 0; t < 4; ++t) s += double(a.GetF32((i * 3 + r) * 4 + t)) * b.GetF32((j * 4 + t) * 2 + q);
          CHECK(c.GetF32(((i * 3 + j) * 3 + r) * 2 + q) == Approx(s).margin(1e-6));
        }
      }
    }
  }
}

TEST_CASE("matmul: 1-D operands promote and squeeze as numpy", "[ops][linalg]") {
  Tensor v = F32({3}, {1, 2, 3});
  Tensor m = F32({3, 2}, {1, 0, 0, 1, 1, 1});
  RequireClose(Run1(OpKind::kMatMul, {v, m}).out, {2}, {4, 5});
  Tensor mt = F32({2, 3}, {1, 0, 1, 0, 1, 1});
  RequireClose(Run1(OpKind::kMatMul, {mt, v}).out, {2}, {4, 5});
  RequireClose(Run1(OpKind::kMatMul, {v, v}).out, {}, {14});
  // [2,2,3] x [3] -> [2,2]
  Tensor b3 = F32({2, 2, 3}, {1, 1, 1, 0, 0, 1, 2, 0, 0, 1, 0, 1});
  RequireClose(Run1(OpKind::kMatMul, {b3, v}).out, {2, 2}, {6, 3, 2, 4});
}

TEST_CASE("matmul and linear shape errors", "[ops][linalg]") {
  CHECK_THAT(InferError(OpKind::kMatMul, {T(DType::kF32, {2, 3}), T(DType::kF32, {4, 5})}), Catch::Contains("inner dims differ"));
  CHECK_THAT(InferError(OpKind::kMatMul, {T(DType::kF32, {2, 2, 3}), T(DType::kF32, {3, 3, 5})}), Catch::Contains("batch dims"));
  CHECK_THAT(InferError(OpKind::kMatMul, {T(DType::kF32, {2, 3}), T(DType::kF16, {3, 5})}), Catch::Contains("same element type"));
  CHECK_THAT(InferError(OpKind::kLinear, {T(DType::kF32, {197, 768}), T(DType::kF32, {3072, 768})}), Catch::Contains("K=3072 vs 768"));
  CHECK_THAT(InferError(OpKind::kLinear, {T(DType::kF32, {4, 8}), T(DType::kF32, {8, 2}), T(DType::kF32, {4})}),
             Catch::Contains("bias must be [2]"));
  auto t = InferOp(OpKind::kMatMul, {T(DType::kF32, {1, 12, 197, 64}), T(DType::kF32, {1, 12, 64, 197})});
  REQUIRE(t.ok());
  CHECK((*t)[0] == T(DType::kF32, {1, 12, 197, 197}));
}

TEST_CASE("linear = x @ w + b over leading dims", "[ops][linalg]") {
  Tensor x = Rand({2, 5, 6}, 11), w = Rand({6, 7}, 12), b = Rand({7}, 13);
  Tensor y = Run1(OpKind::kLinear, {x, w, b}).out;
  Tensor y0 = Run1(OpKind::kLinear, {x, w}).out;
  REQUIRE(y.shape() == Shape{2, 5, 7});
  for (int64_t r = 0; r < 10; ++r) {
    for (int64_t j = 0; j < 7; ++j) {
      double s = 0;
      for (int64_t q = 0; q < 6; ++q) s += double(x.GetF32(r * 6 + q)) * w.GetF32(q * 7 + j);
      CHECK(y0.GetF32(r * 7 + j) == Approx(s).margin(1e-6));
      CHECK(y.GetF32(r * 7 + j) == Approx(s + b.GetF32(j)).margin(1e-6));
    }
  }
}

TEST_CASE("conv2d: stride, padding, dilation, groups, bias", "[ops][linalg]") {
  // By hand: 1x1x3x3 input, 2x2 kernel of ones, no padding -> sums of 2x2 windows.
  Tensor x = F32({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  Tensor ones = F32({1, 1, 2, 2}, {1, 1, 1, 1});
  RequireClose(Run1(OpKind::kConv2d, {x, ones}).out, {1, 1, 2, 2}, {12, 16, 24, 28});

  struct Case {
    int64_t n, c, h, w, o, k, sh, sw, dh, dw, group;
    std::vector<int64_t> pads;
    bool bias;
  };
  std::vector<Case> cases = {
      {1, 3, 7, 8, 4, 3, 1, 1, 1, 1, 1, {1, 1, 1, 1}, true},
      {2, 4, 9, 9, 6, 3, 2, 2, 1, 1, 2, {1, 0, 2, 1}, true},     // groups + asymmetric pads + stride
      {1, 2, 10, 11, 2, 3, 1, 2, 2, 3, 1, {2, 3, 2, 3}, false},  // dilation
      {1, 6, 5, 5, 6, 3, 1, 1, 1, 1, 6, {1, 1, 1, 1}, true},     // depthwise
      {1, 3, 32, 32, 8, 16, 16, 16, 1, 1, 1, {0, 0, 0, 0}, true} // ViT's patch embedding, scaled down
  };
  for (const Case& t : cases) {
    Tensor in = Rand({t.n, t.c, t.h, t.w}, 21 + t.c), w = Rand({t.o, t.c / t.group, t.k, t.k}, 22 + t.o), b = Rand({t.o}, 23);
    Attrs attrs = {{AttrKey::kStrides, std::vector<int64_t>{t.sh, t.sw}},
                   {AttrKey::kPads, t.pads},
                   {AttrKey::kDilations, std::vector<int64_t>{t.dh, t.dw}},
                   {AttrKey::kGroup, t.group}};
    std::vector<Tensor> args = {in, w};
    if (t.bias) args.push_back(b);
    OpResult r = Run1(OpKind::kConv2d, args, attrs);
    REQUIRE(r.error == "");
    int64_t oh = (t.h + t.pads[0] + t.pads[2] - t.dh * (t.k - 1) - 1) / t.sh + 1;
    int64_t ow = (t.w + t.pads[1] + t.pads[3] - t.dw * (t.k - 1) - 1) / t.sw + 1;
    RequireClose(r.out, {t.n, t.o, oh, ow},
                 NaiveConv(in, w, t.bias ? &b : nullptr, t.sh, t.sw, t.pads, t.dh, t.dw, t.group, oh, ow), 1e-5);
  }
}

TEST_CASE("conv2d shape errors", "[ops][linalg]") {
  CHECK_THAT(InferError(OpKind::kConv2d, {T(DType::kF32, {1, 4, 8, 8}), T(DType::kF32, {6, 3, 3, 3})}, {{AttrKey::kGroup, int64_t{3}}}),
             Catch::Contains("group 3 must divide"));
  CHECK_THAT(InferError(OpKind::kConv2d, {T(DType::kF32, {1, 4, 8, 8}), T(DType::kF32, {6, 3, 3, 3})}),
             Catch::Contains("expects 3 input channels per group"));
  CHECK_THAT(InferError(OpKind::kConv2d, {T(DType::kF32, {1, 3, 2, 2}), T(DType::kF32, {6, 3, 3, 3})}),
             Catch::Contains("does not fit"));
  CHECK_THAT(InferError(OpKind::kConv2d, {T(DType::kF32, {1, 3, 8, 8}), T(DType::kF32, {6, 3, 3, 3})},
                        {{AttrKey::kPads, std::vector<int64_t>{1, 1}}}),
             Catch::Contains("pads [1,1] must be 4"));
  auto t = InferOp(OpKind::kConv2d, {T(DType::kF32, {1, 3, 224, 224}), T(DType::kF32, {768, 3, 16, 16})},
                   {{AttrKey::kStrides, std::vector<int64_t>{16, 16}}});
  REQUIRE(t.ok());
  CHECK((*t)[0] == T(DType::kF32, {1, 768, 14, 14}));
}

TEST_CASE("max_pool: padding never wins, ceil_mode", "[ops][linalg]") {
  Tensor x = F32({1, 1, 4, 4}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
  Attrs k2 = {{AttrKey::kKernelShape, std::vector<int64_t>{2, 2}}, {AttrKey::kStrides, std::vector<int64_t>{2, 2}}};
  RequireClose(Run1(OpKind::kMaxPool, {x}, k2).out, {1, 1, 2, 2}, {6, 8, 14, 16});
  // ResNet's stem pool: 3x3, stride 2, pad 1 on negative values: padding (which would be 0) never wins.
  Tensor neg = Run1(OpKind::kNeg, {x}).out;
  Attrs stem = {{AttrKey::kKernelShape, std::vector<int64_t>{3, 3}},
                {AttrKey::kStrides, std::vector<int64_t>{2, 2}},
                {AttrKey::kPads, std::vector<int64_t>{1, 1, 1, 1}}};
  RequireClose(Run1(OpKind::kMaxPool, {neg}, stem).out, {1, 1, 2, 2}, {-1, -2, -5, -6});
  // ceil_mode: 5 wide, k=2, s=2 -> floor 2, ceil 3 (last window covers column 4 alone).
  Tensor y = F32({1, 1, 1, 5}, {1, 5, 2, 4, 3});
  Attrs c = {{AttrKey::kKernelShape, std::vector<int64_t>{1, 2}}, {AttrKey::kStrides, std::vector<int64_t>{1, 2}}};
  RequireClose(Run1(OpKind::kMaxPool, {y}, c).out, {1, 1, 1, 2}, {5, 4});
  c.set(AttrKey::kCeilMode, int64_t{1});
  RequireClose(Run1(OpKind::kMaxPool, {y}, c).out, {1, 1, 1, 3}, {5, 4, 3});
  // Dilation 2: window picks columns {0,2}, {1,3}, {2,4}.
  Attrs d = {{AttrKey::kKernelShape, std::vector<int64_t>{1, 2}}, {AttrKey::kDilations, std::vector<int64_t>{1, 2}}};
  RequireClose(Run1(OpKind::kMaxPool, {y}, d).out, {1, 1, 1, 3}, {2, 5, 3});
  CHECK_THAT(Run1(OpKind::kMaxPool, {x}).error, Catch::Contains("requires attribute 'kernel_shape'"));
}

TEST_CASE("linear 197x768x3072 throughput", "[.bench][ops][linalg]") {
  Tensor x = Rand({1, 197, 768}, 1), w = Rand({768, 3072}, 2), b = Rand({3072}, 3);
  double flop = 2.0 * 197 * 768 * 3072;
  for (int threads : {1, 2}) {
    Run1(OpKind::kLinear, {x, w, b}, {}, threads);   // warm-up
    auto t0 = std::chrono::steady_clock::now();
    int reps = 3;
    for (int i = 0; i < reps; ++i) Run1(OpKind::kLinear, {x, w, b}, {}, threads);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps;
    std::printf("linear 197x768x3072, %d thread(s): %.1f ms, %.2f GFLOP/s\n", threads, s * 1e3, flop / s * 1e-9);
  }
}

// batch_norm, layer_norm and softmax against formulas written out in the test.
#include <catch2/catch.hpp>

#include <cmath>

#include "ir/graph.h"
#include "ir/precision.h"
#include "tests/ir/op_test_util.h"
#include "tests/support/test_support.h"

using namespace agt;
using namespace agt::ir;
using namespace agt::test;

TEST_CASE("batch_norm: inference form over channel axis 1", "[ops][norm]") {
  // x[1,2,1,2]; channel 0: scale 2, bias 1, mean 1, var 3; channel 1: scale 1, bias 0, mean 0, var 0.
  Tensor x = F32({1, 2, 1, 2}, {1, 3, -2, 2});
  Tensor scale = F32({2}, {2, 1}), bias = F32({2}, {1, 0}), mean = F32({2}, {1, 0}), var = F32({2}, {3, 0});
  Attrs eps = {{AttrKey::kEpsilon, 1.0}};
  // (x - mean) / sqrt(var + eps) * scale + bias: ch0 sqrt(4)=2, ch1 sqrt(1)=1.
  RequireClose(Run1(OpKind::kBatchNorm, {x, scale, bias, mean, var}, eps).out, {1, 2, 1, 2}, {1, 3, -2, 2});
  RequireClose(Run1(OpKind::kBatchNorm, {x, scale, bias, mean, var}).out, {1, 2, 1, 2},
               {1, 1 + 2 * 2 / std::sqrt(3 + 1e-5), -2 / std::sqrt(1e-5), 2 / std::sqrt(1e-5)}, 1e-5);
  CHECK_THAT(InferError(OpKind::kBatchNorm, {T(DType::kF32, {1, 3, 4, 4}), T(DType::kF32, {2}), T(DType::kF32, {3}),
                                             T(DType::kF32, {3}), T(DType::kF32, {3})}),
             Catch::Contains("scale must be [3]"));
}

TEST_CASE("layer_norm over the last dim and over trailing dims", "[ops][norm]") {
  Tensor x = F32({2, 4}, {1, 2, 3, 4, -1, 0, 0, 5});
  Tensor scale = F32({4}, {1, 2, 1, 0.5});
  Tensor bias = F32({4}, {0, 0, 1, -1});
  auto expect = [&](double eps, bool with_bias) {
    std::vector<double> want;
    for (int r = 0; r < 2; ++r) {
      double mean = 0, var = 0;
      for (int i = 0; i < 4; ++i) mean += x.GetF32(r * 4 + i) / 4.0;
      for (int i = 0; i < 4; ++i) var += std::pow(x.GetF32(r * 4 + i) - mean, 2) / 4.0;
      for (int i = 0; i < 4; ++i) {
        want.push_back((x.GetF32(r * 4 + i) - mean) / std::sqrt(var + eps) * scale.GetF32(i) +
                       (with_bias ? bias.GetF32(i) : 0.0));
      }
    }
    return want;
  };
  RequireClose(Run1(OpKind::kLayerNorm, {x, scale, bias}).out, {2, 4}, expect(1e-5, true), 1e-5);
  RequireClose(Run1(OpKind::kLayerNorm, {x, scale}, {{AttrKey::kEpsilon, 0.5}}).out, {2, 4}, expect(0.5, false), 1e-5);
  // Row 0 by hand: mean 2.5, var 1.25.
  CHECK(Run1(OpKind::kLayerNorm, {x, scale, bias}).out.GetF32(0) == Approx(-1.5 / std::sqrt(1.25 + 1e-5)));

  // axis = 1 on [2,2,2]: normalise each [2,2] block; scale is [2,2].
  Tensor y = F32({2, 2, 2}, {1, 2, 3, 4, 10, 10, 10, 14});
  Tensor s22 = F32({2, 2}, {1, 1, 1, 1});
  Tensor r = Run1(OpKind::kLayerNorm, {y, s22}, {{AttrKey::kAxis, int64_t{1}}, {AttrKey::kEpsilon, 0.0}}).out;
  double inv0 = 1 / std::sqrt(1.25), inv1 = 1 / std::sqrt(3.0);   // block 1: mean 11, var (1+1+1+9)/4 = 3
  RequireClose(r, {2, 2, 2}, {-1.5 * inv0, -0.5 * inv0, 0.5 * inv0, 1.5 * inv0, -inv1, -inv1, -inv1, 3 * inv1}, 1e-5);
  // Negative axis -2 is the same as 1 here.
  Tensor r2 = Run1(OpKind::kLayerNorm, {y, s22}, {{AttrKey::kAxis, int64_t{-2}}, {AttrKey::kEpsilon, 0.0}}).out;
  CHECK(MaxAbsDiff(r, r2) == 0);

  CHECK_THAT(InferError(OpKind::kLayerNorm, {T(DType::kF32, {2, 768}), T(DType::kF32, {767})}),
             Catch::Contains("scale must be [768]"));
  CHECK_THAT(InferError(OpKind::kLayerNorm, {T(DType::kF32, {2, 8}), T(DType::kF32, {8})}, {{AttrKey::kAxis, int64_t{2}}}),
             Catch::Contains("axis 2 is out of range"));
}

TEST_CASE("softmax along any axis, stable for large inputs", "[ops][norm]") {
  Tensor x = F32({2, 3}, {1, 2, 3, 1000, 1000, 1000});
  double e1 = std::exp(1.0), e2 = std::exp(2.0), e3 = std::exp(3.0), z = e1 + e2 + e3;
  RequireClose(Run1(OpKind::kSoftmax, {x}).out, {2, 3}, {e1 / z, e2 / z, e3 / z, 1 / 3.0, 1 / 3.0, 1 / 3.0});
  // axis 0: columns [1,1000] etc.; exp(1-1000) underflows to 0 cleanly.
  Tensor c = Run1(OpKind::kSoftmax, {x}, {{AttrKey::kAxis, int64_t{0}}}).out;
  RequireClose(c, {2, 3}, {0, 0, 0, 1, 1, 1});
  Tensor y = F32({2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  // axis 1 of [2,2,2]: pairs (0,2), (1,3), (4,6), (5,7) differ by 2.
  double lo = 1 / (1 + std::exp(2.0)), hi = 1 - lo;
  RequireClose(Run1(OpKind::kSoftmax, {y}, {{AttrKey::kAxis, int64_t{-2}}}).out, {2, 2, 2}, {lo, lo, hi, hi, lo, lo, hi, hi});
  CHECK_THAT(InferError(OpKind::kSoftmax, {T(DType::kF32, {2, 3})}, {{AttrKey::kAxis, int64_t{-3}}}),
             Catch::Contains("axis -3 is out of range"));
}

TEST_CASE("row_moments: each row's (mean, M2) per block of 64 columns, the last block shorter", "[ops][norm]") {
  // Two rows of 70: 1..70 and 70 copies of 5 (M2 0).
  std::vector<float> v;
  for (int i = 1; i <= 70; ++i) v.push_back(static_cast<float>(i));
  for (int i = 0; i < 70; ++i) v.push_back(5.0f);
  Tensor m = Run1(OpKind::kRowMoments, {F32({2, 70}, v)}).out;
  REQUIRE(m.shape() == Shape{2, 2, 2});
  CHECK(m.dtype() == DType::kF32);
  // 1..64: mean 32.5, M2 = 64 (64^2 - 1) / 12 = 21840; 65..70: mean 67.5, M2 = 6 (36 - 1) / 12 = 17.5.
  RequireClose(m, {2, 2, 2}, {32.5, 21840, 67.5, 17.5, 5, 0, 5, 0}, 1e-6);
  // Rows are everything before the last axis.
  CHECK(InferOp(OpKind::kRowMoments, {T(DType::kF16, {1, 197, 768})}).value()[0].ToString() == "f32[197,12,2]");
  CHECK(InferOp(OpKind::kRowMoments, {T(DType::kF32, {65})}).value()[0].ToString() == "f32[1,2,2]");
  CHECK_THAT(InferError(OpKind::kRowMoments, {T(DType::kI64, {4, 8})}), Catch::Contains("input"));
}

TEST_CASE("layer_norm_moments of row_moments is the affine-free layer_norm, for rows far from zero too", "[ops][norm]") {
  for (int64_t n : {1, 64, 70, 768, 1280}) {
    for (double offset : {0.0, 100.0}) {
      INFO("N " << n << ", rows of mean ~" << offset);
      std::vector<float> v;
      for (int64_t r = 0; r < 3; ++r) {
        for (int64_t i = 0; i < n; ++i) {
          // Deterministic, uneven rows: small deviations (std ~0.1) on a large mean when offset is 100.
          v.push_back(static_cast<float>(offset + 0.1 * std::sin(0.37 * static_cast<double>(i * (r + 2))) + 0.01 * r));
        }
      }
      Tensor y = F32({3, n}, v);
      Tensor m = Run1(OpKind::kRowMoments, {y}).out;
      Tensor got = Run1(OpKind::kLayerNormMoments, {y, m}).out;
      // The reference: the two-pass LayerNorm of the row, scale 1, no bias, written out here.
      std::vector<double> want;
      for (int64_t r = 0; r < 3; ++r) {
        double mean = 0, var = 0;
        for (int64_t i = 0; i < n; ++i) mean += v[r * n + i] / static_cast<double>(n);
        for (int64_t i = 0; i < n; ++i) var += std::pow(v[r * n + i] - mean, 2) / static_cast<double>(n);
        for (int64_t i = 0; i < n; ++i) want.push_back((v[r * n + i] - mean) / std::sqrt(var + 1e-5));
      }
      // The moments are stored in f32 (mean to ~1e-5 at 100, relative to a std of 0.1): within 1e-3.
      RequireClose(got, {3, n}, want, 1e-3);
    }
  }
  Attrs eps = {{AttrKey::kEpsilon, 0.25}};
  Tensor y = F32({1, 4}, {1, 2, 3, 4});
  Tensor z = Run1(OpKind::kLayerNormMoments, {y, Run1(OpKind::kRowMoments, {y}).out}, eps).out;
  CHECK(z.GetF32(0) == Approx(-1.5 / std::sqrt(1.25 + 0.25)));
  CHECK_THAT(InferError(OpKind::kLayerNormMoments, {T(DType::kF32, {2, 128}), T(DType::kF32, {2, 3, 2})}),
             Catch::Contains("moments must be f32[2,2,2]"));
  CHECK_THAT(InferError(OpKind::kLayerNormMoments, {T(DType::kF32, {2, 128}), T(DType::kF16, {2, 2, 2})}),
             Catch::Contains("moments must be"));
}

TEST_CASE("statistics stay f32 in device storage at every precision; other floats take the precision's type",
          "[ops][norm]") {
  Graph g;
  Value* y = g.AddInput("y", TensorType{DType::kF32, {4, 70}});
  Value* m = g.AddNode(OpKind::kRowMoments, {y}).value()->output();
  Value* z = g.AddNode(OpKind::kLayerNormMoments, {y, m}).value()->output();
  // A task graph of the consumer alone: the moments arrive as an input.
  Graph consumer;
  Value* y2 = consumer.AddInput("y", TensorType{DType::kF32, {4, 70}});
  Value* m2 = consumer.AddInput("m", TensorType{DType::kF32, {4, 2, 2}});
  Value* z2 = consumer.AddNode(OpKind::kLayerNormMoments, {y2, m2}).value()->output();
  CHECK(IsStatistics(*m));
  CHECK(IsStatistics(*m2));
  CHECK_FALSE(IsStatistics(*y));
  CHECK_FALSE(IsStatistics(*z2));
  for (Precision p : {Precision::kFP32, Precision::kTF32, Precision::kFP16, Precision::kBF16}) {
    INFO(PrecisionName(p));
    CHECK(StorageDType(*m, p) == DType::kF32);
    CHECK(StorageDType(*m2, p) == DType::kF32);
    CHECK(StorageDType(*y, p) == StorageDType(DType::kF32, p));
    CHECK(StorageDType(*z, p) == StorageDType(DType::kF32, p));
  }
  CHECK(StorageDType(*z, Precision::kFP16) == DType::kF16);
}

TEST_CASE("linear_norm_moments is layer_norm_moments then linear when colsum is the weight's column sums",
          "[ops][norm]") {
  const int64_t rows = 5, k_len = 70, n_len = 9;
  for (double offset : {0.0, 100.0}) {
    INFO("rows of mean ~" << offset);
    std::vector<float> yv, wv, bv, cs(static_cast<size_t>(n_len), 0.0f);
    for (int64_t i = 0; i < rows * k_len; ++i) yv.push_back(static_cast<float>(offset + 0.1 * std::sin(0.7 * static_cast<double>(i))));
    for (int64_t i = 0; i < k_len * n_len; ++i) wv.push_back(static_cast<float>(0.05 * std::cos(1.3 * static_cast<double>(i))));
    for (int64_t n = 0; n < n_len; ++n) bv.push_back(static_cast<float>(0.01 * n));
    for (int64_t k = 0; k < k_len; ++k) {
      for (int64_t n = 0; n < n_len; ++n) cs[n] += wv[k * n_len + n];
    }
    Tensor y = F32({1, rows, k_len}, yv), w = F32({k_len, n_len}, wv), b = F32({n_len}, bv), colsum = F32({n_len}, cs);
    Tensor m = Run1(OpKind::kRowMoments, {y}).out;
    Tensor fused = Run1(OpKind::kLinearNormMoments, {y, m, w, colsum, b}).out;
    Tensor apart = Run1(OpKind::kLinear, {Run1(OpKind::kLayerNormMoments, {y, m}).out, w, b}).out;
    REQUIRE(fused.shape() == Shape{1, rows, n_len});
    CHECK(MaxAbsDiff(fused, apart) < 2e-3);
    // Without a bias: the same less b.
    Tensor no_bias = Run1(OpKind::kLinearNormMoments, {y, m, w, colsum}).out;
    CHECK(no_bias.GetF32(n_len - 1) == Approx(fused.GetF32(n_len - 1) - bv[n_len - 1]).margin(1e-6));
  }
  CHECK_THAT(InferError(OpKind::kLinearNormMoments, {T(DType::kF32, {4, 70}), T(DType::kF32, {4, 2, 2}),
                                                     T(DType::kF32, {64, 9}), T(DType::kF32, {9})}),
             Catch::Contains("weight must be [70, N]"));
  CHECK_THAT(InferError(OpKind::kLinearNormMoments, {T(DType::kF32, {4, 70}), T(DType::kF32, {4, 2, 2}),
                                                     T(DType::kF32, {70, 9}), T(DType::kF32, {8})}),
             Catch::Contains("colsum must be [9]"));
}

// Normalisation ops of the op table: batch_norm (inference form, channel axis 1), layer_norm (over
// the trailing dims from `axis`), softmax (along one axis), and a LayerNorm split in two:
// row_moments (each row's statistics per block of kMomentBlock columns) and layer_norm_moments (the
// affine-free LayerNorm of the last axis from them; see ops.h). Statistics and sums in fp64; softmax
// subtracts the row maximum first so that exp never overflows.
#include <algorithm>
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace agt::ir {
namespace {

using ops::One;

constexpr double kDefaultEpsilon = 1e-5;

// Splits a shape around `axis` into (outer, len, inner) for row-wise ops along one axis.
struct AxisSplit {
  int64_t outer = 1, len = 1, inner = 1;
};
AxisSplit SplitAt(const Shape& s, int64_t axis) {
  AxisSplit r;
  for (int64_t d = 0; d < static_cast<int64_t>(s.size()); ++d) {
    if (d < axis) r.outer *= s[d];
    else if (d == axis) r.len = s[d];
    else r.inner *= s[d];
  }
  return r;
}

// --- batch_norm ---------------------------------------------------------------------------------
Expected<std::vector<TensorType>> InferBatchNorm(const Attrs&, std::span<const TensorType> in) {
  const TensorType& x = in[0];
  AGT_RETURN_IF_ERROR(ops::RequireFloat(x, "input"));
  if (x.rank() < 2) return Status::Errorf("input must have rank >= 2 (N, C, ...), got {}", x.ToString());
  const char* names[] = {"", "scale", "bias", "mean", "var"};
  for (int i = 1; i < 5; ++i) {
    if (in[i].shape != Shape{x.shape[1]}) {
      return Status::Errorf("{} must be [{}] (the channels of {}), got {}", names[i], x.shape[1], x.ToString(),
                            in[i].ToString());
    }
    AGT_RETURN_IF_ERROR(ops::RequireFloat(in[i], names[i]));
  }
  return One(x);
}

Status RefBatchNorm(const Attrs& attrs, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) {
  double eps = ops::AttrFloat(attrs, AttrKey::kEpsilon, kDefaultEpsilon);
  const Tensor& x = *in[0];
  std::vector<float> xv = x.ToF32(), scale = in[1]->ToF32(), bias = in[2]->ToF32(), mean = in[3]->ToF32(),
                     var = in[4]->ToF32();
  AxisSplit s = SplitAt(x.shape(), 1);
  std::vector<float> y(xv.size());
  for (int64_t o = 0; o < s.outer; ++o) {
    for (int64_t c = 0; c < s.len; ++c) {
      double k = scale[c] / std::sqrt(static_cast<double>(var[c]) + eps);
      double m = mean[c], b = bias[c];
      int64_t base = (o * s.len + c) * s.inner;
      for (int64_t i = 0; i < s.inner; ++i) y[base + i] = static_cast<float>((xv[base + i] - m) * k + b);
    }
  }
  ops::StoreF32(out[0], y);
  return Status::Ok();
}

// --- layer_norm ---------------------------------------------------------------------------------
Expected<std::vector<TensorType>> InferLayerNorm(const Attrs& attrs, std::span<const TensorType> in) {
  const TensorType& x = in[0];
  AGT_RETURN_IF_ERROR(ops::RequireFloat(x, "input"));
  int64_t raw = ops::AttrInt(attrs, AttrKey::kAxis, -1);
  auto axis = NormalizeAxis(raw, x.rank());
  if (!axis) return Status::Errorf("axis {} is out of range for {}", raw, x.ToString());
  Shape norm(x.shape.begin() + *axis, x.shape.end());
  for (size_t i = 1; i < in.size(); ++i) {
    const char* what = i == 1 ? "scale" : "bias";
    if (in[i].shape != norm) {
      return Status::Errorf("{} must be {} (the normalised dims of {}), got {}", what, ShapeToString(norm),
                            x.ToString(), in[i].ToString());
    }
    AGT_RETURN_IF_ERROR(ops::RequireFloat(in[i], what));
  }
  return One(x);
}

Status RefLayerNorm(const Attrs& attrs, std::span<const Tensor* const> in, std::span<Tensor> out,
                    const RefContext& ctx) {
  const Tensor& x = *in[0];
  int64_t axis = *NormalizeAxis(ops::AttrInt(attrs, AttrKey::kAxis, -1), static_cast<int64_t>(x.shape().size()));
  double eps = ops::AttrFloat(attrs, AttrKey::kEpsilon, kDefaultEpsilon);
  int64_t len = 1;
  for (size_t d = static_cast<size_t>(axis); d < x.shape().size(); ++d) len *= x.shape()[d];
  int64_t rows = len == 0 ? 0 : x.num_elements() / len;
  std::vector<float> xv = x.ToF32();
  std::vector<float> scale = in.size() > 1 ? in[1]->ToF32() : std::vector<float>(static_cast<size_t>(len), 1.0f);
  std::vector<float> bias = in.size() > 2 ? in[2]->ToF32() : std::vector<float>(static_cast<size_t>(len), 0.0f);
  std::vector<float> y(xv.size());
  ops::ParallelFor(rows, ctx.num_threads, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const float* row = xv.data() + r * len;
      double sum = 0;
      for (int64_t i = 0; i < len; ++i) sum += row[i];
      double mean = sum / static_cast<double>(len);
      double sq = 0;
      for (int64_t i = 0; i < len; ++i) sq += (row[i] - mean) * (row[i] - mean);
      double inv = 1.0 / std::sqrt(sq / static_cast<double>(len) + eps);
      float* yr = y.data() + r * len;
      for (int64_t i = 0; i < len; ++i) yr[i] = static_cast<float>((row[i] - mean) * inv * scale[i] + bias[i]);
    }
  }, 64);
  ops::StoreF32(out[0], y);
  return Status::Ok();
}

// --- row_moments, layer_norm_moments -------------------------------------------------------------
// A row's (count, mean, M2) merged with another's (Chan, Golub and LeVeque): exact in real arithmetic,
// and free of the cancellation of E[x^2] - mean^2 for rows far from zero.
struct Moments {
  double n = 0, mean = 0, m2 = 0;
  void Merge(double nb, double mean_b, double m2_b) {
    if (nb == 0) return;
    const double total = n + nb, delta = mean_b - mean;
    mean += delta * nb / total;
    m2 += m2_b + delta * delta * n * nb / total;
    n = total;
  }
};

// Row r's statistics over n columns, merged from its blocks of row_moments' output m.
Moments MergedRow(const std::vector<float>& m, int64_t r, int64_t n) {
  const int64_t blocks = (n + kMomentBlock - 1) / kMomentBlock;
  Moments acc;
  for (int64_t k = 0; k < blocks; ++k) {
    const double count = static_cast<double>(std::min(n, (k + 1) * kMomentBlock) - k * kMomentBlock);
    acc.Merge(count, m[(r * blocks + k) * 2], m[(r * blocks + k) * 2 + 1]);
  }
  return acc;
}

Expected<std::vector<TensorType>> InferRowMoments(const Attrs&, std::span<const TensorType> in) {
  const TensorType& y = in[0];
  AGT_RETURN_IF_ERROR(ops::RequireFloat(y, "input"));
  if (y.rank() < 1 || y.shape.back() < 1) return Status::Errorf("input must have a non-empty last axis, got {}", y.ToString());
  int64_t rows = 1;
  for (size_t d = 0; d + 1 < y.shape.size(); ++d) rows *= y.shape[d];
  return One(TensorType{DType::kF32, {rows, (y.shape.back() + kMomentBlock - 1) / kMomentBlock, 2}});
}

Status RefRowMoments(const Attrs&, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext& ctx) {
  const Tensor& y = *in[0];
  const int64_t n = y.shape().back(), rows = y.num_elements() / n, blocks = (n + kMomentBlock - 1) / kMomentBlock;
  std::vector<float> yv = y.ToF32();
  std::vector<float> m(static_cast<size_t>(rows * blocks * 2));
  ops::ParallelFor(rows, ctx.num_threads, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      for (int64_t k = 0; k < blocks; ++k) {
        const int64_t lo = k * kMomentBlock, hi = std::min(n, lo + kMomentBlock);
        double sum = 0;
        for (int64_t i = lo; i < hi; ++i) sum += yv[r * n + i];
        const double mean = sum / static_cast<double>(hi - lo);
        double m2 = 0;
        for (int64_t i = lo; i < hi; ++i) m2 += (yv[r * n + i] - mean) * (yv[r * n + i] - mean);
        m[(r * blocks + k) * 2] = static_cast<float>(mean);
        m[(r * blocks + k) * 2 + 1] = static_cast<float>(m2);
      }
    }
  }, 64);
  ops::StoreF32(out[0], m);
  return Status::Ok();
}

Expected<std::vector<TensorType>> InferLayerNormMoments(const Attrs&, std::span<const TensorType> in) {
  AGT_ASSIGN_OR_RETURN(std::vector<TensorType> want, InferRowMoments(Attrs{}, in.subspan(0, 1)));
  if (in[1].dtype != DType::kF32 || in[1].shape != want[0].shape) {
    return Status::Errorf("moments must be {} (row_moments of {}), got {}", want[0].ToString(), in[0].ToString(),
                          in[1].ToString());
  }
  return One(in[0]);
}

Status RefLayerNormMoments(const Attrs& attrs, std::span<const Tensor* const> in, std::span<Tensor> out,
                           const RefContext& ctx) {
  const Tensor& y = *in[0];
  const double eps = ops::AttrFloat(attrs, AttrKey::kEpsilon, kDefaultEpsilon);
  const int64_t n = y.shape().back(), rows = y.num_elements() / n;
  std::vector<float> yv = y.ToF32(), m = in[1]->ToF32();
  std::vector<float> z(yv.size());
  ops::ParallelFor(rows, ctx.num_threads, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const Moments acc = MergedRow(m, r, n);
      const double inv = 1.0 / std::sqrt(acc.m2 / static_cast<double>(n) + eps);
      for (int64_t i = 0; i < n; ++i) z[r * n + i] = static_cast<float>((yv[r * n + i] - acc.mean) * inv);
    }
  }, 64);
  ops::StoreF32(out[0], z);
  return Status::Ok();
}

Expected<std::vector<TensorType>> InferLinearNormMoments(const Attrs&, std::span<const TensorType> in) {
  AGT_ASSIGN_OR_RETURN(std::vector<TensorType> z, InferLayerNormMoments(Attrs{}, in.subspan(0, 2)));
  const TensorType& y = in[0];
  const TensorType& w = in[2];
  AGT_RETURN_IF_ERROR(ops::RequireFloat(w, "weight"));
  if (w.rank() != 2 || w.shape[0] != y.shape.back()) {
    return Status::Errorf("weight must be [{}, N], got {}", y.shape.back(), w.ToString());
  }
  if (in[3].shape != Shape{w.shape[1]}) return Status::Errorf("colsum must be [{}], got {}", w.shape[1], in[3].ToString());
  if (in.size() > 4 && in[4].shape != Shape{w.shape[1]}) {
    return Status::Errorf("bias must be [{}], got {}", w.shape[1], in[4].ToString());
  }
  Shape out = y.shape;
  out.back() = w.shape[1];
  return One(TensorType{y.dtype, out});
}

Status RefLinearNormMoments(const Attrs& attrs, std::span<const Tensor* const> in, std::span<Tensor> out,
                            const RefContext& ctx) {
  const Tensor& y = *in[0];
  const double eps = ops::AttrFloat(attrs, AttrKey::kEpsilon, kDefaultEpsilon);
  const int64_t k_len = y.shape().back(), n_len = in[2]->shape()[1], rows = y.num_elements() / k_len;
  std::vector<float> yv = y.ToF32(), m = in[1]->ToF32(), w = in[2]->ToF32(), colsum = in[3]->ToF32();
  std::vector<float> bias = in.size() > 4 ? in[4]->ToF32() : std::vector<float>(static_cast<size_t>(n_len), 0.0f);
  std::vector<float> z(static_cast<size_t>(rows * n_len));
  ops::ParallelFor(rows, ctx.num_threads, [&](int64_t b, int64_t e) {
    std::vector<double> acc(static_cast<size_t>(n_len));
    for (int64_t r = b; r < e; ++r) {
      const Moments st = MergedRow(m, r, k_len);
      const double rstd = 1.0 / std::sqrt(st.m2 / static_cast<double>(k_len) + eps);
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t k = 0; k < k_len; ++k) {
        const double x = yv[r * k_len + k];
        for (int64_t n = 0; n < n_len; ++n) acc[n] += x * w[k * n_len + n];
      }
      for (int64_t n = 0; n < n_len; ++n) {
        z[r * n_len + n] = static_cast<float>(rstd * (acc[n] - st.mean * colsum[n]) + bias[n]);
      }
    }
  }, 16);
  ops::StoreF32(out[0], z);
  return Status::Ok();
}

// --- softmax ------------------------------------------------------------------------------------
Expected<std::vector<TensorType>> InferSoftmax(const Attrs& attrs, std::span<const TensorType> in) {
  const TensorType& x = in[0];
  AGT_RETURN_IF_ERROR(ops::RequireFloat(x, "input"));
  int64_t raw = ops::AttrInt(attrs, AttrKey::kAxis, -1);
  if (!NormalizeAxis(raw, x.rank())) return Status::Errorf("axis {} is out of range for {}", raw, x.ToString());
  return One(x);
}

Status RefSoftmax(const Attrs& attrs, std::span<const Tensor* const> in, std::span<Tensor> out,
                  const RefContext& ctx) {
  const Tensor& x = *in[0];
  int64_t axis = *NormalizeAxis(ops::AttrInt(attrs, AttrKey::kAxis, -1), static_cast<int64_t>(x.shape().size()));
  AxisSplit s = SplitAt(x.shape(), axis);
  std::vector<float> xv = x.ToF32();
  std::vector<float> y(xv.size());
  ops::ParallelFor(s.outer * s.inner, ctx.num_threads, [&](int64_t b, int64_t e) {
    std::vector<double> ex(static_cast<size_t>(s.len));
    for (int64_t r = b; r < e; ++r) {
      int64_t o = r / s.inner, i = r % s.inner;
      int64_t base = o * s.len * s.inner + i;
      double mx = -INFINITY;
      for (int64_t k = 0; k < s.len; ++k) mx = std::max(mx, static_cast<double>(xv[base + k * s.inner]));
      double sum = 0;
      for (int64_t k = 0; k < s.len; ++k) {
        ex[k] = std::exp(xv[base + k * s.inner] - mx);
        sum += ex[k];
      }
      for (int64_t k = 0; k < s.len; ++k) y[base + k * s.inner] = static_cast<float>(ex[k] / sum);
    }
  }, 64);
  ops::StoreF32(out[0], y);
  return Status::Ok();
}

}  // namespace

OpDef DescribeBatchNorm() {
  return OpDef{5, 5, {ops::FloatAttr(AttrKey::kEpsilon, kDefaultEpsilon)}, InferBatchNorm, RefBatchNorm};
}
OpDef DescribeLayerNorm() {
  return OpDef{1, 3, {ops::IntAttr(AttrKey::kAxis, -1), ops::FloatAttr(AttrKey::kEpsilon, kDefaultEpsilon)},
               InferLayerNorm, RefLayerNorm};
}
OpDef DescribeRowMoments() { return OpDef{1, 1, {}, InferRowMoments, RefRowMoments}; }
OpDef DescribeLayerNormMoments() {
  return OpDef{2, 2, {ops::FloatAttr(AttrKey::kEpsilon, kDefaultEpsilon)}, InferLayerNormMoments, RefLayerNormMoments};
}
OpDef DescribeLinearNormMoments() {
  return OpDef{4, 5, {ops::FloatAttr(AttrKey::kEpsilon, kDefaultEpsilon)}, InferLinearNormMoments, RefLinearNormMoments};
}
OpDef DescribeSoftmax() { return OpDef{1, 1, {ops::IntAttr(AttrKey::kAxis, -1)}, InferSoftmax, RefSoftmax}; }

}  // namespace agt::ir

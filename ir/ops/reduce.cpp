// Reductions and scans of the op table: reduce_mean / reduce_sum / reduce_max over a set of axes
// (empty = all, keepdims keeps them as 1), cumsum along one axis (exclusive, reverse), and arg_max /
// arg_min along one axis (int64 indices; the first extreme, or the last with select_last_index; each
// element compared with the best so far, so a NaN is never better, and wins only when it comes
// first: what onnxruntime returns). Sums in fp64; integers sum in int64.
#include <cmath>
#include <limits>

#include "ir/ops/op_helpers.h"

namespace agt::ir {
namespace {

using ops::One;

// The reduced axes as a per-dim mask; errors on out-of-range or repeated axes.
Expected<std::vector<bool>> ReducedMask(const Attrs& attrs, const TensorType& x) {
  std::vector<int64_t> axes = ops::AttrInts(attrs, AttrKey::kAxes);
  std::vector<bool> mask(x.shape.size(), axes.empty());
  for (int64_t a : axes) {
    auto n = NormalizeAxis(a, x.rank());
    if (!n) return Status::Errorf("axis {} is out of range for {}", a, x.ToString());
    if (mask[*n]) return Status::Errorf("axes {} name dim {} twice", ops::IntsStr(axes), *n);
    mask[*n] = true;
  }
  return mask;
}

Expected<std::vector<TensorType>> InferReduce(const Attrs& attrs, std::span<const TensorType> in) {
  const TensorType& x = in[0];
  AGT_RETURN_IF_ERROR(ops::RequireNumeric(x, "input"));
  AGT_ASSIGN_OR_RETURN(std::vector<bool> mask, ReducedMask(attrs, x));
  bool keep = ops::AttrInt(attrs, AttrKey::kKeepDims, 1) != 0;
  Shape out;
  for (size_t d = 0; d < x.shape.size(); ++d) {
    if (!mask[d]) out.push_back(x.shape[d]);
    else if (keep) out.push_back(1);
  }
  return One(TensorType{x.dtype, std::move(out)});
}

enum class Reduction { kSum, kMean, kMax };

// Every input element adds into the output slot its kept dims name; the output index is carried
// along with 0-strides for reduced dims, so no division per element.
template <Reduction R>
Status RefReduce(const Attrs& attrs, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) {
  const Tensor& x = *in[0];
  AGT_ASSIGN_OR_RETURN(std::vector<bool> mask, ReducedMask(attrs, x.type()));
  const Shape& xs = x.shape();
  Shape kept(xs.size());
  for (size_t d = 0; d < xs.size(); ++d) kept[d] = mask[d] ? 1 : xs[d];
  std::vector<std::vector<int64_t>> strides = {ops::BroadcastStrides(kept, xs)};
  int64_t n_out = out[0].num_elements();
  int64_t count = n_out == 0 ? 0 : x.num_elements() / n_out;
  bool is_float = IsFloat(x.dtype());
  if (is_float || R == Reduction::kMean) {
    std::vector<float> xv = x.ToF32();
    std::vector<double> acc(static_cast<size_t>(n_out), R == Reduction::kMax ? -INFINITY : 0.0);
    ops::ForEachBroadcast(xs, strides, [&](int64_t i, const std::vector<int64_t>& off) {
      if constexpr (R == Reduction::kMax) {
        double v = xv[i];
        if (std::isnan(v) || v > acc[off[0]]) acc[off[0]] = v;
      } else {
        acc[off[0]] += xv[i];
      }
    });
    for (int64_t j = 0; j < n_out; ++j) {
      double v = R == Reduction::kMean ? acc[j] / static_cast<double>(count) : acc[j];
      if (is_float) out[0].SetF32(j, static_cast<float>(v));
      else out[0].SetI64(j, static_cast<int64_t>(v));
    }
    return Status::Ok();
  }
  std::vector<int64_t> xv = x.ToI64();
  std::vector<int64_t> acc(static_cast<size_t>(n_out),
                           R == Reduction::kMax ? std::numeric_limits<int64_t>::min() : 0);
  ops::ForEachBroadcast(xs, strides, [&](int64_t i, const std::vector<int64_t>& off) {
    if constexpr (R == Reduction::kMax) acc[off[0]] = std::max(acc[off[0]], xv[i]);
    else acc[off[0]] += xv[i];
  });
  ops::StoreI64(out[0], acc);
  return Status::Ok();
}

// --- cumsum -------------------------------------------------------------------------------------
Expected<std::vector<TensorType>> InferCumSum(const Attrs& attrs, std::span<const TensorType> in) {
  const TensorType& x = in[0];
  AGT_RETURN_IF_ERROR(ops::RequireNumeric(x, "input"));
  AGT_ASSIGN_OR_RETURN(int64_t axis, ops::RequiredInt(attrs, AttrKey::kAxis));
  if (!NormalizeAxis(axis, x.rank())) return Status::Errorf("axis {} is out of range for {}", axis, x.ToString());
  return One(x);
}

Status RefCumSum(const Attrs& attrs, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) {
  const Tensor& x = *in[0];
  AGT_ASSIGN_OR_RETURN(int64_t raw, ops::RequiredInt(attrs, AttrKey::kAxis));
  int64_t axis = *NormalizeAxis(raw, static_cast<int64_t>(x.shape().size()));
  bool exclusive = ops::AttrInt(attrs, AttrKey::kExclusive, 0) != 0;
  bool reverse = ops::AttrInt(attrs, AttrKey::kReverse, 0) != 0;
  int64_t outer = 1, len = x.shape()[axis], inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x.shape()[d];
  for (size_t d = static_cast<size_t>(axis) + 1; d < x.shape().size(); ++d) inner *= x.shape()[d];
  bool is_float = IsFloat(x.dtype());
  std::vector<float> xf = is_float ? x.ToF32() : std::vector<float>();
  std::vector<int64_t> xi = is_float ? std::vector<int64_t>() : x.ToI64();
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      double fsum = 0;
      int64_t isum = 0;
      for (int64_t s = 0; s < len; ++s) {
        int64_t k = reverse ? len - 1 - s : s;
        int64_t idx = (o * len + k) * inner + i;
        // Exclusive: the running sum before adding this element.
        if (exclusive) {
          if (is_float) out[0].SetF32(idx, static_cast<float>(fsum));
          else out[0].SetI64(idx, isum);
        }
        if (is_float) fsum += xf[idx];
        else isum += xi[idx];
        if (!exclusive) {
          if (is_float) out[0].SetF32(idx, static_cast<float>(fsum));
          else out[0].SetI64(idx, isum);
        }
      }
    }
  }
  return Status::Ok();
}

// --- arg_max / arg_min -------------------------------------------------------------------------
Expected<std::vector<TensorType>> InferArgReduce(const Attrs& attrs, std::span<const TensorType> in) {
  const TensorType& x = in[0];
  AGT_RETURN_IF_ERROR(ops::RequireNumeric(x, "input"));
  const int64_t raw = ops::AttrInt(attrs, AttrKey::kAxis, 0);
  auto axis = NormalizeAxis(raw, x.rank());
  if (!axis) return Status::Errorf("axis {} is out of range for {}", raw, x.ToString());
  if (x.shape[*axis] < 1) return Status::Errorf("dim {} of {} is empty: no index to return", *axis, x.ToString());
  Shape out = x.shape;
  if (ops::AttrInt(attrs, AttrKey::kKeepDims, 1) != 0) out[*axis] = 1;
  else out.erase(out.begin() + *axis);
  return One(TensorType{DType::kI64, std::move(out)});
}

template <bool kMax>
Status RefArgReduce(const Attrs& attrs, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) {
  const Tensor& x = *in[0];
  const int64_t axis = *NormalizeAxis(ops::AttrInt(attrs, AttrKey::kAxis, 0), static_cast<int64_t>(x.shape().size()));
  const bool last = ops::AttrInt(attrs, AttrKey::kSelectLastIndex, 0) != 0;
  int64_t outer = 1, len = x.shape()[axis], inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x.shape()[d];
  for (size_t d = static_cast<size_t>(axis) + 1; d < x.shape().size(); ++d) inner *= x.shape()[d];
  const bool fl = IsFloat(x.dtype());
  const std::vector<float> xf = fl ? x.ToF32() : std::vector<float>();
  const std::vector<int64_t> xi = fl ? std::vector<int64_t>() : x.ToI64();
  // Whether a replaces b as the extreme.
  auto better = [&](int64_t a, int64_t b) {
    if (fl) {
      const float va = xf[a], vb = xf[b];
      return last ? (kMax ? va >= vb : va <= vb) : (kMax ? va > vb : va < vb);
    }
    return last ? (kMax ? xi[a] >= xi[b] : xi[a] <= xi[b]) : (kMax ? xi[a] > xi[b] : xi[a] < xi[b]);
  };
  std::vector<int64_t> result(static_cast<size_t>(outer * inner));
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      int64_t best = 0;
      for (int64_t k = 1; k < len; ++k) {
        if (better((o * len + k) * inner + i, (o * len + best) * inner + i)) best = k;
      }
      result[static_cast<size_t>(o * inner + i)] = best;
    }
  }
  ops::StoreI64(out[0], result);
  return Status::Ok();
}

std::vector<AttrSpec> ArgReduceAttrs() {
  return {ops::IntAttr(AttrKey::kAxis, 0), ops::IntAttr(AttrKey::kKeepDims, 1), ops::IntAttr(AttrKey::kSelectLastIndex, 0)};
}

std::vector<AttrSpec> ReduceAttrs() {
  return {ops::IntsAttr(AttrKey::kAxes, std::vector<int64_t>{}), ops::IntAttr(AttrKey::kKeepDims, 1)};
}

}  // namespace

OpDef DescribeReduceMean() { return OpDef{1, 1, ReduceAttrs(), InferReduce, RefReduce<Reduction::kMean>}; }
OpDef DescribeReduceSum() { return OpDef{1, 1, ReduceAttrs(), InferReduce, RefReduce<Reduction::kSum>}; }
OpDef DescribeReduceMax() { return OpDef{1, 1, ReduceAttrs(), InferReduce, RefReduce<Reduction::kMax>}; }
OpDef DescribeArgMax() { return OpDef{1, 1, ArgReduceAttrs(), InferArgReduce, RefArgReduce<true>}; }
OpDef DescribeArgMin() { return OpDef{1, 1, ArgReduceAttrs(), InferArgReduce, RefArgReduce<false>}; }
OpDef DescribeCumSum() {
  return OpDef{1,
               1,
               {ops::IntAttr(AttrKey::kAxis, std::nullopt), ops::IntAttr(AttrKey::kExclusive, 0),
                ops::IntAttr(AttrKey::kReverse, 0)},
               InferCumSum,
               RefCumSum};
}

}  // namespace agt::ir

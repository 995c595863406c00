// Selection and scatter: top_k_values / top_k_indices (ONNX TopK's two results, one op each, so
// that each is a single-result op the fusion and codegen stages handle as any other) and scatter_nd
// (ONNX ScatterND).
//
// TopK's order: along `axis`, the k largest (largest = 1) or smallest values, each value's index
// breaking ties (the lower index first), NaN above every number (as PyTorch's topk orders it).
// The result is always sorted, which sorted = 0 allows.
//
// ScatterND: data with the update slices of `updates` written at the index tuples of `indices`
// (the last dim of indices holds q coordinates into data's first q dims, negative ones counted
// from the end), combined by `reduction` (none: the later update of a repeated tuple wins; add,
// mul, max, min: applied in the updates' order).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "ir/ops/op_helpers.h"

namespace agt::ir {
namespace {

using ops::One;

// --- top_k ---------------------------------------------------------------------------------------
Expected<std::vector<TensorType>> InferTopK(const Attrs& attrs, std::span<const TensorType> in, bool indices) {
  const TensorType& x = in[0];
  AGT_RETURN_IF_ERROR(ops::RequireNumeric(x, "input"));
  const int64_t raw = ops::AttrInt(attrs, AttrKey::kAxis, -1);
  auto axis = NormalizeAxis(raw, x.rank());
  if (!axis) return Status::Errorf("axis {} is out of range for {}", raw, x.ToString());
  AGT_ASSIGN_OR_RETURN(int64_t k, ops::RequiredInt(attrs, AttrKey::kK));
  const int64_t n = x.shape[static_cast<size_t>(*axis)];
  if (k < 1 || k > n) return Status::Errorf("k = {} must be in [1, {}] (the size of axis {} of {})", k, n, *axis, x.ToString());
  Shape out = x.shape;
  out[static_cast<size_t>(*axis)] = k;
  return One(TensorType{indices ? DType::kI64 : x.dtype, std::move(out)});
}

// Whether value a (index ia) comes before b (index ib) in TopK's order.
bool Before(double a, int64_t ia, double b, int64_t ib, bool largest) {
  const bool na = std::isnan(a), nb = std::isnan(b);
  if (na || nb) {
    if (na && nb) return ia < ib;
    return largest ? na : nb;   // NaN is the largest value
  }
  if (a != b) return largest ? a > b : a < b;
  return ia < ib;
}

template <bool kIndices>
Status RefTopK(const Attrs& attrs, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) {
  const Tensor& x = *in[0];
  const Shape& xs = x.shape();
  const auto axis = static_cast<size_t>(*NormalizeAxis(ops::AttrInt(attrs, AttrKey::kAxis, -1), static_cast<int64_t>(xs.size())));
  const int64_t k = ops::AttrInt(attrs, AttrKey::kK, 1);
  const bool largest = ops::AttrInt(attrs, AttrKey::kLargest, 1) != 0;
  const int64_t n = xs[axis];
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < axis; ++d) outer *= xs[d];
  for (size_t d = axis + 1; d < xs.size(); ++d) inner *= xs[d];
  const bool fl = IsFloat(x.dtype());
  const std::vector<float> xf = fl ? x.ToF32() : std::vector<float>();
  const std::vector<int64_t> xi = fl ? std::vector<int64_t>() : x.ToI64();
  auto at = [&](int64_t e) { return fl ? static_cast<double>(xf[static_cast<size_t>(e)]) : static_cast<double>(xi[static_cast<size_t>(e)]); };
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::vector<int64_t> picked(static_cast<size_t>(outer * k * inner));   // source element of each output
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      auto elem = [&](int64_t j) { return (o * n + j) * inner + i; };
      std::iota(order.begin(), order.end(), int64_t{0});
      // Integers beyond 2^53 would compare as doubles wrongly: compare them as integers.
      std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
        if (!fl && xi[static_cast<size_t>(elem(a))] != xi[static_cast<size_t>(elem(b))]) {
          return largest ? xi[static_cast<size_t>(elem(a))] > xi[static_cast<size_t>(elem(b))]
                         : xi[static_cast<size_t>(elem(a))] < xi[static_cast<size_t>(elem(b))];
        }
        return Before(at(elem(a)), a, at(elem(b)), b, largest);
      });
      for (int64_t j = 0; j < k; ++j) picked[static_cast<size_t>((o * k + j) * inner + i)] = kIndices ? order[static_cast<size_t>(j)] : elem(order[static_cast<size_t>(j)]);
    }
  }
  if (kIndices) {
    ops::StoreI64(out[0], picked);
  } else {
    ops::GatherElements(x, out[0], picked);
  }
  return Status::Ok();
}

std::vector<AttrSpec> TopKAttrs() {
  return {ops::IntAttr(AttrKey::kK, std::nullopt), ops::IntAttr(AttrKey::kAxis, -1), ops::IntAttr(AttrKey::kLargest, 1),
          ops::IntAttr(AttrKey::kSorted, 1)};
}

// --- scatter_nd ----------------------------------------------------------------------------------
const std::vector<std::string> kReductions = {"none", "add", "mul", "max", "min"};

Expected<std::vector<TensorType>> InferScatterNd(const Attrs&, std::span<const TensorType> in) {
  const TensorType& data = in[0];
  const TensorType& idx = in[1];
  const TensorType& upd = in[2];
  if (idx.dtype != DType::kI64 && idx.dtype != DType::kI32) return Status::Errorf("indices must be integers, not {}", idx.ToString());
  AGT_RETURN_IF_ERROR(ops::RequireSameDType(data, upd, "updates"));
  if (idx.rank() < 1) return Status::Error("indices must have at least one dim (the index tuples' last)");
  const int64_t q = idx.shape.back();
  if (q < 1 || q > data.rank()) return Status::Errorf("index tuples of {} coordinates for data of rank {}", q, data.rank());
  Shape want(idx.shape.begin(), idx.shape.end() - 1);
  want.insert(want.end(), data.shape.begin() + q, data.shape.end());
  if (upd.shape != want) {
    return Status::Errorf("updates {} must have shape {} (indices {} into data {})", upd.ToString(), ops::IntsStr(want), idx.ToString(), data.ToString());
  }
  return One(data);
}

Status RefScatterNd(const Attrs& attrs, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) {
  const Shape& ds = in[0]->shape();
  const std::vector<int64_t> idx = in[1]->ToI64();
  const auto q = static_cast<size_t>(in[1]->shape().back());
  const int64_t tuples = q == 0 ? 0 : static_cast<int64_t>(idx.size() / q);
  int64_t slice = 1;
  for (size_t d = q; d < ds.size(); ++d) slice *= ds[d];
  const std::string red = ops::AttrStr(attrs, AttrKey::kReduction, "none");
  auto combine = [&red](auto a, auto b) -> decltype(a) {
    if (red == "add") return a + b;
    if (red == "mul") return a * b;
    if (red == "max") return std::max(a, b);
    if (red == "min") return std::min(a, b);
    return b;
  };
  const bool fl = IsFloat(in[0]->dtype());
  std::vector<float> y = fl ? in[0]->ToF32() : std::vector<float>();   // float sums as ONNX Runtime keeps them
  std::vector<int64_t> yi = fl ? std::vector<int64_t>() : in[0]->ToI64();
  const std::vector<float> uf = fl ? in[2]->ToF32() : std::vector<float>();
  const std::vector<int64_t> ui = fl ? std::vector<int64_t>() : in[2]->ToI64();
  for (int64_t t = 0; t < tuples; ++t) {
    int64_t off = 0;
    for (size_t j = 0; j < q; ++j) {
      const int64_t dim = ds[j];
      const int64_t v = idx[static_cast<size_t>(t) * q + j];
      if (v < -dim || v >= dim) return Status::Errorf("index {} is out of range for dim {} of size {}", v, j, dim);
      off = off * dim + (v < 0 ? v + dim : v);
    }
    for (int64_t e = 0; e < slice; ++e) {
      const auto at = static_cast<size_t>(off * slice + e);
      const auto u = static_cast<size_t>(t * slice + e);
      if (fl) {
        y[at] = combine(y[at], uf[u]);
      } else {
        yi[at] = combine(yi[at], ui[u]);
      }
    }
  }
  if (fl) {
    ops::StoreF32(out[0], y);
  } else {
    ops::StoreI64(out[0], yi);
  }
  return Status::Ok();
}

}  // namespace

OpDef DescribeTopKValues() {
  return OpDef{1, 1, TopKAttrs(), [](const Attrs& a, std::span<const TensorType> in) { return InferTopK(a, in, false); }, RefTopK<false>};
}
OpDef DescribeTopKIndices() {
  return OpDef{1, 1, TopKAttrs(), [](const Attrs& a, std::span<const TensorType> in) { return InferTopK(a, in, true); }, RefTopK<true>};
}
OpDef DescribeScatterNd() {
  return OpDef{3, 3, {ops::StrAttr(AttrKey::kReduction, "none", kReductions)}, InferScatterNd, RefScatterNd};
}

}  // namespace agt::ir

// Data-movement ops of the op table (ONNX semantics): reshape, transpose, concat, slice, gather,
// split, expand, tile and pad. Each output element comes from one input element (or a pad value),
// so the references build a source-index map and copy bytes: they work for every dtype without
// conversion. resize, the one movement op that interpolates, lives in resize.cpp.
#include <numeric>

#include "ir/ops/op_helpers.h"

namespace agt::ir {
namespace {

using ops::One;

// --- reshape ------------------------------------------------------------------------------------
Expected<Shape> ReshapeTarget(const Attrs& attrs, const TensorType& x) {
  AGT_ASSIGN_OR_RETURN(std::vector<int64_t> spec, ops::RequiredInts(attrs, AttrKey::kShape));
  Shape out(spec.size());
  int64_t infer_at = -1, known = 1;
  for (size_t i = 0; i < spec.size(); ++i) {
    int64_t d = spec[i];
    if (d == 0) {
      // ONNX: 0 copies the input's dim at the same position.
      if (i >= x.shape.size()) return Status::Errorf("shape {}: 0 at position {} has no dim to copy in {}", ops::IntsStr(spec), i, x.ToString());
      d = x.shape[i];
    } else if (d == -1) {
      if (infer_at >= 0) return Status::Errorf("shape {} has more than one -1", ops::IntsStr(spec));
      infer_at = static_cast<int64_t>(i);
      continue;
    } else if (d < -1) {
      return Status::Errorf("shape {} has a negative dim {}", ops::IntsStr(spec), d);
    }
    out[i] = d;
    // A product past int64 (found by the fuzz target) is no shape at all.
    if (__builtin_mul_overflow(known, d, &known)) return Status::Errorf("shape {} has more elements than any tensor", ops::IntsStr(spec));
  }
  int64_t total = x.num_elements();
  if (infer_at >= 0) {
    if (known == 0 || total % known != 0) {
      return Status::Errorf("cannot reshape {} to {}: {} elements do not divide by {}", x.ToString(), ops::IntsStr(spec),
                            total, known);
    }
    out[infer_at] = total / known;
  } else if (known != total) {
    return Status::Errorf("cannot reshape {} ({} elements) to {} ({} elements)", x.ToString(), total, ShapeToString(out), known);
  }
  return out;
}

Expected<std::vector<TensorType>> InferReshape(const Attrs& attrs, std::span<const TensorType> in) {
  AGT_ASSIGN_OR_RETURN(Shape s, ReshapeTarget(attrs, in[0]));
  return One(TensorType{in[0].dtype, std::move(s)});
}

Status RefReshape(const Attrs&, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) {
  out[0] = in[0]->Reshaped(out[0].shape());
  return Status::Ok();
}

// --- transpose ----------------------------------------------------------------------------------
Expected<std::vector<int64_t>> Perm(const Attrs& attrs, const TensorType& x) {
  std::vector<int64_t> perm = ops::AttrInts(attrs, AttrKey::kPerm);
  if (perm.empty()) {
    for (int64_t d = x.rank() - 1; d >= 0; --d) perm.push_back(d);
    return perm;
  }
  std::vector<bool> seen(x.shape.size(), false);
  bool ok = static_cast<int64_t>(perm.size()) == x.rank();
  for (int64_t p : perm) {
    if (!ok || p < 0 || p >= x.rank() || seen[p]) {
      ok = false;
      break;
    }
    seen[p] = true;
  }
  if (!ok) return Status::Errorf("perm {} is not a permutation of {} dims", ops::IntsStr(perm), x.rank());
  return perm;
}

Expected<std::vector<TensorType>> InferTranspose(const Attrs& attrs, std::span<const TensorType> in) {
  AGT_ASSIGN_OR_RETURN(std::vector<int64_t> perm, Perm(attrs, in[0]));
  Shape out;
  for (int64_t p : perm) out.push_back(in[0].shape[p]);
  return One(TensorType{in[0].dtype, std::move(out)});
}

Status RefTranspose(const Attrs& attrs, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) {
  AGT_ASSIGN_OR_RETURN(std::vector<int64_t> perm, Perm(attrs, in[0]->type()));
  std::vector<int64_t> st = Strides(in[0]->shape());
  std::vector<std::vector<int64_t>> strides(1);
  for (int64_t p : perm) strides[0].push_back(st[p]);
  std::vector<int64_t> map(static_cast<size_t>(out[0].num_elements()));
  ops::ForEachBroadcast(out[0].shape(), strides, [&](int64_t i, const std::vector<int64_t>& off) { map[i] = off[0]; });
  ops::GatherElements(*in[0], out[0], map);
  return Status::Ok();
}

// --- concat -------------------------------------------------------------------------------------
Expected<std::vector<TensorType>> InferConcat(const Attrs& attrs, std::span<const TensorType> in) {
  AGT_ASSIGN_OR_RETURN(int64_t raw, ops::RequiredInt(attrs, AttrKey::kAxis));
  const TensorType& first = in[0];
  if (first.rank() == 0) return Status::Errorf("cannot concatenate scalars ({}): inputs need rank 1 or more", first.ToString());
  auto axis = NormalizeAxis(raw, first.rank());
  if (!axis) return Status::Errorf("axis {} is out of range for {}", raw, first.ToString());
  Shape out = first.shape;
  out[*axis] = 0;
  for (const TensorType& t : in) {
    bool same = t.dtype == first.dtype && t.rank() == first.rank();
    for (int64_t d = 0; same && d < t.rank(); ++d) same = d == *axis || t.shape[d] == first.shape[d];
    if (!same) {
      return Status::Errorf("inputs {} and {} differ outside axis {}", first.ToString(), t.ToString(), *axis);
    }
    out[*axis] += t.shape[*axis];
  }
  return One(TensorType{first.dtype, std::move(out)});
}

Status RefConcat(const Attrs& attrs, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) {
  Tensor& y = out[0];
  int64_t axis = *NormalizeAxis(ops::AttrInt(attrs, AttrKey::kAxis, 0), static_cast<int64_t>(y.shape().size()));
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= y.shape()[d];
  size_t out_row = y.size_bytes() / static_cast<size_t>(std::max<int64_t>(outer, 1));
  size_t at = 0;
  for (const Tensor* t : in) {
    size_t row = outer == 0 ? 0 : t->size_bytes() / static_cast<size_t>(outer);
    if (row == 0) continue;   // empty inputs may have null storage
    for (int64_t o = 0; o < outer; ++o) std::memcpy(y.raw() + o * out_row + at, t->raw() + o * row, row);
    at += row;
  }
  return Status::Ok();
}

// --- slice --------------------------------------------------------------------------------------
struct SliceDim {
  int64_t start = 0, step = 1, len = 0;
};

// Per-dim (start, step, length) after ONNX's clamping rules.
Expected<std::vector<SliceDim>> SlicePlan(const Attrs& attrs, const TensorType& x) {
  AGT_ASSIGN_OR_RETURN(std::vector<int64_t> starts, ops::RequiredInts(attrs, AttrKey::kStarts));
  AGT_ASSIGN_OR_RETURN(std::vector<int64_t> ends, ops::RequiredInts(attrs, AttrKey::kEnds));
  std::vector<int64_t> axes = ops::AttrInts(attrs, AttrKey::kAxes);
  std::vector<int64_t> steps = ops::AttrInts(attrs, AttrKey::kSteps);
  size_t n = starts.size();
  if (ends.size() != n) return Status::Errorf("starts {} and ends {} differ in length", ops::IntsStr(starts), ops::IntsStr(ends));
  if (axes.empty()) {
    for (size_t i = 0; i < n; ++i) axes.push_back(static_cast<int64_t>(i));
  }
  if (steps.empty()) steps.assign(n, 1);
  if (axes.size() != n || steps.size() != n) {
    return Status::Errorf("starts, ends, axes {} and steps {} must have one entry each per sliced axis", ops::IntsStr(axes),
                          ops::IntsStr(steps));
  }
  std::vector<SliceDim> plan(x.shape.size());
  for (size_t d = 0; d < x.shape.size(); ++d) plan[d] = SliceDim{0, 1, x.shape[d]};
  std::vector<bool> seen(x.shape.size(), false);
  for (size_t i = 0; i < n; ++i) {
    auto a = NormalizeAxis(axes[i], x.rank());
    if (!a) return Status::Errorf("axis {} is out of range for {}", axes[i], x.ToString());
    if (seen[*a]) return Status::Errorf("axes {} name dim {} twice", ops::IntsStr(axes), *a);
    seen[*a] = true;
    int64_t dim = x.shape[*a], step = steps[i];
    if (step == 0) return Status::Error("slice step must not be 0");
    // A step past the dim takes at most one element either way; clamping keeps the arithmetic
    // below from overflowing on INT64_MIN/MAX steps.
    step = std::clamp<int64_t>(step, -dim - 1, dim + 1);
    // Clamp first so that INT64_MIN/MAX sentinels never overflow when the dim is added.
    int64_t s = std::clamp<int64_t>(starts[i], -dim - 1, dim + 1);
    int64_t e = std::clamp<int64_t>(ends[i], -dim - 1, dim + 1);
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    int64_t len;
    if (dim == 0) {
      len = 0;   // nothing to clamp into (and [0, dim - 1] would be an empty range)
      s = 0;
    } else if (step > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      len = e > s ? (e - s + step - 1) / step : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      len = s > e ? (s - e - step - 1) / (-step) : 0;
    }
    plan[*a] = SliceDim{s, step, len};
  }
  return plan;
}

Expected<std::vector<TensorType>> InferSlice(const Attrs& attrs, std::span<const TensorType> in) {
  AGT_ASSIGN_OR_RETURN(std::vector<SliceDim> plan, SlicePlan(attrs, in[0]));
  Shape out;
  for (const SliceDim& d : plan) out.push_back(d.len);
  return One(TensorType{in[0].dtype, std::move(out)});
}

Status RefSlice(const Attrs& attrs, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) {
  AGT_ASSIGN_OR_RETURN(std::vector<SliceDim> plan, SlicePlan(attrs, in[0]->type()));
  std::vector<int64_t> st = Strides(in[0]->shape());
  std::vector<std::vector<int64_t>> strides(1);
  int64_t base = 0;
  for (size_t d = 0; d < plan.size(); ++d) {
    base += plan[d].start * st[d];
    strides[0].push_back(plan[d].step * st[d]);
  }
  std::vector<int64_t> map(static_cast<size_t>(out[0].num_elements()));
  ops::ForEachBroadcast(out[0].shape(), strides, [&](int64_t i, const std::vector<int64_t>& off) { map[i] = base + off[0]; });
  ops::GatherElements(*in[0], out[0], map);
  return Status::Ok();
}

// --- gather -------------------------------------------------------------------------------------
Expected<std::vector<TensorType>> InferGather(const Attrs& attrs, std::span<const TensorType> in) {
  const TensorType& data = in[0];
  const TensorType& idx = in[1];
  if (idx.dtype != DType::kI64 && idx.dtype != DType::kI32) {
    return Status::Errorf("indices must be i64 or i32, got {}", idx.ToString());
  }
  int64_t raw = ops::AttrInt(attrs, AttrKey::kAxis, 0);
  auto axis = NormalizeAxis(raw, data.rank());
  if (!axis) return Status::Errorf("axis {} is out of range for {}", raw, data.ToString());
  Shape out(data.shape.begin(), data.shape.begin() + *axis);
  out.insert(out.end(), idx.shape.begin(), idx.shape.end());
  out.insert(out.end(), data.shape.begin() + *axis + 1, data.shape.end());
  return One(TensorType{data.dtype, std::move(out)});
}

Status RefGather(const Attrs& attrs, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) {
  const Tensor& data = *in[0];
  int64_t axis = *NormalizeAxis(ops::AttrInt(attrs, AttrKey::kAxis, 0), static_cast<int64_t>(data.shape().size()));
  int64_t outer = 1, dim = data.shape()[axis], inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= data.shape()[d];
  for (size_t d = static_cast<size_t>(axis) + 1; d < data.shape().size(); ++d) inner *= data.shape()[d];
  std::vector<int64_t> idx = in[1]->ToI64();
  for (int64_t& v : idx) {
    if (v < -dim || v >= dim) return Status::Errorf("index {} is out of range for dim {} of size {}", v, axis, dim);
    if (v < 0) v += dim;
  }
  int64_t ni = static_cast<int64_t>(idx.size());
  std::vector<int64_t> map;
  map.reserve(static_cast<size_t>(out[0].num_elements()));
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j = 0; j < ni; ++j) {
      for (int64_t i = 0; i < inner; ++i) map.push_back((o * dim + idx[j]) * inner + i);
    }
  }
  ops::GatherElements(data, out[0], map);
  return Status::Ok();
}

// --- gather_nd (ONNX GatherND) ------------------------------------------------------------------
// data [B..., D...] (b batch dims), indices [B..., I..., k]: out [B..., I..., D[b+k:]...], each index
// tuple of k entries picking data[batch, i_0, ..., i_{k-1}] (a slice of the dims after them).
struct GatherNdDims {
  int64_t b = 0, k = 0;
};

Expected<GatherNdDims> GatherNdShape(const Attrs& attrs, const TensorType& data, const TensorType& idx) {
  GatherNdDims d;
  d.b = ops::AttrInt(attrs, AttrKey::kBatchDims, 0);
  if (idx.dtype != DType::kI64 && idx.dtype != DType::kI32) return Status::Errorf("indices must be i64 or i32, got {}", idx.ToString());
  if (data.rank() < 1 || idx.rank() < 1) return Status::Errorf("data {} and indices {} must have rank >= 1", data.ToString(), idx.ToString());
  if (d.b < 0 || d.b >= std::min(data.rank(), idx.rank())) return Status::Errorf("batch_dims {} out of range", d.b);
  d.k = idx.shape.back();
  if (d.k < 1 || d.k > data.rank() - d.b) return Status::Errorf("index tuples of {} entries do not fit {} after {} batch dims", d.k, data.ToString(), d.b);
  for (int64_t i = 0; i < d.b; ++i) {
    if (data.shape[i] != idx.shape[i]) return Status::Errorf("batch dim {} differs: {} vs {}", i, data.ToString(), idx.ToString());
  }
  return d;
}

Expected<std::vector<TensorType>> InferGatherNd(const Attrs& attrs, std::span<const TensorType> in) {
  AGT_ASSIGN_OR_RETURN(GatherNdDims d, GatherNdShape(attrs, in[0], in[1]));
  Shape out(in[1].shape.begin(), in[1].shape.end() - 1);
  out.insert(out.end(), in[0].shape.begin() + d.b + d.k, in[0].shape.end());
  return One(TensorType{in[0].dtype, std::move(out)});
}

Status RefGatherNd(const Attrs& attrs, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) {
  const Shape& ds = in[0]->shape();
  const Shape& is = in[1]->shape();
  AGT_ASSIGN_OR_RETURN(GatherNdDims d, GatherNdShape(attrs, in[0]->type(), in[1]->type()));
  int64_t batch = 1, per_batch_tuples = 1, slice = 1, batch_stride = 1;
  for (int64_t i = 0; i < d.b; ++i) batch *= ds[i];
  for (size_t i = static_cast<size_t>(d.b); i + 1 < is.size(); ++i) per_batch_tuples *= is[i];
  for (size_t i = static_cast<size_t>(d.b + d.k); i < ds.size(); ++i) slice *= ds[i];
  for (size_t i = static_cast<size_t>(d.b); i < ds.size(); ++i) batch_stride *= ds[i];
  const std::vector<int64_t> idx = in[1]->ToI64();
  std::vector<int64_t> map;
  map.reserve(static_cast<size_t>(out[0].num_elements()));
  for (int64_t bt = 0; bt < batch; ++bt) {
    for (int64_t t = 0; t < per_batch_tuples; ++t) {
      int64_t off = 0;
      for (int64_t j = 0; j < d.k; ++j) {
        const int64_t dim = ds[d.b + j];
        int64_t v = idx[(bt * per_batch_tuples + t) * d.k + j];
        if (v < -dim || v >= dim) return Status::Errorf("index {} is out of range for dim {} of size {}", v, d.b + j, dim);
        off = off * dim + (v < 0 ? v + dim : v);
      }
      for (int64_t e = 0; e < slice; ++e) map.push_back(bt * batch_stride + off * slice + e);
    }
  }
  ops::GatherElements(*in[0], out[0], map);
  return Status::Ok();
}

// --- split --------------------------------------------------------------------------------------
Expected<std::vector<TensorType>> InferSplit(const Attrs& attrs, std::span<const TensorType> in) {
  const TensorType& x = in[0];
  int64_t raw = ops::AttrInt(attrs, AttrKey::kAxis, 0);
  auto axis = NormalizeAxis(raw, x.rank());
  if (!axis) return Status::Errorf("axis {} is out of range for {}", raw, x.ToString());
  AGT_ASSIGN_OR_RETURN(std::vector<int64_t> split, ops::RequiredInts(attrs, AttrKey::kSplit));
  if (split.empty()) return Status::Error("split must name at least one part");
  int64_t sum = 0;
  for (int64_t s : split) {
    if (s < 0) return Status::Errorf("split {} has a negative size", ops::IntsStr(split));
    sum += s;
  }
  if (sum != x.shape[*axis]) {
    return Status::Errorf("split {} sums to {}, but dim {} of {} is {}", ops::IntsStr(split), sum, *axis, x.ToString(),
                          x.shape[*axis]);
  }
  std::vector<TensorType> outs;
  for (int64_t s : split) {
    TensorType t = x;
    t.shape[*axis] = s;
    outs.push_back(std::move(t));
  }
  return outs;
}

Status RefSplit(const Attrs& attrs, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) {
  const Tensor& x = *in[0];
  int64_t axis = *NormalizeAxis(ops::AttrInt(attrs, AttrKey::kAxis, 0), static_cast<int64_t>(x.shape().size()));
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x.shape()[d];
  size_t in_row = outer == 0 ? 0 : x.size_bytes() / static_cast<size_t>(outer);
  size_t at = 0;
  for (Tensor& t : out) {
    size_t row = outer == 0 ? 0 : t.size_bytes() / static_cast<size_t>(outer);
    if (row == 0) continue;   // empty outputs may have null storage
    for (int64_t o = 0; o < outer; ++o) std::memcpy(t.raw() + o * row, x.raw() + o * in_row + at, row);
    at += row;
  }
  return Status::Ok();
}

// --- expand and tile ----------------------------------------------------------------------------
Expected<std::vector<TensorType>> InferExpand(const Attrs& attrs, std::span<const TensorType> in) {
  AGT_ASSIGN_OR_RETURN(std::vector<int64_t> shape, ops::RequiredInts(attrs, AttrKey::kShape));
  for (int64_t d : shape) {
    if (d < 0) return Status::Errorf("shape {} has a negative dim", ops::IntsStr(shape));
  }
  std::vector<TensorType> both = {in[0], TensorType{in[0].dtype, shape}};
  auto out = ops::BroadcastShapes(both);
  if (!out.ok()) return Status::Errorf("cannot expand {} to {}", in[0].ToString(), ops::IntsStr(shape));
  return One(TensorType{in[0].dtype, *out});
}

Status RefExpand(const Attrs&, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) {
  std::vector<std::vector<int64_t>> strides = {ops::BroadcastStrides(in[0]->shape(), out[0].shape())};
  std::vector<int64_t> map(static_cast<size_t>(out[0].num_elements()));
  ops::ForEachBroadcast(out[0].shape(), strides, [&](int64_t i, const std::vector<int64_t>& off) { map[i] = off[0]; });
  ops::GatherElements(*in[0], out[0], map);
  return Status::Ok();
}

Expected<std::vector<TensorType>> InferTile(const Attrs& attrs, std::span<const TensorType> in) {
  AGT_ASSIGN_OR_RETURN(std::vector<int64_t> reps, ops::RequiredInts(attrs, AttrKey::kRepeats));
  if (static_cast<int64_t>(reps.size()) != in[0].rank()) {
    return Status::Errorf("repeats {} must have one entry per dim of {}", ops::IntsStr(reps), in[0].ToString());
  }
  Shape out = in[0].shape;
  for (size_t d = 0; d < out.size(); ++d) {
    if (reps[d] < 0) return Status::Errorf("repeats {} has a negative entry", ops::IntsStr(reps));
    // Checked: huge repeats overflowed here (found by the fuzz target); InferTypes bounds the result.
    if (__builtin_mul_overflow(out[d], reps[d], &out[d])) return Status::Errorf("repeats {} give more elements than any tensor", ops::IntsStr(reps));
  }
  return One(TensorType{in[0].dtype, std::move(out)});
}

Status RefTile(const Attrs&, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) {
  const Shape& xs = in[0]->shape();
  std::vector<int64_t> st = Strides(xs), idx;
  std::vector<int64_t> map(static_cast<size_t>(out[0].num_elements()));
  for (int64_t i = 0; i < out[0].num_elements(); ++i) {
    ops::Unravel(i, out[0].shape(), idx);
    int64_t src = 0;
    for (size_t d = 0; d < xs.size(); ++d) src += (idx[d] % xs[d]) * st[d];
    map[i] = src;
  }
  ops::GatherElements(*in[0], out[0], map);
  return Status::Ok();
}

// --- pad ----------------------------------------------------------------------------------------
Expected<std::vector<TensorType>> InferPad(const Attrs& attrs, std::span<const TensorType> in) {
  const TensorType& x = in[0];
  AGT_ASSIGN_OR_RETURN(std::vector<int64_t> pads, ops::RequiredInts(attrs, AttrKey::kPads));
  if (static_cast<int64_t>(pads.size()) != 2 * x.rank()) {
    return Status::Errorf("pads {} must have 2 entries per dim of {} (all begins, then all ends)", ops::IntsStr(pads),
                          x.ToString());
  }
  std::string mode = ops::AttrStr(attrs, AttrKey::kMode, "constant");
  Shape out = x.shape;
  for (size_t d = 0; d < out.size(); ++d) {
    int64_t both = 0;
    if (__builtin_add_overflow(pads[d], pads[d + out.size()], &both) || __builtin_add_overflow(out[d], both, &out[d])) {
      return Status::Errorf("pads {} give more elements than any tensor", ops::IntsStr(pads));
    }
    if (out[d] < 0) return Status::Errorf("pads {} crop dim {} of {} below zero", ops::IntsStr(pads), d, x.ToString());
    if (mode != "constant" && out[d] > 0 && x.shape[d] == 0) {
      return Status::Errorf("{} padding of an empty dim {} of {}", mode, d, x.ToString());
    }
  }
  return One(TensorType{x.dtype, std::move(out)});
}

// Source index of a padded coordinate in [0, n) for reflect (mirror, edge not repeated) and edge.
int64_t PadSource(int64_t i, int64_t n, bool reflect) {
  if (!reflect || n == 1) return std::clamp<int64_t>(i, 0, n - 1);
  int64_t period = 2 * (n - 1);
  int64_t m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

Status RefPad(const Attrs& attrs, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) {
  const Tensor& x = *in[0];
  Tensor& y = out[0];
  AGT_ASSIGN_OR_RETURN(std::vector<int64_t> pads, ops::RequiredInts(attrs, AttrKey::kPads));
  std::string mode = ops::AttrStr(attrs, AttrKey::kMode, "constant");
  double value = ops::AttrFloat(attrs, AttrKey::kValue, 0.0);
  const Shape& xs = x.shape();
  size_t r = xs.size();
  std::vector<int64_t> st = Strides(xs), idx;
  std::vector<int64_t> map(static_cast<size_t>(y.num_elements()));
  for (int64_t i = 0; i < y.num_elements(); ++i) {
    ops::Unravel(i, y.shape(), idx);
    int64_t src = 0;
    for (size_t d = 0; d < r && src >= 0; ++d) {
      int64_t s = idx[d] - pads[d];
      if (s < 0 || s >= xs[d]) {
        if (mode == "constant") {
          src = -1;
          break;
        }
        s = PadSource(s, xs[d], mode == "reflect");
      }
      src += s * st[d];
    }
    map[i] = src;
    if (src < 0) {
      if (IsFloat(y.dtype())) y.SetF32(i, static_cast<float>(value));
      else y.SetI64(i, static_cast<int64_t>(value));
    }
  }
  ops::GatherElements(x, y, map);
  return Status::Ok();
}

}  // namespace

OpDef DescribeReshape() { return OpDef{1, 1, {ops::IntsAttr(AttrKey::kShape, std::nullopt)}, InferReshape, RefReshape}; }
OpDef DescribeTranspose() {
  return OpDef{1, 1, {ops::IntsAttr(AttrKey::kPerm, std::vector<int64_t>{})}, InferTranspose, RefTranspose};
}
OpDef DescribeConcat() { return OpDef{1, -1, {ops::IntAttr(AttrKey::kAxis, std::nullopt)}, InferConcat, RefConcat}; }
OpDef DescribeSlice() {
  return OpDef{1,
               1,
               {ops::IntsAttr(AttrKey::kStarts, std::nullopt), ops::IntsAttr(AttrKey::kEnds, std::nullopt),
                ops::IntsAttr(AttrKey::kAxes, std::vector<int64_t>{}), ops::IntsAttr(AttrKey::kSteps, std::vector<int64_t>{})},
               InferSlice,
               RefSlice};
}
OpDef DescribeGather() { return OpDef{2, 2, {ops::IntAttr(AttrKey::kAxis, 0)}, InferGather, RefGather}; }
OpDef DescribeGatherNd() { return OpDef{2, 2, {ops::IntAttr(AttrKey::kBatchDims, 0)}, InferGatherNd, RefGatherNd}; }
OpDef DescribeSplit() {
  return OpDef{1, 1, {ops::IntAttr(AttrKey::kAxis, 0), ops::IntsAttr(AttrKey::kSplit, std::nullopt)}, InferSplit, RefSplit};
}
OpDef DescribeExpand() { return OpDef{1, 1, {ops::IntsAttr(AttrKey::kShape, std::nullopt)}, InferExpand, RefExpand}; }
OpDef DescribeTile() { return OpDef{1, 1, {ops::IntsAttr(AttrKey::kRepeats, std::nullopt)}, InferTile, RefTile}; }
OpDef DescribePad() {
  return OpDef{1,
               1,
               {ops::IntsAttr(AttrKey::kPads, std::nullopt), ops::StrAttr(AttrKey::kMode, "constant", {"constant", "reflect", "edge"}),
                ops::FloatAttr(AttrKey::kValue, 0.0)},
               InferPad,
               RefPad};
}

}  // namespace agt::ir

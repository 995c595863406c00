// Internal helpers shared by the op family files (ir/ops/*.cpp): attribute reads that tolerate a
// missing default, numpy broadcasting, index arithmetic, typed loads/stores and a parallel-for.
// Not part of the IR's public interface: only the family files include it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ir/attrs.h"
#include "ir/dtype.h"
#include "ir/ops.h"
#include "ir/status.h"
#include "ir/tensor.h"

namespace agt::ir::ops {

// --- attributes ---------------------------------------------------------------------------------
// The graph fills defaults before calling an op, but InferTypes may also be called on attributes
// that were never checked (the frontend probes shapes); these reads fall back to the default and
// never throw.
inline int64_t AttrInt(const Attrs& a, AttrKey k, int64_t def) {
  const AttrValue* v = a.find(k);
  if (v == nullptr) return def;
  if (const auto* i = std::get_if<int64_t>(v)) return *i;
  if (const auto* d = std::get_if<double>(v)) return static_cast<int64_t>(*d);
  return def;
}
inline double AttrFloat(const Attrs& a, AttrKey k, double def) {
  const AttrValue* v = a.find(k);
  if (v == nullptr) return def;
  if (const auto* d = std::get_if<double>(v)) return *d;
  if (const auto* i = std::get_if<int64_t>(v)) return static_cast<double>(*i);
  return def;
}
inline std::vector<int64_t> AttrInts(const Attrs& a, AttrKey k, std::vector<int64_t> def = {}) {
  const AttrValue* v = a.find(k);
  if (v == nullptr) return def;
  if (const auto* i = std::get_if<std::vector<int64_t>>(v)) return *i;
  return def;
}
inline std::string AttrStr(const Attrs& a, AttrKey k, std::string def) {
  const AttrValue* v = a.find(k);
  if (v == nullptr) return def;
  if (const auto* s = std::get_if<std::string>(v)) return *s;
  return def;
}
// For attributes the schema marks required: an error naming the key when absent.
inline Expected<std::vector<int64_t>> RequiredInts(const Attrs& a, AttrKey k) {
  const AttrValue* v = a.find(k);
  if (v == nullptr || !std::holds_alternative<std::vector<int64_t>>(*v)) {
    return Status::Errorf("attribute '{}' (ints) is required", AttrKeyName(k));
  }
  return std::get<std::vector<int64_t>>(*v);
}
inline Expected<int64_t> RequiredInt(const Attrs& a, AttrKey k) {
  const AttrValue* v = a.find(k);
  if (v == nullptr || !std::holds_alternative<int64_t>(*v)) {
    return Status::Errorf("attribute '{}' (int) is required", AttrKeyName(k));
  }
  return std::get<int64_t>(*v);
}

// Schema entries, short to write.
inline AttrSpec IntAttr(AttrKey k, std::optional<int64_t> def) {
  return AttrSpec{k, AttrKind::kInt, def ? std::optional<AttrValue>(*def) : std::nullopt, {}};
}
inline AttrSpec FloatAttr(AttrKey k, std::optional<double> def) {
  return AttrSpec{k, AttrKind::kFloat, def ? std::optional<AttrValue>(*def) : std::nullopt, {}};
}
inline AttrSpec IntsAttr(AttrKey k, std::optional<std::vector<int64_t>> def) {
  return AttrSpec{k, AttrKind::kInts, def ? std::optional<AttrValue>(*def) : std::nullopt, {}};
}
inline AttrSpec StrAttr(AttrKey k, std::string def, std::vector<std::string> choices) {
  return AttrSpec{k, AttrKind::kString, AttrValue(std::move(def)), std::move(choices)};
}

inline std::string IntsStr(std::span<const int64_t> v) { return fmt::format("[{}]", fmt::join(v, ",")); }

// --- type checks --------------------------------------------------------------------------------
inline Status RequireFloat(const TensorType& t, std::string_view what) {
  if (!IsFloat(t.dtype)) return Status::Errorf("{} must be a floating type (f32, f16, bf16), got {}", what, t.ToString());
  return Status::Ok();
}
inline Status RequireNumeric(const TensorType& t, std::string_view what) {
  if (t.dtype == DType::kBool) return Status::Errorf("{} must be numeric, got {}", what, t.ToString());
  return Status::Ok();
}
inline Status RequireSameDType(const TensorType& a, const TensorType& b, std::string_view what) {
  if (a.dtype != b.dtype) {
    return Status::Errorf("{} need the same element type, got {} and {}", what, a.ToString(), b.ToString());
  }
  return Status::Ok();
}

// --- broadcasting -------------------------------------------------------------------------------
// numpy broadcasting of any number of shapes; the error lists the operands.
inline Expected<Shape> BroadcastShapes(std::span<const TensorType> types) {
  size_t rank = 0;
  for (const auto& t : types) rank = std::max(rank, t.shape.size());
  Shape out(rank, 1);
  for (const auto& t : types) {
    size_t off = rank - t.shape.size();
    for (size_t i = 0; i < t.shape.size(); ++i) {
      int64_t d = t.shape[i];
      int64_t& o = out[off + i];
      if (d == o || d == 1) continue;
      if (o == 1) {
        o = d;
        continue;
      }
      std::vector<std::string> names;
      for (const auto& x : types) names.push_back(x.ToString());
      return Status::Errorf("inputs {} do not broadcast", fmt::join(names, " and "));
    }
  }
  return out;
}

// Strides of `in` viewed as `out` (right-aligned), with 0 where `in` broadcasts.
inline std::vector<int64_t> BroadcastStrides(const Shape& in, const Shape& out) {
  std::vector<int64_t> s(out.size(), 0);
  std::vector<int64_t> st = Strides(in);
  size_t off = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i) s[off + i] = in[i] == 1 ? 0 : st[i];
  return s;
}

// Walks the output index space in row-major order, keeping one offset per operand. Works on any
// number of operands with 0-strides for broadcast dims; calls f(out_index, offsets).
template <typename F>
void ForEachBroadcast(const Shape& out, const std::vector<std::vector<int64_t>>& strides, F&& f) {
  int64_t n = NumElements(out);
  size_t rank = out.size();
  size_t k = strides.size();
  std::vector<int64_t> idx(rank, 0);
  std::vector<int64_t> off(k, 0);
  for (int64_t i = 0; i < n; ++i) {
    f(i, off);
    for (size_t d = rank; d-- > 0;) {
      ++idx[d];
      for (size_t j = 0; j < k; ++j) off[j] += strides[j][d];
      if (idx[d] < out[d]) break;
      for (size_t j = 0; j < k; ++j) off[j] -= strides[j][d] * out[d];
      idx[d] = 0;
    }
  }
}

// --- typed loads and stores ---------------------------------------------------------------------
// Writes f32 values into a tensor of any dtype (rounding to f16/bf16, truncating to integers).
inline void StoreF32(Tensor& t, std::span<const float> v) {
  if (v.empty()) return;   // memcpy from an empty vector's null data() is undefined
  if (t.dtype() == DType::kF32) {
    std::memcpy(t.raw(), v.data(), v.size() * sizeof(float));
  } else {
    for (size_t i = 0; i < v.size(); ++i) t.SetF32(static_cast<int64_t>(i), v[i]);
  }
}
inline void StoreI64(Tensor& t, std::span<const int64_t> v) {
  for (size_t i = 0; i < v.size(); ++i) t.SetI64(static_cast<int64_t>(i), v[i]);
}

// Copies elements by a source-index map (any dtype, by bytes): dst[i] = src[map[i]]; a negative
// map entry leaves dst[i] untouched (the caller fills it, e.g. with a pad value).
inline void GatherElements(const Tensor& src, Tensor& dst, std::span<const int64_t> map) {
  size_t es = DTypeSize(src.dtype());
  const uint8_t* s = src.raw();
  uint8_t* d = dst.raw();
  for (size_t i = 0; i < map.size(); ++i) {
    if (map[i] >= 0) std::memcpy(d + i * es, s + static_cast<size_t>(map[i]) * es, es);
  }
}

// Unravels a row-major flat index.
inline void Unravel(int64_t flat, const Shape& shape, std::vector<int64_t>& idx) {
  idx.resize(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    int64_t n = shape[d];
    idx[d] = n == 0 ? 0 : flat % n;
    flat = n == 0 ? 0 : flat / n;
  }
}

// --- threads ------------------------------------------------------------------------------------
// Splits [0, n) into at most `threads` contiguous ranges run in parallel; f(begin, end). Runs
// inline when the work is small (thread start-up costs tens of microseconds).
inline void ParallelFor(int64_t n, int threads, const std::function<void(int64_t, int64_t)>& f,
                        int64_t min_per_thread = 1) {
  int64_t t = std::min<int64_t>(threads, min_per_thread > 0 ? n / min_per_thread : n);
  if (t <= 1) {
    if (n > 0) f(0, n);
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(t - 1));
  int64_t chunk = (n + t - 1) / t;
  for (int64_t j = 1; j < t; ++j) {
    int64_t b = j * chunk, e = std::min(n, b + chunk);
    if (b < e) pool.emplace_back(f, b, e);
  }
  f(0, std::min(n, chunk));
  for (auto& th : pool) th.join();
}

inline std::vector<TensorType> One(TensorType t) { return {std::move(t)}; }

}  // namespace agt::ir::ops

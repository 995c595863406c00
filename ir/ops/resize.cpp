// resize, the interpolating movement op (ONNX Resize with explicit output sizes): nearest or
// n-linear (bilinear for the last two dims of NCHW) over the dims whose size changes, in each
// coordinate-transformation mode PyTorch and TensorFlow exporters emit. Dims whose size does not
// change map identically, so batch and channel dims are never blended.
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace agt::ir {
namespace {

using ops::One;

const std::vector<std::string> kModes = {"nearest", "linear"};
const std::vector<std::string> kCoordModes = {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
                                              "tf_half_pixel_for_nearest"};
const std::vector<std::string> kNearestModes = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};

Expected<std::vector<TensorType>> InferResize(const Attrs& attrs, std::span<const TensorType> in) {
  const TensorType& x = in[0];
  AGT_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, ops::RequiredInts(attrs, AttrKey::kSizes));
  if (static_cast<int64_t>(sizes.size()) != x.rank()) {
    return Status::Errorf("sizes {} must have one entry per dim of {}", ops::IntsStr(sizes), x.ToString());
  }
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (sizes[d] < 1) return Status::Errorf("sizes {} must be positive", ops::IntsStr(sizes));
    if (x.shape[d] == 0) return Status::Errorf("cannot resize the empty dim {} of {}", d, x.ToString());
  }
  if (ops::AttrStr(attrs, AttrKey::kMode, "nearest") == "linear") AGT_RETURN_IF_ERROR(ops::RequireFloat(x, "input"));
  return One(TensorType{x.dtype, Shape(sizes.begin(), sizes.end())});
}

// Input coordinate of output index `o` along a dim resized from n_in to n_out.
double SourceCoord(const std::string& mode, int64_t o, int64_t n_in, int64_t n_out) {
  double scale = static_cast<double>(n_out) / static_cast<double>(n_in);
  double x = static_cast<double>(o);
  if (mode == "pytorch_half_pixel") return n_out > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
  if (mode == "align_corners") return n_out == 1 ? 0.0 : x * static_cast<double>(n_in - 1) / static_cast<double>(n_out - 1);
  if (mode == "asymmetric") return x / scale;
  if (mode == "tf_half_pixel_for_nearest") return (x + 0.5) / scale;
  return (x + 0.5) / scale - 0.5;   // half_pixel
}

int64_t RoundNearest(const std::string& mode, double x) {
  if (mode == "floor") return static_cast<int64_t>(std::floor(x));
  if (mode == "ceil") return static_cast<int64_t>(std::ceil(x));
  double f = std::floor(x);
  double frac = x - f;
  if (frac == 0.5) return static_cast<int64_t>(mode == "round_prefer_ceil" ? f + 1 : f);
  return static_cast<int64_t>(frac < 0.5 ? f : f + 1);
}

// One dim's interpolation table: for each output index, the two source indices and the weight of
// the upper one (nearest: lo == hi, weight 0).
struct DimTable {
  std::vector<int64_t> lo, hi;
  std::vector<double> w;
};

Status RefResize(const Attrs& attrs, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) {
  const Tensor& x = *in[0];
  Tensor& y = out[0];
  bool linear = ops::AttrStr(attrs, AttrKey::kMode, "nearest") == "linear";
  std::string coord = ops::AttrStr(attrs, AttrKey::kCoordMode, "half_pixel");
  std::string nearest = ops::AttrStr(attrs, AttrKey::kNearestMode, "round_prefer_floor");
  const Shape& xs = x.shape();
  const Shape& ys = y.shape();
  size_t r = xs.size();
  std::vector<DimTable> tables(r);
  std::vector<size_t> resized;
  for (size_t d = 0; d < r; ++d) {
    DimTable& t = tables[d];
    for (int64_t o = 0; o < ys[d]; ++o) {
      if (xs[d] == ys[d]) {
        t.lo.push_back(o);
        t.hi.push_back(o);
        t.w.push_back(0.0);
        continue;
      }
      double c = SourceCoord(coord, o, xs[d], ys[d]);
      if (linear) {
        c = std::clamp(c, 0.0, static_cast<double>(xs[d] - 1));
        int64_t lo = static_cast<int64_t>(std::floor(c));
        t.lo.push_back(lo);
        t.hi.push_back(std::min(lo + 1, xs[d] - 1));
        t.w.push_back(c - static_cast<double>(lo));
      } else {
        int64_t i = std::clamp<int64_t>(RoundNearest(nearest, c), 0, xs[d] - 1);
        t.lo.push_back(i);
        t.hi.push_back(i);
        t.w.push_back(0.0);
      }
    }
    if (linear && xs[d] != ys[d]) resized.push_back(d);
  }
  std::vector<int64_t> st = Strides(xs), idx;
  int64_t n = y.num_elements();
  if (!linear) {
    std::vector<int64_t> map(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      ops::Unravel(i, ys, idx);
      int64_t src = 0;
      for (size_t d = 0; d < r; ++d) src += tables[d].lo[idx[d]] * st[d];
      map[i] = src;
    }
    ops::GatherElements(x, y, map);
    return Status::Ok();
  }
  std::vector<float> xv = x.ToF32();
  std::vector<float> yv(static_cast<size_t>(n));
  size_t corners = size_t{1} << resized.size();
  for (int64_t i = 0; i < n; ++i) {
    ops::Unravel(i, ys, idx);
    int64_t base = 0;
    for (size_t d = 0; d < r; ++d) base += tables[d].lo[idx[d]] * st[d];
    double acc = 0;
    for (size_t c = 0; c < corners; ++c) {
      int64_t off = base;
      double w = 1.0;
      for (size_t j = 0; j < resized.size(); ++j) {
        const DimTable& t = tables[resized[j]];
        int64_t o = idx[resized[j]];
        if (c & (size_t{1} << j)) {
          off += (t.hi[o] - t.lo[o]) * st[resized[j]];
          w *= t.w[o];
        } else {
          w *= 1.0 - t.w[o];
        }
      }
      if (w != 0.0) acc += w * xv[off];
    }
    yv[i] = static_cast<float>(acc);
  }
  ops::StoreF32(y, yv);
  return Status::Ok();
}

}  // namespace

OpDef DescribeResize() {
  return OpDef{1,
               1,
               {ops::IntsAttr(AttrKey::kSizes, std::nullopt), ops::StrAttr(AttrKey::kMode, "nearest", kModes),
                ops::StrAttr(AttrKey::kCoordMode, "half_pixel", kCoordModes),
                ops::StrAttr(AttrKey::kNearestMode, "round_prefer_floor", kNearestModes)},
               InferResize,
               RefResize};
}

}  // namespace agt::ir

// resize, the interpolating movement op (ONNX Resize with explicit output sizes): nearest,
// n-linear (bilinear for the last two dims of NCHW) or n-cubic (Keys' cubic convolution with
// coefficient cubic_coeff_a, taps past the edge clamped to it, or left out and the rest renormalised
// with exclude_outside) over the dims whose size changes, in each coordinate-transformation mode
// PyTorch and TensorFlow exporters emit. Dims whose size does not
// change map identically, so batch and channel dims are never blended.
#include <algorithm>
#include <array>
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace agt::ir {
namespace {

using ops::One;

const std::vector<std::string> kModes = {"nearest", "linear", "cubic"};
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
  if (ops::AttrStr(attrs, AttrKey::kMode, "nearest") != "nearest") AGT_RETURN_IF_ERROR(ops::RequireFloat(x, "input"));
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

// The four weights of Keys' cubic convolution for taps floor(c) - 1 .. floor(c) + 2 at fraction t.
std::array<double, 4> CubicWeights(double t, double a) {
  auto near = [a](double x) { return ((a + 2) * x - (a + 3)) * x * x + 1; };            // |x| <= 1
  auto far = [a](double x) { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a; };       // 1 < |x| < 2
  return {far(t + 1), near(t), near(1 - t), far(2 - t)};
}

// One dim's interpolation table: for each output index, the source indices and their weights.
struct DimTable {
  std::vector<std::vector<std::pair<int64_t, double>>> taps;
};

DimTable MakeTable(const Attrs& attrs, int64_t n_in, int64_t n_out) {
  const std::string mode = ops::AttrStr(attrs, AttrKey::kMode, "nearest");
  const std::string coord = ops::AttrStr(attrs, AttrKey::kCoordMode, "half_pixel");
  const std::string nearest = ops::AttrStr(attrs, AttrKey::kNearestMode, "round_prefer_floor");
  const double cubic_a = ops::AttrFloat(attrs, AttrKey::kCubicCoeffA, -0.75);
  const bool exclude = ops::AttrInt(attrs, AttrKey::kExcludeOutside, 0) != 0;
  DimTable t;
  for (int64_t o = 0; o < n_out; ++o) {
    std::vector<std::pair<int64_t, double>> taps;
    if (n_in == n_out) {
      taps.emplace_back(o, 1.0);
    } else if (mode == "linear") {
      const double c = std::clamp(SourceCoord(coord, o, n_in, n_out), 0.0, static_cast<double>(n_in - 1));
      const auto lo = static_cast<int64_t>(std::floor(c));
      taps.emplace_back(lo, 1.0 - (c - static_cast<double>(lo)));
      taps.emplace_back(std::min(lo + 1, n_in - 1), c - static_cast<double>(lo));
    } else if (mode == "cubic") {
      const double c = SourceCoord(coord, o, n_in, n_out);   // not clamped: the taps are
      const double f = std::floor(c);
      const auto w = CubicWeights(c - f, cubic_a);
      double kept = 0.0;
      for (int j = 0; j < 4; ++j) {
        const int64_t i = static_cast<int64_t>(f) - 1 + j;
        if (exclude && (i < 0 || i >= n_in)) continue;
        taps.emplace_back(std::clamp<int64_t>(i, 0, n_in - 1), w[static_cast<size_t>(j)]);
        kept += w[static_cast<size_t>(j)];
      }
      if (exclude) {
        for (auto& tap : taps) tap.second /= kept;
      }
    } else {
      taps.emplace_back(std::clamp<int64_t>(RoundNearest(nearest, SourceCoord(coord, o, n_in, n_out)), 0, n_in - 1), 1.0);
    }
    t.taps.push_back(std::move(taps));
  }
  return t;
}

Status RefResize(const Attrs& attrs, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) {
  const Tensor& x = *in[0];
  Tensor& y = out[0];
  const Shape& xs = x.shape();
  const Shape& ys = y.shape();
  const size_t r = xs.size();
  std::vector<DimTable> tables;
  for (size_t d = 0; d < r; ++d) tables.push_back(MakeTable(attrs, xs[d], ys[d]));
  std::vector<int64_t> st = Strides(xs), idx;
  const int64_t n = y.num_elements();
  if (ops::AttrStr(attrs, AttrKey::kMode, "nearest") == "nearest") {
    std::vector<int64_t> map(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      ops::Unravel(i, ys, idx);
      int64_t src = 0;
      for (size_t d = 0; d < r; ++d) src += tables[d].taps[static_cast<size_t>(idx[d])][0].first * st[d];
      map[static_cast<size_t>(i)] = src;
    }
    ops::GatherElements(x, y, map);
    return Status::Ok();
  }
  const std::vector<float> xv = x.ToF32();
  std::vector<float> yv(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    ops::Unravel(i, ys, idx);
    // The weighted sum over every combination of the dims' taps (one tap for the dims kept as they are).
    double acc = 0.0;
    std::vector<size_t> pick(r, 0);
    while (true) {
      int64_t off = 0;
      double w = 1.0;
      for (size_t d = 0; d < r; ++d) {
        const auto& tap = tables[d].taps[static_cast<size_t>(idx[d])][pick[d]];
        off += tap.first * st[d];
        w *= tap.second;
      }
      if (w != 0.0) acc += w * xv[static_cast<size_t>(off)];
      size_t d = r;
      while (d > 0 && ++pick[d - 1] == tables[d - 1].taps[static_cast<size_t>(idx[d - 1])].size()) pick[--d] = 0;
      if (d == 0) break;
    }
    yv[static_cast<size_t>(i)] = static_cast<float>(acc);
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
                ops::StrAttr(AttrKey::kNearestMode, "round_prefer_floor", kNearestModes),
                ops::FloatAttr(AttrKey::kCubicCoeffA, -0.75), ops::IntAttr(AttrKey::kExcludeOutside, 0)},
               InferResize,
               RefResize};
}

}  // namespace agt::ir

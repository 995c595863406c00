// Per-op facts for the fuser: GEMM geometry, reduction rows, SIMT work per element.
#include "compiler/fusion/op_geometry.h"

#include <algorithm>

namespace agt::fusion {

using ir::OpKind;

std::optional<GemmGeometry> GetGemmGeometry(const ir::Node& n) {
  if (n.pattern() != ir::OpPattern::kOutEWiseFusable || n.num_inputs() < 2 || n.num_outputs() < 1) {
    return std::nullopt;
  }
  const ir::Shape& a = n.input(0)->shape();
  const ir::Shape& b = n.input(1)->shape();
  const ir::Shape& c = n.output(0)->shape();
  GemmGeometry g;
  int64_t out_elems = ir::NumElements(c);
  if (IsConvolution(n)) {
    // x [N, Cin, H, W], w [Cout, Cin/groups, kh, kw], y [N, Cout, Ho, Wo]: M = N*Ho*Wo per group
    // (channels-last: y [N, Ho, Wo, Cout], no groups).
    if (c.size() != 4 || b.size() != 4) return std::nullopt;
    int64_t groups = n.attrs().has(ir::AttrKey::kGroup) ? n.attrs().i(ir::AttrKey::kGroup) : 1;
    g.batch = std::max<int64_t>(groups, 1);
    const bool nhwc = n.op() == OpKind::kConv2dNhwc;
    g.n = (nhwc ? c[3] : c[1]) / g.batch;
    g.m = c[0] * (nhwc ? c[1] * c[2] : c[2] * c[3]);
    g.k = b[1] * b[2] * b[3];
    return g;
  }
  if (a.empty()) return std::nullopt;
  g.k = a.back();
  if (n.op() == OpKind::kLinear) {
    // y[..., N] = x[..., K] . W (+ b): one matrix, M = all leading dims.
    g.n = c.empty() ? 1 : c.back();
    g.m = g.n == 0 ? 0 : out_elems / g.n;
    return g;
  }
  g.m = a.size() >= 2 ? a[a.size() - 2] : 1;
  g.n = b.size() >= 2 ? b.back() : 1;
  g.batch = (g.m * g.n) == 0 ? 0 : out_elems / (g.m * g.n);
  return g;
}

bool ContractsLastAxisOfFirstOperand(const ir::Node& n) {
  return n.op() == OpKind::kMatMul || n.op() == OpKind::kLinear;
}

bool IsConvolution(const ir::Node& n) { return n.op() == OpKind::kConv2d || n.op() == OpKind::kConv2dNhwc; }

bool IsBatchedMatMul(const ir::Node& n) { return n.op() == OpKind::kMatMul; }

bool IsSoftmax(const ir::Node& n) { return n.op() == OpKind::kSoftmax; }

std::optional<ReductionRows> GetReductionRows(const ir::Node& n) {
  if (n.pattern() != ir::OpPattern::kCommReduce || n.num_inputs() < 1 || n.num_outputs() < 1) return std::nullopt;
  ReductionRows r;
  r.input_shape = n.input(0)->shape();
  int64_t rank = static_cast<int64_t>(r.input_shape.size());
  r.normalizing = n.output(0)->shape() == r.input_shape;
  const ir::Attrs& at = n.attrs();
  if (n.op() == OpKind::kRowMoments || n.op() == OpKind::kLayerNormMoments) {
    // The two halves of a LayerNorm over the last axis (ir/ops.h): rows of y's last axis.
    if (rank < 1) return std::nullopt;
    r.axes.push_back(rank - 1);
  } else if (n.op() == OpKind::kLayerNorm) {
    // Normalises over axes [axis, rank).
    int64_t axis = at.has(ir::AttrKey::kAxis) ? at.i(ir::AttrKey::kAxis) : -1;
    auto a = ir::NormalizeAxis(axis, rank);
    if (!a) return std::nullopt;
    for (int64_t i = *a; i < rank; ++i) r.axes.push_back(i);
  } else if (at.has(ir::AttrKey::kAxes)) {
    for (int64_t axis : at.ints(ir::AttrKey::kAxes)) {
      auto a = ir::NormalizeAxis(axis, rank);
      if (!a) return std::nullopt;
      r.axes.push_back(*a);
    }
    if (r.axes.empty()) {  // no axes: every axis
      for (int64_t i = 0; i < rank; ++i) r.axes.push_back(i);
    }
  } else if (at.has(ir::AttrKey::kAxis)) {
    auto a = ir::NormalizeAxis(at.i(ir::AttrKey::kAxis), rank);
    if (!a) return std::nullopt;
    r.axes.push_back(*a);
  } else {
    for (int64_t i = 0; i < rank; ++i) r.axes.push_back(i);
  }
  std::sort(r.axes.begin(), r.axes.end());
  r.axes.erase(std::unique(r.axes.begin(), r.axes.end()), r.axes.end());
  return r;
}

bool ReducesLastAxisOnly(const ReductionRows& r) {
  return !r.input_shape.empty() && r.axes.size() == 1 &&
         r.axes[0] == static_cast<int64_t>(r.input_shape.size()) - 1;
}

double SimtFlopsPerElement(const ir::Node& n) {
  switch (n.op()) {
    case OpKind::kGelu: return 16;
    case OpKind::kErf:
    case OpKind::kTanh:
    case OpKind::kExp:
    case OpKind::kLog:
    case OpKind::kSin:
    case OpKind::kCos:
    case OpKind::kPow:
    case OpKind::kSigmoid: return 8;
    case OpKind::kSoftmax: return 6;
    case OpKind::kLayerNorm: return 8;
    case OpKind::kRowMoments: return 4;          // two passes over the block: sum, squared deviations
    case OpKind::kLayerNormMoments: return 2;    // (x - mean) * rstd, the merge amortised over the row
    case OpKind::kBatchNorm: return 2;
    case OpKind::kResize: return 6;
    default: break;
  }
  switch (n.pattern()) {
    case ir::OpPattern::kInjective: return 0;
    case ir::OpPattern::kCommReduce: return 2;
    default: return 1;
  }
}

}  // namespace agt::fusion

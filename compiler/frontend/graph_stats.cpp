// Counting ops, parameters and FLOPs of a graph (see graph_stats.h).
#include "compiler/frontend/graph_stats.h"

#include <unordered_set>

namespace agt::frontend {

int64_t MatrixFlops(const ir::Node& n) {
  int64_t out_elems = n.output(0)->type().num_elements();
  switch (n.op()) {
    case ir::OpKind::kMatMul: {
      const ir::Shape& a = n.input(0)->shape();
      return 2 * out_elems * (a.empty() ? 1 : a.back());
    }
    case ir::OpKind::kLinear:
      return 2 * out_elems * n.input(1)->shape()[0];
    case ir::OpKind::kConv2d:
    case ir::OpKind::kConv2dNhwc: {
      const ir::Shape& w = n.input(1)->shape();   // [O, C/g, kh, kw] or [O, kh, kw, C]
      return 2 * out_elems * w[1] * w[2] * w[3];
    }
    default:
      return 0;
  }
}

int64_t NodeFlops(const ir::Node& n) {
  const ir::Value* out = n.output(0);
  int64_t out_elems = out->type().num_elements();
  switch (n.op()) {
    case ir::OpKind::kMatMul: {
      const ir::Shape& a = n.input(0)->shape();
      int64_t k = a.empty() ? 1 : a.back();
      return 2 * out_elems * k;
    }
    case ir::OpKind::kLinear: {
      int64_t k = n.input(1)->shape()[0];
      return 2 * out_elems * k + (n.num_inputs() > 2 ? out_elems : 0);
    }
    case ir::OpKind::kConv2d:
    case ir::OpKind::kConv2dNhwc: {
      const ir::Shape& w = n.input(1)->shape();   // [O, C/g, kh, kw] or [O, kh, kw, C]
      return 2 * out_elems * w[1] * w[2] * w[3] + (n.num_inputs() > 2 ? out_elems : 0);
    }
    case ir::OpKind::kMaxPool:
    case ir::OpKind::kMaxPoolNhwc: {
      const std::vector<int64_t>& k = n.attrs().ints(ir::AttrKey::kKernelShape);
      return out_elems * (k.size() == 2 ? k[0] * k[1] : 1);
    }
    default:
      break;
  }
  switch (n.pattern()) {
    case ir::OpPattern::kElemWise:
    case ir::OpPattern::kBroadcast:
      if (n.op() == ir::OpKind::kIdentity || n.op() == ir::OpKind::kCast) return 0;
      return out_elems;
    case ir::OpPattern::kCommReduce:
      return n.input(0)->type().num_elements();
    case ir::OpPattern::kOpaque:
      return n.input(0)->type().num_elements();
    default:   // data movement computes nothing
      return 0;
  }
}

GraphStats ComputeGraphStats(const ir::Graph& g) {
  GraphStats s;
  std::unordered_set<const ir::Value*> running_stats;
  for (const auto& up : g.nodes()) {
    const ir::Node& n = *up;
    ++s.op_histogram[std::string(n.op_name())];
    int64_t f = NodeFlops(n);
    int64_t m = MatrixFlops(n);
    s.matrix_flops += m;
    s.other_flops += f - m;
    if (n.op() == ir::OpKind::kBatchNorm) {
      running_stats.insert(n.input(3));
      running_stats.insert(n.input(4));
    }
  }
  for (const ir::Value* c : g.constants()) {
    if (!ir::IsFloat(c->dtype()) || c->type().num_elements() <= 1 || running_stats.count(c)) continue;
    s.parameters += c->type().num_elements();
  }
  return s;
}

}  // namespace agt::frontend

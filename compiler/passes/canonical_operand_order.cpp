// The operands of an add or a mul in one order: the one further from the graph's inputs first (the
// longest chain of nodes above it; constants and graph inputs are at 0). Exporters write a residual
// both ways, x + f(x) (Hugging Face) and f(x) + x (the zoo, torchvision), and the fusion planner sees
// the graph as written, so the same block would fuse differently (the residual add into the GEMM's
// epilogue or into the LayerNorm after it) and plan other tasks. Both ops are commutative (IEEE
// addition and multiplication included), so the swap never changes a result; equal depths keep their
// order.
#include <algorithm>
#include <unordered_map>

#include "compiler/passes/passes.h"

namespace agt::passes {

Expected<bool> RunCanonicalOperandOrder(ir::Graph& g) {
  std::unordered_map<const ir::Value*, int64_t> depth;   // nodes are in topological order
  auto depth_of = [&](const ir::Value* v) {
    auto it = depth.find(v);
    return it == depth.end() ? int64_t{0} : it->second;
  };
  std::vector<ir::Node*> swap;
  for (const auto& n : g.nodes()) {
    int64_t d = 0;
    for (const ir::Value* in : n->inputs()) d = std::max(d, depth_of(in));
    for (const ir::Value* out : n->outputs()) depth[out] = d + 1;
    if ((n->op() == ir::OpKind::kAdd || n->op() == ir::OpKind::kMul) && n->num_inputs() == 2 &&
        depth_of(n->input(0)) < depth_of(n->input(1))) {
      swap.push_back(n.get());
    }
  }
  for (ir::Node* n : swap) {
    ir::Value* a = n->input(0);
    ir::Value* b = n->input(1);
    n->set_input(0, b);
    n->set_input(1, a);
  }
  return !swap.empty();
}

}  // namespace agt::passes

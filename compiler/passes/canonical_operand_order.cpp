// The operands of an add or a mul in one order, the deeper first (ir::CanonicalOperandOrder over the
// whole model: the longest chain of nodes above each; constants and graph inputs are at 0).
// Exporters write a residual both ways, x + f(x) (Hugging Face) and f(x) + x (the zoo, torchvision),
// and the fusion planner sees the graph as written, so the same block would fuse differently (the
// residual add into the GEMM's epilogue or into the LayerNorm after it) and plan other tasks. Both ops
// are commutative, so the swap never changes a result. Extracted groups follow the same rule
// (ir::ExtractSubgraph), which is what keeps task keys and re-keyed records alike.
#include <vector>

#include "compiler/passes/passes.h"
#include "ir/subgraph.h"

namespace agt::passes {

Expected<bool> RunCanonicalOperandOrder(ir::Graph& g) {
  std::vector<const ir::Node*> nodes;   // topological: the graph keeps its nodes in order
  for (const auto& n : g.nodes()) nodes.push_back(n.get());
  const ir::Operands order = ir::CanonicalOperandOrder(nodes);
  bool changed = false;
  for (const auto& n : g.nodes()) {
    const std::vector<ir::Value*>& want = order.at(n.get());
    if (want == n->inputs()) continue;
    for (size_t i = 0; i < want.size(); ++i) n->set_input(i, want[i]);
    changed = true;
  }
  return changed;
}

}  // namespace agt::passes

// Builds the operator-index view of a graph.
#include "compiler/fusion/op_graph.h"

#include <algorithm>

namespace agt::fusion {

OpGraph::OpGraph(const ir::Graph& g) : graph_(&g) {
  for (const auto& n : g.nodes()) {
    index_[n.get()] = static_cast<int>(nodes_.size());
    nodes_.push_back(n.get());
  }
  preds_.resize(nodes_.size());
  succs_.resize(nodes_.size());
  escapes_.assign(nodes_.size(), false);
  for (int i = 0; i < size(); ++i) {
    const ir::Node* n = nodes_[i];
    for (const ir::Value* v : n->inputs()) {
      if (v->producer() != nullptr) preds_[i].push_back(index(v->producer()));
    }
    for (const ir::Value* v : n->outputs()) {
      if (g.IsGraphOutput(v)) escapes_[i] = true;
      for (const ir::Use& u : v->uses()) succs_[i].push_back(index(u.node));
    }
  }
  for (auto* lists : {&preds_, &succs_}) {
    for (auto& l : *lists) {
      std::sort(l.begin(), l.end());
      l.erase(std::unique(l.begin(), l.end()), l.end());
    }
  }
}

int OpGraph::index(const ir::Node* n) const {
  auto it = index_.find(n);
  return it == index_.end() ? -1 : it->second;
}

}  // namespace agt::fusion

// The fuser's view of a graph: its compute operators (nodes; constants and graph inputs are values,
// not operators) numbered 0..n-1 in the graph's topological order, with producer and consumer
// edges between operators. Legality, the cost model and the DP work on these indices.
#pragma once

#include <unordered_map>
#include <vector>

#include "ir/graph.h"

namespace agt::fusion {

class OpGraph {
 public:
  explicit OpGraph(const ir::Graph& g);

  const ir::Graph& graph() const { return *graph_; }
  int size() const { return static_cast<int>(nodes_.size()); }
  const ir::Node* node(int i) const { return nodes_[i]; }
  // -1 when the node is not in the graph.
  int index(const ir::Node* n) const;
  // Distinct operators feeding / consuming operator i, ascending.
  const std::vector<int>& preds(int i) const { return preds_[i]; }
  const std::vector<int>& succs(int i) const { return succs_[i]; }
  // Whether some output of operator i is an output of the graph.
  bool escapes(int i) const { return escapes_[i]; }

 private:
  const ir::Graph* graph_;
  std::vector<const ir::Node*> nodes_;
  std::vector<std::vector<int>> preds_;
  std::vector<std::vector<int>> succs_;
  std::vector<bool> escapes_;
  std::unordered_map<const ir::Node*, int> index_;
};

}  // namespace agt::fusion

// Extracting a group of nodes (a fusion phase) into a standalone Graph: the unit that codegen turns
// into one kernel and that the tuner tunes. Two groups with the same ops, shapes, dtypes, attributes
// and wiring give the same printed text (names are canonical), so the text is the task signature.
#pragma once

#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "ir/graph.h"
#include "ir/status.h"

namespace agt::ir {

struct ExtractOptions {
  // Constants with at most this many elements are copied into the subgraph (their values matter to
  // the kernel, e.g. a scale of 0.125 or an epsilon, and enter the signature); larger ones (weights)
  // become subgraph inputs.
  int64_t inline_constant_max_elements = 1;
  // Drop every unit dim from the subgraph where its ops allow it (ir/unit_dims.h), so that a group
  // over [T, 1, C] and the same group over [1, T, C] extract to one graph: one task, one kernel.
  bool squeeze_unit_dims = true;
};

struct Subgraph {
  std::unique_ptr<Graph> graph;
  // inputs[i]: the value of the original graph that feeds graph->inputs()[i] (activations and
  // weights alike), in order of first use by the subgraph's (structurally ordered) nodes, operand by operand. The two have
  // the same dtype and element count; the subgraph's shape may lack unit dims (squeeze_unit_dims).
  std::vector<const Value*> inputs;
  // outputs[i]: the value of the original graph that graph->outputs()[i] computes: every value of
  // the group that is used outside it or is an output of the original graph, in node order.
  std::vector<const Value*> outputs;
};

// The canonical form a group graph takes after extraction's naming: today, its unit dims dropped where
// its ops allow (ir/unit_dims.h). A task graph parsed back from an older build's tuning log goes
// through the same step (tasks::CanonicalTaskText), so both keep one definition of the form.
std::unique_ptr<Graph> CanonicalForm(std::unique_ptr<Graph> g);

// Each node's operands in canonical order: an add's or a mul's two operands with the one deeper
// among `nodes` first (the longest chain of those nodes above it; values from elsewhere are at depth
// 0; equal depths keep their order), so that x + f(x) and f(x) + x read alike. Both ops are
// commutative, IEEE arithmetic included. `nodes` in topological order. ExtractSubgraph orders a
// group's operands so; the frontend's canonical-operand-order pass orders a whole model's.
using Operands = std::unordered_map<const Node*, std::vector<Value*>>;
Operands CanonicalOperandOrder(std::span<const Node* const> nodes);

// `nodes` must be in the original graph's order. The subgraph's nodes take a structural order (a
// depth-first post-order from the group's results, operands in operand order, an add's or a mul's
// two operands the one computed deeper in the group first), whatever order the graph had them in,
// and canonical names: inputs "in0", "in1", ... by first use; node results "t0",
// "t1", ... in order; constants "c0", ...; node names are cleared. Fails when the nodes do not
// belong to `g`.
Expected<Subgraph> ExtractSubgraph(const Graph& g, std::span<const Node* const> nodes,
                                   const ExtractOptions& options = {});

}  // namespace agt::ir

// Operator arrangement, the first half of the paper's DPOF: the compute operators in a topological
// order, kept in a queue that the DP cuts into phases. The DP only forms groups that are contiguous
// runs of the queue, so the order decides which groups are reachable; several orders are offered
// and DPOF keeps the cheapest plan over all of them (docs/dpof.md).
#pragma once

#include <string_view>
#include <vector>

#include "compiler/fusion/op_graph.h"

namespace agt::fusion {

enum class QueueOrder : uint8_t {
  kGraph,         // the graph's own order (the exporter's), which keeps a layer's ops together
  kChainFirst,    // after an op, its light (element-wise/injective/reduction) consumers next: epilogues stay adjacent
  kAnchorsEarly,  // ready matrix products and opaque ops first, light ops later, each just before its consumer chain:
                  // the injective prologues of an attention land between the projections and the matmuls
  kViewsLate,     // chain-first, but an injective op (a view: reshape, transpose, pad, ...) waits until no other op
                  // is ready, unless it continues a chain of views: an attention's head splits gather right
                  // before its matmuls while the rest of the model keeps chain-first's epilogues
};
inline constexpr QueueOrder kAllQueueOrders[] = {QueueOrder::kGraph, QueueOrder::kChainFirst,
                                                  QueueOrder::kAnchorsEarly, QueueOrder::kViewsLate};

std::string_view QueueOrderName(QueueOrder o);
// A permutation of 0..g.size()-1 that is a topological order of g. Deterministic.
std::vector<int> BuildQueue(const OpGraph& g, QueueOrder order);

}  // namespace agt::fusion

// DPOF, dynamic-programming operator fusion (the paper's graph-level half of co-optimisation).
// The compute operators are put in a queue (a topological order, operator_queue.h); the DP cuts
// the queue into contiguous runs, each run a legal group (legality.h) and one kernel, minimising
// the sum of the groups' costs (cost_model.h):
//   best[0] = 0
//   best[j] = min over 1 <= len <= min(L, j), queue[j-len, j) legal, of best[j-len] + cost(queue[j-len, j))
// with L the maximum group size. Because the cost of a plan is the sum of independent group costs,
// best[n] is exactly the minimum over all partitions of that queue into contiguous legal runs of at
// most L ops (induction on j: the last run of an optimal partition of queue[0, j) is one of the
// candidates, and what precedes it is an optimal partition of a shorter prefix). Runs of a topological
// order are convex, so no such plan has a cycle and the runs execute in queue order. DPOF solves
// this for each configured queue order and keeps the cheapest plan: the result is optimal among
// "partitions into contiguous legal runs of any one of the orders". docs/dpof.md discusses which
// partitions this misses.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "compiler/fusion/cost_model.h"
#include "compiler/fusion/fusion_group.h"
#include "compiler/fusion/legality.h"
#include "compiler/fusion/op_graph.h"
#include "compiler/fusion/operator_queue.h"
#include "ir/status.h"

namespace agt::fusion {

struct FusionOptions {
  ir::Precision precision = ir::Precision::kFP16;
  LegalityOptions legality;
  std::vector<QueueOrder> orders{std::begin(kAllQueueOrders), std::end(kAllQueueOrders)};
  bool explain = true;   // look for attention/LayerNorm patterns left unfused and say why
};

// One kernel of the plan.
struct Phase {
  FusionGroup group;
  double estimated_us = 0;
};

// "Attention at ... not fused: softmax axis is not the key axis."
struct FusionNote {
  std::string pattern;                   // "attention", "layer_norm"
  std::vector<const ir::Node*> nodes;    // the pattern's key ops (matmul, softmax, matmul / the norm)
  bool fused = false;
  std::string reason;                    // when not fused
};

struct FusionPlan {
  std::vector<Phase> phases;             // in execution order
  double total_us = 0;
  int num_ops = 0;                       // kernels without fusion: one per operator
  double unfused_us = 0;                 // the cost model's time for one kernel per operator
  QueueOrder order = QueueOrder::kGraph; // the queue order the plan came from
  double solve_ms = 0;                   // wall time of DPOF itself (all orders, notes included)
  std::vector<FusionNote> notes;
};

// The DP over one queue. Returns the runs as [begin, end) positions in `queue` and their total cost.
struct QueuePartition {
  std::vector<std::pair<int, int>> runs;
  double total_us = 0;
};
QueuePartition PartitionQueue(const OpGraph& g, std::span<const int> queue, const GroupCostModel& model,
                              const FusionOptions& options);

// DPOF over every configured order; the cheapest plan wins (the first order on ties).
Expected<FusionPlan> RunDpof(const ir::Graph& graph, const GroupCostModel& model, const FusionOptions& options = {});

}  // namespace agt::fusion

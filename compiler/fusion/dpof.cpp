// The DP over the operator queue, and the plan assembled from the best order.
#include "compiler/fusion/dpof.h"

#include <limits>

#include <spdlog/spdlog.h>

#include "compiler/fusion/fusion_notes.h"

namespace agt::fusion {

QueuePartition PartitionQueue(const OpGraph& g, std::span<const int> queue, const GroupCostModel& model,
                              const FusionOptions& options) {
  const int n = static_cast<int>(queue.size());
  const int max_len = std::max(1, options.legality.max_group_size);
  std::vector<double> best(n + 1, std::numeric_limits<double>::infinity());
  std::vector<int> run_len(n + 1, 0);
  best[0] = 0;
  for (int j = 1; j <= n; ++j) {
    // Longest runs first with a strict comparison: on equal cost the larger group wins.
    for (int len = std::min(max_len, j); len >= 1; --len) {
      if (best[j - len] == std::numeric_limits<double>::infinity()) continue;
      GroupCheck c = CheckGroup(g, queue.subspan(j - len, len), options.legality);
      if (!c.legal) continue;
      double cost = best[j - len] + model.EstimateUs(c.group, options.precision);
      if (cost < best[j]) {
        best[j] = cost;
        run_len[j] = len;
      }
    }
  }
  QueuePartition p;
  p.total_us = best[n];
  for (int j = n; j > 0; j -= run_len[j]) p.runs.push_back({j - run_len[j], j});
  std::reverse(p.runs.begin(), p.runs.end());
  return p;
}

Expected<FusionPlan> RunDpof(const ir::Graph& graph, const GroupCostModel& model, const FusionOptions& options) {
  OpGraph g(graph);
  FusionPlan plan;
  plan.num_ops = g.size();
  for (int i = 0; i < g.size(); ++i) {
    int one[] = {i};
    GroupCheck c = CheckGroup(g, one, options.legality);
    if (!c.legal) return Status::Errorf("operator {} cannot run alone: {}", g.node(i)->Describe(), c.reason);
    plan.unfused_us += model.EstimateUs(c.group, options.precision);
  }
  if (options.orders.empty()) return Status::Error("DPOF needs at least one queue order");
  std::vector<int> best_queue;
  QueuePartition best;
  bool have = false;
  for (QueueOrder order : options.orders) {
    std::vector<int> queue = BuildQueue(g, order);
    QueuePartition p = PartitionQueue(g, queue, model, options);
    spdlog::debug("DPOF: order {} gives {} kernels, {:.1f} us", QueueOrderName(order), p.runs.size(), p.total_us);
    if (!have || p.total_us < best.total_us) {
      have = true;
      best = std::move(p);
      best_queue = std::move(queue);
      plan.order = order;
    }
  }
  for (auto [b, e] : best.runs) {
    std::span<const int> members(best_queue.data() + b, static_cast<size_t>(e - b));
    GroupCheck c = CheckGroup(g, members, options.legality);
    if (!c.legal) return Status::Errorf("DPOF internal error: chosen run is illegal: {}", c.reason);
    Phase ph;
    ph.estimated_us = model.EstimateUs(c.group, options.precision);
    ph.group = std::move(c.group);
    plan.total_us += ph.estimated_us;
    plan.phases.push_back(std::move(ph));
  }
  if (options.explain) plan.notes = ExplainFusion(g, plan, model, options);
  spdlog::info("DPOF: {} ops -> {} kernels ({} order), estimated {:.1f} us (unfused {:.1f} us)", plan.num_ops,
               plan.phases.size(), QueueOrderName(plan.order), plan.total_us, plan.unfused_us);
  return plan;
}

}  // namespace agt::fusion

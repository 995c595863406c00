// The DP over the operator queue, and the plan assembled from the best order.
#include "compiler/fusion/dpof.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include <spdlog/spdlog.h>

#include "compiler/fusion/fusion_notes.h"

namespace agt::fusion {

namespace {
// Relative cost difference treated as a tie.
constexpr double kTieTolerance = 1e-11;
}  // namespace

QueuePartition PartitionQueue(const OpGraph& g, std::span<const int> queue, const GroupCostModel& model,
                              const FusionOptions& options) {
  const int n = static_cast<int>(queue.size());
  const int max_len = std::max(1, options.legality.max_group_size);
  std::vector<double> best(n + 1, std::numeric_limits<double>::infinity());
  std::vector<int> run_len(n + 1, 0);
  best[0] = 0;
  // Runs that no longer run can make legal: with an opaque op and another op, or with three
  // out-fusable anchors (counts only grow as a run extends to the left).
  std::vector<int> anchors_before(n + 1, 0), opaque_before(n + 1, 0);
  for (int k = 0; k < n; ++k) {
    ir::OpPattern pat = g.node(queue[k])->pattern();
    anchors_before[k + 1] = anchors_before[k] + (pat == ir::OpPattern::kOutEWiseFusable);
    opaque_before[k + 1] = opaque_before[k] + (pat == ir::OpPattern::kOpaque);
  }
  auto hopeless = [&](int b, int e) {
    return e - b > 1 && (opaque_before[e] - opaque_before[b] > 0 || anchors_before[e] - anchors_before[b] > 2);
  };
  for (int j = 1; j <= n; ++j) {
    // Longest runs first, and a run must beat the best so far by more than rounding: on equal cost
    // the larger group wins, the same way at every position, so identical layers group identically
    // (sums of the same costs over different prefixes differ in the last bits).
    int longest = std::min(max_len, j);
    while (longest > 1 && hopeless(j - longest, j)) --longest;
    for (int len = longest; len >= 1; --len) {
      if (best[j - len] == std::numeric_limits<double>::infinity()) continue;
      GroupCheck c = CheckGroup(g, queue.subspan(j - len, len), options.legality);
      if (!c.legal) continue;
      double cost = best[j - len] + model.EstimateUs(c.group, options.precision);
      bool better = std::isinf(best[j]) || cost < best[j] - kTieTolerance * std::max(1.0, std::abs(best[j]));
      if (better) {
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
  auto start = std::chrono::steady_clock::now();
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
  std::vector<std::vector<int>> tried;
  for (QueueOrder order : options.orders) {
    std::vector<int> queue = BuildQueue(g, order);
    if (std::find(tried.begin(), tried.end(), queue) != tried.end()) continue;   // same queue, same plan
    tried.push_back(queue);
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
  plan.solve_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  spdlog::info("DPOF: {} ops -> {} kernels ({} order), estimated {:.1f} us (unfused {:.1f} us), {:.0f} ms",
               plan.num_ops, plan.phases.size(), QueueOrderName(plan.order), plan.total_us, plan.unfused_us,
               plan.solve_ms);
  return plan;
}

}  // namespace agt::fusion

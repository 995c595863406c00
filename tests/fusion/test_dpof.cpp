// DPOF's DP: exactly optimal among the partitions it searches (contiguous legal runs of each queue
// order), checked against brute-force enumeration of that same space on random graphs of up to 12
// operators; and never worse than the best partition found by enumerating *all* legal partitions
// of small graphs (where it may lose, and the test reports how often).
#include <catch2/catch.hpp>

#include <chrono>
#include <limits>
#include <functional>
#include <random>
#include <set>

#include "compiler/fusion/dpof.h"
#include "tests/fusion/fusion_test_graphs.h"

using namespace agt;
using namespace agt::fusion;

namespace {

// Any cost function must do: a pseudo-random price per member set makes fusion sometimes pay and
// sometimes not, which exercises the DP harder than the analytical model.
class RandomCostModel : public GroupCostModel {
 public:
  explicit RandomCostModel(uint64_t seed) : seed_(seed) {}
  double EstimateUs(const FusionGroup& g, ir::Precision) const override {
    uint64_t h = seed_;
    for (int i : g.ops) h = (h ^ static_cast<uint64_t>(i + 1)) * 0x9E3779B97F4A7C15ULL + (h >> 29);
    return 1.0 + static_cast<double>(h % 10007) / 1000.0 * static_cast<double>(g.ops.size());
  }

 private:
  uint64_t seed_;
};

// Minimum over all ways to cut `queue` into contiguous legal runs (at most max_group_size long).
double BruteForceContiguous(const OpGraph& g, const std::vector<int>& queue, const GroupCostModel& model,
                            const FusionOptions& o) {
  const int n = static_cast<int>(queue.size());
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<std::vector<double>> run(n, std::vector<double>(n + 1, inf));
  for (int b = 0; b < n; ++b) {
    for (int e = b + 1; e <= n; ++e) {
      std::vector<int> members(queue.begin() + b, queue.begin() + e);
      GroupCheck c = CheckGroup(g, members, o.legality);
      if (c.legal) run[b][e] = model.EstimateUs(c.group, o.precision);
    }
  }
  double best = inf;
  for (uint32_t mask = 0; mask < (1u << (n - 1)); ++mask) {   // bit i: cut after position i
    double total = 0;
    int b = 0;
    for (int i = 0; i < n && total < inf; ++i) {
      if (i == n - 1 || (mask >> i & 1u)) {
        total += run[b][i + 1];
        b = i + 1;
      }
    }
    best = std::min(best, total);
  }
  return best;
}

// Minimum over all partitions of the operators into legal groups whose quotient graph is acyclic.
double BruteForceAllPartitions(const OpGraph& g, const GroupCostModel& model, const FusionOptions& o) {
  const int n = g.size();
  double best = std::numeric_limits<double>::infinity();
  std::vector<int> block(n, 0);
  // Restricted growth strings enumerate set partitions.
  std::function<void(int, int)> rec = [&](int i, int blocks) {
    if (i == n) {
      std::vector<std::vector<int>> groups(blocks);
      for (int k = 0; k < n; ++k) groups[block[k]].push_back(k);
      double total = 0;
      for (const auto& grp : groups) {
        GroupCheck c = CheckGroup(g, grp, o.legality);
        if (!c.legal) return;
        total += model.EstimateUs(c.group, o.precision);
      }
      // The groups must be orderable: Kahn over the quotient graph.
      std::vector<std::vector<int>> succ(blocks);
      std::vector<int> indeg(blocks, 0);
      for (int u = 0; u < n; ++u) {
        for (int v : g.succs(u)) {
          if (block[u] != block[v]) {
            succ[block[u]].push_back(block[v]);
            ++indeg[block[v]];
          }
        }
      }
      std::vector<int> ready;
      for (int b = 0; b < blocks; ++b) {
        if (indeg[b] == 0) ready.push_back(b);
      }
      int done = 0;
      while (!ready.empty()) {
        int b = ready.back();
        ready.pop_back();
        ++done;
        for (int s : succ[b]) {
          if (--indeg[s] == 0) ready.push_back(s);
        }
      }
      if (done == blocks) best = std::min(best, total);
      return;
    }
    for (int b = 0; b <= blocks; ++b) {
      block[i] = b;
      rec(i + 1, std::max(blocks, b + 1));
    }
  };
  rec(0, 0);
  return best;
}

bool Near(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b)); }

}  // namespace

TEST_CASE("DPOF: the DP is optimal among contiguous legal runs of each queue order (brute force, <= 12 ops)",
          "[fusion][dpof]") {
  std::mt19937 rng(20261125);
  AnalyticalCostModel analytical(ir::H100());
  int graphs = 0;
  for (int trial = 0; trial < 240; ++trial) {
    int n = 2 + static_cast<int>(rng() % 11);
    auto graph = test::BuildRandomGraph(n, rng);
    OpGraph g(*graph);
    REQUIRE(g.size() <= 12);
    RandomCostModel random(trial);
    const GroupCostModel& model = trial % 2 ? static_cast<const GroupCostModel&>(random) : analytical;
    FusionOptions o;
    o.precision = trial % 3 ? ir::Precision::kFP16 : ir::Precision::kFP32;
    o.legality.max_group_size = trial % 4 == 0 ? 4 : 12;
    double best_over_orders = std::numeric_limits<double>::infinity();
    for (QueueOrder order : kAllQueueOrders) {
      std::vector<int> queue = BuildQueue(g, order);
      QueuePartition p = PartitionQueue(g, queue, model, o);
      double brute = BruteForceContiguous(g, queue, model, o);
      INFO("trial " << trial << ", order " << QueueOrderName(order) << ", " << g.size() << " ops");
      CHECK(Near(p.total_us, brute));
      best_over_orders = std::min(best_over_orders, brute);
    }
    auto plan = RunDpof(*graph, model, o);
    REQUIRE(plan.ok());
    CHECK(Near(plan->total_us, best_over_orders));
    double sum = 0;
    for (const Phase& ph : plan->phases) sum += ph.estimated_us;
    CHECK(Near(sum, plan->total_us));
    ++graphs;
  }
  CHECK(graphs == 240);
}

TEST_CASE("DPOF: never below, and usually equal to, the best of all legal partitions (<= 8 ops)",
          "[fusion][dpof]") {
  std::mt19937 rng(7);
  AnalyticalCostModel analytical(ir::H100());
  int equal = 0, total = 0;
  for (int trial = 0; trial < 120; ++trial) {
    int n = 2 + static_cast<int>(rng() % 7);
    auto graph = test::BuildRandomGraph(n, rng);
    OpGraph g(*graph);
    if (g.size() > 8) continue;
    FusionOptions o;
    auto plan = RunDpof(*graph, analytical, o);
    REQUIRE(plan.ok());
    double global = BruteForceAllPartitions(g, analytical, o);
    CHECK(plan->total_us >= global - 1e-9 * global);
    equal += Near(plan->total_us, global);
    ++total;
  }
  WARN("DPOF matched the optimum over all legal partitions on " << equal << " of " << total
                                                                 << " random graphs (analytical cost)");
  CHECK(equal * 10 >= total * 8);
}

TEST_CASE("DPOF: every operator in exactly one phase, phases in a valid execution order", "[fusion][dpof]") {
  std::mt19937 rng(99);
  AnalyticalCostModel model(ir::H100());
  for (int trial = 0; trial < 60; ++trial) {
    auto graph = test::BuildRandomGraph(2 + static_cast<int>(rng() % 20), rng);
    auto plan = RunDpof(*graph, model);
    REQUIRE(plan.ok());
    std::set<const ir::Value*> available;
    for (const ir::Value* v : graph->inputs()) available.insert(v);
    std::set<const ir::Node*> seen;
    for (const Phase& ph : plan->phases) {
      for (const ir::Value* in : ph.group.inputs) {
        CHECK((in->is_constant() || available.count(in)));
      }
      for (const ir::Node* n : ph.group.nodes) {
        CHECK(seen.insert(n).second);
        for (const ir::Value* v : n->outputs()) available.insert(v);
      }
    }
    CHECK(seen.size() == graph->num_nodes());
    CHECK(plan->total_us <= plan->unfused_us + 1e-9);
  }
}

TEST_CASE("benchmark: DPOF time on a ViT-Huge-14-sized encoder", "[.bench][dpof]") {
  test::VitConfig c{32, 257, 1280, 16, 5120};
  auto graph = test::BuildVitEncoder(c);
  AnalyticalCostModel model(ir::H100());
  auto t0 = std::chrono::steady_clock::now();
  auto plan = RunDpof(*graph, model);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(plan.ok());
  WARN("DPOF on " << plan->num_ops << " ops (ViT-Huge-14 encoder): " << s << " s, " << plan->phases.size()
                  << " kernels, " << plan->total_us << " us estimated");
}

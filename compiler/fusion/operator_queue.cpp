// The queue orders: Kahn's algorithm with a priority among the ready operators.
#include "compiler/fusion/operator_queue.h"

#include <set>

namespace agt::fusion {

std::string_view QueueOrderName(QueueOrder o) {
  switch (o) {
    case QueueOrder::kGraph: return "graph";
    case QueueOrder::kChainFirst: return "chain-first";
    case QueueOrder::kAnchorsEarly: return "anchors-early";
    case QueueOrder::kViewsLate: return "views-late";
  }
  return "?";
}

namespace {

bool IsHeavy(const ir::Node* n) {
  return n->pattern() == ir::OpPattern::kOutEWiseFusable || n->pattern() == ir::OpPattern::kOpaque;
}
bool IsView(const ir::Node* n) { return n->pattern() == ir::OpPattern::kInjective; }

}  // namespace

std::vector<int> BuildQueue(const OpGraph& g, QueueOrder order) {
  int n = g.size();
  std::vector<int> queue;
  queue.reserve(n);
  if (order == QueueOrder::kGraph) {
    for (int i = 0; i < n; ++i) queue.push_back(i);
    return queue;
  }
  std::vector<int> waiting(n);
  std::set<int> ready;
  for (int i = 0; i < n; ++i) {
    waiting[i] = static_cast<int>(g.preds(i).size());
    if (waiting[i] == 0) ready.insert(i);
  }
  int last = -1;
  // The lowest-numbered ready light consumer of the last emitted op, or -1.
  // views-late: a view follows only a view.
  const bool views_late = order == QueueOrder::kViewsLate;
  auto light_successor = [&]() {
    if (last < 0) return -1;
    for (int s : g.succs(last)) {
      if (!ready.count(s) || IsHeavy(g.node(s))) continue;
      if (views_late && IsView(g.node(s)) && !IsView(g.node(last))) continue;
      return s;
    }
    return -1;
  };
  // views-late: the lowest-numbered ready op that is not a view, else the lowest-numbered one.
  auto first_ready = [&]() {
    if (views_late) {
      for (int r : ready) {
        if (!IsView(g.node(r))) return r;
      }
    }
    return *ready.begin();
  };
  while (!ready.empty()) {
    int pick = -1;
    if (order == QueueOrder::kChainFirst || views_late) {
      pick = light_successor();
    } else {  // kAnchorsEarly
      for (int r : ready) {
        if (IsHeavy(g.node(r))) {
          pick = r;
          break;
        }
      }
      if (pick < 0) pick = light_successor();
    }
    if (pick < 0) pick = first_ready();
    ready.erase(pick);
    queue.push_back(pick);
    last = pick;
    for (int s : g.succs(pick)) {
      if (--waiting[s] == 0) ready.insert(s);
    }
  }
  return queue;
}

}  // namespace agt::fusion

// Finding attention and LayerNorm patterns and explaining the plan's decision on each.
#include "compiler/fusion/fusion_notes.h"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

#include "compiler/fusion/op_geometry.h"

namespace agt::fusion {

namespace {

bool IsElementwise(const ir::Node* n) {
  return n->pattern() == ir::OpPattern::kElemWise || n->pattern() == ir::OpPattern::kBroadcast;
}

// Ops strictly between `from` and `to` on some path (both ends excluded), by graph index.
std::vector<int> Between(const OpGraph& g, int from, int to) {
  std::vector<char> down(g.size(), 0), up(g.size(), 0);
  down[from] = 1;
  for (int i = from; i <= to; ++i) {
    if (!down[i]) continue;
    for (int s : g.succs(i)) {
      if (s <= to) down[s] = 1;
    }
  }
  up[to] = 1;
  for (int i = to; i >= from; --i) {
    if (!up[i]) continue;
    for (int p : g.preds(i)) {
      if (p >= from) up[p] = 1;
    }
  }
  std::vector<int> out;
  for (int i = from + 1; i < to; ++i) {
    if (down[i] && up[i]) out.push_back(i);
  }
  return out;
}

// The nearest matrix product reached from `start` through element-wise ops, upstream or downstream.
int FindMatMul(const OpGraph& g, int start, bool forward) {
  std::vector<int> frontier{start}, seen{start};
  for (int depth = 0; depth < 8 && !frontier.empty(); ++depth) {
    std::vector<int> next;
    for (int u : frontier) {
      for (int v : forward ? g.succs(u) : g.preds(u)) {
        if (std::find(seen.begin(), seen.end(), v) != seen.end()) continue;
        seen.push_back(v);
        if (IsBatchedMatMul(*g.node(v))) return v;
        if (IsElementwise(g.node(v))) next.push_back(v);
      }
    }
    frontier = std::move(next);
  }
  return -1;
}

class Explainer {
 public:
  Explainer(const OpGraph& g, const FusionPlan& plan, const GroupCostModel& model, const FusionOptions& o)
      : g_(g), plan_(plan), model_(model), opts_(o) {
    for (size_t p = 0; p < plan.phases.size(); ++p) {
      for (int i : plan.phases[p].group.ops) phase_of_[i] = static_cast<int>(p);
    }
  }

  // Why `members` did not end up in one phase, when the set itself is legal: the smallest run of
  // some queue order that holds them all is illegal (other ops sit between them), or the cost
  // model preferred the split.
  std::string WhyApart(const std::vector<int>& members) const {
    GroupCheck c = CheckGroup(g_, members, opts_.legality);
    if (!c.legal) return c.reason;
    std::string first_reason;
    for (QueueOrder order : opts_.orders) {
      std::vector<int> queue = BuildQueue(g_, order);
      std::vector<int> pos(g_.size());
      for (size_t k = 0; k < queue.size(); ++k) pos[queue[k]] = static_cast<int>(k);
      int lo = g_.size(), hi = -1;
      for (int m : members) {
        lo = std::min(lo, pos[m]);
        hi = std::max(hi, pos[m]);
      }
      std::span<const int> run(queue.data() + lo, static_cast<size_t>(hi - lo + 1));
      GroupCheck r = CheckGroup(g_, run, opts_.legality);
      if (r.legal) {
        // Legal, so priced: either no fast kernel takes the group (say the code generator's reasons)
        // or the estimates preferred the split.
        std::string no_fast = model_.WhyNoFastKernel(r.group, opts_.precision);
        if (!no_fast.empty()) return "no fast kernel generates them as one group (" + no_fast + ")";
        return "the cost model found separate kernels cheaper";
      }
      if (first_reason.empty()) {
        first_reason = fmt::format("other ops lie between them in every queue order; the smallest run holding "
                                   "them ({} ops, {} order) is illegal: {}",
                                   run.size(), QueueOrderName(order), r.reason);
      }
    }
    return first_reason;
  }

  int PhaseOf(int i) const { return phase_of_.at(i); }

  void Attention(std::vector<FusionNote>& notes) const {
    for (int s = 0; s < g_.size(); ++s) {
      if (!IsSoftmax(*g_.node(s))) continue;
      int a1 = FindMatMul(g_, s, false), a2 = FindMatMul(g_, s, true);
      if (a1 < 0 || a2 < 0) continue;
      FusionNote note;
      note.pattern = "attention";
      note.nodes = {g_.node(a1), g_.node(s), g_.node(a2)};
      std::vector<int> core{a1, s, a2};
      for (int i : Between(g_, a1, s)) core.push_back(i);
      for (int i : Between(g_, s, a2)) core.push_back(i);
      std::sort(core.begin(), core.end());
      core.erase(std::unique(core.begin(), core.end()), core.end());
      note.fused = PhaseOf(a1) == PhaseOf(s) && PhaseOf(s) == PhaseOf(a2);
      if (!note.fused) note.reason = WhyApart(core);
      notes.push_back(std::move(note));
    }
  }

  void LayerNorm(std::vector<FusionNote>& notes) const {
    for (int i = 0; i < g_.size(); ++i) {
      const ir::Node* n = g_.node(i);
      if (n->op() != ir::OpKind::kLayerNorm) continue;
      FusionNote note;
      note.pattern = "layer_norm";
      note.nodes = {n};
      GroupKind k = plan_.phases[PhaseOf(i)].group.kind;
      note.fused = k == GroupKind::kGemm || k == GroupKind::kConv;
      if (!note.fused) note.reason = WhyNotPrologue(i);
      notes.push_back(std::move(note));
    }
  }

 private:
  std::string WhyNotPrologue(int i) const {
    if (!opts_.legality.allow_norm_prologue) {
      return "LayerNorm-into-GEMM prologue fusion is turned off (no GEMM sketch computes the norm yet; "
             "inspect --norm-prologue shows that plan)";
    }
    if (g_.escapes(i)) return "its output is a graph output";
    const ir::Value* out = g_.node(i)->output(0);
    if (out->uses().size() != 1) {
      std::vector<std::string> users;
      for (const ir::Use& u : out->uses()) users.push_back(u.node->Describe());
      return fmt::format("its output feeds {} ops ({}); a GEMM prologue serves one consumer", users.size(),
                         fmt::join(users, ", "));
    }
    const ir::Node* user = out->uses()[0].node;
    if (user->pattern() != ir::OpPattern::kOutEWiseFusable) {
      return fmt::format("its consumer {} is not a matrix product", user->Describe());
    }
    return WhyApart({i, g_.index(user)});
  }

  const OpGraph& g_;
  const FusionPlan& plan_;
  const GroupCostModel& model_;
  const FusionOptions& opts_;
  std::unordered_map<int, int> phase_of_;
};

}  // namespace

std::vector<FusionNote> ExplainFusion(const OpGraph& g, const FusionPlan& plan, const GroupCostModel& model,
                                      const FusionOptions& options) {
  Explainer e(g, plan, model, options);
  std::vector<FusionNote> notes;
  e.Attention(notes);
  e.LayerNorm(notes);
  return notes;
}

}  // namespace agt::fusion

// The legality rules of legality.h, applied to one candidate set of operators.
#include "compiler/fusion/legality.h"

#include <algorithm>
#include <unordered_set>

#include <fmt/format.h>

#include "compiler/fusion/op_geometry.h"

namespace agt::fusion {

namespace {

using ir::OpPattern;

bool IsLight(OpPattern p) {
  return p == OpPattern::kElemWise || p == OpPattern::kBroadcast || p == OpPattern::kInjective;
}
bool IsElementwise(OpPattern p) { return p == OpPattern::kElemWise || p == OpPattern::kBroadcast; }

class Checker {
 public:
  Checker(const OpGraph& g, std::span<const int> members, const LegalityOptions& o) : g_(g), opts_(o) {
    s_.assign(members.begin(), members.end());
    std::sort(s_.begin(), s_.end());
  }

  GroupCheck Run();

 private:
  bool In(int i) const { return std::binary_search(s_.begin(), s_.end(), i); }
  const ir::Node* N(int i) const { return g_.node(i); }
  OpPattern P(int i) const { return g_.node(i)->pattern(); }
  std::string D(int i) const { return g_.node(i)->Describe(); }
  int64_t OutElems(int i) const { return N(i)->num_outputs() ? N(i)->output(0)->type().num_elements() : 0; }

  // Members reachable from `from` (exclusive) inside the group, following producers or consumers.
  std::vector<int> Reach(int from, bool forward) const;
  bool Connected() const;
  bool CreatesCycle() const;
  void FillInterface(FusionGroup& grp) const;

  GroupCheck Illegal(std::string reason) const {
    GroupCheck c;
    c.reason = std::move(reason);
    return c;
  }
  GroupCheck Single();
  GroupCheck Gemm(int anchor);
  GroupCheck Attention(const std::vector<int>& anchors);
  GroupCheck Reduction(const std::vector<int>& reductions);
  GroupCheck Elementwise();
  GroupCheck Finish(FusionGroup grp);

  const OpGraph& g_;
  const LegalityOptions& opts_;
  std::vector<int> s_;
};

std::vector<int> Checker::Reach(int from, bool forward) const {
  std::vector<int> out, stack{from};
  std::vector<int> seen{from};
  while (!stack.empty()) {
    int u = stack.back();
    stack.pop_back();
    for (int v : forward ? g_.succs(u) : g_.preds(u)) {
      if (!In(v) || std::find(seen.begin(), seen.end(), v) != seen.end()) continue;
      seen.push_back(v);
      out.push_back(v);
      stack.push_back(v);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool Checker::Connected() const {
  std::vector<int> seen{s_[0]}, stack{s_[0]};
  while (!stack.empty()) {
    int u = stack.back();
    stack.pop_back();
    for (const auto* list : {&g_.preds(u), &g_.succs(u)}) {
      for (int v : *list) {
        if (!In(v) || std::find(seen.begin(), seen.end(), v) != seen.end()) continue;
        seen.push_back(v);
        stack.push_back(v);
      }
    }
  }
  return seen.size() == s_.size();
}

bool Checker::CreatesCycle() const {
  // Walk forward from the group's outside consumers; the graph order is topological, so nodes after
  // the group's last member cannot lead back into it and are not followed.
  int last = s_.back();
  std::unordered_set<int> seen;
  std::vector<int> stack;
  for (int u : s_) {
    for (int v : g_.succs(u)) {
      if (!In(v) && v < last && seen.insert(v).second) stack.push_back(v);
    }
  }
  while (!stack.empty()) {
    int u = stack.back();
    stack.pop_back();
    for (int v : g_.succs(u)) {
      if (In(v)) return true;
      if (v < last && seen.insert(v).second) stack.push_back(v);
    }
  }
  return false;
}

void Checker::FillInterface(FusionGroup& grp) const {
  grp.ops = s_;
  for (int i : s_) grp.nodes.push_back(N(i));
  for (int i : s_) {
    for (const ir::Value* v : N(i)->inputs()) {
      bool inside = v->producer() != nullptr && In(g_.index(v->producer()));
      if (!inside && std::find(grp.inputs.begin(), grp.inputs.end(), v) == grp.inputs.end()) grp.inputs.push_back(v);
    }
    for (const ir::Value* v : N(i)->outputs()) {
      bool leaves = g_.graph().IsGraphOutput(v);
      for (const ir::Use& u : v->uses()) leaves |= !In(g_.index(u.node));
      if (leaves) grp.outputs.push_back(v);
    }
  }
}

GroupCheck Checker::Run() {
  if (s_.empty()) return Illegal("empty group");
  if (static_cast<int>(s_.size()) > opts_.max_group_size) {
    return Illegal(fmt::format("group would exceed max size ({} > {} ops)", s_.size(), opts_.max_group_size));
  }
  if (s_.size() == 1) return Single();
  std::vector<int> anchors, reductions;
  for (int i : s_) {
    if (P(i) == OpPattern::kOpaque) return Illegal(fmt::format("opaque op {} stands alone", D(i)));
    if (P(i) == OpPattern::kOutEWiseFusable) anchors.push_back(i);
    if (P(i) == OpPattern::kCommReduce) reductions.push_back(i);
  }
  if (!Connected()) return Illegal("the ops are not connected");
  if (CreatesCycle()) return Illegal("fusing would create a cycle (a path leaves the group and re-enters it)");
  if (anchors.size() >= 2) return Attention(anchors);
  if (anchors.size() == 1) return Gemm(anchors[0]);
  if (!reductions.empty()) return Reduction(reductions);
  return Elementwise();
}

GroupCheck Checker::Finish(FusionGroup grp) {
  FillInterface(grp);
  int limit = KindWritesSeveralOutputs(grp.kind) ? opts_.max_outputs : 1;
  if (static_cast<int>(grp.outputs.size()) > limit) {
    std::vector<std::string> names;
    for (const ir::Value* v : grp.outputs) names.push_back(v->name());
    return Illegal(fmt::format("a {} kernel writes at most {} output(s); {} leave the group ({})",
                               GroupKindName(grp.kind), limit, grp.outputs.size(), fmt::join(names, ", ")));
  }
  GroupCheck c;
  c.legal = true;
  c.group = std::move(grp);
  return c;
}

GroupCheck Checker::Single() {
  int i = s_[0];
  FusionGroup grp;
  grp.anchor = N(i);
  switch (P(i)) {
    case OpPattern::kOutEWiseFusable: grp.kind = IsConvolution(*N(i)) ? GroupKind::kConv : GroupKind::kGemm; break;
    case OpPattern::kCommReduce: grp.kind = GroupKind::kReduction; break;
    case OpPattern::kOpaque: grp.kind = GroupKind::kOpaque; break;
    default: grp.kind = GroupKind::kElementwise; break;
  }
  // One op is always a kernel of its own, whatever it writes.
  FillInterface(grp);
  GroupCheck c;
  c.legal = true;
  c.group = std::move(grp);
  return c;
}

GroupCheck Checker::Gemm(int a) {
  FusionGroup grp;
  grp.kind = IsConvolution(*N(a)) ? GroupKind::kConv : GroupKind::kGemm;
  grp.anchor = N(a);
  std::vector<int> anc = Reach(a, false);
  int norm = -1;
  for (int i : anc) {
    if (IsLight(P(i))) continue;
    // Only a reduction is left (opaque and anchors are handled): the LayerNorm-prologue rule.
    if (!opts_.allow_norm_prologue) {
      return Illegal(fmt::format("reduction {} cannot fuse into the prologue of {}", D(i), D(a)));
    }
    if (norm >= 0) return Illegal(fmt::format("two reductions in the prologue of {}", D(a)));
    auto rows = GetReductionRows(*N(i));
    if (!rows || !rows->normalizing || !ReducesLastAxisOnly(*rows)) {
      return Illegal(fmt::format("reduction {} is not a last-axis normalisation; it cannot be a GEMM prologue", D(i)));
    }
    if (!ContractsLastAxisOfFirstOperand(*N(a))) {
      return Illegal(fmt::format("{} does not contract over the normalised axis of {}", D(a), D(i)));
    }
    norm = i;
  }
  if (norm >= 0) {
    // The normalised rows must reach the anchor's first operand through element-wise ops only, and the
    // normalisation's own producers must be element-wise (a reduction fuses with nothing else).
    std::vector<int> after = Reach(norm, true);
    for (int i : anc) {
      bool between = std::binary_search(after.begin(), after.end(), i);
      if (between && !IsElementwise(P(i))) {
        return Illegal(fmt::format("{} lies between {} and {}; only element-wise ops may", D(i), D(norm), D(a)));
      }
    }
    const ir::Node* first = N(a)->input(0)->producer();
    int fi = first ? g_.index(first) : -1;
    if (fi != norm && !std::binary_search(after.begin(), after.end(), fi)) {
      return Illegal(fmt::format("{} does not feed the first operand of {}", D(norm), D(a)));
    }
    for (size_t k = 1; k < N(a)->num_inputs(); ++k) {
      const ir::Node* p = N(a)->input(k)->producer();
      int pi = p ? g_.index(p) : -1;
      if (pi == norm || std::binary_search(after.begin(), after.end(), pi)) {
        return Illegal(fmt::format("{} feeds an operand of {} other than the first", D(norm), D(a)));
      }
    }
    for (int i : Reach(norm, false)) {
      if (!IsElementwise(P(i))) return Illegal(fmt::format("{} cannot fuse with reduction {}", D(i), D(norm)));
    }
  }
  int64_t anchor_elems = OutElems(a);
  for (int i : s_) {
    if (i == a) continue;
    bool is_anc = std::binary_search(anc.begin(), anc.end(), i);
    if (is_anc) {
      grp.prologue.push_back(N(i));
      continue;
    }
    if (!IsLight(P(i))) {
      return Illegal(fmt::format("{} cannot be in the epilogue of {} (a tile does not hold whole rows)", D(i), D(a)));
    }
    if (OutElems(i) > anchor_elems) {
      return Illegal(fmt::format("epilogue op {} would enlarge the output of {} ({} > {} elements)", D(i), D(a),
                                 OutElems(i), anchor_elems));
    }
    grp.epilogue.push_back(N(i));
  }
  return Finish(std::move(grp));
}

GroupCheck Checker::Attention(const std::vector<int>& anchors) {
  if (anchors.size() > 2) {
    return Illegal(fmt::format("{} matrix products in one group (attention allows two)", anchors.size()));
  }
  int a1 = anchors[0], a2 = anchors[1];
  if (!IsBatchedMatMul(*N(a1)) || !IsBatchedMatMul(*N(a2))) {
    return Illegal(fmt::format("two out-fusable anchors ({}, {}) in one group; only matmul-softmax-matmul may",
                               D(a1), D(a2)));
  }
  std::vector<int> d1 = Reach(a1, true), u2 = Reach(a2, false);
  if (!std::binary_search(d1.begin(), d1.end(), a2)) {
    return Illegal(fmt::format("{} and {} are independent products (no score path between them)", D(a1), D(a2)));
  }
  std::vector<int> path;  // the score path: after a1, before a2
  std::set_intersection(d1.begin(), d1.end(), u2.begin(), u2.end(), std::back_inserter(path));
  int softmax = -1;
  for (int i : s_) {
    if (P(i) != OpPattern::kCommReduce) continue;
    if (!std::binary_search(path.begin(), path.end(), i)) {
      return Illegal(fmt::format("reduction {} is outside the attention's score path", D(i)));
    }
    if (!IsSoftmax(*N(i))) return Illegal(fmt::format("reduction {} between the matmuls is not a softmax", D(i)));
    if (softmax >= 0) return Illegal("more than one softmax between the matmuls");
    softmax = i;
  }
  if (softmax < 0) return Illegal(fmt::format("no softmax between {} and {}", D(a1), D(a2)));
  auto rows = GetReductionRows(*N(softmax));
  if (!rows || !ReducesLastAxisOnly(*rows)) return Illegal("softmax axis is not the key axis");
  int64_t score_elems = OutElems(a1);
  for (int i : path) {
    if (i == softmax) continue;
    if (!IsElementwise(P(i))) return Illegal(fmt::format("{} on the score path is not element-wise", D(i)));
    if (OutElems(i) != score_elems) {
      return Illegal(fmt::format("mask/bias broadcast in {} changes the score matrix ({} -> {} elements)", D(i),
                                 score_elems, OutElems(i)));
    }
  }
  // The scores never leave: every consumer of a1 and of the path is on the path or is a2.
  std::vector<int> score_ops = path;
  score_ops.push_back(a1);
  for (int i : score_ops) {
    if (g_.escapes(i)) return Illegal(fmt::format("attention scores of {} are a graph output", D(i)));
    for (int s : g_.succs(i)) {
      bool ok = s == a2 || std::binary_search(path.begin(), path.end(), s);
      if (!ok) return Illegal(fmt::format("attention scores are used outside the score path (by {})", D(s)));
    }
  }
  const ir::Node* left = N(a2)->input(0)->producer();
  int li = left ? g_.index(left) : -1;
  if (li != softmax && !std::binary_search(path.begin(), path.end(), li)) {
    return Illegal("the probabilities are not the left operand of the second matmul");
  }
  FusionGroup grp;
  grp.kind = GroupKind::kAttention;
  grp.anchor = N(a1);
  grp.anchor2 = N(a2);
  std::vector<int> d2 = Reach(a2, true);
  int64_t out_elems = OutElems(a2);
  for (int i : s_) {
    if (i == a1 || i == a2) continue;
    if (std::binary_search(path.begin(), path.end(), i)) {
      grp.core.push_back(N(i));
      continue;
    }
    if (!IsLight(P(i))) return Illegal(fmt::format("{} cannot fuse into the attention", D(i)));
    if (std::binary_search(u2.begin(), u2.end(), i)) {
      grp.prologue.push_back(N(i));
      continue;
    }
    if (OutElems(i) > out_elems) {
      return Illegal(fmt::format("epilogue op {} would enlarge the attention output", D(i)));
    }
    grp.epilogue.push_back(N(i));
  }
  return Finish(std::move(grp));
}

GroupCheck Checker::Reduction(const std::vector<int>& reductions) {
  FusionGroup grp;
  grp.kind = GroupKind::kReduction;
  int r0 = reductions[0];
  grp.anchor = N(r0);
  auto rows0 = GetReductionRows(*N(r0));
  if (!rows0) return Illegal(fmt::format("cannot tell the rows of {}", D(r0)));
  for (size_t k = 1; k < reductions.size(); ++k) {
    auto rows = GetReductionRows(*N(reductions[k]));
    if (!rows || !(*rows == *rows0)) {
      return Illegal(fmt::format("reductions {} and {} do not reduce the same rows", D(r0), D(reductions[k])));
    }
  }
  std::vector<int> anc = Reach(r0, false);
  for (int i : s_) {
    if (i == r0) continue;
    if (P(i) == OpPattern::kCommReduce) {
      grp.core.push_back(N(i));
      continue;
    }
    if (!IsElementwise(P(i))) return Illegal(fmt::format("{} cannot fuse with reduction {}", D(i), D(r0)));
    (std::binary_search(anc.begin(), anc.end(), i) ? grp.prologue : grp.epilogue).push_back(N(i));
  }
  return Finish(std::move(grp));
}

GroupCheck Checker::Elementwise() {
  FusionGroup grp;
  grp.kind = GroupKind::kElementwise;
  int big = s_[0];
  for (int i : s_) {
    if (OutElems(i) > OutElems(big)) big = i;
  }
  grp.anchor = N(big);
  std::vector<int> anc = Reach(big, false);
  for (int i : s_) {
    if (i == big) continue;
    (std::binary_search(anc.begin(), anc.end(), i) ? grp.prologue : grp.epilogue).push_back(N(i));
  }
  return Finish(std::move(grp));
}

}  // namespace

GroupCheck CheckGroup(const OpGraph& g, std::span<const int> members, const LegalityOptions& options) {
  return Checker(g, members, options).Run();
}

}  // namespace agt::fusion

// A chain of views that only moves dims around one canonical way. Exporters spell the same view
// differently: k^T of a [1, 1, H, T, D] slice is reshape [1, H, T, D] + transpose (0, 1, 3, 2) in
// the zoo and the TorchScript export, reshape [H, T, D] + transpose (0, 2, 1) + reshape
// [1, H, D, T] in the dynamo export. A chain of two or more reshapes and transposes, each reshape
// only inserting or removing unit dims and each value between them read once, is a permutation of
// the non-unit dims plus unit dims placed somewhere; it becomes its canonical spelling: one reshape
// that puts the unit dims where the result has them (the other dims in their original order), then
// one transpose of those dims (either left out when it changes nothing).
#include <optional>
#include <unordered_set>

#include "compiler/passes/passes.h"
#include "compiler/passes/pattern.h"

namespace agt::passes {
namespace {

using ir::Node;
using ir::OpKind;
using ir::Shape;

Shape NonUnit(const Shape& s) {
  Shape out;
  for (int64_t d : s) {
    if (d != 1) out.push_back(d);
  }
  return out;
}

// A node a chain may contain: a transpose, or a reshape that only inserts or removes unit dims.
bool IsUnitView(const Node& n) {
  if (n.op() == OpKind::kTranspose) return n.attrs().ints(ir::AttrKey::kPerm).size() == n.input(0)->shape().size();
  return n.op() == OpKind::kReshape && NonUnit(n.input(0)->shape()) == NonUnit(n.output(0)->shape());
}

// Whether `v` links two views of one chain: a view's result, read once, by a view, and no graph output.
bool Links(const ir::Graph& g, const ir::Value* v) {
  return v->producer() != nullptr && IsUnitView(*v->producer()) && UsedOnce(g, v) && IsUnitView(*v->uses()[0].node);
}

// The chain of views from `start` on.
std::vector<Node*> ChainFrom(const ir::Graph& g, Node* start) {
  std::vector<Node*> chain = {start};
  for (Node* n = start; Links(g, n->output(0));) {
    n = n->output(0)->uses()[0].node;
    chain.push_back(n);
  }
  return chain;
}

// The canonical spelling of `chain`: (reshape target or empty, transpose perm or empty).
std::pair<Shape, std::vector<int64_t>> Canonical(const std::vector<Node*>& chain) {
  const Shape& xs = chain.front()->input(0)->shape();
  // src[d]: which non-unit dim of the chain's input dim d of the current value is (-1: a unit dim).
  std::vector<int64_t> src;
  int64_t next = 0;
  for (int64_t d : xs) src.push_back(d == 1 ? -1 : next++);
  for (const Node* n : chain) {
    const Shape& os = n->output(0)->shape();
    std::vector<int64_t> out(os.size(), -1);
    if (n->op() == OpKind::kTranspose) {
      const auto& perm = n->attrs().ints(ir::AttrKey::kPerm);
      for (size_t j = 0; j < os.size(); ++j) out[j] = src[static_cast<size_t>(perm[j])];
    } else {
      std::vector<int64_t> kept;
      for (int64_t s : src) {
        if (s >= 0) kept.push_back(s);
      }
      size_t k = 0;
      for (size_t j = 0; j < os.size(); ++j) out[j] = os[j] == 1 ? -1 : kept[k++];
    }
    src = std::move(out);
  }
  const Shape& ys = chain.back()->output(0)->shape();
  const Shape x_dims = NonUnit(xs);
  std::vector<size_t> positions;   // the result's non-unit positions
  for (size_t j = 0; j < ys.size(); ++j) {
    if (ys[j] != 1) positions.push_back(j);
  }
  Shape pre = ys;
  std::vector<int64_t> perm(ys.size());
  bool identity = true;
  for (size_t j = 0; j < ys.size(); ++j) perm[j] = static_cast<int64_t>(j);
  for (size_t i = 0; i < positions.size(); ++i) {
    pre[positions[i]] = x_dims[i];
    const int64_t from = static_cast<int64_t>(positions[static_cast<size_t>(src[positions[i]])]);
    perm[positions[i]] = from;
    identity = identity && from == static_cast<int64_t>(positions[i]);
  }
  return {pre == xs ? Shape{} : pre, identity ? std::vector<int64_t>{} : perm};
}

// Whether `chain` is spelled that way already.
bool IsSpelled(const std::vector<Node*>& chain, const Shape& reshape, const std::vector<int64_t>& perm) {
  size_t i = 0;
  if (!reshape.empty()) {
    if (i >= chain.size() || chain[i]->op() != OpKind::kReshape) return false;
    ++i;
  }
  if (!perm.empty()) {
    if (i >= chain.size() || chain[i]->op() != OpKind::kTranspose || chain[i]->attrs().ints(ir::AttrKey::kPerm) != perm) return false;
    ++i;
  }
  return i == chain.size();
}

}  // namespace

Expected<bool> RunCanonicalViews(ir::Graph& g) {
  std::vector<Node*> order;
  for (const auto& up : g.nodes()) order.push_back(up.get());
  std::unordered_set<const Node*> taken;   // nodes already in a chain (only its first node starts one)
  Replacer r(g);
  for (Node* n : order) {
    if (!IsUnitView(*n) || taken.count(n)) continue;
    if (Links(g, n->input(0))) continue;   // inside a chain that starts further up
    std::vector<Node*> chain = ChainFrom(g, n);
    taken.insert(chain.begin(), chain.end());
    if (chain.size() < 2) continue;
    auto [reshape, perm] = Canonical(chain);
    if (IsSpelled(chain, reshape, perm)) continue;
    ir::Value* v = n->input(0);
    if (!reshape.empty()) {
      ir::Attrs a;
      a.set(ir::AttrKey::kShape, reshape);
      AGT_ASSIGN_OR_RETURN(Node * rn, g.AddNode(OpKind::kReshape, {v}, std::move(a), chain.front()->name(), chain.back()));
      v = rn->output(0);
    }
    if (!perm.empty()) {
      ir::Attrs a;
      a.set(ir::AttrKey::kPerm, perm);
      AGT_ASSIGN_OR_RETURN(Node * tn, g.AddNode(OpKind::kTranspose, {v}, std::move(a), chain.back()->name(), chain.back()));
      v = tn->output(0);
    }
    r.Replace(chain.back()->output(0), v);
  }
  return r.Finish();
}

}  // namespace agt::passes

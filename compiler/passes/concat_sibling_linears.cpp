// The q, k and v projections of one attention, three linears that read the same activation with their
// own constant weights (Hugging Face's separate q_proj, k_proj, v_proj), become one linear over the
// weights side by side, [K, Nq + Nk + Nv], and a split of its result along the last axis: one GEMM
// instead of three at a third of the width (horizontal fusion), and the same qkv GEMM as a model that
// exported it fused (timm, the zoo). The attention reads q, k and v as views of the split.
// Matched: among the linears reading one non-constant value (each with a constant rank-2 weight and a
// constant or no bias, all of one dtype and attributes; a missing bias is zeros), a q and a k whose
// results, through single-use views and scalings, are the left and right operands of one matmul (the
// scores), and a v whose result is an operand of a matmul the scores reach through single-use ops (the
// softmax). The merged layer's columns are q's, k's, v's, in that order, as in a fused qkv layer.
// Other siblings stay apart: DETR's q and k share x + pos but its v reads x, and its decoder layers'
// cross-attention k (and v) projections all read the encoder's memory; merging those re-keys the
// committed DETR logs' GEMM tasks, which would then need measuring again.
#include <algorithm>
#include <cstring>
#include <set>
#include <vector>

#include "compiler/passes/passes.h"
#include "compiler/passes/pattern.h"
#include "ir/dtype.h"

namespace agt::passes {
namespace {

using ir::Node;
using ir::OpKind;

// Where `v` goes through single-use reshapes, transposes and scalings: the first other node reading it,
// and (in `operand`) which of its operands the chain arrives at.
const Node* Through(const ir::Graph& g, const ir::Value* v, int* operand = nullptr) {
  for (int hops = 0; hops < 8; ++hops) {
    if (!UsedOnce(g, v)) return nullptr;
    const ir::Use& use = v->uses()[0];
    const Node* n = use.node;
    const bool view = n->op() == OpKind::kReshape || n->op() == OpKind::kTranspose;
    const bool scale = (n->op() == OpKind::kMul && IsScalarConst(OtherOperand(n, v))) ||
                       (n->op() == OpKind::kDiv && n->input(0) == v && IsScalarConst(n->input(1)));
    if (!view && !scale) {
      if (operand != nullptr) *operand = use.operand;
      return n;
    }
    v = n->output();
  }
  return nullptr;
}

// Whether `to` is reached from `from`'s result through at most 4 single-use ops (scale, mask, softmax).
bool Reaches(const ir::Graph& g, const Node* from, const Node* to) {
  const ir::Value* v = from->output();
  for (int hops = 0; hops < 4; ++hops) {
    if (!UsedOnce(g, v)) return false;
    const Node* n = v->uses()[0].node;
    if (n == to) return true;
    v = n->output();
  }
  return false;
}

// Among `lins`, one attention's projections as {q, k, v}: q reaches the scores
// matmul as its left operand, k as its right one (the order a fused qkv layer has, whatever order the
// exporter listed them in).
std::vector<Node*> QueryKeyValue(const ir::Graph& g, const std::vector<Node*>& lins) {
  for (size_t i = 0; i < lins.size(); ++i) {
    for (size_t j = 0; j < lins.size(); ++j) {
      if (j == i) continue;
      int oi = -1, oj = -1;
      const Node* scores = Through(g, lins[i]->output(), &oi);
      if (scores == nullptr || scores->op() != OpKind::kMatMul || scores != Through(g, lins[j]->output(), &oj)) continue;
      if (oi != 0 || oj != 1) continue;
      for (size_t k = 0; k < lins.size(); ++k) {
        if (k == i || k == j) continue;
        const Node* mix = Through(g, lins[k]->output());
        if (mix != nullptr && mix->op() == OpKind::kMatMul && Reaches(g, scores, mix)) return {lins[i], lins[j], lins[k]};
      }
    }
  }
  return {};
}

bool Mergeable(const Node& lin, const ir::Value* x) {
  if (lin.op() != OpKind::kLinear || lin.input(0) != x || lin.num_inputs() < 2) return false;
  const ir::Value* w = lin.input(1);
  if (w == x || !w->is_constant() || w->shape().size() != 2) return false;
  return lin.num_inputs() < 3 || (lin.input(2) != x && lin.input(2)->is_constant());
}

// The linears reading `x` that could merge (with the first one's attributes; the verifier already holds
// their weights and biases to x's dtype).
std::vector<Node*> Siblings(const ir::Value* x) {
  std::vector<Node*> out;
  for (const ir::Use& u : x->uses()) {
    if (!Mergeable(*u.node, x) || std::find(out.begin(), out.end(), u.node) != out.end()) continue;
    if (!out.empty() && !(u.node->attrs() == out.front()->attrs())) continue;
    out.push_back(u.node);
  }
  return out;
}

// The weights [K, Ni] side by side: [K, sum Ni], row by row.
ir::Tensor ConcatColumns(const std::vector<Node*>& lins, int64_t K, int64_t N) {
  const ir::DType dt = lins.front()->input(1)->dtype();
  const size_t es = ir::DTypeSize(dt);
  ir::Tensor w(ir::TensorType{dt, {K, N}});
  int64_t col = 0;
  for (const Node* lin : lins) {
    const ir::Tensor& wi = lin->input(1)->data();
    const int64_t ni = wi.shape()[1];
    for (int64_t k = 0; k < K; ++k) std::memcpy(w.raw() + (k * N + col) * es, wi.raw() + k * ni * es, ni * es);
    col += ni;
  }
  return w;
}

// The biases one after another (zeros where a linear has none).
ir::Tensor ConcatBiases(const std::vector<Node*>& lins, int64_t N) {
  ir::Tensor b(ir::TensorType{lins.front()->input(1)->dtype(), {N}});
  int64_t col = 0;
  for (const Node* lin : lins) {
    const int64_t ni = lin->input(1)->shape()[1];
    for (int64_t j = 0; j < ni; ++j) b.SetF32(col + j, lin->num_inputs() > 2 ? lin->input(2)->data().GetF32(j) : 0.0f);
    col += ni;
  }
  return b;
}

}  // namespace

Expected<bool> RunConcatSiblingLinears(ir::Graph& g) {
  // Each activation read by a mergeable linear, once, in the graph's order.
  std::vector<const ir::Value*> sources;
  std::set<const ir::Value*> seen;
  for (const auto& up : g.nodes()) {
    const Node* n = up.get();
    if (n->op() == OpKind::kLinear && !n->input(0)->is_constant() && Mergeable(*n, n->input(0)) && seen.insert(n->input(0)).second) {
      sources.push_back(n->input(0));
    }
  }
  Replacer r(g);
  for (const ir::Value* x : sources) {
    std::vector<Node*> lins = Siblings(x);
    if (lins.size() < 3) continue;
    lins = QueryKeyValue(g, lins);
    if (lins.empty()) continue;
    const int64_t K = x->shape().back();
    int64_t N = 0;
    bool any_bias = false;
    std::vector<int64_t> sizes;
    for (const Node* lin : lins) {
      sizes.push_back(lin->input(1)->shape()[1]);
      N += sizes.back();
      any_bias = any_bias || lin->num_inputs() > 2;
    }
    // The new nodes go before the first of the three in the graph (each reads only x and constants).
    Node* first = lins.front();
    for (const auto& up : g.nodes()) {
      if (std::find(lins.begin(), lins.end(), up.get()) != lins.end()) {
        first = up.get();
        break;
      }
    }
    const std::string base = first->name().empty() ? first->output()->name() : first->name();
    std::vector<ir::Value*> inputs = {const_cast<ir::Value*>(x), g.AddConstant(base + ".weight_siblings", ConcatColumns(lins, K, N))};
    if (any_bias) inputs.push_back(g.AddConstant(base + ".bias_siblings", ConcatBiases(lins, N)));
    AGT_ASSIGN_OR_RETURN(Node * merged, g.AddNode(OpKind::kLinear, std::move(inputs), first->attrs(), base + ".siblings", first));
    ir::Attrs split_attrs;
    split_attrs.set(ir::AttrKey::kAxis, static_cast<int64_t>(x->shape().size()) - 1);
    split_attrs.set(ir::AttrKey::kSplit, sizes);
    AGT_ASSIGN_OR_RETURN(Node * split, g.AddNode(OpKind::kSplit, {merged->output()}, std::move(split_attrs), base + ".split", first));
    for (size_t i = 0; i < lins.size(); ++i) r.Replace(lins[i]->output(), split->output(i));
  }
  return r.Finish();
}

}  // namespace agt::passes

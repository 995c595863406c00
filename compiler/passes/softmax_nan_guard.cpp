// The NaN guard after an attention softmax, where(is_nan(p), 0, p) with p = softmax(s), removed where
// s is a product of activations (a matmul, scaled or not, with no mask added): torch.onnx's
// scaled_dot_product_attention decomposition writes the guard for rows a mask removes entirely
// (softmax of all -inf is NaN), and without a mask such a row cannot occur: softmax of finite scores
// has no NaN. Only inputs that are already inf or NaN could tell the two apart. The attention then
// plans as the zoo's (Hugging Face's DETR exported by either exporter has the guard; the zoo has none).
#include "compiler/passes/passes.h"
#include "compiler/passes/pattern.h"

namespace agt::passes {
namespace {

using ir::Node;
using ir::OpKind;
using ir::Value;

// Whether `s` is matmul(...) or a scaling of one by a constant: scores with no mask in them.
bool UnmaskedScores(const Value* s) {
  const Node* n = s->producer();
  if (n != nullptr && n->num_inputs() == 2) {
    for (const Value* x : n->inputs()) {
      if (ScalarFactor(*n, x)) return ProducerIs(x, OpKind::kMatMul) != nullptr;
    }
  }
  return n != nullptr && n->op() == OpKind::kMatMul;
}

}  // namespace

Expected<bool> RunSoftmaxNanGuard(ir::Graph& g) {
  std::vector<Node*> order;
  for (const auto& up : g.nodes()) order.push_back(up.get());
  Replacer r(g);
  for (Node* w : order) {
    if (w->op() != OpKind::kWhere || w->num_inputs() != 3) continue;
    Value* p = w->input(2);
    const Node* isnan = ProducerIs(w->input(0), OpKind::kIsNaN);
    const Node* sm = ProducerIs(p, OpKind::kSoftmax);
    if (isnan == nullptr || sm == nullptr || isnan->input(0) != p || !IsConstEqual(w->input(1), 0.0, 0.0)) continue;
    if (!(w->output()->type() == p->type()) || !UnmaskedScores(sm->input(0))) continue;
    r.Replace(w->output(), p);
  }
  return r.Finish();
}

}  // namespace agt::passes

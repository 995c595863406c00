// A multiplication by one constant number after a linear layer, seen through the reshapes and
// transposes between them, folds into the layer: (x W + b) * s = x (W s) + b s, and the views commute
// with the scalar. The q and k scalings that exporters write before Q K^T (Hugging Face's
// sqrt(1/sqrt(d)) on both, PyTorch's 1/sqrt(d) on q; a division by sqrt(d) the same way) then cost
// nothing, and the attention reads plain views of the projections. Each value on the way is used
// once, so no other reader sees the scaled layer.
#include <cmath>
#include <optional>

#include "compiler/passes/passes.h"
#include "compiler/passes/pattern.h"

namespace agt::passes {
namespace {

using ir::OpKind;

// The linear layer `x` is a view of (through single-use reshapes and transposes), with those views
// from `x` up; null when there is none or it cannot take a scale.
ir::Node* ViewedLinear(const ir::Graph& g, ir::Value* x, std::vector<ir::Node*>& views) {
  ir::Value* v = x;
  while (v->producer() != nullptr && (v->producer()->op() == OpKind::kReshape || v->producer()->op() == OpKind::kTranspose)) {
    if (!UsedOnce(g, v)) return nullptr;
    views.push_back(v->producer());
    v = v->producer()->input(0);
  }
  ir::Node* lin = ProducerIs(v, OpKind::kLinear);
  if (lin == nullptr || !UsedOnce(g, v) || !lin->input(1)->is_constant()) return nullptr;
  if (lin->num_inputs() > 2 && !lin->input(2)->is_constant()) return nullptr;
  return lin;
}

ir::Value* Scaled(ir::Graph& g, const ir::Value* c, double s, const std::string& name) {
  std::vector<float> x = c->data().ToF32();
  for (float& e : x) e = static_cast<float>(e * s);
  return g.AddConstant(name, ir::Tensor::FromF32(c->dtype(), c->shape(), x));
}

}  // namespace

Expected<bool> RunFoldScaleIntoLinear(ir::Graph& g) {
  std::vector<ir::Node*> order;
  for (const auto& up : g.nodes()) order.push_back(up.get());
  Replacer r(g);
  for (ir::Node* op : order) {
    if ((op->op() != OpKind::kMul && op->op() != OpKind::kDiv) || op->num_inputs() != 2) continue;
    for (int side = 0; side < 2; ++side) {
      ir::Value* x = op->input(side);
      std::optional<double> s = ScalarFactor(*op, x);
      if (!s) continue;
      std::vector<ir::Node*> views;
      ir::Node* lin = ViewedLinear(g, x, views);
      if (lin == nullptr) continue;
      const std::string base = lin->name().empty() ? lin->output()->name() : lin->name();
      std::vector<ir::Value*> ins = {lin->input(0), Scaled(g, lin->input(1), *s, base + ".weight_scaled")};
      if (lin->num_inputs() > 2) ins.push_back(Scaled(g, lin->input(2), *s, base + ".bias_scaled"));
      AGT_ASSIGN_OR_RETURN(ir::Node * cur, g.AddNode(OpKind::kLinear, ins, lin->attrs(), lin->name(), op));
      for (auto it = views.rbegin(); it != views.rend(); ++it) {
        AGT_ASSIGN_OR_RETURN(cur, g.AddNode((*it)->op(), {cur->output()}, (*it)->attrs(), (*it)->name(), op));
      }
      r.Replace(op->output(), cur->output());
      break;
    }
  }
  return r.Finish();
}

}  // namespace agt::passes

// MatMul + Add(bias) -> linear: a matmul by a constant 2-D weight [K, N] is a linear layer, and an
// add of a constant bias of N values right after it (its only user) becomes linear's bias, so the
// GEMM sketch gets the bias as an epilogue it knows instead of a separate broadcast add. A linear
// without bias (Gemm with an unusual C) takes a following bias add the same way.
#include "compiler/passes/passes.h"
#include "compiler/passes/pattern.h"

namespace agt::passes {
namespace {

using ir::OpKind;

// The bias as [N] when `b` is a constant holding N values along the last dim (leading 1s allowed).
std::optional<ir::Tensor> BiasOf(const ir::Value* b, int64_t n, ir::DType dt) {
  if (b == nullptr || !b->is_constant() || b->dtype() != dt || b->shape().empty() || b->shape().back() != n) {
    return std::nullopt;
  }
  if (b->type().num_elements() != n) return std::nullopt;
  return b->data().Reshaped({n});
}

}  // namespace

Expected<bool> RunMatMulToLinear(ir::Graph& g) {
  std::vector<ir::Node*> order;
  for (const auto& up : g.nodes()) order.push_back(up.get());
  Replacer r(g);
  for (ir::Node* n : order) {
    bool is_matmul = n->op() == OpKind::kMatMul;
    bool is_bare_linear = n->op() == OpKind::kLinear && n->num_inputs() == 2;
    if (!is_matmul && !is_bare_linear) continue;
    ir::Value* x = n->input(0);
    ir::Value* w = n->input(1);
    if (!w->is_constant() || w->shape().size() != 2 || x->shape().empty() || !ir::IsFloat(x->dtype())) continue;
    int64_t out_n = w->shape()[1];
    ir::Value* out = n->output();
    ir::Node* bias_add = nullptr;
    std::optional<ir::Tensor> bias;
    if (out->uses().size() == 1 && out->uses()[0].node->op() == OpKind::kAdd && !g.IsGraphOutput(out)) {
      ir::Node* add = out->uses()[0].node;
      bias = BiasOf(OtherOperand(add, out), out_n, x->dtype());
      if (bias && add->output()->type() == out->type()) bias_add = add;
      else bias.reset();
    }
    if (!bias_add && is_bare_linear) continue;
    std::vector<ir::Value*> ins = {x, w};
    if (bias) ins.push_back(g.AddConstant(n->name().empty() ? out->name() + ".bias" : n->name() + ".bias", std::move(*bias)));
    ir::Node* at = bias_add ? bias_add : n;
    AGT_ASSIGN_OR_RETURN(ir::Node * lin, g.AddNode(OpKind::kLinear, ins, {}, n->name(), at));
    r.Replace(bias_add ? bias_add->output() : out, lin->output());
  }
  return r.Finish();
}

}  // namespace agt::passes

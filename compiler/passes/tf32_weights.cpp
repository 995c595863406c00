// tf32's linear weights K-major (see passes.h): the Hopper core's wgmma reads tf32 operands only
// K-major from shared memory (it transposes 16-bit types alone), so at tf32 each linear's [K, N]
// weight is stored transposed, [N, K], and the layer reads it through a transpose: the group sees B
// as a [K, N] view with strides (1, K), which the core takes as a K-major operand. Runs after the
// frontend pipeline (its constant folding would fold the transpose of a constant straight back).
#include "compiler/passes/passes.h"
#include "compiler/passes/pattern.h"

namespace agt::passes {

namespace {
using ir::AttrKey;
using ir::OpKind;
}  // namespace

Expected<bool> RunTf32KMajorWeights(ir::Graph& g) {
  std::vector<ir::Node*> linears;
  for (const auto& up : g.nodes()) {
    const ir::Node* n = up.get();
    if (n->op() != OpKind::kLinear || !n->input(1)->is_constant() || n->input(1)->dtype() != ir::DType::kF32 ||
        n->input(1)->shape().size() != 2) {
      continue;
    }
    linears.push_back(up.get());
  }
  Replacer r(g);
  for (ir::Node* lin : linears) {
    const ir::Value* w = lin->input(1);
    const std::string base = lin->name().empty() ? lin->output()->name() : lin->name();
    ir::Value* wt = g.AddConstant(base + ".weight_nk", TransposedMatrix(w->data(), w->shape()[0]));
    AGT_ASSIGN_OR_RETURN(ir::Node * view, g.AddNode(OpKind::kTranspose, {wt}, {{AttrKey::kPerm, std::vector<int64_t>{1, 0}}},
                                                    base + ".weight_kn_view", lin));
    std::vector<ir::Value*> ins = {lin->input(0), view->output()};
    if (lin->num_inputs() > 2) ins.push_back(lin->input(2));
    AGT_ASSIGN_OR_RETURN(ir::Node * repl, g.AddNode(OpKind::kLinear, ins, lin->attrs(), lin->name(), lin));
    r.Replace(lin->output(), repl->output());
  }
  return r.Finish();
}

}  // namespace agt::passes

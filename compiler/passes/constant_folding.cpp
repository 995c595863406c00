// Constant folding: a node whose inputs are all constants is evaluated once, here, with the op's
// reference implementation, and its outputs become constants. Shape arithmetic is folded by the
// frontend as it imports; this pass catches what the canonicalising passes expose (a transpose of
// a weight, a cast of a constant) and graphs built directly in IR.
#include "compiler/passes/evaluate.h"
#include "compiler/passes/passes.h"

namespace agt::passes {

Expected<bool> RunConstantFolding(ir::Graph& g) {
  std::vector<ir::Node*> order;
  for (const auto& n : g.nodes()) order.push_back(n.get());
  bool changed = false;
  for (ir::Node* n : order) {
    if (n->num_inputs() == 0) continue;
    bool all_const = true;
    for (const ir::Value* v : n->inputs()) all_const &= v->is_constant();
    if (!all_const) continue;
    bool small = true;
    for (const ir::Value* o : n->outputs()) small &= o->type().num_elements() <= kFoldMaxElements;
    if (!small) continue;
    std::vector<const ir::Tensor*> args;
    for (const ir::Value* v : n->inputs()) args.push_back(&v->data());
    auto outs = EvaluateOp(n->op(), n->attrs(), args);
    if (!outs.ok()) return outs.status().WithContext(fmt::format("constant folding {}", n->Describe()));
    std::vector<std::pair<std::string, ir::Value*>> names;
    for (size_t i = 0; i < n->num_outputs(); ++i) {
      ir::Value* old = n->output(i);
      ir::Value* c = g.AddConstant(old->name() + ".folded", std::move((*outs)[i]));
      g.ReplaceAllUsesWith(old, c);
      names.emplace_back(old->name(), c);
    }
    AGT_RETURN_IF_ERROR(g.EraseNode(n));
    for (auto& [name, c] : names) g.RenameValue(c, name);
    changed = true;
  }
  if (changed) g.RemoveUnusedConstants();
  return changed;
}

}  // namespace agt::passes

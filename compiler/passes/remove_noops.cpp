// No-op removal: ops that return their input unchanged (identity; reshape, expand, tile, slice,
// pad, resize, cast or concat that change nothing; transpose by the identity permutation) are
// bypassed, a reshape of a reshape reads the first one's input, and a transpose that only moves
// dims of size 1 becomes a reshape. Exporters leave many of these (Flatten then Reshape, Dropout,
// Expand to the same shape) and each would otherwise cost a kernel launch or block a fusion. So are
// x + 0, x - 0, x * 1 and x / 1 by constants that do not broadcast x: Hugging Face's attention masks
// at batch 1 without padding fold to an all-zero additive mask, which would otherwise be read for
// every score.
#include "compiler/passes/passes.h"
#include "compiler/passes/pattern.h"

namespace agt::passes {
namespace {

using ir::OpKind;

bool IsNoOp(const ir::Node& n) {
  if (n.num_outputs() != 1 || n.num_inputs() < 1) return false;
  const ir::Value* in = n.input(0);
  const ir::Value* out = n.output(0);
  if (in->type() != out->type()) return false;
  switch (n.op()) {
    case OpKind::kIdentity: case OpKind::kReshape: case OpKind::kExpand: case OpKind::kTile: case OpKind::kPad:
    case OpKind::kResize: case OpKind::kCast:
      return true;
    case OpKind::kConcat:
      return n.num_inputs() == 1;
    case OpKind::kSlice: {
      // Same shape with positive steps can only start every dim at 0: the identity.
      for (int64_t s : n.attrs().ints(ir::AttrKey::kSteps)) {
        if (s < 0) return false;
      }
      return true;
    }
    case OpKind::kTranspose: {
      const std::vector<int64_t>& perm = n.attrs().ints(ir::AttrKey::kPerm);
      if (perm.empty()) return in->shape().size() <= 1;
      for (size_t i = 0; i < perm.size(); ++i) {
        if (perm[i] != static_cast<int64_t>(i)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

// For x + 0, 0 + x, x - 0, x * 1, 1 * x and x / 1 (the constant all zeros or all ones, exactly, and x
// already of the result's type): x; else null.
ir::Value* PassedThrough(const ir::Node& n) {
  if (n.num_inputs() != 2 || n.num_outputs() != 1 || !ir::IsFloat(n.output(0)->dtype())) return nullptr;
  const bool add = n.op() == OpKind::kAdd, sub = n.op() == OpKind::kSub, mul = n.op() == OpKind::kMul,
             div = n.op() == OpKind::kDiv;
  if (!add && !sub && !mul && !div) return nullptr;
  const double unit = add || sub ? 0.0 : 1.0;
  const bool commutes = add || mul;
  for (int side = 1; side >= (commutes ? 0 : 1); --side) {
    ir::Value* x = n.input(1 - side);
    if (IsConstEqual(n.input(side), unit, 0.0) && x->type() == n.output(0)->type()) return x;
  }
  return nullptr;
}

// A transpose whose dims of size > 1 keep their relative order moves no data: it is a reshape.
bool TransposeIsReshape(const ir::Node& n) {
  if (n.op() != OpKind::kTranspose) return false;
  std::vector<int64_t> perm = n.attrs().ints(ir::AttrKey::kPerm);
  const ir::Shape& s = n.input(0)->shape();
  if (perm.empty()) {
    for (auto d = static_cast<int64_t>(s.size()); d-- > 0;) perm.push_back(d);
  }
  int64_t last = -1;
  for (int64_t p : perm) {
    if (s[p] == 1) continue;
    if (p < last) return false;
    last = p;
  }
  return true;
}

}  // namespace

Expected<bool> RunRemoveNoOps(ir::Graph& g) {
  std::vector<ir::Node*> order;
  for (const auto& n : g.nodes()) order.push_back(n.get());
  bool changed = false;
  for (ir::Node* n : order) {
    // reshape(reshape(x)) -> reshape(x): the outer one fixes the final shape anyway.
    if (n->op() == OpKind::kReshape) {
      if (ir::Node* inner = n->input(0)->producer(); inner != nullptr && inner->op() == OpKind::kReshape) {
        n->set_input(0, inner->input(0));
        changed = true;
      }
    }
    if (TransposeIsReshape(*n) && !IsNoOp(*n)) {
      AGT_ASSIGN_OR_RETURN(ir::Node * r, g.AddNode(OpKind::kReshape, {n->input(0)},
                                                   ir::Attrs{{ir::AttrKey::kShape, n->output(0)->shape()}}, n->name(), n));
      std::string name = n->output(0)->name();
      g.ReplaceAllUsesWith(n->output(0), r->output(0));
      AGT_RETURN_IF_ERROR(g.EraseNode(n));
      g.RenameValue(r->output(0), name);
      changed = true;
      n = r;
    }
    ir::Value* through = PassedThrough(*n);
    if (through == nullptr && !IsNoOp(*n)) continue;
    ir::Value* in = through != nullptr ? through : n->input(0);
    ir::Value* out = n->output(0);
    bool out_is_output = g.IsGraphOutput(out);
    // A graph output that would become an input, a constant or a second output keeps its node.
    if (out_is_output && (in->is_graph_input() || in->is_constant() || g.IsGraphOutput(in))) continue;
    std::string name = out->name();
    g.ReplaceAllUsesWith(out, in);
    AGT_RETURN_IF_ERROR(g.EraseNode(n));
    if (out_is_output) g.RenameValue(in, name);
    changed = true;
  }
  if (changed) g.EliminateDeadNodes();
  return changed;
}

}  // namespace agt::passes

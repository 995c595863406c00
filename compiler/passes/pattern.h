// Small matching helpers shared by the canonicalising passes: "is this value a constant equal to
// c", "which node produced this value, if it is op X", "the other operand of a binary node", and
// a Replacer that swaps a value for its canonical form and, once dead code is gone, hands the old
// value's name to the new one (graph outputs keep their ONNX names).
#pragma once

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"

namespace agt::passes {

// A constant whose every element equals `c` within a relative tolerance (exporters write 1/sqrt(2)
// and friends with a few digits).
inline bool IsConstEqual(const ir::Value* v, double c, double rel_tol = 1e-3) {
  if (v == nullptr || !v->is_constant() || v->type().num_elements() < 1) return false;
  const ir::Tensor& t = v->data();
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    double x = ir::IsFloat(t.dtype()) ? static_cast<double>(t.GetF32(i)) : static_cast<double>(t.GetI64(i));
    if (std::fabs(x - c) > rel_tol * std::max(1.0, std::fabs(c))) return false;
  }
  return true;
}

// Whether a constant has at most one element (a scalar, however it is shaped).
inline bool IsScalarConst(const ir::Value* v) { return v != nullptr && v->is_constant() && v->type().num_elements() == 1; }

// The producer of `v` when it is an `op` node.
inline ir::Node* ProducerIs(const ir::Value* v, ir::OpKind op) {
  if (v == nullptr || v->producer() == nullptr || v->producer()->op() != op) return nullptr;
  return v->producer();
}

// For a binary node with `known` as one operand: the other one (null when `known` is neither).
inline ir::Value* OtherOperand(const ir::Node* n, const ir::Value* known) {
  if (n->num_inputs() != 2) return nullptr;
  if (n->input(0) == known) return n->input(1);
  if (n->input(1) == known) return n->input(0);
  return nullptr;
}

// Whether `v` is read by one node and is no graph output: a rewrite of it changes no other reader.
inline bool UsedOnce(const ir::Graph& g, const ir::Value* v) { return v->uses().size() == 1 && !g.IsGraphOutput(v); }

// The number `op`, a mul or div by one finite float constant, multiplies its operand `x` by (x / c
// is x * (1 / c); c / x is no scaling); nullopt for anything else, or when the constant broadcasts x
// to another type. The scalings exporters write around attention (fold-scale-into-linear,
// canonical-matmul-scale, softmax-nan-guard).
inline std::optional<double> ScalarFactor(const ir::Node& op, const ir::Value* x) {
  if ((op.op() != ir::OpKind::kMul && op.op() != ir::OpKind::kDiv) || op.num_inputs() != 2) return std::nullopt;
  const ir::Value* c = OtherOperand(&op, x);
  if (c == nullptr || c == x || !IsScalarConst(c) || !ir::IsFloat(c->dtype())) return std::nullopt;
  if (!(op.output()->type() == x->type())) return std::nullopt;
  double s = c->data().GetF32(0);
  if (op.op() == ir::OpKind::kDiv) {
    if (op.input(0) != x || s == 0.0) return std::nullopt;
    s = 1.0 / s;
  }
  if (!std::isfinite(s)) return std::nullopt;
  return s;
}

// A constant's data read as a row-major [rows, n / rows] matrix, transposed: [n / rows, rows], same dtype
// (a conv weight [OC, C, kh, kw] as a linear's [C*kh*kw, OC]; a linear's [K, N] as K-major [N, K]).
inline ir::Tensor TransposedMatrix(const ir::Tensor& w, int64_t rows) {
  const int64_t cols = w.num_elements() / rows;
  ir::Tensor out(ir::TensorType{w.dtype(), {cols, rows}});
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) out.SetF32(c * rows + r, w.GetF32(r * cols + c));
  }
  return out;
}

// The users of `v` that are `op` nodes.
inline std::vector<ir::Node*> UsersOf(const ir::Value* v, ir::OpKind op) {
  std::vector<ir::Node*> out;
  for (const ir::Use& u : v->uses()) {
    if (u.node->op() == op && std::find(out.begin(), out.end(), u.node) == out.end()) out.push_back(u.node);
  }
  return out;
}

class Replacer {
 public:
  explicit Replacer(ir::Graph& g) : g_(g) {}
  void Replace(ir::Value* old_value, ir::Value* new_value) {
    renames_.emplace_back(old_value->name(), new_value);
    g_.ReplaceAllUsesWith(old_value, new_value);
    changed_ = true;
  }
  // Erases what the replacements left dead and passes names on.
  bool Finish() {
    if (!changed_) return false;
    g_.EliminateDeadNodes();
    g_.RemoveUnusedConstants();
    std::vector<ir::Value*> live = g_.values();
    for (auto& [name, v] : renames_) {
      bool alive = std::find(live.begin(), live.end(), v) != live.end();
      if (alive && g_.FindValue(name) == nullptr && !v->is_graph_input()) g_.RenameValue(v, name);
    }
    return true;
  }

 private:
  ir::Graph& g_;
  std::vector<std::pair<std::string, ir::Value*>> renames_;
  bool changed_ = false;
};

}  // namespace agt::passes

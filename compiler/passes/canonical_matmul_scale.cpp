// Scalar factors around a matmul gathered onto its left operand:
//   matmul(A * a, B * b) * c  ->  matmul(A * (a b c), B)
// (each factor a multiplication or division by one constant number, any of them absent; B's may sit
// before or after a transpose). Exporters write the attention scale three ways: on q (PyTorch's
// MultiheadAttention, timm), sqrt(scale) on q and on k^T (torch.onnx's decomposition of
// scaled_dot_product_attention, Hugging Face's DETR), or on the scores after Q K^T (Hugging Face's
// ViT, BEiT, DINOv2). After this pass they are one form, the zoo's: q scaled, so the same architecture
// plans the same attention task however it was exported, and fold-scale-into-linear can then fold the
// one factor into q's projection where q is a view of one. Every value a factor is removed from is
// used once (by the matmul, or the transpose before it), so no other reader sees the change.
#include <cmath>
#include <optional>
#include <tuple>
#include <vector>

#include "compiler/passes/passes.h"
#include "compiler/passes/pattern.h"

namespace agt::passes {
namespace {

using ir::Node;
using ir::OpKind;
using ir::Value;

// When `v` is a scaled value used once: the factor, and the value before the scaling.
std::optional<std::pair<double, Value*>> Unscale(const ir::Graph& g, Value* v) {
  Node* op = v->producer();
  if (op == nullptr || !UsedOnce(g, v) || op->num_inputs() != 2) return std::nullopt;
  for (int side = 0; side < 2; ++side) {
    if (auto s = ScalarFactor(*op, op->input(side))) return std::make_pair(*s, op->input(side));
  }
  return std::nullopt;
}

struct Plan {
  double factor = 1.0;
  Value* a = nullptr;               // A without its factor
  Value* b = nullptr;               // B without its factor (before the transpose when `b_transpose`)
  const Node* b_transpose = nullptr;   // B = transpose(b * f): rebuilt over the unscaled b
  Value* replaced = nullptr;        // the value the new product stands for (the matmul's, or its scaling's)
  bool moved = false;               // a factor left B or the output
};

Plan PlanFor(const ir::Graph& g, Node* mm) {
  Plan p;
  p.a = mm->input(0);
  p.b = mm->input(1);
  p.replaced = mm->output();
  if (auto u = Unscale(g, p.a)) std::tie(p.factor, p.a) = *u;
  if (auto u = Unscale(g, p.b)) {
    p.factor *= u->first;
    p.b = u->second;
    p.moved = true;
  } else if (Node* t = ProducerIs(p.b, OpKind::kTranspose); t != nullptr && UsedOnce(g, p.b)) {
    if (auto u2 = Unscale(g, t->input(0))) {
      p.factor *= u2->first;
      p.b = u2->second;
      p.b_transpose = t;
      p.moved = true;
    }
  }
  if (UsedOnce(g, mm->output())) {
    Node* user = mm->output()->uses()[0].node;
    if (auto s = ScalarFactor(*user, mm->output())) {
      p.factor *= *s;
      p.replaced = user->output();
      p.moved = true;
    }
  }
  return p;
}

// The factor as one float. A product of factors rounded one by one (sqrt(1/sqrt(d)) twice) lands an ulp
// or so from 1/sqrt(d) itself, what the others write: within 1e-6 of 1/sqrt(n) for an integer n, it is
// that value, so that the tasks' constants (part of their keys) agree too.
float CanonicalFactor(double f) {
  if (f > 0.0) {
    const double inv_sq = 1.0 / (f * f);
    const double n = std::round(inv_sq);
    if (n >= 1.0 && n <= 1e6 && std::fabs(inv_sq - n) <= 2e-6 * n) return static_cast<float>(1.0 / std::sqrt(n));
  }
  return static_cast<float>(f);
}

}  // namespace

Expected<bool> RunCanonicalMatMulScale(ir::Graph& g) {
  std::vector<Node*> order;
  for (const auto& up : g.nodes()) {
    if (up->op() == OpKind::kMatMul && up->num_inputs() == 2 && ir::IsFloat(up->output()->dtype())) order.push_back(up.get());
  }
  Replacer r(g);
  for (Node* mm : order) {
    Plan p = PlanFor(g, mm);
    if (!p.moved) continue;
    const std::string base = mm->name().empty() ? mm->output()->name() : mm->name();
    Value* a = p.a;
    const float factor = CanonicalFactor(p.factor);
    if (factor != 1.0f) {
      Value* c = g.AddConstant(base + ".scale", ir::Tensor::FromF32(a->dtype(), {}, std::vector<float>{factor}));
      AGT_ASSIGN_OR_RETURN(Node * scaled, g.AddNode(OpKind::kMul, {a, c}, {}, base + ".scale_q", mm));
      a = scaled->output();
    }
    Value* b = p.b;
    if (p.b_transpose != nullptr) {
      AGT_ASSIGN_OR_RETURN(Node * t, g.AddNode(OpKind::kTranspose, {b}, p.b_transpose->attrs(), p.b_transpose->name(), mm));
      b = t->output();
    }
    AGT_ASSIGN_OR_RETURN(Node * product, g.AddNode(OpKind::kMatMul, {a, b}, mm->attrs(), mm->name(), mm));
    r.Replace(p.replaced, product->output());
  }
  return r.Finish();
}

}  // namespace agt::passes

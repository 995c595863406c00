// Canonical GELU: exporters spell GELU as element-wise arithmetic, which would cost the fuser five
// or more ops and the code generator an erf it cannot see is a GELU. Two forms are recognised:
//   erf form   x * 0.5 * (1 + erf(x / sqrt(2)))        (x / 1.4142 or x * 0.7071)
//   tanh form  x * 0.5 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))   (x^3 as pow or mul)
// with the final product x * 0.5 * a in each association exporters write: (x*a)*0.5, (x*a)/2,
// x*(a*0.5), (x*0.5)*a. ONNX's own Gelu op maps straight to gelu at import.
#include "compiler/passes/passes.h"
#include "compiler/passes/pattern.h"

namespace agt::passes {
namespace {

using ir::OpKind;

constexpr double kSqrt2 = 1.4142135623730951;
constexpr double kSqrt2OverPi = 0.7978845608028654;

// The node computing x * 0.5 * a, given a (= 1 + erf/tanh(...)) and x; null when absent.
ir::Value* HalfXTimes(ir::Value* a, ir::Value* x) {
  for (ir::Node* m : UsersOf(a, OpKind::kMul)) {
    ir::Value* other = OtherOperand(m, a);
    if (other == x) {   // (x * a) * 0.5  or  (x * a) / 2
      for (ir::Node* m2 : UsersOf(m->output(), OpKind::kMul)) {
        if (IsConstEqual(OtherOperand(m2, m->output()), 0.5) && IsScalarConst(OtherOperand(m2, m->output()))) {
          return m2->output();
        }
      }
      for (ir::Node* d : UsersOf(m->output(), OpKind::kDiv)) {
        if (d->input(0) == m->output() && IsScalarConst(d->input(1)) && IsConstEqual(d->input(1), 2.0)) return d->output();
      }
    } else if (IsScalarConst(other) && IsConstEqual(other, 0.5)) {   // x * (a * 0.5)
      for (ir::Node* m2 : UsersOf(m->output(), OpKind::kMul)) {
        if (OtherOperand(m2, m->output()) == x) return m2->output();
      }
    } else if (ir::Node* h = ProducerIs(other, OpKind::kMul)) {   // (x * 0.5) * a
      ir::Value* half = OtherOperand(h, x);
      if (half != nullptr && IsScalarConst(half) && IsConstEqual(half, 0.5)) return m->output();
    }
  }
  return nullptr;
}

// 1 + y, either order.
ir::Value* OnePlus(ir::Value* y) {
  for (ir::Node* a : UsersOf(y, OpKind::kAdd)) {
    ir::Value* other = OtherOperand(a, y);
    if (IsScalarConst(other) && IsConstEqual(other, 1.0)) return a->output();
  }
  return nullptr;
}

// x in x / sqrt(2) or x * (1/sqrt(2)).
ir::Value* ErfArgument(ir::Value* t) {
  if (ir::Node* d = ProducerIs(t, OpKind::kDiv)) {
    if (IsScalarConst(d->input(1)) && IsConstEqual(d->input(1), kSqrt2)) return d->input(0);
  }
  if (ir::Node* m = ProducerIs(t, OpKind::kMul)) {
    for (int i = 0; i < 2; ++i) {
      if (IsScalarConst(m->input(1 - i)) && IsConstEqual(m->input(1 - i), 1.0 / kSqrt2)) return m->input(i);
    }
  }
  return nullptr;
}

// x in x * x * x (either association) or pow(x, 3).
ir::Value* CubeArgument(ir::Value* c) {
  if (ir::Node* p = ProducerIs(c, OpKind::kPow)) {
    if (IsScalarConst(p->input(1)) && IsConstEqual(p->input(1), 3.0, 1e-6)) return p->input(0);
    return nullptr;
  }
  ir::Node* m = ProducerIs(c, OpKind::kMul);
  if (m == nullptr) return nullptr;
  for (int i = 0; i < 2; ++i) {
    ir::Value* x = m->input(i);
    ir::Node* sq = ProducerIs(m->input(1 - i), OpKind::kMul);
    if (sq != nullptr && sq->input(0) == x && sq->input(1) == x) return x;
    if (ir::Node* p = ProducerIs(m->input(1 - i), OpKind::kPow)) {
      if (p->input(0) == x && IsConstEqual(p->input(1), 2.0, 1e-6)) return x;
    }
  }
  return nullptr;
}

// x in sqrt(2/pi) * (x + 0.044715 * x^3), factors and terms in either order.
ir::Value* TanhArgument(ir::Value* t) {
  ir::Node* m = ProducerIs(t, OpKind::kMul);
  if (m == nullptr) return nullptr;
  for (int i = 0; i < 2; ++i) {
    if (!IsScalarConst(m->input(i)) || !IsConstEqual(m->input(i), kSqrt2OverPi)) continue;
    ir::Node* add = ProducerIs(m->input(1 - i), OpKind::kAdd);
    if (add == nullptr) continue;
    for (int j = 0; j < 2; ++j) {
      ir::Value* x = add->input(j);
      ir::Node* k = ProducerIs(add->input(1 - j), OpKind::kMul);
      if (k == nullptr) continue;
      for (int l = 0; l < 2; ++l) {
        if (IsScalarConst(k->input(l)) && IsConstEqual(k->input(l), 0.044715) && CubeArgument(k->input(1 - l)) == x) {
          return x;
        }
      }
    }
  }
  return nullptr;
}

}  // namespace

Expected<bool> RunCanonicalGelu(ir::Graph& g) {
  struct Match {
    ir::Value* x;
    ir::Value* out;
    const char* approximate;
  };
  std::vector<Match> matches;
  for (const auto& up : g.nodes()) {
    ir::Node* n = up.get();
    ir::Value* x = nullptr;
    const char* approx = "none";
    if (n->op() == OpKind::kErf) {
      x = ErfArgument(n->input(0));
    } else if (n->op() == OpKind::kTanh) {
      x = TanhArgument(n->input(0));
      approx = "tanh";
    }
    if (x == nullptr || !ir::IsFloat(x->dtype())) continue;
    ir::Value* a = OnePlus(n->output());
    if (a == nullptr) continue;
    ir::Value* out = HalfXTimes(a, x);
    if (out == nullptr || out->type() != x->type()) continue;
    matches.push_back({x, out, approx});
  }
  Replacer r(g);
  for (const Match& m : matches) {
    AGT_ASSIGN_OR_RETURN(ir::Node * gelu, g.AddNode(OpKind::kGelu, {m.x}, ir::Attrs{{ir::AttrKey::kApproximate, std::string(m.approximate)}},
                                                   m.out->producer()->name(), m.out->producer()));
    r.Replace(m.out, gelu->output());
  }
  return r.Finish();
}

}  // namespace agt::passes

// Canonical LayerNorm: the decomposed form the TorchScript exporter writes for nn.LayerNorm before
// opset 17 (and users write by hand),
//   mean = ReduceMean(x, trailing axes); d = x - mean; var = ReduceMean(d^2 or d*d, same axes)
//   y = d / Sqrt(var + eps)  [* gamma]  [+ beta]
// becomes one layer_norm, the row reduction the code generator has a sketch for. gamma and beta
// must be constants that cover exactly the normalised dims (leading 1s allowed). ONNX's own
// LayerNormalization maps to layer_norm at import.
#include "compiler/passes/passes.h"
#include "compiler/passes/pattern.h"

namespace agt::passes {
namespace {

using ir::OpKind;

// The first normalised axis when `n` reduces the trailing axes of its input with keepdims.
std::optional<int64_t> TrailingAxis(const ir::Node* n) {
  if (n->op() != OpKind::kReduceMean || n->attrs().i(ir::AttrKey::kKeepDims) == 0) return std::nullopt;
  auto rank = static_cast<int64_t>(n->input(0)->shape().size());
  std::vector<int64_t> axes = n->attrs().ints(ir::AttrKey::kAxes);
  if (axes.empty() || rank == 0) return std::nullopt;
  std::vector<bool> mask(static_cast<size_t>(rank), false);
  for (int64_t a : axes) {
    auto na = ir::NormalizeAxis(a, rank);
    if (!na) return std::nullopt;
    mask[*na] = true;
  }
  auto first = rank - static_cast<int64_t>(axes.size());
  for (int64_t d = 0; d < rank; ++d) {
    if (mask[d] != (d >= first)) return std::nullopt;
  }
  return first;
}

// A constant affine parameter reshaped to the normalised dims, or null when it does not fit.
std::optional<ir::Tensor> AffineParam(const ir::Value* v, const ir::Shape& norm) {
  if (v == nullptr || !v->is_constant() || v->dtype() != ir::DType::kF32) return std::nullopt;
  ir::Shape s = v->shape();
  while (!s.empty() && s.front() == 1 && s.size() > norm.size()) s.erase(s.begin());
  if (s != norm) return std::nullopt;
  return v->data().Reshaped(norm);
}

struct Match {
  ir::Value* x;
  int64_t axis;
  double eps;
  ir::Value* out;
  std::optional<ir::Tensor> gamma, beta;
};

std::optional<Match> MatchAt(ir::Node* div) {
  if (div->op() != OpKind::kDiv) return std::nullopt;
  ir::Value* d = div->input(0);
  ir::Node* sqrt = ProducerIs(div->input(1), OpKind::kSqrt);
  ir::Node* sub = ProducerIs(d, OpKind::kSub);
  if (sqrt == nullptr || sub == nullptr) return std::nullopt;
  ir::Value* x = sub->input(0);
  ir::Node* mean = ProducerIs(sub->input(1), OpKind::kReduceMean);
  if (mean == nullptr || mean->input(0) != x || x->dtype() != ir::DType::kF32) return std::nullopt;
  auto axis = TrailingAxis(mean);
  if (!axis) return std::nullopt;
  ir::Node* add_eps = ProducerIs(sqrt->input(0), OpKind::kAdd);
  if (add_eps == nullptr) return std::nullopt;
  ir::Node* var = nullptr;
  ir::Value* eps = nullptr;
  for (int i = 0; i < 2; ++i) {
    if (ir::Node* v = ProducerIs(add_eps->input(i), OpKind::kReduceMean); v && IsScalarConst(add_eps->input(1 - i))) {
      var = v;
      eps = add_eps->input(1 - i);
    }
  }
  if (var == nullptr || TrailingAxis(var) != axis) return std::nullopt;
  ir::Value* sq = var->input(0);
  bool squares_d = false;
  if (ir::Node* p = ProducerIs(sq, OpKind::kPow)) {
    squares_d = p->input(0) == d && IsScalarConst(p->input(1)) && IsConstEqual(p->input(1), 2.0, 1e-6);
  } else if (ir::Node* m = ProducerIs(sq, OpKind::kMul)) {
    squares_d = m->input(0) == d && m->input(1) == d;
  }
  if (!squares_d) return std::nullopt;

  Match match{x, *axis, static_cast<double>(eps->data().GetF32(0)), div->output(), std::nullopt, std::nullopt};
  ir::Shape norm(x->shape().begin() + *axis, x->shape().end());
  // Optional affine tail, each step only when the previous result has that one user.
  if (match.out->uses().size() == 1 && match.out->uses()[0].node->op() == OpKind::kMul && !match.out->type().shape.empty()) {
    ir::Node* mul = match.out->uses()[0].node;
    if (auto gamma = AffineParam(OtherOperand(mul, match.out), norm); gamma && mul->output()->type() == x->type()) {
      match.gamma = std::move(gamma);
      match.out = mul->output();
      if (match.out->uses().size() == 1 && match.out->uses()[0].node->op() == OpKind::kAdd) {
        ir::Node* add = match.out->uses()[0].node;
        if (auto beta = AffineParam(OtherOperand(add, match.out), norm); beta && add->output()->type() == x->type()) {
          match.beta = std::move(beta);
          match.out = add->output();
        }
      }
    }
  }
  return match;
}

}  // namespace

Expected<bool> RunCanonicalLayerNorm(ir::Graph& g) {
  std::vector<Match> matches;
  for (const auto& up : g.nodes()) {
    if (auto m = MatchAt(up.get())) matches.push_back(std::move(*m));
  }
  Replacer r(g);
  for (Match& m : matches) {
    ir::Shape norm(m.x->shape().begin() + m.axis, m.x->shape().end());
    if (!m.gamma) {
      std::vector<float> ones(static_cast<size_t>(ir::NumElements(norm)), 1.0f);
      m.gamma = ir::Tensor::FromF32(ir::DType::kF32, norm, ones);
    }
    ir::Node* at = m.out->producer();
    std::vector<ir::Value*> ins = {m.x, g.AddConstant(m.out->name() + ".gamma", std::move(*m.gamma))};
    if (m.beta) ins.push_back(g.AddConstant(m.out->name() + ".beta", std::move(*m.beta)));
    AGT_ASSIGN_OR_RETURN(ir::Node * ln, g.AddNode(OpKind::kLayerNorm, ins,
                                                 ir::Attrs{{ir::AttrKey::kAxis, m.axis}, {ir::AttrKey::kEpsilon, m.eps}},
                                                 at->name(), at));
    r.Replace(m.out, ln->output());
  }
  return r.Finish();
}

}  // namespace agt::passes

// A LayerNorm whose only reader is a linear layer gives its affine part to the layer:
//   (x_hat * gamma + beta) W + b  =  x_hat (diag(gamma) W) + (b + beta W)
// so the normalisation left in front of the layer is affine-free (layer_norm with one input) and the
// Hopper GEMM core can take it as its prologue: it sums each token's row from the activation tiles
// it streams anyway and applies rstd * (acc - mean * colsum(W')) in its epilogue (codegen/hopper,
// GemmSm90Config::norm). Opt-in (compile --fold-layer-norm), since the groups it allows are new
// tasks that the committed tuning logs do not cover.
// Matched: layer_norm(x, gamma[, beta]) over the last axis only, its output read once, by a linear
// as its first operand, with a constant [K, N] weight (K the normalised length) and a constant or no
// bias. The new constants are computed in double and stored in the weight's dtype.
#include <vector>

#include "compiler/passes/passes.h"
#include "compiler/passes/pattern.h"
#include "ir/dtype.h"

namespace agt::passes {
namespace {

using ir::OpKind;

// The linear reading `ln`'s output when the fold applies, else null.
ir::Node* FoldableLinear(const ir::Graph& g, const ir::Node& ln) {
  if (ln.num_inputs() < 2) return nullptr;   // already affine-free
  const ir::Value* y = ln.output();
  const ir::Shape& xs = ln.input(0)->shape();
  if (xs.empty() || !UsedOnce(g, y)) return nullptr;
  auto axis = ir::NormalizeAxis(ln.attrs().i(ir::AttrKey::kAxis), static_cast<int64_t>(xs.size()));
  if (!axis || *axis != static_cast<int64_t>(xs.size()) - 1) return nullptr;
  for (size_t i = 1; i < ln.num_inputs(); ++i) {
    if (!ln.input(i)->is_constant()) return nullptr;
  }
  ir::Node* lin = y->uses()[0].node;
  if (lin->op() != OpKind::kLinear || lin->input(0) != y || lin->input(1) == y) return nullptr;
  const ir::Value* w = lin->input(1);
  if (!w->is_constant() || w->shape().size() != 2 || w->shape()[0] != xs.back()) return nullptr;
  if (lin->num_inputs() > 2 && (!lin->input(2)->is_constant() || lin->input(2) == y)) return nullptr;
  return lin;
}

}  // namespace

Expected<bool> RunFoldLayerNormAffine(ir::Graph& g) {
  std::vector<ir::Node*> order;
  for (const auto& up : g.nodes()) order.push_back(up.get());
  Replacer r(g);
  for (ir::Node* ln : order) {
    if (ln->op() != OpKind::kLayerNorm) continue;
    ir::Node* lin = FoldableLinear(g, *ln);
    if (lin == nullptr) continue;
    const ir::Tensor& w = lin->input(1)->data();
    const int64_t K = w.shape()[0], N = w.shape()[1];
    std::vector<float> gamma = ln->input(1)->data().ToF32();
    std::vector<float> beta = ln->num_inputs() > 2 ? ln->input(2)->data().ToF32() : std::vector<float>(static_cast<size_t>(K), 0.0f);
    std::vector<double> bias(static_cast<size_t>(N), 0.0);
    if (lin->num_inputs() > 2) {
      std::vector<float> b = lin->input(2)->data().ToF32();
      for (int64_t n = 0; n < N; ++n) bias[n] = b[n];
    }
    ir::Tensor w2(ir::TensorType{w.dtype(), {K, N}});
    for (int64_t k = 0; k < K; ++k) {
      for (int64_t n = 0; n < N; ++n) {
        const double x = w.GetF32(k * N + n);
        w2.SetF32(k * N + n, static_cast<float>(x * gamma[k]));
        bias[n] += static_cast<double>(beta[k]) * x;
      }
    }
    const ir::DType bias_type = lin->num_inputs() > 2 ? lin->input(2)->dtype() : w.dtype();
    ir::Tensor b2(ir::TensorType{bias_type, {N}});
    for (int64_t n = 0; n < N; ++n) b2.SetF32(n, static_cast<float>(bias[n]));
    const std::string base = lin->name().empty() ? lin->output()->name() : lin->name();
    AGT_ASSIGN_OR_RETURN(ir::Node * plain, g.AddNode(OpKind::kLayerNorm, {ln->input(0)}, ln->attrs(), ln->name(), ln));
    AGT_ASSIGN_OR_RETURN(ir::Node * folded,
                         g.AddNode(OpKind::kLinear,
                                   {plain->output(), g.AddConstant(base + ".weight_normed", std::move(w2)),
                                    g.AddConstant(base + ".bias_normed", std::move(b2))},
                                   lin->attrs(), lin->name(), lin));
    r.Replace(lin->output(), folded->output());
  }
  return r.Finish();
}

}  // namespace agt::passes

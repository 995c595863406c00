// BatchNorm folding: batch_norm right after conv2d (its only user), with constant weights and
// statistics, folds into the convolution:  k = scale / sqrt(var + eps),  W' = W * k (per output
// channel),  b' = (b - mean) * k + bias. ResNet's 53 BatchNorms in DETR's backbone disappear this
// way. A BatchNorm after anything else stays a batch_norm op.
#include <cmath>

#include "compiler/passes/passes.h"
#include "compiler/passes/pattern.h"

namespace agt::passes {

Expected<bool> RunFoldBatchNorm(ir::Graph& g) {
  std::vector<ir::Node*> order;
  for (const auto& up : g.nodes()) order.push_back(up.get());
  Replacer r(g);
  for (ir::Node* bn : order) {
    if (bn->op() != ir::OpKind::kBatchNorm) continue;
    ir::Node* conv = ProducerIs(bn->input(0), ir::OpKind::kConv2d);
    if (conv == nullptr || conv->output()->uses().size() != 1 || g.IsGraphOutput(conv->output())) continue;
    bool all_const = conv->input(1)->is_constant() && (conv->num_inputs() < 3 || conv->input(2)->is_constant());
    for (size_t i = 1; i < 5; ++i) all_const &= bn->input(i)->is_constant();
    if (!all_const) continue;
    const ir::Tensor& w = conv->input(1)->data();
    int64_t out_ch = w.shape()[0];
    int64_t per_ch = out_ch == 0 ? 0 : w.num_elements() / out_ch;
    double eps = bn->attrs().f(ir::AttrKey::kEpsilon);
    std::vector<float> scale = bn->input(1)->data().ToF32(), beta = bn->input(2)->data().ToF32(),
                       mean = bn->input(3)->data().ToF32(), var = bn->input(4)->data().ToF32();
    std::vector<float> b = conv->num_inputs() > 2 ? conv->input(2)->data().ToF32() : std::vector<float>(out_ch, 0.0f);
    std::vector<float> wv = w.ToF32();
    std::vector<float> nb(static_cast<size_t>(out_ch));
    for (int64_t c = 0; c < out_ch; ++c) {
      double k = scale[c] / std::sqrt(static_cast<double>(var[c]) + eps);
      for (int64_t i = 0; i < per_ch; ++i) wv[c * per_ch + i] = static_cast<float>(wv[c * per_ch + i] * k);
      nb[c] = static_cast<float>((b[c] - mean[c]) * k + beta[c]);
    }
    ir::DType dt = w.dtype();
    std::string base = conv->name().empty() ? conv->output()->name() : conv->name();
    ir::Value* nw = g.AddConstant(base + ".weight_bn", ir::Tensor::FromF32(dt, w.shape(), wv));
    ir::Value* nbias = g.AddConstant(base + ".bias_bn", ir::Tensor::FromF32(dt, {out_ch}, nb));
    AGT_ASSIGN_OR_RETURN(ir::Node * folded, g.AddNode(ir::OpKind::kConv2d, {conv->input(0), nw, nbias}, conv->attrs(),
                                                     conv->name(), bn));
    r.Replace(bn->output(), folded->output());
  }
  return r.Finish();
}

}  // namespace agt::passes

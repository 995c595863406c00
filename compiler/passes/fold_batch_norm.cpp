// BatchNorm folding: batch_norm right after conv2d (its only user), with constant weights and
// statistics, folds into the convolution:  k = scale / sqrt(var + eps),  W' = W * k (per output
// channel),  b' = (b - mean) * k + bias. ResNet's 53 BatchNorms in DETR's backbone disappear this
// way. A BatchNorm after anything else stays a batch_norm op. The form Hugging Face's FrozenBatchNorm2d
// exports, a Mul and then an Add by per-channel constants after the conv, folds the same way.
#include <cmath>
#include <optional>

#include "compiler/passes/passes.h"
#include "compiler/passes/pattern.h"

namespace agt::passes {

namespace {

// The values of a constant that is per output channel of a conv with `channels` outputs (shape [C],
// [C, 1, 1], [1, C, 1, 1]) or one scalar, as `channels` floats; nullopt otherwise.
std::optional<std::vector<float>> PerChannel(const ir::Value* v, int64_t channels) {
  if (v == nullptr || !v->is_constant() || !ir::IsFloat(v->dtype())) return std::nullopt;
  ir::Shape s = v->shape();
  if (s.size() > 4) return std::nullopt;
  while (s.size() < 4) s.insert(s.begin(), 1);
  const std::vector<float> x = v->data().ToF32();
  if (x.size() == 1) return std::vector<float>(static_cast<size_t>(channels), x[0]);
  if (s[0] != 1 || s[1] != channels || s[2] != 1 || s[3] != 1) return std::nullopt;
  return x;
}

// conv2d (constant weight and bias) -> mul or add by a per-channel constant, the conv's only use: the
// scale folds into the weight and bias, the shift into the bias.
Expected<bool> FoldChannelAffine(ir::Graph& g) {
  std::vector<ir::Node*> order;
  for (const auto& up : g.nodes()) order.push_back(up.get());
  Replacer r(g);
  for (ir::Node* op : order) {
    if ((op->op() != ir::OpKind::kMul && op->op() != ir::OpKind::kAdd) || op->num_inputs() != 2) continue;
    for (int side = 0; side < 2; ++side) {
      ir::Node* conv = ProducerIs(op->input(side), ir::OpKind::kConv2d);
      if (conv == nullptr || conv->output()->uses().size() != 1 || g.IsGraphOutput(conv->output())) continue;
      if (!conv->input(1)->is_constant() || (conv->num_inputs() > 2 && !conv->input(2)->is_constant())) continue;
      const ir::Tensor& w = conv->input(1)->data();
      const int64_t out_ch = w.shape()[0];
      auto k = PerChannel(op->input(1 - side), out_ch);
      if (!k || op->output()->shape() != conv->output()->shape()) continue;
      std::vector<float> wv = w.ToF32();
      std::vector<float> b = conv->num_inputs() > 2 ? conv->input(2)->data().ToF32() : std::vector<float>(out_ch, 0.0f);
      const int64_t per_ch = w.num_elements() / out_ch;
      for (int64_t c = 0; c < out_ch; ++c) {
        if (op->op() == ir::OpKind::kMul) {
          for (int64_t i = 0; i < per_ch; ++i) wv[c * per_ch + i] *= (*k)[c];
          b[c] *= (*k)[c];
        } else {
          b[c] += (*k)[c];
        }
      }
      const std::string base = conv->name().empty() ? conv->output()->name() : conv->name();
      ir::Value* nw = op->op() == ir::OpKind::kMul ? g.AddConstant(base + ".weight_scaled", ir::Tensor::FromF32(w.dtype(), w.shape(), wv))
                                                   : conv->input(1);
      ir::Value* nb = g.AddConstant(base + ".bias_folded", ir::Tensor::FromF32(w.dtype(), {out_ch}, b));
      AGT_ASSIGN_OR_RETURN(ir::Node * folded, g.AddNode(ir::OpKind::kConv2d, {conv->input(0), nw, nb}, conv->attrs(), conv->name(), op));
      r.Replace(op->output(), folded->output());
      break;
    }
  }
  return r.Finish();
}

}  // namespace

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
  bool changed = r.Finish();
  // BatchNorm as the exporters also write it (Hugging Face's FrozenBatchNorm2d: a per-channel Mul, then
  // a per-channel Add): each folds into the conv it follows, one at a time until none is left.
  for (;;) {
    AGT_ASSIGN_OR_RETURN(bool folded, FoldChannelAffine(g));
    if (!folded) break;
    changed = true;
  }
  return changed;
}

}  // namespace agt::passes

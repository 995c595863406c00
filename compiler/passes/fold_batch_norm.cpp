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

// Whether `conv` can take a fold: a conv2d with constant weight (and bias), its output used only once.
bool Foldable(const ir::Graph& g, const ir::Node* conv) {
  return conv != nullptr && conv->output()->uses().size() == 1 && !g.IsGraphOutput(conv->output()) &&
         conv->input(1)->is_constant() && (conv->num_inputs() < 3 || conv->input(2)->is_constant());
}

// y * scale[c] + shift[c] after `conv` as one conv: W' = W * scale per output channel, b' = b * scale +
// shift (the weight kept as it is when every scale is 1). Inserted before `before`; names from `tag`.
Expected<ir::Node*> FoldScaleShift(ir::Graph& g, const ir::Node& conv, const std::vector<double>& scale,
                                   const std::vector<double>& shift, const std::string& tag, ir::Node* before) {
  const ir::Tensor& w = conv.input(1)->data();
  const int64_t out_ch = w.shape()[0], per_ch = w.num_elements() / out_ch;
  std::vector<float> wv = w.ToF32();
  std::vector<float> b = conv.num_inputs() > 2 ? conv.input(2)->data().ToF32() : std::vector<float>(out_ch, 0.0f);
  bool unit = true;
  for (int64_t c = 0; c < out_ch; ++c) {
    unit = unit && scale[c] == 1.0;
    for (int64_t i = 0; i < per_ch; ++i) wv[c * per_ch + i] = static_cast<float>(wv[c * per_ch + i] * scale[c]);
    b[c] = static_cast<float>(b[c] * scale[c] + shift[c]);
  }
  const std::string base = conv.name().empty() ? conv.output()->name() : conv.name();
  ir::Value* nw = unit ? conv.input(1) : g.AddConstant(base + ".weight_" + tag, ir::Tensor::FromF32(w.dtype(), w.shape(), wv));
  ir::Value* nb = g.AddConstant(base + ".bias_" + tag, ir::Tensor::FromF32(w.dtype(), {out_ch}, b));
  return g.AddNode(ir::OpKind::kConv2d, {conv.input(0), nw, nb}, conv.attrs(), conv.name(), before);
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
      if (!Foldable(g, conv)) continue;
      const int64_t out_ch = conv->input(1)->shape()[0];
      auto k = PerChannel(op->input(1 - side), out_ch);
      if (!k || op->output()->shape() != conv->output()->shape()) continue;
      const bool mul = op->op() == ir::OpKind::kMul;
      const std::vector<double> kd(k->begin(), k->end()), ones(kd.size(), 1.0), zeros(kd.size(), 0.0);
      AGT_ASSIGN_OR_RETURN(ir::Node * folded, FoldScaleShift(g, *conv, mul ? kd : ones, mul ? zeros : kd, mul ? "scaled" : "shifted", op));
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
    if (!Foldable(g, conv)) continue;
    bool all_const = true;
    for (size_t i = 1; i < 5; ++i) all_const &= bn->input(i)->is_constant();
    if (!all_const) continue;
    const size_t out_ch = static_cast<size_t>(conv->input(1)->shape()[0]);
    double eps = bn->attrs().f(ir::AttrKey::kEpsilon);
    std::vector<float> gamma = bn->input(1)->data().ToF32(), beta = bn->input(2)->data().ToF32(),
                       mean = bn->input(3)->data().ToF32(), var = bn->input(4)->data().ToF32();
    // k = gamma / sqrt(var + eps); y = (x - mean) * k + beta = x * k + (beta - mean * k).
    std::vector<double> k(out_ch), shift(out_ch);
    for (size_t c = 0; c < out_ch; ++c) {
      k[c] = gamma[c] / std::sqrt(static_cast<double>(var[c]) + eps);
      shift[c] = beta[c] - mean[c] * k[c];
    }
    AGT_ASSIGN_OR_RETURN(ir::Node * folded, FoldScaleShift(g, *conv, k, shift, "bn", bn));
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

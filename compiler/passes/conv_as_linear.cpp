// Convolutions that are linears, rewritten so that the Linear sketches (the Hopper core on sm_90) run
// them as plain GEMMs instead of the implicit-GEMM convolution gathering A element by element.
//
// Patch embedding -> linear: a ViT's patch embedding is a convolution whose kernel equals its stride
// (16x16/16, 14x14/14: no overlap, no padding), followed by the flatten to tokens
// (reshape [N, OC, P] -> transpose [N, P, OC]). Its im2col is a pure re-indexing of the image, so the
// same product is
//     x [N, C, H, W] -> reshape [N, C, OH, kh, OW, kw] -> transpose [N, OH, OW, C, kh, kw]
//       -> reshape [N, P, C*kh*kw] -> linear(W [OC, C*kh*kw] transposed to [K, OC], bias) -> [N, P, OC]
// Only the pattern with the flatten after it is rewritten: there the tokens [N, P, OC] are what the
// model wants, and no transpose back is needed.
//
// 1x1 convolution over a token grid -> linear on the tokens: a segmentation head that turns tokens
// T [N, HW, C] into an image (transpose [0, 2, 1], reshape [N, C, H, W]) and applies 1x1 convs is
//     linear(T, W [OC, C] transposed, bias) -> [N, HW, OC] -> transpose, reshape -> [N, OC, H, W]
// and an element-wise activation right after the conv (ReLU) moves with it into token space, so that
// a following 1x1 conv finds tokens turned into an image again and is rewritten the same way.
#include "compiler/passes/passes.h"
#include "compiler/passes/pattern.h"

namespace agt::passes {
namespace {

using ir::AttrKey;
using ir::OpKind;

bool AllEqual(const std::vector<int64_t>& v, int64_t x) {
  for (int64_t e : v) {
    if (e != x) return false;
  }
  return true;
}

// The conv's flatten to tokens: reshape [N, OC, OH*OW] then transpose [0, 2, 1], each the only user.
ir::Node* TokenFlatten(const ir::Graph& g, const ir::Node& conv) {
  const ir::Value* y = conv.output();
  if (y->uses().size() != 1 || g.IsGraphOutput(y)) return nullptr;
  const ir::Node* r = y->uses()[0].node;
  const ir::Shape& ys = y->shape();
  if (r->op() != OpKind::kReshape || r->output()->shape() != ir::Shape{ys[0], ys[1], ys[2] * ys[3]}) return nullptr;
  const ir::Value* ry = r->output();
  if (ry->uses().size() != 1 || g.IsGraphOutput(ry)) return nullptr;
  ir::Node* t = ry->uses()[0].node;
  if (t->op() != OpKind::kTranspose || t->attrs().ints(AttrKey::kPerm) != std::vector<int64_t>{0, 2, 1}) return nullptr;
  return t;
}

// Whether `n` is a non-overlapping, unpadded, undilated, ungrouped conv by a constant weight that tiles
// its input exactly.
bool IsPatchConv(const ir::Node& n) {
  if (n.op() != OpKind::kConv2d || n.num_inputs() < 2 || !n.input(1)->is_constant()) return false;
  if (n.num_inputs() > 2 && !n.input(2)->is_constant()) return false;
  const ir::Shape& xs = n.input(0)->shape();
  const ir::Shape& ws = n.input(1)->shape();
  if (xs.size() != 4 || ws.size() != 4 || !ir::IsFloat(n.input(0)->dtype())) return false;
  const ir::Attrs& a = n.attrs();
  const int64_t kh = ws[2], kw = ws[3];
  if (a.i(AttrKey::kGroup) != 1 || !AllEqual(a.ints(AttrKey::kPads), 0) || !AllEqual(a.ints(AttrKey::kDilations), 1)) return false;
  if (a.ints(AttrKey::kStrides) != std::vector<int64_t>{kh, kw} || kh * kw <= 1) return false;
  return ws[1] == xs[1] && xs[2] % kh == 0 && xs[3] % kw == 0;
}

// The tokens T [N, HW, C] when `x` is reshape(transpose(T, [0, 2, 1])) to [N, C, H, W].
ir::Value* TokensOfImage(const ir::Value* x) {
  const ir::Node* r = x->producer();
  if (r == nullptr || r->op() != OpKind::kReshape) return nullptr;
  const ir::Node* t = r->input(0)->producer();
  if (t == nullptr || t->op() != OpKind::kTranspose || t->attrs().ints(AttrKey::kPerm) != std::vector<int64_t>{0, 2, 1}) {
    return nullptr;
  }
  ir::Value* tokens = t->input(0);
  const ir::Shape& ts = tokens->shape();
  const ir::Shape& xs = x->shape();
  if (ts.size() != 3 || xs.size() != 4 || ts[0] != xs[0] || ts[2] != xs[1] || ts[1] != xs[2] * xs[3]) return nullptr;
  return tokens;
}

// W [OC, C, kh, kw] as the linear weight [C*kh*kw, OC] (ONNX MatMul layout).
ir::Tensor LinearWeight(const ir::Tensor& w) { return TransposedMatrix(w, w.shape()[0]); }

}  // namespace

Expected<bool> RunPatchEmbedToLinear(ir::Graph& g) {
  std::vector<ir::Node*> order;
  for (const auto& up : g.nodes()) order.push_back(up.get());
  Replacer r(g);
  for (ir::Node* conv : order) {
    if (!IsPatchConv(*conv)) continue;
    ir::Node* flat = TokenFlatten(g, *conv);
    if (flat == nullptr) continue;
    ir::Value* x = conv->input(0);
    const ir::Shape& xs = x->shape();
    const ir::Shape& ws = conv->input(1)->shape();
    const int64_t n = xs[0], c = xs[1], kh = ws[2], kw = ws[3], oh = xs[2] / kh, ow = xs[3] / kw;
    const std::string base = conv->name().empty() ? conv->output()->name() : conv->name();
    AGT_ASSIGN_OR_RETURN(ir::Node * split,
                         g.AddNode(OpKind::kReshape, {x}, {{AttrKey::kShape, std::vector<int64_t>{n, c, oh, kh, ow, kw}}},
                                   base + ".patches", flat));
    AGT_ASSIGN_OR_RETURN(ir::Node * order_patches,
                         g.AddNode(OpKind::kTranspose, {split->output()},
                                   {{AttrKey::kPerm, std::vector<int64_t>{0, 2, 4, 1, 3, 5}}}, base + ".im2col", flat));
    AGT_ASSIGN_OR_RETURN(ir::Node * rows,
                         g.AddNode(OpKind::kReshape, {order_patches->output()},
                                   {{AttrKey::kShape, std::vector<int64_t>{n, oh * ow, c * kh * kw}}}, base + ".rows", flat));
    std::vector<ir::Value*> ins = {rows->output(), g.AddConstant(base + ".weight_kn", LinearWeight(conv->input(1)->data()))};
    if (conv->num_inputs() > 2) ins.push_back(conv->input(2));
    AGT_ASSIGN_OR_RETURN(ir::Node * lin, g.AddNode(OpKind::kLinear, ins, {}, base, flat));
    if (lin->output()->type() != flat->output()->type()) {
      return Status::Errorf("patch-embed-to-linear: {} gives {}, the flatten {}", base, lin->output()->type().ToString(),
                            flat->output()->type().ToString());
    }
    r.Replace(flat->output(), lin->output());
  }
  return r.Finish();
}

Expected<bool> RunTokenConvToLinear(ir::Graph& g) {
  std::vector<ir::Node*> order;
  for (const auto& up : g.nodes()) order.push_back(up.get());
  Replacer r(g);
  for (ir::Node* conv : order) {
    if (conv->op() != OpKind::kConv2d || conv->num_inputs() < 2 || !conv->input(1)->is_constant()) continue;
    if (conv->num_inputs() > 2 && !conv->input(2)->is_constant()) continue;
    const ir::Shape& ws = conv->input(1)->shape();
    const ir::Attrs& a = conv->attrs();
    if (ws.size() != 4 || ws[2] != 1 || ws[3] != 1 || a.i(AttrKey::kGroup) != 1 || !AllEqual(a.ints(AttrKey::kPads), 0) ||
        !AllEqual(a.ints(AttrKey::kStrides), 1) || !AllEqual(a.ints(AttrKey::kDilations), 1)) {
      continue;
    }
    ir::Value* tokens = TokensOfImage(conv->input(0));
    if (tokens == nullptr || !ir::IsFloat(tokens->dtype())) continue;
    const ir::Shape& ys = conv->output()->shape();
    const std::string base = conv->name().empty() ? conv->output()->name() : conv->name();
    // The conv's sole element-wise unary user (its activation) comes along into token space.
    ir::Node* act = nullptr;
    ir::Value* y = conv->output();
    if (y->uses().size() == 1 && !g.IsGraphOutput(y)) {
      ir::Node* u = y->uses()[0].node;
      if (u->op() == OpKind::kRelu) act = u;
    }
    ir::Node* at = act != nullptr ? act : conv;
    std::vector<ir::Value*> ins = {tokens, g.AddConstant(base + ".weight_kn", LinearWeight(conv->input(1)->data()))};
    if (conv->num_inputs() > 2) ins.push_back(conv->input(2));
    AGT_ASSIGN_OR_RETURN(ir::Node * lin, g.AddNode(OpKind::kLinear, ins, {}, base, at));
    ir::Value* out = lin->output();
    if (act != nullptr) {
      AGT_ASSIGN_OR_RETURN(ir::Node * tok_act, g.AddNode(OpKind::kRelu, {out}, {}, act->name(), at));
      out = tok_act->output();
    }
    AGT_ASSIGN_OR_RETURN(ir::Node * tr, g.AddNode(OpKind::kTranspose, {out}, {{AttrKey::kPerm, std::vector<int64_t>{0, 2, 1}}},
                                                  base + ".to_channels", at));
    AGT_ASSIGN_OR_RETURN(ir::Node * img, g.AddNode(OpKind::kReshape, {tr->output()},
                                                   {{AttrKey::kShape, std::vector<int64_t>(ys.begin(), ys.end())}},
                                                   base + ".to_image", at));
    r.Replace(act != nullptr ? act->output() : y, img->output());
  }
  return r.Finish();
}

}  // namespace agt::passes

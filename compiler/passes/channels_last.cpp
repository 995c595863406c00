// Channels-last convolution chains (issue 14's layout pass).
//
// Each ungrouped conv2d by a constant weight becomes
//     transpose(x, [0,2,3,1]) -> conv2d_nhwc(w as [O, kh, kw, C]) -> transpose(y, [0,3,1,2])
// (a 1x1 stride-1 unpadded conv a linear on the channels-last pixels, weight [C, O]: the Hopper core's
// plain GEMM; an input of fewer than 8 channels, the RGB stem, padded with zero channels to 8), and
// each max_pool the same around max_pool_nhwc. The transposes then sink and cancel:
//   - transpose(transpose(x, Q), P) is transpose(x, Q[P]) (x itself when that is the identity);
//   - an element-wise unary op of transpose(x, P) is transpose(op(x), P);
//   - a binary broadcasting op of transpose(a, P) and transpose(b, P) (or a constant, permuted to
//     match) is transpose(op(a, b), P).
// The rules hold for any permutation, so in a model with convolutions they also meet transposes of its
// own (an attention's head split followed by a scale: the scale moves before the transpose, which the
// attention sketch reads as a view either way). The pass does nothing to a model without convolutions.
// So BatchNorm-folded bias, ReLU, residual adds and max-pool run channels-last from the first conv to
// where the model leaves the layout (DETR's flatten to [HW, C]: a transpose whose composition with
// the flatten is a plain view), and a transpose is left only where the layout truly changes. Every
// rewrite keeps the graph's values equal (the interpreter runs both forms).
#include <array>
#include <optional>

#include "compiler/passes/passes.h"
#include "compiler/passes/pattern.h"

namespace agt::passes {
namespace {

using ir::AttrKey;
using ir::OpKind;
using Perm = std::vector<int64_t>;

const Perm kToNhwc = {0, 2, 3, 1};
// Channels per 16-byte run of 16-bit values: below it, a conv's input is padded up to it.
constexpr int64_t kChannelRun = 8;
const Perm kToNchw = {0, 3, 1, 2};

bool AllEqual(const std::vector<int64_t>& v, int64_t x) {
  for (int64_t e : v) {
    if (e != x) return false;
  }
  return true;
}

bool IsIdentity(const Perm& p) {
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] != static_cast<int64_t>(i)) return false;
  }
  return true;
}

Perm Inverse(const Perm& p) {
  Perm inv(p.size());
  for (size_t i = 0; i < p.size(); ++i) inv[static_cast<size_t>(p[i])] = static_cast<int64_t>(i);
  return inv;
}

// The permutation of a transpose node, or nullopt.
std::optional<Perm> TransposeOf(const ir::Value* v) {
  const ir::Node* t = v->producer();
  if (t == nullptr || t->op() != OpKind::kTranspose) return std::nullopt;
  return t->attrs().ints(AttrKey::kPerm);
}

// W [O, C, kh, kw] -> [O, kh, kw, C].
ir::Tensor OhwcWeight(const ir::Tensor& w) {
  const ir::Shape& s = w.shape();
  const int64_t o = s[0], c = s[1], kh = s[2], kw = s[3];
  ir::Tensor out(ir::TensorType{w.dtype(), {o, kh, kw, c}});
  for (int64_t a = 0; a < o; ++a)
    for (int64_t ci = 0; ci < c; ++ci)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t x = 0; x < kw; ++x) out.SetF32(((a * kh + y) * kw + x) * c + ci, w.GetF32(((a * c + ci) * kh + y) * kw + x));
  return out;
}

// W [O, C, kh, kw] -> [O, kh, kw, c_pad] (channels past C zero).
ir::Tensor OhwcWeight(const ir::Tensor& w, int64_t c_pad) {
  ir::Tensor t = OhwcWeight(w);
  const ir::Shape& s = t.shape();
  if (c_pad == s[3]) return t;
  ir::Tensor out(ir::TensorType{w.dtype(), {s[0], s[1], s[2], c_pad}});
  for (int64_t r = 0; r < s[0] * s[1] * s[2]; ++r)
    for (int64_t c = 0; c < s[3]; ++c) out.SetF32(r * c_pad + c, t.GetF32(r * s[3] + c));
  return out;
}

// W [O, C, 1, 1] -> the linear weight [C, O].
ir::Tensor KnWeight(const ir::Tensor& w) {
  const int64_t o = w.shape()[0], c = w.shape()[1];
  ir::Tensor out(ir::TensorType{w.dtype(), {c, o}});
  for (int64_t a = 0; a < o; ++a)
    for (int64_t ci = 0; ci < c; ++ci) out.SetF32(ci * o + a, w.GetF32(a * c + ci));
  return out;
}

std::string BaseName(const ir::Node& n) { return n.name().empty() ? n.output()->name() : n.name(); }

Expected<ir::Value*> Transpose(ir::Graph& g, ir::Value* x, const Perm& perm, const std::string& name, ir::Node* before) {
  AGT_ASSIGN_OR_RETURN(ir::Node * t, g.AddNode(OpKind::kTranspose, {x}, {{AttrKey::kPerm, perm}}, name, before));
  return t->output();
}

bool ConvertibleConv(const ir::Node& n) {
  if (n.op() != OpKind::kConv2d || n.num_inputs() < 2 || !n.input(1)->is_constant()) return false;
  if (n.num_inputs() > 2 && !n.input(2)->is_constant()) return false;
  return n.attrs().i(AttrKey::kGroup) == 1 && n.input(0)->shape().size() == 4 && ir::IsFloat(n.input(0)->dtype());
}

// conv2d / max_pool -> the channels-last form between two transposes.
Expected<bool> ConvertToChannelsLast(ir::Graph& g) {
  std::vector<ir::Node*> order;
  for (const auto& up : g.nodes()) order.push_back(up.get());
  Replacer r(g);
  for (ir::Node* n : order) {
    const bool pool = n->op() == OpKind::kMaxPool && n->input(0)->shape().size() == 4;
    if (!pool && !ConvertibleConv(*n)) continue;
    const std::string base = BaseName(*n);
    AGT_ASSIGN_OR_RETURN(ir::Value * x, Transpose(g, n->input(0), kToNhwc, base + ".to_nhwc", n));
    ir::Node* y = nullptr;
    if (pool) {
      AGT_ASSIGN_OR_RETURN(y, g.AddNode(OpKind::kMaxPoolNhwc, {x}, n->attrs(), base, n));
    } else {
      const ir::Shape& ws = n->input(1)->shape();
      const ir::Attrs& a = n->attrs();
      const bool pointwise = ws[2] == 1 && ws[3] == 1 && AllEqual(a.ints(AttrKey::kPads), 0) &&
                             AllEqual(a.ints(AttrKey::kStrides), 1) && AllEqual(a.ints(AttrKey::kDilations), 1);
      // A few channels (an RGB stem) padded with zeros to a 16-byte run: the padded copy of the image is
      // one small kernel, and the conv then gathers whole runs (the Hopper core's implicit GEMM).
      const int64_t c = ws[1], c_pad = !pointwise && c % kChannelRun != 0 && c < kChannelRun ? kChannelRun : c;
      if (c_pad != c) {
        AGT_ASSIGN_OR_RETURN(ir::Node * pad, g.AddNode(OpKind::kPad, {x}, {{AttrKey::kPads, std::vector<int64_t>{0, 0, 0, 0, 0, 0, 0, c_pad - c}}},
                                                       base + ".pad_channels", n));
        x = pad->output();
      }
      std::vector<ir::Value*> ins = {x, pointwise ? g.AddConstant(base + ".weight_kn", KnWeight(n->input(1)->data()))
                                                  : g.AddConstant(base + ".weight_ohwc", OhwcWeight(n->input(1)->data(), c_pad))};
      if (n->num_inputs() > 2) ins.push_back(n->input(2));
      ir::Attrs window;
      for (AttrKey k : {AttrKey::kStrides, AttrKey::kPads, AttrKey::kDilations}) window.set(k, a.ints(k));
      AGT_ASSIGN_OR_RETURN(y, pointwise ? g.AddNode(OpKind::kLinear, ins, {}, base, n)
                                        : g.AddNode(OpKind::kConv2dNhwc, ins, std::move(window), base, n));
    }
    AGT_ASSIGN_OR_RETURN(ir::Value * back, Transpose(g, y->output(), kToNchw, base + ".to_nchw", n));
    if (back->type() != n->output()->type()) {
      return Status::Errorf("channels-last: {} gives {} where the original gives {}", base, back->type().ToString(),
                            n->output()->type().ToString());
    }
    r.Replace(n->output(), back);
  }
  return r.Finish();
}

// A constant `c` broadcasting against a rank-4 value, reshaped to rank 4 and permuted by `inv` (the
// inverse of the transpose it moves across); constant folding turns the two nodes into one constant.
Expected<ir::Value*> PermutedConstant(ir::Graph& g, ir::Value* c, const Perm& inv, ir::Node* before) {
  ir::Shape s = c->shape();
  if (s.size() > 4) return nullptr;
  while (s.size() < 4) s.insert(s.begin(), 1);
  ir::Value* v = c;
  if (s != c->shape()) {
    AGT_ASSIGN_OR_RETURN(ir::Node * rs, g.AddNode(OpKind::kReshape, {c}, {{AttrKey::kShape, std::vector<int64_t>(s)}}, "", before));
    v = rs->output();
  }
  return Transpose(g, v, inv, "", before);
}

// One sweep of the sinking rules; whether anything changed.
Expected<bool> SinkTransposes(ir::Graph& g) {
  std::vector<ir::Node*> order;
  for (const auto& up : g.nodes()) order.push_back(up.get());
  Replacer r(g);
  for (ir::Node* n : order) {
    if (n->num_outputs() != 1) continue;
    if (n->op() == OpKind::kTranspose) {
      auto inner = TransposeOf(n->input(0));
      const Perm& p = n->attrs().ints(AttrKey::kPerm);
      if (!inner) continue;
      Perm composed(p.size());
      for (size_t d = 0; d < p.size(); ++d) composed[d] = (*inner)[static_cast<size_t>(p[d])];
      ir::Value* src = n->input(0)->producer()->input(0);
      if (IsIdentity(composed)) {
        r.Replace(n->output(), src);
      } else {
        AGT_ASSIGN_OR_RETURN(ir::Value * t, Transpose(g, src, composed, BaseName(*n), n));
        r.Replace(n->output(), t);
      }
      continue;
    }
    const bool unary = n->pattern() == ir::OpPattern::kElemWise && n->num_inputs() == 1;
    const bool binary = n->pattern() == ir::OpPattern::kBroadcast && n->num_inputs() == 2 && n->op() != OpKind::kWhere;
    if (!unary && !binary) continue;
    if (n->output()->shape().size() != 4) continue;
    // The transpose both operands share (binary: the other one a transpose by the same perm or a constant).
    int ti = TransposeOf(n->input(0)) ? 0 : (binary && TransposeOf(n->input(1)) ? 1 : -1);
    if (ti < 0) continue;
    Perm p = *TransposeOf(n->input(ti));
    std::vector<ir::Value*> ins(n->num_inputs());
    ins[ti] = n->input(ti)->producer()->input(0);
    if (ins[ti]->shape().size() != 4) continue;
    if (binary) {
      ir::Value* other = n->input(1 - ti);
      auto op = TransposeOf(other);
      if (op && *op == p && other->shape() == n->input(ti)->shape()) {
        ins[1 - ti] = other->producer()->input(0);
      } else if (other->is_constant()) {
        AGT_ASSIGN_OR_RETURN(ir::Value * pc, PermutedConstant(g, other, Inverse(p), n));
        if (pc == nullptr) continue;
        ins[1 - ti] = pc;
      } else {
        continue;
      }
    }
    AGT_ASSIGN_OR_RETURN(ir::Node * moved, g.AddNode(n->op(), ins, n->attrs(), BaseName(*n) + ".cl", n));
    AGT_ASSIGN_OR_RETURN(ir::Value * t, Transpose(g, moved->output(), p, BaseName(*n) + ".to_nchw", n));
    if (t->type() != n->output()->type()) {
      return Status::Errorf("channels-last: moving the transpose across {} changes its type to {}", n->Describe(), t->type().ToString());
    }
    r.Replace(n->output(), t);
  }
  return r.Finish();
}

// The value `v` when it is transpose(x, perm) with one use: x, else null.
ir::Value* SoleTransposeInput(const ir::Graph& g, const ir::Value* v, const Perm& perm) {
  const ir::Node* t = v->producer();
  if (t == nullptr || t->op() != OpKind::kTranspose || t->attrs().ints(AttrKey::kPerm) != perm) return nullptr;
  if (v->uses().size() != 1 || g.IsGraphOutput(v)) return nullptr;
  return t->input(0);
}

// A 1x1 conv (a linear on channels-last pixels) after a spatial resize, with fewer output channels
// than inputs, moves before the resize: each interpolated pixel is a weighted sum of input pixels with
// weights summing to 1, so a per-pixel linear map and its bias commute with it, and the product runs
// on fewer pixels and the resize on fewer channels (SETR-PUP's classifier after its last x2 upsample:
// 4x fewer pixels in the GEMM, and the 256-channel 384x384 image is never written).
//   linear(transpose(resize(transpose(z, to NCHW)), to NHWC), W, b)
//     -> transpose(resize(transpose(linear(z, W, b), to NCHW)), to NHWC)
Expected<bool> MoveLinearBeforeResize(ir::Graph& g) {
  std::vector<ir::Node*> order;
  for (const auto& up : g.nodes()) order.push_back(up.get());
  Replacer r(g);
  for (ir::Node* lin : order) {
    if (lin->op() != OpKind::kLinear || lin->input(0)->shape().size() != 4) continue;
    const ir::Shape& ws = lin->input(1)->shape();
    if (!lin->input(1)->is_constant() || ws[1] >= ws[0]) continue;
    ir::Value* resized = SoleTransposeInput(g, lin->input(0), kToNhwc);
    const ir::Node* rs = resized ? resized->producer() : nullptr;
    if (rs == nullptr || rs->op() != OpKind::kResize || resized->uses().size() != 1 || g.IsGraphOutput(resized)) continue;
    const std::string mode = rs->attrs().s(AttrKey::kMode);
    if (mode != "linear" && mode != "nearest") continue;
    ir::Value* z = SoleTransposeInput(g, rs->input(0), kToNchw);
    const ir::Shape& in = rs->input(0)->shape();
    std::vector<int64_t> sizes = rs->attrs().ints(AttrKey::kSizes);
    if (z == nullptr || sizes.size() != 4 || sizes[0] != in[0] || sizes[1] != in[1]) continue;
    const std::string base = BaseName(*lin);
    std::vector<ir::Value*> ins = {z, lin->input(1)};
    if (lin->num_inputs() > 2) ins.push_back(lin->input(2));
    AGT_ASSIGN_OR_RETURN(ir::Node * early, g.AddNode(OpKind::kLinear, ins, {}, base, lin));
    AGT_ASSIGN_OR_RETURN(ir::Value * nchw, Transpose(g, early->output(), kToNchw, base + ".to_nchw", lin));
    ir::Attrs ra = rs->attrs();
    sizes[1] = ws[1];
    ra.set(AttrKey::kSizes, sizes);
    AGT_ASSIGN_OR_RETURN(ir::Node * late, g.AddNode(OpKind::kResize, {nchw}, std::move(ra), BaseName(*rs), lin));
    AGT_ASSIGN_OR_RETURN(ir::Value * out, Transpose(g, late->output(), kToNhwc, base + ".to_nhwc", lin));
    if (out->type() != lin->output()->type()) return Status::Errorf("channels-last: moving {} before its resize changes its type", base);
    r.Replace(lin->output(), out);
  }
  return r.Finish();
}

// Sweeps of SinkTransposes until nothing moves. Each sweep moves every transpose at least one op down
// or cancels it; chains are as long as the graph, so the bound is the node count (ResNet-50's 16
// blocks settle in a few sweeps).
Status SinkAll(ir::Graph& g) {
  for (size_t i = 0, limit = g.num_nodes(); i < limit; ++i) {
    AGT_ASSIGN_OR_RETURN(bool moved, SinkTransposes(g));
    if (!moved) break;
  }
  return Status::Ok();
}

}  // namespace

Expected<bool> RunChannelsLast(ir::Graph& g) {
  AGT_ASSIGN_OR_RETURN(bool changed, ConvertToChannelsLast(g));
  if (!changed) return false;
  AGT_RETURN_IF_ERROR(SinkAll(g));
  AGT_ASSIGN_OR_RETURN(bool moved, MoveLinearBeforeResize(g));
  if (moved) AGT_RETURN_IF_ERROR(SinkAll(g));
  return true;
}

}  // namespace agt::passes

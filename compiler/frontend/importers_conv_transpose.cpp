// ConvTranspose (2-D) as ops the planner already fuses: the input's pixels spread s apart with
// zeros between them (reshape, zero pad, reshape, slice), padded by d (k - 1) - p on each side (plus
// output_padding at the end; a negative amount crops), then an ordinary stride-1 convolution with the
// weight regrouped from [C, M/g, kh, kw] to [M, C/g, kh, kw] and flipped in both spatial dims (done
// here on the constant). The convolution then goes wherever convolutions go (channels-last, the
// implicit-GEMM core). The weight must be a constant; output_shape and auto_pad other than NOTSET are
// refused with the reason (PyTorch's exporters write explicit pads and output_padding).
#include <vector>

#include "compiler/frontend/importers.h"

namespace agt::frontend {

namespace {

using ir::AttrKey;
using ir::OpKind;

// The weight [C, M/g, kh, kw] as the equivalent convolution's [M, C/g, kh, kw], flipped spatially.
ir::Tensor RegroupedWeight(const ir::Tensor& w, int64_t group) {
  const ir::Shape& s = w.shape();
  const int64_t c = s[0], mg = s[1], kh = s[2], kw = s[3], cg = c / group;
  const std::vector<float> src = w.ToF32();
  std::vector<float> dst(src.size());
  for (int64_t g = 0; g < group; ++g) {
    for (int64_t ci = 0; ci < cg; ++ci) {
      for (int64_t m = 0; m < mg; ++m) {
        for (int64_t y = 0; y < kh; ++y) {
          for (int64_t x = 0; x < kw; ++x) {
            const int64_t from = (((g * cg + ci) * mg + m) * kh + y) * kw + x;
            const int64_t to = (((g * mg + m) * cg + ci) * kh + (kh - 1 - y)) * kw + (kw - 1 - x);
            dst[static_cast<size_t>(to)] = src[static_cast<size_t>(from)];
          }
        }
      }
    }
  }
  return ir::Tensor::FromF32(w.dtype(), {group * mg, cg, kh, kw}, dst);
}

}  // namespace

Status ImportConvTranspose(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(const ir::Tensor* w, ctx.ConstInput(1, "the weight"));
  AGT_ASSIGN_OR_RETURN(ir::Value * b, ctx.OptionalInput(2));
  if (x->shape().size() != 4 || w->shape().size() != 4 || !ir::IsFloat(x->dtype())) {
    return ctx.Error("only 2-D transposed convolutions of a float [N, C, H, W] input are supported, got {} and weight {}",
                     x->type().ToString(), w->type().ToString());
  }
  if (ctx.AttrString("auto_pad", "NOTSET") != "NOTSET") return ctx.Error("auto_pad other than NOTSET is not supported: export with explicit pads");
  if (ctx.HasAttr("output_shape")) return ctx.Error("output_shape is not supported: export with pads and output_padding");
  const int64_t group = ctx.AttrInt("group", 1);
  const ir::Shape& xs = x->shape();
  const ir::Shape& ws = w->shape();
  if (group < 1 || xs[1] % group != 0 || ws[0] != xs[1]) {
    return ctx.Error("the weight {} does not match {} input channels in {} groups", w->type().ToString(), xs[1], group);
  }
  const std::vector<int64_t> s = ctx.AttrInts("strides", {1, 1}), d = ctx.AttrInts("dilations", {1, 1}),
                             p = ctx.AttrInts("pads", {0, 0, 0, 0}), op = ctx.AttrInts("output_padding", {0, 0});
  if (s.size() != 2 || d.size() != 2 || p.size() != 4 || op.size() != 2) return ctx.Error("only 2-D windows are supported");
  for (int i = 0; i < 2; ++i) {
    if (s[i] < 1 || s[i] > 64 || d[i] < 1 || d[i] > 64 || op[i] < 0 || op[i] >= std::max(s[i], d[i])) {
      return ctx.Error("strides {} / dilations {} / output_padding {} are out of range", s[i], d[i], op[i]);
    }
    for (int64_t v : {p[i], p[i + 2]}) {
      if (v < 0 || v > d[i] * (ws[2 + i] - 1)) return ctx.Error("pads {} past the kernel's extent are not supported", v);
    }
  }
  const int64_t n = xs[0], c = xs[1], h = xs[2], wd = xs[3];
  ir::Value* v = x;
  if (s[0] > 1 || s[1] > 1) {
    // [N, C, H, 1, W, 1] -> zeros after each pixel -> [N, C, H s, W s] -> the last s - 1 rows / columns cut.
    AGT_ASSIGN_OR_RETURN(v, ctx.Reshape(v, {n, c, h, 1, wd, 1}));
    AGT_ASSIGN_OR_RETURN(v, ctx.Emit(OpKind::kPad, {v}, ir::Attrs{{AttrKey::kPads, std::vector<int64_t>{0, 0, 0, 0, 0, 0, 0, 0, 0, s[0] - 1, 0, s[1] - 1}},
                                                           {AttrKey::kMode, std::string("constant")}, {AttrKey::kValue, 0.0}}));
    AGT_ASSIGN_OR_RETURN(v, ctx.Reshape(v, {n, c, h * s[0], wd * s[1]}));
    AGT_ASSIGN_OR_RETURN(v, ctx.Emit(OpKind::kSlice, {v}, ir::Attrs{{AttrKey::kStarts, std::vector<int64_t>{0, 0}},
                                                             {AttrKey::kEnds, std::vector<int64_t>{(h - 1) * s[0] + 1, (wd - 1) * s[1] + 1}},
                                                             {AttrKey::kAxes, std::vector<int64_t>{2, 3}}}));
  }
  const std::vector<int64_t> border = {0, 0, d[0] * (ws[2] - 1) - p[0], d[1] * (ws[3] - 1) - p[1],
                                       0, 0, d[0] * (ws[2] - 1) - p[2] + op[0], d[1] * (ws[3] - 1) - p[3] + op[1]};
  AGT_ASSIGN_OR_RETURN(v, ctx.Emit(OpKind::kPad, {v}, ir::Attrs{{AttrKey::kPads, border}, {AttrKey::kMode, std::string("constant")}, {AttrKey::kValue, 0.0}}));
  ir::Value* weight = ctx.Constant(RegroupedWeight(*w, group));
  std::vector<ir::Value*> ins = {v, weight};
  if (b != nullptr) ins.push_back(b);
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(OpKind::kConv2d, ins,
                                               ir::Attrs{{AttrKey::kPads, std::vector<int64_t>{0, 0, 0, 0}},
                                                         {AttrKey::kStrides, std::vector<int64_t>{1, 1}},
                                                         {AttrKey::kDilations, d},
                                                         {AttrKey::kGroup, group}}));
  return ctx.SetOutput(0, y);
}

}  // namespace agt::frontend

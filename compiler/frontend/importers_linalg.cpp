// Importers of ONNX's matrix products and convolutions: MatMul, Gemm (-> linear with its weight in
// [K, N] layout: transB, alpha and beta fold into the constant weight and bias), Conv (2-D,
// explicit padding), MaxPool, GlobalAveragePool (a mean over H and W), AveragePool (a depthwise
// conv by ones, times each output's 1 / window count) and BatchNormalization (inference form).
#include "compiler/frontend/importers.h"

namespace agt::frontend {
namespace {

using ir::AttrKey;
using ir::OpKind;

Expected<ir::Value*> Transpose2d(ImportContext& ctx, ir::Value* v) {
  if (v->shape().size() != 2) return ctx.Error("Gemm operands must be 2-D, got {}", v->type().ToString());
  return ctx.Emit(OpKind::kTranspose, {v}, ir::Attrs{{AttrKey::kPerm, std::vector<int64_t>{1, 0}}});
}

Status ImportMatMul(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * a, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(ir::Value * b, ctx.Input(1));
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(OpKind::kMatMul, {a, b}));
  return ctx.SetOutput(0, y);
}

Status ImportGemm(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * a, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(ir::Value * w, ctx.Input(1));
  AGT_ASSIGN_OR_RETURN(ir::Value * c, ctx.OptionalInput(2));
  double alpha = ctx.AttrFloat("alpha", 1.0), beta = ctx.AttrFloat("beta", 1.0);
  if (a->shape().size() != 2 || w->shape().size() != 2) {
    return ctx.Error("Gemm operands must be 2-D, got {} and {}", a->type().ToString(), w->type().ToString());
  }
  if (ctx.AttrInt("transA", 0) != 0) {
    AGT_ASSIGN_OR_RETURN(a, Transpose2d(ctx, a));
  }
  if (ctx.AttrInt("transB", 0) != 0) {
    AGT_ASSIGN_OR_RETURN(w, Transpose2d(ctx, w));
  }
  if (alpha != 1.0) {
    AGT_ASSIGN_OR_RETURN(w, ctx.Emit(OpKind::kMul, {w, ctx.Scalar(alpha, w->dtype())}));
  }
  int64_t n = w->shape()[1];
  ir::Value* bias = nullptr;
  if (c != nullptr && beta != 0.0) {
    if (beta != 1.0) {
      AGT_ASSIGN_OR_RETURN(c, ctx.Emit(OpKind::kMul, {c, ctx.Scalar(beta, c->dtype())}));
    }
    // A bias of N values (shape [N] or [1, N]) becomes linear's bias; any other C is added after.
    if (c->type().num_elements() == n && (c->shape().empty() ? n == 1 : c->shape().back() == n)) {
      AGT_ASSIGN_OR_RETURN(bias, ctx.Reshape(c, {n}));
      c = nullptr;
    }
  } else {
    c = nullptr;
  }
  std::vector<ir::Value*> ins = {a, w};
  if (bias != nullptr) ins.push_back(bias);
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(OpKind::kLinear, ins));
  if (c != nullptr) {
    AGT_ASSIGN_OR_RETURN(y, ctx.Emit(OpKind::kAdd, {y, c}));
  }
  return ctx.SetOutput(0, y);
}

// strides, pads, dilations of a 2-D window op, with auto_pad restricted to explicit padding.
Status WindowAttrs(ImportContext& ctx, ir::Attrs& attrs) {
  std::string auto_pad = ctx.AttrString("auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && auto_pad != "VALID") {
    return ctx.Error("auto_pad='{}' is not supported: export with explicit pads (auto_pad NOTSET)", auto_pad);
  }
  std::vector<int64_t> pads = auto_pad == "VALID" ? std::vector<int64_t>{0, 0, 0, 0} : ctx.AttrInts("pads", {0, 0, 0, 0});
  std::vector<int64_t> strides = ctx.AttrInts("strides", {1, 1});
  std::vector<int64_t> dilations = ctx.AttrInts("dilations", {1, 1});
  if (pads.size() != 4 || strides.size() != 2 || dilations.size() != 2) {
    return ctx.Error("only 2-D windows are supported (pads {}, strides {}, dilations {} entries)", pads.size(),
                     strides.size(), dilations.size());
  }
  attrs.set(AttrKey::kPads, pads);
  attrs.set(AttrKey::kStrides, strides);
  attrs.set(AttrKey::kDilations, dilations);
  return Status::Ok();
}

Status ImportConv(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(ir::Value * w, ctx.Input(1));
  AGT_ASSIGN_OR_RETURN(ir::Value * b, ctx.OptionalInput(2));
  if (w->shape().size() != 4) {
    return ctx.Error("only 2-D convolutions are supported, weight is {}", w->type().ToString());
  }
  ir::Attrs attrs;
  AGT_RETURN_IF_ERROR(WindowAttrs(ctx, attrs));
  attrs.set(AttrKey::kGroup, ctx.AttrInt("group", 1));
  std::vector<ir::Value*> ins = {x, w};
  if (b != nullptr) ins.push_back(b);
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(OpKind::kConv2d, ins, attrs));
  return ctx.SetOutput(0, y);
}

Status ImportMaxPool(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  if (ctx.OutputUsed(1)) return ctx.Error("the Indices output of MaxPool is not supported");
  if (ctx.AttrInt("storage_order", 0) != 0) return ctx.Error("storage_order=1 is not supported");
  ir::Attrs attrs;
  AGT_RETURN_IF_ERROR(WindowAttrs(ctx, attrs));
  std::vector<int64_t> k = ctx.AttrInts("kernel_shape");
  if (k.size() != 2) return ctx.Error("only 2-D max pooling is supported (kernel_shape has {} entries)", k.size());
  attrs.set(AttrKey::kKernelShape, k);
  attrs.set(AttrKey::kCeilMode, ctx.AttrInt("ceil_mode", 0));
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(OpKind::kMaxPool, {x}, attrs));
  return ctx.SetOutput(0, y);
}

// AveragePool as a depthwise conv whose weights are all ones, times the constant 1 / (window taps
// counted) of each output position: every tap with count_include_pad=1, the taps inside the image
// with 0 (ONNX's default).
Status ImportAveragePool(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  if (x->shape().size() != 4 || !ir::IsFloat(x->dtype())) {
    return ctx.Error("only 2-D average pooling of a float [N, C, H, W] input is supported, got {}", x->type().ToString());
  }
  if (ctx.AttrInt("ceil_mode", 0) != 0) return ctx.Error("ceil_mode=1 is not supported: export with ceil_mode=False");
  ir::Attrs attrs;
  AGT_RETURN_IF_ERROR(WindowAttrs(ctx, attrs));
  const std::vector<int64_t> k = ctx.AttrInts("kernel_shape");
  if (k.size() != 2 || k[0] < 1 || k[1] < 1) return ctx.Error("kernel_shape must be 2 positive values");
  const std::vector<int64_t> pads = attrs.ints(AttrKey::kPads), st = attrs.ints(AttrKey::kStrides),
                             dil = attrs.ints(AttrKey::kDilations);
  const int64_t c = x->shape()[1], h = x->shape()[2], w = x->shape()[3];
  ir::Value* ones = ctx.Constant(ir::Tensor::FromF32(x->dtype(), {c, 1, k[0], k[1]},
                                                     std::vector<float>(static_cast<size_t>(c * k[0] * k[1]), 1.0f)));
  attrs.set(AttrKey::kGroup, c);
  AGT_ASSIGN_OR_RETURN(ir::Value * sums, ctx.Emit(OpKind::kConv2d, {x, ones}, attrs));   // the conv's rule sizes it
  const int64_t oh = sums->shape()[2], ow = sums->shape()[3];
  const bool include_pad = ctx.AttrInt("count_include_pad", 0) != 0;
  std::vector<float> inv(static_cast<size_t>(oh * ow));
  for (int64_t y = 0; y < oh; ++y) {
    for (int64_t xo = 0; xo < ow; ++xo) {
      int64_t taps = 0;
      for (int64_t i = 0; i < k[0]; ++i) {
        for (int64_t j = 0; j < k[1]; ++j) {
          const int64_t r = y * st[0] - pads[0] + i * dil[0], q = xo * st[1] - pads[1] + j * dil[1];
          taps += include_pad || (r >= 0 && r < h && q >= 0 && q < w);
        }
      }
      inv[static_cast<size_t>(y * ow + xo)] = taps > 0 ? 1.0f / static_cast<float>(taps) : 0.0f;
    }
  }
  ir::Value* scale = ctx.Constant(ir::Tensor::FromF32(x->dtype(), {1, 1, oh, ow}, inv));
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(OpKind::kMul, {sums, scale}));
  return ctx.SetOutput(0, y);
}

Status ImportGlobalAveragePool(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  std::vector<int64_t> axes;
  for (size_t d = 2; d < x->shape().size(); ++d) axes.push_back(static_cast<int64_t>(d));
  if (axes.empty()) return ctx.Error("input {} has no spatial dims", x->type().ToString());
  AGT_ASSIGN_OR_RETURN(ir::Value * y,
                       ctx.Emit(OpKind::kReduceMean, {x}, ir::Attrs{{AttrKey::kAxes, axes}, {AttrKey::kKeepDims, int64_t{1}}}));
  return ctx.SetOutput(0, y);
}

Status ImportBatchNorm(ImportContext& ctx) {
  if (ctx.AttrInt("training_mode", 0) != 0) return ctx.Error("training_mode=1 is not supported (inference only)");
  for (int i = 1; i < ctx.num_outputs(); ++i) {
    if (ctx.OutputUsed(i)) return ctx.Error("output {} (running statistics) is not supported", i);
  }
  std::vector<ir::Value*> ins;
  for (int i = 0; i < 5; ++i) {
    AGT_ASSIGN_OR_RETURN(ir::Value * v, ctx.Input(i));
    ins.push_back(v);
  }
  AGT_ASSIGN_OR_RETURN(ir::Value * y,
                       ctx.Emit(OpKind::kBatchNorm, ins, ir::Attrs{{AttrKey::kEpsilon, ctx.AttrFloat("epsilon", 1e-5)}}));
  return ctx.SetOutput(0, y);
}

constexpr ImporterEntry kTable[] = {
    {"MatMul", ImportMatMul},
    {"Gemm", ImportGemm},
    {"Conv", ImportConv},
    {"ConvTranspose", ImportConvTranspose},
    {"MaxPool", ImportMaxPool},
    {"GlobalAveragePool", ImportGlobalAveragePool},
    {"AveragePool", ImportAveragePool},
    {"Einsum", ImportEinsum},
    {"BatchNormalization", ImportBatchNorm},
};

}  // namespace

std::span<const ImporterEntry> LinalgImporters() { return kTable; }

}  // namespace agt::frontend

// Importers of ONNX's matrix products and convolutions: MatMul, Gemm (-> linear with its weight in
// [K, N] layout: transB, alpha and beta fold into the constant weight and bias), Conv (2-D,
// explicit padding), MaxPool, GlobalAveragePool (a mean over H and W) and BatchNormalization
// (inference form).
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
    {"MaxPool", ImportMaxPool},
    {"GlobalAveragePool", ImportGlobalAveragePool},
    {"BatchNormalization", ImportBatchNorm},
};

}  // namespace

std::span<const ImporterEntry> LinalgImporters() { return kTable; }

}  // namespace agt::frontend

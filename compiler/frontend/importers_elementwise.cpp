// Importers of ONNX's element-wise ops: unary math and IsNaN, broadcasting binary arithmetic,
// comparisons and logic, the variadic Sum/Max/Min/Mean (chains of binary ops), Where, Cast, Clip (max then min),
// Gelu, the small activations that are a few element-wise ops (HardSigmoid, HardSwish,
// LeakyRelu), and the inference no-ops Identity and Dropout (the output aliases the input).
#include <cmath>

#include "compiler/frontend/importers.h"
#include "compiler/frontend/tensor_proto.h"

namespace agt::frontend {
namespace {

using ir::OpKind;

template <OpKind kOp>
Status ImportUnary(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(kOp, {x}));
  return ctx.SetOutput(0, y);
}

template <OpKind kOp>
Status ImportBinary(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * a, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(ir::Value * b, ctx.Input(1));
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(kOp, {a, b}));
  return ctx.SetOutput(0, y);
}

// ONNX's Pow allows an exponent of another type (x^2 with an int64 2); the IR wants one type.
Status ImportPow(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * a, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(ir::Value * b, ctx.Input(1));
  AGT_ASSIGN_OR_RETURN(b, ctx.Cast(b, a->dtype()));
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(OpKind::kPow, {a, b}));
  return ctx.SetOutput(0, y);
}

// Sum, Max, Min, Mean over any number of inputs: a left-to-right chain of binary ops.
template <OpKind kOp, bool kMean = false>
Status ImportVariadic(ImportContext& ctx) {
  if (ctx.num_inputs() < 1) return ctx.Error("needs at least one input");
  AGT_ASSIGN_OR_RETURN(ir::Value * acc, ctx.Input(0));
  for (int i = 1; i < ctx.num_inputs(); ++i) {
    AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(i));
    AGT_ASSIGN_OR_RETURN(acc, ctx.Emit(kOp, {acc, x}));
  }
  if (kMean && ctx.num_inputs() > 1) {
    AGT_ASSIGN_OR_RETURN(acc, ctx.Emit(OpKind::kDiv, {acc, ctx.Scalar(ctx.num_inputs(), acc->dtype())}));
  }
  return ctx.SetOutput(0, acc);
}

Status ImportWhere(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * c, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(1));
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Input(2));
  AGT_ASSIGN_OR_RETURN(ir::Value * out, ctx.Emit(OpKind::kWhere, {c, x, y}));
  return ctx.SetOutput(0, out);
}

Status ImportAlias(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  if (ctx.op_type() == "Dropout" && ctx.OutputUsed(1)) {
    return ctx.Error("the mask output of Dropout is not supported (inference graphs do not read it)");
  }
  return ctx.SetOutput(0, x);
}

Status ImportCast(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  ir::DType to;
  if (ctx.op_type() == "CastLike") {
    AGT_ASSIGN_OR_RETURN(ir::Value * like, ctx.Input(1));
    to = like->dtype();
  } else {
    if (!ctx.HasAttr("to")) return ctx.Error("attribute 'to' is required");
    auto dt = DTypeFromOnnx(static_cast<int32_t>(ctx.AttrInt("to", 0)));
    if (!dt.ok()) return ctx.Wrap(dt.status());
    to = *dt;
  }
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Cast(x, to));
  return ctx.SetOutput(0, y);
}

Status ImportClip(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(ir::Value * lo, ctx.OptionalInput(1));
  AGT_ASSIGN_OR_RETURN(ir::Value * hi, ctx.OptionalInput(2));
  // Opset < 11 carried the bounds as attributes.
  if (lo == nullptr && ctx.HasAttr("min")) lo = ctx.Scalar(ctx.AttrFloat("min", 0), x->dtype());
  if (hi == nullptr && ctx.HasAttr("max")) hi = ctx.Scalar(ctx.AttrFloat("max", 0), x->dtype());
  ir::Value* y = x;
  if (lo != nullptr) {
    AGT_ASSIGN_OR_RETURN(y, ctx.Emit(OpKind::kMax, {y, lo}));
  }
  if (hi != nullptr) {
    AGT_ASSIGN_OR_RETURN(y, ctx.Emit(OpKind::kMin, {y, hi}));
  }
  return ctx.SetOutput(0, y);
}

Status ImportGelu(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  std::string approx = ctx.AttrString("approximate", "none");
  if (approx != "none" && approx != "tanh") return ctx.Error("approximate='{}' is not 'none' or 'tanh'", approx);
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(OpKind::kGelu, {x}, ir::Attrs{{ir::AttrKey::kApproximate, approx}}));
  return ctx.SetOutput(0, y);
}

// max(0, min(1, alpha * x + beta))
Expected<ir::Value*> HardSigmoid(ImportContext& ctx, ir::Value* x, double alpha, double beta) {
  AGT_ASSIGN_OR_RETURN(ir::Value * t, ctx.Emit(OpKind::kMul, {x, ctx.Scalar(alpha, x->dtype())}));
  AGT_ASSIGN_OR_RETURN(t, ctx.Emit(OpKind::kAdd, {t, ctx.Scalar(beta, x->dtype())}));
  AGT_ASSIGN_OR_RETURN(t, ctx.Emit(OpKind::kMin, {t, ctx.Scalar(1.0, x->dtype())}));
  return ctx.Emit(OpKind::kMax, {t, ctx.Scalar(0.0, x->dtype())});
}

Status ImportHardSigmoid(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(ir::Value * y, HardSigmoid(ctx, x, ctx.AttrFloat("alpha", 0.2), ctx.AttrFloat("beta", 0.5)));
  return ctx.SetOutput(0, y);
}

Status ImportHardSwish(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(ir::Value * s, HardSigmoid(ctx, x, 1.0 / 6.0, 0.5));
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(OpKind::kMul, {x, s}));
  return ctx.SetOutput(0, y);
}

// max(x, 0) + alpha * min(x, 0)
Status ImportLeakyRelu(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  ir::Value* zero = ctx.Scalar(0.0, x->dtype());
  AGT_ASSIGN_OR_RETURN(ir::Value * pos, ctx.Emit(OpKind::kMax, {x, zero}));
  AGT_ASSIGN_OR_RETURN(ir::Value * neg, ctx.Emit(OpKind::kMin, {x, zero}));
  AGT_ASSIGN_OR_RETURN(neg, ctx.Emit(OpKind::kMul, {neg, ctx.Scalar(ctx.AttrFloat("alpha", 0.01), x->dtype())}));
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(OpKind::kAdd, {pos, neg}));
  return ctx.SetOutput(0, y);
}

constexpr ImporterEntry kTable[] = {
    {"Relu", ImportUnary<OpKind::kRelu>},
    {"Sigmoid", ImportUnary<OpKind::kSigmoid>},
    {"Sqrt", ImportUnary<OpKind::kSqrt>},
    {"Erf", ImportUnary<OpKind::kErf>},
    {"Exp", ImportUnary<OpKind::kExp>},
    {"Log", ImportUnary<OpKind::kLog>},
    {"Tanh", ImportUnary<OpKind::kTanh>},
    {"Neg", ImportUnary<OpKind::kNeg>},
    {"Abs", ImportUnary<OpKind::kAbs>},
    {"Reciprocal", ImportUnary<OpKind::kReciprocal>},
    {"Sin", ImportUnary<OpKind::kSin>},
    {"Cos", ImportUnary<OpKind::kCos>},
    {"Floor", ImportUnary<OpKind::kFloor>},
    {"Ceil", ImportUnary<OpKind::kCeil>},
    {"Not", ImportUnary<OpKind::kNot>},
    {"IsNaN", ImportUnary<OpKind::kIsNaN>},
    {"Gelu", ImportGelu},
    {"Add", ImportBinary<OpKind::kAdd>},
    {"Sub", ImportBinary<OpKind::kSub>},
    {"Mul", ImportBinary<OpKind::kMul>},
    {"Div", ImportBinary<OpKind::kDiv>},
    {"Pow", ImportPow},
    {"Equal", ImportBinary<OpKind::kEqual>},
    {"Less", ImportBinary<OpKind::kLess>},
    {"LessOrEqual", ImportBinary<OpKind::kLessOrEqual>},
    {"Greater", ImportBinary<OpKind::kGreater>},
    {"GreaterOrEqual", ImportBinary<OpKind::kGreaterOrEqual>},
    {"And", ImportBinary<OpKind::kAnd>},
    {"Or", ImportBinary<OpKind::kOr>},
    {"Sum", ImportVariadic<OpKind::kAdd>},
    {"Max", ImportVariadic<OpKind::kMax>},
    {"Min", ImportVariadic<OpKind::kMin>},
    {"Mean", ImportVariadic<OpKind::kAdd, true>},
    {"Where", ImportWhere},
    {"Cast", ImportCast},
    {"CastLike", ImportCast},
    {"Clip", ImportClip},
    {"Identity", ImportAlias},
    {"Dropout", ImportAlias},
    {"HardSigmoid", ImportHardSigmoid},
    {"HardSwish", ImportHardSwish},
    {"LeakyRelu", ImportLeakyRelu},
};

}  // namespace

std::span<const ImporterEntry> ElementwiseImporters() { return kTable; }

}  // namespace agt::frontend

// Importers of ONNX's normalisations and reductions: LayerNormalization (the scale and bias are
// expanded to the normalised dims when given broadcastable), Softmax, BatchNormalization lives
// with the convolutions; ReduceMean/ReduceSum/ReduceMax with axes as an attribute (older opsets)
// or a constant input (ReduceSum from 13, the others from 18), ReduceL1/L2/SumSquare/Min as one of
// those of a map of x, and CumSum. LogSoftmax,
// InstanceNormalization and GroupNormalization are written in those ops: LogSoftmax as
// (x - max) - log(sum(exp(x - max))), the two normalisations as a layer_norm over each instance's or
// group's values (unit scale, zero shift) followed by the per-channel scale and bias.
#include "compiler/frontend/importers.h"

namespace agt::frontend {
namespace {

using ir::AttrKey;
using ir::OpKind;

Status ImportLayerNorm(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(ir::Value * scale, ctx.Input(1));
  AGT_ASSIGN_OR_RETURN(ir::Value * bias, ctx.OptionalInput(2));
  for (int i = 1; i < ctx.num_outputs(); ++i) {
    if (ctx.OutputUsed(i)) return ctx.Error("output {} (mean or inverse std-dev) is not supported", i);
  }
  int64_t raw = ctx.AttrInt("axis", -1);
  auto axis = ir::NormalizeAxis(raw, static_cast<int64_t>(x->shape().size()));
  if (!axis) return ctx.Error("axis {} is out of range for {}", raw, x->type().ToString());
  ir::Shape norm(x->shape().begin() + *axis, x->shape().end());
  // The IR wants scale and bias of exactly the normalised shape.
  auto fit = [&](ir::Value* v) -> Expected<ir::Value*> {
    if (v->shape() == norm) return v;
    if (v->type().num_elements() == ir::NumElements(norm)) return ctx.Reshape(v, norm);
    return ctx.Emit(OpKind::kExpand, {v}, ir::Attrs{{AttrKey::kShape, norm}});
  };
  AGT_ASSIGN_OR_RETURN(scale, fit(scale));
  std::vector<ir::Value*> ins = {x, scale};
  if (bias != nullptr) {
    AGT_ASSIGN_OR_RETURN(bias, fit(bias));
    ins.push_back(bias);
  }
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(OpKind::kLayerNorm, ins,
                                               ir::Attrs{{AttrKey::kAxis, *axis},
                                                         {AttrKey::kEpsilon, ctx.AttrFloat("epsilon", 1e-5)}}));
  return ctx.SetOutput(0, y);
}

Status ImportSoftmax(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(OpKind::kSoftmax, {x}, ir::Attrs{{AttrKey::kAxis, ctx.AttrInt("axis", -1)}}));
  return ctx.SetOutput(0, y);
}

Status ImportLogSoftmax(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  const int64_t raw = ctx.AttrInt("axis", -1);
  auto axis = ir::NormalizeAxis(raw, static_cast<int64_t>(x->shape().size()));
  if (!axis) return ctx.Error("axis {} is out of range for {}", raw, x->type().ToString());
  const ir::Attrs over{{AttrKey::kAxes, std::vector<int64_t>{*axis}}, {AttrKey::kKeepDims, int64_t{1}}};
  AGT_ASSIGN_OR_RETURN(ir::Value * m, ctx.Emit(OpKind::kReduceMax, {x}, over));
  AGT_ASSIGN_OR_RETURN(ir::Value * shifted, ctx.Emit(OpKind::kSub, {x, m}));
  AGT_ASSIGN_OR_RETURN(ir::Value * e, ctx.Emit(OpKind::kExp, {shifted}));
  AGT_ASSIGN_OR_RETURN(ir::Value * sum, ctx.Emit(OpKind::kReduceSum, {e}, over));
  AGT_ASSIGN_OR_RETURN(ir::Value * lse, ctx.Emit(OpKind::kLog, {sum}));
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(OpKind::kSub, {shifted, lse}));
  return ctx.SetOutput(0, y);
}

// x [N, C, spatial...] normalised over groups of `groups` channels each with their spatial values
// (layer_norm with unit scale and zero shift), then y = normalised * scale[c] + bias[c], both [C].
Expected<ir::Value*> NormalizeGroups(ImportContext& ctx, ir::Value* x, int64_t groups, ir::Value* scale,
                                     ir::Value* bias, double eps) {
  const ir::Shape& s = x->shape();
  const int64_t n = s[0], c = s[1];
  const int64_t per_group = ir::NumElements(s) / (n * groups);
  AGT_ASSIGN_OR_RETURN(ir::Value * rows, ctx.Reshape(x, {n, groups, per_group}));
  ir::Value* ones = ctx.Constant(ir::Tensor::FromF32(x->dtype(), {per_group}, std::vector<float>(per_group, 1.0f)));
  ir::Value* zeros = ctx.Constant(ir::Tensor::FromF32(x->dtype(), {per_group}, std::vector<float>(per_group, 0.0f)));
  AGT_ASSIGN_OR_RETURN(ir::Value * normed, ctx.Emit(OpKind::kLayerNorm, {rows, ones, zeros},
                                                    ir::Attrs{{AttrKey::kAxis, int64_t{2}}, {AttrKey::kEpsilon, eps}}));
  ir::Shape per_channel(s.size(), 1);
  per_channel[1] = c;
  AGT_ASSIGN_OR_RETURN(normed, ctx.Reshape(normed, s));
  AGT_ASSIGN_OR_RETURN(scale, ctx.Reshape(scale, per_channel));
  AGT_ASSIGN_OR_RETURN(bias, ctx.Reshape(bias, per_channel));
  AGT_ASSIGN_OR_RETURN(ir::Value * scaled, ctx.Emit(OpKind::kMul, {normed, scale}));
  return ctx.Emit(OpKind::kAdd, {scaled, bias});
}

// The [N, C, ...] input and its per-channel scale and bias (inputs 0-2), checked.
Status NormInputs(ImportContext& ctx, ir::Value*& x, ir::Value*& scale, ir::Value*& bias) {
  AGT_ASSIGN_OR_RETURN(x, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(scale, ctx.Input(1));
  AGT_ASSIGN_OR_RETURN(bias, ctx.Input(2));
  if (x->shape().size() < 3 || x->shape()[0] < 1 || x->shape()[1] < 1 || ir::NumElements(x->shape()) < 1) {
    return ctx.Error("the input must be [N, C, spatial...] and not empty, got {}", x->type().ToString());
  }
  if (!ir::IsFloat(x->dtype())) return ctx.Error("the input must be floating point, got {}", x->type().ToString());
  return Status::Ok();
}

Status ImportInstanceNorm(ImportContext& ctx) {
  ir::Value *x = nullptr, *scale = nullptr, *bias = nullptr;
  AGT_RETURN_IF_ERROR(NormInputs(ctx, x, scale, bias));
  const int64_t c = x->shape()[1];
  if (scale->type().num_elements() != c || bias->type().num_elements() != c) {
    return ctx.Error("scale and B must hold C = {} values, got {} and {}", c, scale->type().ToString(), bias->type().ToString());
  }
  AGT_ASSIGN_OR_RETURN(ir::Value * y, NormalizeGroups(ctx, x, c, scale, bias, ctx.AttrFloat("epsilon", 1e-5)));
  return ctx.SetOutput(0, y);
}

// GroupNormalization: scale and bias per channel from opset 21, per group before (expanded here to
// each group's channels).
Status ImportGroupNorm(ImportContext& ctx) {
  ir::Value *x = nullptr, *scale = nullptr, *bias = nullptr;
  AGT_RETURN_IF_ERROR(NormInputs(ctx, x, scale, bias));
  const int64_t c = x->shape()[1], groups = ctx.AttrInt("num_groups", 0);
  if (groups < 1 || c % groups != 0) return ctx.Error("num_groups {} does not divide the {} channels", groups, c);
  if (ctx.AttrInt("stash_type", 1) != 1) return ctx.Error("stash_type {} is not supported (1: float32)", ctx.AttrInt("stash_type", 1));
  const int64_t per_param = ctx.opset() >= 21 ? c : groups;
  if (scale->type().num_elements() != per_param || bias->type().num_elements() != per_param) {
    return ctx.Error("scale and bias must hold {} values at opset {}, got {} and {}", per_param, ctx.opset(),
                     scale->type().ToString(), bias->type().ToString());
  }
  if (per_param != c) {   // each group's value for each of its channels
    const ir::Attrs to{{AttrKey::kShape, ir::Shape{groups, c / groups}}};
    for (ir::Value** v : {&scale, &bias}) {
      AGT_ASSIGN_OR_RETURN(*v, ctx.Reshape(*v, {groups, 1}));
      AGT_ASSIGN_OR_RETURN(*v, ctx.Emit(OpKind::kExpand, {*v}, to));
    }
  }
  AGT_ASSIGN_OR_RETURN(ir::Value * y, NormalizeGroups(ctx, x, groups, scale, bias, ctx.AttrFloat("epsilon", 1e-5)));
  return ctx.SetOutput(0, y);
}

// A reduction's axes: the constant second input (ReduceSum from 13, the others from 18), else the attribute.
Expected<std::vector<int64_t>> ReduceAxes(ImportContext& ctx) {
  if (ctx.HasInput(1)) return ctx.ConstInts(1, "axes");
  return ctx.AttrInts("axes");
}

template <OpKind kOp>
Status ImportReduce(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(std::vector<int64_t> axes, ReduceAxes(ctx));
  if (axes.empty() && ctx.AttrInt("noop_with_empty_axes", 0) != 0) return ctx.SetOutput(0, x);
  int64_t keep = ctx.AttrInt("keepdims", 1);
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(kOp, {x}, ir::Attrs{{AttrKey::kAxes, axes}, {AttrKey::kKeepDims, keep}}));
  return ctx.SetOutput(0, y);
}

// The reductions ONNX spells as another reduction of an element-wise map of x (ReduceL2 is what
// F.normalize exports to, SwinV2's cosine attention):
//   ReduceL2 = sqrt(sum(x * x)), ReduceSumSquare = sum(x * x), ReduceL1 = sum(|x|), ReduceMin = -max(-x).
enum class ReduceForm { kL2, kSumSquare, kL1, kMin };

template <ReduceForm kForm>
Status ImportReduceOf(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(std::vector<int64_t> axes, ReduceAxes(ctx));
  if (axes.empty() && ctx.AttrInt("noop_with_empty_axes", 0) != 0) {
    return ctx.Error("noop_with_empty_axes with no axes is not supported for this reduction");
  }
  ir::Value* m = x;
  switch (kForm) {
    case ReduceForm::kL2:
    case ReduceForm::kSumSquare: {
      AGT_ASSIGN_OR_RETURN(m, ctx.Emit(OpKind::kMul, {x, x}));
      break;
    }
    case ReduceForm::kL1: {
      AGT_ASSIGN_OR_RETURN(m, ctx.Emit(OpKind::kAbs, {x}));
      break;
    }
    case ReduceForm::kMin: {
      AGT_ASSIGN_OR_RETURN(m, ctx.Emit(OpKind::kNeg, {x}));
      break;
    }
  }
  const ir::Attrs attrs{{AttrKey::kAxes, axes}, {AttrKey::kKeepDims, ctx.AttrInt("keepdims", 1)}};
  AGT_ASSIGN_OR_RETURN(ir::Value * r, ctx.Emit(kForm == ReduceForm::kMin ? OpKind::kReduceMax : OpKind::kReduceSum, {m}, attrs));
  if (kForm == ReduceForm::kL2) {
    AGT_ASSIGN_OR_RETURN(r, ctx.Emit(OpKind::kSqrt, {r}));
  } else if (kForm == ReduceForm::kMin) {
    AGT_ASSIGN_OR_RETURN(r, ctx.Emit(OpKind::kNeg, {r}));
  }
  return ctx.SetOutput(0, r);
}

template <OpKind kOp>
Status ImportArgReduce(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(kOp, {x}, ir::Attrs{{AttrKey::kAxis, ctx.AttrInt("axis", 0)},
                                                                  {AttrKey::kKeepDims, ctx.AttrInt("keepdims", 1)},
                                                                  {AttrKey::kSelectLastIndex, ctx.AttrInt("select_last_index", 0)}}));
  return ctx.SetOutput(0, y);
}

Status ImportCumSum(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(std::vector<int64_t> axis, ctx.ConstInts(1, "axis"));
  if (axis.size() != 1) return ctx.Error("axis must hold one value, got {}", axis.size());
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(OpKind::kCumSum, {x},
                                               ir::Attrs{{AttrKey::kAxis, axis[0]},
                                                         {AttrKey::kExclusive, ctx.AttrInt("exclusive", 0)},
                                                         {AttrKey::kReverse, ctx.AttrInt("reverse", 0)}}));
  return ctx.SetOutput(0, y);
}

// TopK: one IR op per result (ir/ops/select.cpp); K is a constant input. The result nobody reads
// is removed with the dead code.
Status ImportTopK(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(std::vector<int64_t> k, ctx.ConstInts(1, "K"));
  if (k.size() != 1) return ctx.Error("K must hold one value, got {}", k.size());
  const ir::Attrs attrs{{AttrKey::kK, k[0]},
                        {AttrKey::kAxis, ctx.AttrInt("axis", -1)},
                        {AttrKey::kLargest, ctx.AttrInt("largest", 1)},
                        {AttrKey::kSorted, ctx.AttrInt("sorted", 1)}};
  AGT_ASSIGN_OR_RETURN(ir::Value * values, ctx.Emit(OpKind::kTopKValues, {x}, attrs));
  AGT_RETURN_IF_ERROR(ctx.SetOutput(0, values));
  if (ctx.num_outputs() < 2) return Status::Ok();
  AGT_ASSIGN_OR_RETURN(ir::Value * indices, ctx.Emit(OpKind::kTopKIndices, {x}, attrs));
  return ctx.SetOutput(1, indices);
}

constexpr ImporterEntry kTable[] = {
    {"LayerNormalization", ImportLayerNorm},
    {"Softmax", ImportSoftmax},
    {"LogSoftmax", ImportLogSoftmax},
    {"InstanceNormalization", ImportInstanceNorm},
    {"GroupNormalization", ImportGroupNorm, 18},
    {"ReduceMean", ImportReduce<OpKind::kReduceMean>},
    {"ReduceSum", ImportReduce<OpKind::kReduceSum>},
    {"ReduceMax", ImportReduce<OpKind::kReduceMax>},
    {"ReduceMin", ImportReduceOf<ReduceForm::kMin>},
    {"ReduceL1", ImportReduceOf<ReduceForm::kL1>},
    {"ReduceL2", ImportReduceOf<ReduceForm::kL2>},
    {"ReduceSumSquare", ImportReduceOf<ReduceForm::kSumSquare>},
    {"CumSum", ImportCumSum},
    {"ArgMax", ImportArgReduce<OpKind::kArgMax>},
    {"ArgMin", ImportArgReduce<OpKind::kArgMin>},
    {"TopK", ImportTopK},
};

}  // namespace

std::span<const ImporterEntry> NormReduceImporters() { return kTable; }

}  // namespace agt::frontend

// Importers of ONNX's normalisations and reductions: LayerNormalization (the scale and bias are
// expanded to the normalised dims when given broadcastable), Softmax, BatchNormalization lives
// with the convolutions; ReduceMean/ReduceSum/ReduceMax with axes as an attribute (older opsets)
// or a constant input (ReduceSum from 13, the others from 18), and CumSum.
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

template <OpKind kOp>
Status ImportReduce(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  std::vector<int64_t> axes;
  if (ctx.HasInput(1)) {
    AGT_ASSIGN_OR_RETURN(axes, ctx.ConstInts(1, "axes"));
  } else {
    axes = ctx.AttrInts("axes");
  }
  if (axes.empty() && ctx.AttrInt("noop_with_empty_axes", 0) != 0) return ctx.SetOutput(0, x);
  int64_t keep = ctx.AttrInt("keepdims", 1);
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(kOp, {x}, ir::Attrs{{AttrKey::kAxes, axes}, {AttrKey::kKeepDims, keep}}));
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

constexpr ImporterEntry kTable[] = {
    {"LayerNormalization", ImportLayerNorm},
    {"Softmax", ImportSoftmax},
    {"ReduceMean", ImportReduce<OpKind::kReduceMean>},
    {"ReduceSum", ImportReduce<OpKind::kReduceSum>},
    {"ReduceMax", ImportReduce<OpKind::kReduceMax>},
    {"CumSum", ImportCumSum},
};

}  // namespace

std::span<const ImporterEntry> NormReduceImporters() { return kTable; }

}  // namespace agt::frontend

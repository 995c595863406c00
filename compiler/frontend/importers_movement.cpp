// Importers of ONNX's data-movement ops: Transpose, Concat, Gather, Slice, Split, Expand, Tile,
// Pad and Resize. The operands ONNX passes as inputs (Slice's starts/ends/axes/steps, Split's
// split, Expand's shape, Tile's repeats, Pad's pads and value, Resize's scales or sizes) must be
// constant once shape arithmetic has folded; they become the IR op's typed attributes.
#include <algorithm>
#include <cmath>

#include "compiler/frontend/importers.h"

namespace agt::frontend {
namespace {

using ir::AttrKey;
using ir::OpKind;

Status ImportTranspose(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  std::vector<int64_t> perm = ctx.AttrInts("perm");
  if (perm.empty()) {
    for (auto d = static_cast<int64_t>(x->shape().size()); d-- > 0;) perm.push_back(d);
  }
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(OpKind::kTranspose, {x}, ir::Attrs{{AttrKey::kPerm, perm}}));
  return ctx.SetOutput(0, y);
}

Status ImportConcat(ImportContext& ctx) {
  std::vector<ir::Value*> ins;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    AGT_ASSIGN_OR_RETURN(ir::Value * v, ctx.Input(i));
    ins.push_back(v);
  }
  if (!ctx.HasAttr("axis")) return ctx.Error("attribute 'axis' is required");
  if (ins.size() == 1) return ctx.SetOutput(0, ins[0]);
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(OpKind::kConcat, ins, ir::Attrs{{AttrKey::kAxis, ctx.AttrInt("axis", 0)}}));
  return ctx.SetOutput(0, y);
}

Status ImportGather(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * data, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(ir::Value * idx, ctx.Input(1));
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(OpKind::kGather, {data, idx}, ir::Attrs{{AttrKey::kAxis, ctx.AttrInt("axis", 0)}}));
  return ctx.SetOutput(0, y);
}

Status ImportGatherNd(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * data, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(ir::Value * idx, ctx.Input(1));
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(OpKind::kGatherNd, {data, idx}, ir::Attrs{{AttrKey::kBatchDims, ctx.AttrInt("batch_dims", 0)}}));
  return ctx.SetOutput(0, y);
}

Status ImportSlice(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  std::vector<int64_t> starts, ends, axes, steps;
  if (ctx.num_inputs() >= 3) {
    AGT_ASSIGN_OR_RETURN(starts, ctx.ConstInts(1, "starts"));
    AGT_ASSIGN_OR_RETURN(ends, ctx.ConstInts(2, "ends"));
    if (ctx.HasInput(3)) {
      AGT_ASSIGN_OR_RETURN(axes, ctx.ConstInts(3, "axes"));
    }
    if (ctx.HasInput(4)) {
      AGT_ASSIGN_OR_RETURN(steps, ctx.ConstInts(4, "steps"));
    }
  } else {   // opset < 10
    starts = ctx.AttrInts("starts");
    ends = ctx.AttrInts("ends");
    axes = ctx.AttrInts("axes");
  }
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(OpKind::kSlice, {x},
                                               ir::Attrs{{AttrKey::kStarts, starts}, {AttrKey::kEnds, ends},
                                                         {AttrKey::kAxes, axes}, {AttrKey::kSteps, steps}}));
  return ctx.SetOutput(0, y);
}

Status ImportSplit(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  int64_t raw = ctx.AttrInt("axis", 0);
  auto axis = ir::NormalizeAxis(raw, static_cast<int64_t>(x->shape().size()));
  if (!axis) return ctx.Error("axis {} is out of range for {}", raw, x->type().ToString());
  int64_t dim = x->shape()[*axis];
  std::vector<int64_t> split;
  if (ctx.HasInput(1)) {
    AGT_ASSIGN_OR_RETURN(split, ctx.ConstInts(1, "split"));
  } else if (ctx.HasAttr("split")) {
    split = ctx.AttrInts("split");
  } else {
    int64_t parts = ctx.HasAttr("num_outputs") ? ctx.AttrInt("num_outputs", 1) : ctx.num_outputs();
    if (parts < 1) return ctx.Error("cannot split into {} parts", parts);
    // Opset 18's num_outputs: equal chunks of ceil(dim / parts), the last one smaller.
    int64_t chunk = (dim + parts - 1) / parts;
    if (!ctx.HasAttr("num_outputs") && dim % parts != 0) {
      return ctx.Error("dim {} of {} does not split evenly into {} outputs", *axis, x->type().ToString(), parts);
    }
    for (int64_t left = dim; left > 0; left -= chunk) split.push_back(std::min(chunk, left));
  }
  if (static_cast<int>(split.size()) != ctx.num_outputs()) {
    return ctx.Error("split {} has {} parts but the node has {} outputs", ir::ShapeToString(split), split.size(),
                     ctx.num_outputs());
  }
  AGT_ASSIGN_OR_RETURN(std::vector<ir::Value*> outs,
                       ctx.EmitMulti(OpKind::kSplit, {x}, ir::Attrs{{AttrKey::kAxis, *axis}, {AttrKey::kSplit, split}}));
  for (size_t i = 0; i < outs.size(); ++i) AGT_RETURN_IF_ERROR(ctx.SetOutput(static_cast<int>(i), outs[i]));
  return Status::Ok();
}

Status ImportExpand(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(std::vector<int64_t> shape, ctx.ConstInts(1, "shape"));
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(OpKind::kExpand, {x}, ir::Attrs{{AttrKey::kShape, shape}}));
  return ctx.SetOutput(0, y);
}

Status ImportTile(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(std::vector<int64_t> reps, ctx.ConstInts(1, "repeats"));
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(OpKind::kTile, {x}, ir::Attrs{{AttrKey::kRepeats, reps}}));
  return ctx.SetOutput(0, y);
}

Status ImportPad(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  auto r = static_cast<int64_t>(x->shape().size());
  std::string mode = ctx.AttrString("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge") return ctx.Error("mode '{}' is not supported", mode);
  std::vector<int64_t> pads;
  double value = 0.0;
  if (ctx.HasInput(1)) {
    AGT_ASSIGN_OR_RETURN(pads, ctx.ConstInts(1, "pads"));
    if (ctx.HasInput(2)) {
      AGT_ASSIGN_OR_RETURN(std::vector<double> v, ctx.ConstFloats(2, "constant_value"));
      if (v.size() != 1) return ctx.Error("constant_value must be a scalar");
      value = v[0];
    }
  } else {   // opset < 11
    pads = ctx.AttrInts("pads");
    value = ctx.AttrFloat("value", 0.0);
  }
  if (ctx.HasInput(3)) {   // opset 18: pads for the listed axes only
    AGT_ASSIGN_OR_RETURN(std::vector<int64_t> axes, ctx.ConstInts(3, "axes"));
    if (pads.size() != 2 * axes.size()) return ctx.Error("pads must have 2 entries per axis");
    std::vector<int64_t> full(static_cast<size_t>(2 * r), 0);
    for (size_t i = 0; i < axes.size(); ++i) {
      auto a = ir::NormalizeAxis(axes[i], r);
      if (!a) return ctx.Error("axis {} is out of range for {}", axes[i], x->type().ToString());
      full[*a] = pads[i];
      full[*a + r] = pads[i + axes.size()];
    }
    pads = full;
  }
  bool all_zero = std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; });
  if (all_zero) return ctx.SetOutput(0, x);
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(OpKind::kPad, {x},
                                               ir::Attrs{{AttrKey::kPads, pads}, {AttrKey::kMode, mode},
                                                         {AttrKey::kValue, value}}));
  return ctx.SetOutput(0, y);
}

Status ImportResize(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  auto r = static_cast<int64_t>(x->shape().size());
  std::string mode = ctx.AttrString("mode", "nearest");
  if (mode != "nearest" && mode != "linear" && mode != "cubic") return ctx.Error("mode '{}' is not supported (nearest, linear, cubic)", mode);
  if (ctx.AttrInt("antialias", 0) != 0) return ctx.Error("antialias=1 is not supported");
  std::string policy = ctx.AttrString("keep_aspect_ratio_policy", "stretch");
  if (policy != "stretch") return ctx.Error("keep_aspect_ratio_policy '{}' is not supported", policy);
  std::vector<int64_t> axes = ctx.AttrInts("axes");
  if (axes.empty()) {
    for (int64_t d = 0; d < r; ++d) axes.push_back(d);
  }
  ir::Shape sizes = x->shape();
  if (ctx.HasInput(3)) {
    AGT_ASSIGN_OR_RETURN(std::vector<int64_t> s, ctx.ConstInts(3, "sizes"));
    if (s.size() != axes.size()) return ctx.Error("sizes has {} entries for {} axes", s.size(), axes.size());
    for (size_t i = 0; i < axes.size(); ++i) sizes[*ir::NormalizeAxis(axes[i], r)] = s[i];
  } else if (ctx.HasInput(2)) {
    AGT_ASSIGN_OR_RETURN(std::vector<double> sc, ctx.ConstFloats(2, "scales"));
    if (sc.size() != axes.size()) return ctx.Error("scales has {} entries for {} axes", sc.size(), axes.size());
    for (size_t i = 0; i < axes.size(); ++i) {
      int64_t a = *ir::NormalizeAxis(axes[i], r);
      // Output size as ONNX defines it; the IR computes coordinates from the size ratio, which
      // equals the scale whenever in * scale is whole (every scale PyTorch's interpolate emits).
      double out = std::floor(static_cast<double>(x->shape()[a]) * sc[i]);
      // A scale that is not a positive finite number, or an output size past any tensor, is refused
      // before the conversion (which would be undefined).
      if (!(sc[i] > 0) || !std::isfinite(out) || out > static_cast<double>(int64_t{1} << 40)) {
        return ctx.Error("scales[{}] = {} gives no valid output size for a dim of {}", i, sc[i], x->shape()[a]);
      }
      sizes[a] = static_cast<int64_t>(out);
    }
  } else {
    return ctx.Error("needs scales or sizes");
  }
  std::string coord = ctx.AttrString("coordinate_transformation_mode", "half_pixel");
  std::string nearest = ctx.AttrString("nearest_mode", "round_prefer_floor");
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(OpKind::kResize, {x},
                                               ir::Attrs{{AttrKey::kSizes, sizes}, {AttrKey::kMode, mode},
                                                         {AttrKey::kCoordMode, coord}, {AttrKey::kNearestMode, nearest},
                                                         {AttrKey::kCubicCoeffA, static_cast<double>(ctx.AttrFloat("cubic_coeff_a", -0.75))},
                                                         {AttrKey::kExcludeOutside, ctx.AttrInt("exclude_outside", 0)}}));
  return ctx.SetOutput(0, y);
}

// ScatterND (reduction from opset 16 on; before it, none).
Status ImportScatterNd(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * data, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(ir::Value * indices, ctx.Input(1));
  AGT_ASSIGN_OR_RETURN(ir::Value * updates, ctx.Input(2));
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(OpKind::kScatterNd, {data, indices, updates},
                                               ir::Attrs{{AttrKey::kReduction, ctx.AttrString("reduction", "none")}}));
  return ctx.SetOutput(0, y);
}

constexpr ImporterEntry kTable[] = {
    {"Transpose", ImportTranspose}, {"Concat", ImportConcat}, {"Gather", ImportGather}, {"GatherND", ImportGatherNd},
    {"Slice", ImportSlice},         {"Split", ImportSplit},   {"Expand", ImportExpand},
    {"Tile", ImportTile},           {"Pad", ImportPad},       {"Resize", ImportResize},
    {"ScatterND", ImportScatterNd},
};

}  // namespace

std::span<const ImporterEntry> MovementImporters() { return kTable; }

}  // namespace agt::frontend

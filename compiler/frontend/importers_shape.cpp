// Importers of ONNX's shape ops. With every shape static after import, Shape, Size, Constant,
// ConstantOfShape and Range become constants right here; Reshape, Flatten, Unsqueeze and Squeeze
// become one IR reshape to a fully resolved shape (no 0 or -1 left), which folds away too when
// its input is constant.
#include <algorithm>
#include <cmath>

#include "compiler/frontend/importers.h"
#include "compiler/frontend/tensor_proto.h"

namespace agt::frontend {
namespace {

using ir::AttrKey;
using ir::OpKind;

ir::Tensor I64Vector(const std::vector<int64_t>& v) {
  return ir::Tensor::FromI64(ir::DType::kI64, {static_cast<int64_t>(v.size())}, v);
}

Status ImportShape(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  const ir::Shape& s = x->shape();
  auto r = static_cast<int64_t>(s.size());
  int64_t start = ctx.AttrInt("start", 0), end = ctx.AttrInt("end", r);
  if (start < 0) start += r;
  if (end < 0) end += r;
  start = std::clamp<int64_t>(start, 0, r);
  end = std::clamp<int64_t>(end, 0, r);
  std::vector<int64_t> dims;
  for (int64_t i = start; i < end; ++i) dims.push_back(s[i]);
  return ctx.SetOutput(0, ctx.Constant(I64Vector(dims)));
}

Status ImportSize(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  return ctx.SetOutput(0, ctx.Constant(ir::Tensor::ScalarI64(x->type().num_elements())));
}

Status ImportConstant(ImportContext& ctx) {
  if (ctx.node().attribute_size() != 1) return ctx.Error("needs exactly one value attribute");
  const onnx::AttributeProto& a = ctx.node().attribute(0);
  const std::string& n = a.name();
  if (n == "value") {
    auto t = TensorFromProto(a.t(), ctx.base_dir());
    if (!t.ok()) return ctx.Wrap(t.status());
    return ctx.SetOutput(0, ctx.Constant(std::move(t).value()));
  }
  if (n == "value_float") return ctx.SetOutput(0, ctx.Constant(ir::Tensor::ScalarF32(a.f())));
  if (n == "value_int") return ctx.SetOutput(0, ctx.Constant(ir::Tensor::ScalarI64(a.i())));
  if (n == "value_floats") {
    std::vector<float> v(a.floats().begin(), a.floats().end());
    return ctx.SetOutput(0, ctx.Constant(ir::Tensor::FromF32(ir::DType::kF32, {static_cast<int64_t>(v.size())}, v)));
  }
  if (n == "value_ints") {
    std::vector<int64_t> v(a.ints().begin(), a.ints().end());
    return ctx.SetOutput(0, ctx.Constant(I64Vector(v)));
  }
  return ctx.Error("attribute '{}' is not supported (strings and sparse tensors have no IR type)", n);
}

Status ImportConstantOfShape(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(std::vector<int64_t> shape, ctx.ConstInts(0, "shape"));
  for (int64_t d : shape) {
    if (d < 0) return ctx.Error("shape has a negative dim {}", d);
  }
  if (Status st = CheckShapeSize(shape); !st.ok()) return ctx.Wrap(st);
  ir::Tensor fill = ir::Tensor::ScalarF32(0.0f);
  if (const auto* a = ctx.Attr("value")) {
    auto t = TensorFromProto(a->t(), ctx.base_dir());
    if (!t.ok()) return ctx.Wrap(t.status());
    if (t->num_elements() != 1) return ctx.Error("value must hold one element, got {}", t->num_elements());
    fill = t->Reshaped({});
  }
  // An expand of the scalar: a constant when small (the usual case), a node when huge.
  ir::Value* scalar = ctx.Constant(std::move(fill));
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Emit(OpKind::kExpand, {scalar}, ir::Attrs{{AttrKey::kShape, shape}}));
  return ctx.SetOutput(0, y);
}

Status ImportRange(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(const ir::Tensor* start, ctx.ConstInput(0, "start"));
  AGT_ASSIGN_OR_RETURN(const ir::Tensor* limit, ctx.ConstInput(1, "limit"));
  AGT_ASSIGN_OR_RETURN(const ir::Tensor* delta, ctx.ConstInput(2, "delta"));
  if (start->num_elements() != 1 || limit->num_elements() != 1 || delta->num_elements() != 1) {
    return ctx.Error("start, limit and delta must be scalars");
  }
  ir::DType dt = start->dtype();
  bool fl = ir::IsFloat(dt);
  double s = fl ? start->GetF32(0) : static_cast<double>(start->GetI64(0));
  double l = fl ? limit->GetF32(0) : static_cast<double>(limit->GetI64(0));
  double d = fl ? delta->GetF32(0) : static_cast<double>(delta->GetI64(0));
  if (d == 0) return ctx.Error("delta must not be 0");
  double count = std::max(std::ceil((l - s) / d), 0.0);
  if (!std::isfinite(count) || count > static_cast<double>(ctx.options().fold_max_elements)) {
    return ctx.Error("Range({}, {}, {}) has {} elements, too many to fold", s, l, d, count);
  }
  auto n = static_cast<int64_t>(count);
  ir::Tensor out(ir::TensorType{dt, {n}});
  for (int64_t i = 0; i < n; ++i) {
    if (fl) {
      out.SetF32(i, static_cast<float>(s + static_cast<double>(i) * d));
    } else {
      int64_t step = 0, v = 0;
      if (__builtin_mul_overflow(i, delta->GetI64(0), &step) || __builtin_add_overflow(start->GetI64(0), step, &v)) {
        return ctx.Error("Range({}, {}, {}) overflows int64", start->GetI64(0), limit->GetI64(0), delta->GetI64(0));
      }
      out.SetI64(i, v);
    }
  }
  return ctx.SetOutput(0, ctx.Constant(std::move(out)));
}

Status ImportReshape(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(std::vector<int64_t> spec, ctx.ConstInts(1, "shape"));
  bool allow_zero = ctx.AttrInt("allowzero", 0) != 0;
  ir::Shape out(spec.size());
  int64_t infer = -1, known = 1;
  for (size_t i = 0; i < spec.size(); ++i) {
    int64_t d = spec[i];
    if (d == 0 && !allow_zero) {
      if (i >= x->shape().size()) return ctx.Error("shape {} copies dim {} that {} lacks", ir::ShapeToString(spec), i, x->type().ToString());
      d = x->shape()[i];
    } else if (d == -1) {
      if (infer >= 0) return ctx.Error("shape {} has more than one -1", ir::ShapeToString(spec));
      infer = static_cast<int64_t>(i);
      continue;
    } else if (d < 0) {
      return ctx.Error("shape {} has a negative dim", ir::ShapeToString(spec));
    }
    if (d != 0 && known > kMaxTensorElements / d) {   // found by the fuzz target: the product overflowed
      return ctx.Error("shape {} has more than 2^40 elements", ir::ShapeToString(spec));
    }
    out[i] = d;
    known *= d;
  }
  int64_t total = x->type().num_elements();
  if (infer >= 0) {
    if (known == 0 || total % known != 0) {
      return ctx.Error("cannot reshape {} to {}", x->type().ToString(), ir::ShapeToString(spec));
    }
    out[infer] = total / known;
  }
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Reshape(x, out));
  return ctx.SetOutput(0, y);
}

Status ImportFlatten(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  auto r = static_cast<int64_t>(x->shape().size());
  int64_t axis = ctx.AttrInt("axis", 1);
  if (axis < 0) axis += r;
  if (axis < 0 || axis > r) return ctx.Error("axis {} is out of range for {}", ctx.AttrInt("axis", 1), x->type().ToString());
  int64_t a = 1, b = 1;
  for (int64_t d = 0; d < r; ++d) (d < axis ? a : b) *= x->shape()[d];
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Reshape(x, {a, b}));
  return ctx.SetOutput(0, y);
}

// Axes from input 1 (opset 13+) or the `axes` attribute (older opsets).
Expected<std::vector<int64_t>> AxesOf(ImportContext& ctx) {
  if (ctx.HasInput(1)) return ctx.ConstInts(1, "axes");
  return ctx.AttrInts("axes");
}

Status ImportUnsqueeze(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(std::vector<int64_t> axes, AxesOf(ctx));
  auto out_rank = static_cast<int64_t>(x->shape().size() + axes.size());
  std::vector<bool> inserted(static_cast<size_t>(out_rank), false);
  for (int64_t a : axes) {
    auto n = ir::NormalizeAxis(a, out_rank);
    if (!n || inserted[*n]) return ctx.Error("axes {} are out of range or repeated for {}", ir::ShapeToString(axes), x->type().ToString());
    inserted[*n] = true;
  }
  ir::Shape out;
  size_t k = 0;
  for (int64_t d = 0; d < out_rank; ++d) out.push_back(inserted[d] ? 1 : x->shape()[k++]);
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Reshape(x, out));
  return ctx.SetOutput(0, y);
}

Status ImportSqueeze(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(ir::Value * x, ctx.Input(0));
  AGT_ASSIGN_OR_RETURN(std::vector<int64_t> axes, AxesOf(ctx));
  auto r = static_cast<int64_t>(x->shape().size());
  std::vector<bool> drop(static_cast<size_t>(r), false);
  if (axes.empty()) {
    for (int64_t d = 0; d < r; ++d) drop[d] = x->shape()[d] == 1;
  }
  for (int64_t a : axes) {
    auto n = ir::NormalizeAxis(a, r);
    if (!n) return ctx.Error("axis {} is out of range for {}", a, x->type().ToString());
    if (x->shape()[*n] != 1) return ctx.Error("cannot squeeze dim {} of {}: it is not 1", *n, x->type().ToString());
    drop[*n] = true;
  }
  ir::Shape out;
  for (int64_t d = 0; d < r; ++d) {
    if (!drop[d]) out.push_back(x->shape()[d]);
  }
  AGT_ASSIGN_OR_RETURN(ir::Value * y, ctx.Reshape(x, out));
  return ctx.SetOutput(0, y);
}

constexpr ImporterEntry kTable[] = {
    {"Shape", ImportShape},
    {"Size", ImportSize},
    {"Constant", ImportConstant},
    {"ConstantOfShape", ImportConstantOfShape},
    {"Range", ImportRange},
    {"Reshape", ImportReshape},
    {"Flatten", ImportFlatten},
    {"Unsqueeze", ImportUnsqueeze},
    {"Squeeze", ImportSqueeze},
};

}  // namespace

std::span<const ImporterEntry> ShapeImporters() { return kTable; }

}  // namespace agt::frontend

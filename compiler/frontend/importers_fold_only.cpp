// Importers of ONNX ops the IR has no op for but which exporters use in shape and mask arithmetic
// (IsInf, Mod, Sign): they are computed here when their inputs are constants, and are an error
// naming the node otherwise. (IsNaN is an IR op, imported with the element-wise ops.)
#include <cmath>

#include "compiler/frontend/importers.h"

namespace agt::frontend {
namespace {

Expected<const ir::Tensor*> FoldInput(ImportContext& ctx, int i) {
  return ctx.ConstInput(i, "operand (this op is only supported on constants)");
}

Status ImportIsInf(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(const ir::Tensor* x, FoldInput(ctx, 0));
  bool neg = ctx.AttrInt("detect_negative", 1) != 0, pos = ctx.AttrInt("detect_positive", 1) != 0;
  ir::Tensor out(ir::TensorType{ir::DType::kBool, x->shape()});
  for (int64_t i = 0; i < x->num_elements(); ++i) {
    float v = x->GetF32(i);
    out.SetI64(i, std::isinf(v) && ((v > 0 && pos) || (v < 0 && neg)) ? 1 : 0);
  }
  return ctx.SetOutput(0, ctx.Constant(std::move(out)));
}

Status ImportSign(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(const ir::Tensor* x, FoldInput(ctx, 0));
  ir::Tensor out(x->type());
  for (int64_t i = 0; i < x->num_elements(); ++i) {
    if (ir::IsFloat(x->dtype())) {
      float v = x->GetF32(i);
      out.SetF32(i, v > 0 ? 1.0f : (v < 0 ? -1.0f : 0.0f));
    } else {
      int64_t v = x->GetI64(i);
      out.SetI64(i, v > 0 ? 1 : (v < 0 ? -1 : 0));
    }
  }
  return ctx.SetOutput(0, ctx.Constant(std::move(out)));
}

// Mod with numpy broadcasting; fmod=0 takes the divisor's sign (Python's %), fmod=1 the dividend's.
Status ImportMod(ImportContext& ctx) {
  AGT_ASSIGN_OR_RETURN(const ir::Tensor* a, FoldInput(ctx, 0));
  AGT_ASSIGN_OR_RETURN(const ir::Tensor* b, FoldInput(ctx, 1));
  if (a->dtype() != b->dtype()) return ctx.Error("operands differ in type");
  bool fmod = ctx.AttrInt("fmod", 0) != 0;
  // Broadcast by building the output shape from numpy's rule.
  size_t rank = std::max(a->shape().size(), b->shape().size());
  ir::Shape out_shape(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    auto dim = [&](const ir::Shape& s) -> int64_t {
      return i + s.size() >= rank ? s[i + s.size() - rank] : 1;
    };
    int64_t da = dim(a->shape()), db = dim(b->shape());
    if (da != db && da != 1 && db != 1) return ctx.Error("operands do not broadcast");
    out_shape[i] = da == 1 ? db : da;
  }
  ir::Tensor out(ir::TensorType{a->dtype(), out_shape});
  std::vector<int64_t> idx(rank);
  auto offset = [&](const ir::Shape& s) {
    int64_t off = 0;
    for (size_t d = 0; d < s.size(); ++d) off = off * s[d] + (s[d] == 1 ? 0 : idx[rank - s.size() + d]);
    return off;
  };
  for (int64_t i = 0; i < out.num_elements(); ++i) {
    int64_t rem = i;
    for (size_t d = rank; d-- > 0;) {
      idx[d] = rem % out_shape[d];
      rem /= out_shape[d];
    }
    int64_t ia = offset(a->shape()), ib = offset(b->shape());
    if (ir::IsFloat(a->dtype())) {
      double x = a->GetF32(ia), y = b->GetF32(ib);
      double r = std::fmod(x, y);
      if (!fmod && r != 0 && ((r < 0) != (y < 0))) r += y;
      out.SetF32(i, static_cast<float>(r));
    } else {
      int64_t x = a->GetI64(ia), y = b->GetI64(ib);
      if (y == 0) return ctx.Error("integer modulo by zero");
      int64_t r = x % y;
      if (!fmod && r != 0 && ((r < 0) != (y < 0))) r += y;
      out.SetI64(i, r);
    }
  }
  return ctx.SetOutput(0, ctx.Constant(std::move(out)));
}

constexpr ImporterEntry kTable[] = {
    {"IsInf", ImportIsInf},
    {"Sign", ImportSign},
    {"Mod", ImportMod},
};

}  // namespace

std::span<const ImporterEntry> FoldOnlyImporters() { return kTable; }

}  // namespace agt::frontend

// Broadcasting binary and ternary ops of the op table: arithmetic (add, sub, mul, div, pow, max,
// min), comparisons (bool out), logical and/or, and where. numpy broadcasting; both sides must share
// one dtype (the frontend inserts casts). Floats compute in double and round once on store;
// integers compute in int64, with division truncating toward zero as ONNX (C) does.
#include <cmath>

#include "ir/ops/op_helpers.h"

namespace agt::ir {
namespace {

using ops::One;

enum class Family { kArith, kCompare, kEquality, kLogic };

template <Family F>
Expected<std::vector<TensorType>> InferBinary(const Attrs&, std::span<const TensorType> in) {
  const TensorType& a = in[0];
  const TensorType& b = in[1];
  AGT_RETURN_IF_ERROR(ops::RequireSameDType(a, b, "both inputs"));
  if constexpr (F == Family::kArith || F == Family::kCompare) {
    AGT_RETURN_IF_ERROR(ops::RequireNumeric(a, "input"));
  }
  if constexpr (F == Family::kLogic) {
    if (a.dtype != DType::kBool) return Status::Errorf("inputs must be bool, got {}", a.ToString());
  }
  AGT_ASSIGN_OR_RETURN(Shape shape, ops::BroadcastShapes(in));
  DType out = F == Family::kArith ? a.dtype : DType::kBool;
  return One(TensorType{out, std::move(shape)});
}

// Runs op(a, b) over the broadcast index space. FloatOp: (double, double) -> double;
// IntOp: (int64, int64) -> Expected-free int64 (division by zero is caught before).
template <typename FloatOp, typename IntOp>
Status Broadcast2(const Tensor& a, const Tensor& b, Tensor& out, FloatOp fop, IntOp iop) {
  const Shape& os = out.shape();
  std::vector<std::vector<int64_t>> strides = {ops::BroadcastStrides(a.shape(), os), ops::BroadcastStrides(b.shape(), os)};
  bool out_float = IsFloat(out.dtype());
  if (IsFloat(a.dtype())) {
    std::vector<float> av = a.ToF32(), bv = b.ToF32();
    if (out.dtype() == DType::kF32) {
      float* o = out.data<float>();
      ops::ForEachBroadcast(os, strides, [&](int64_t i, const std::vector<int64_t>& off) {
        o[i] = static_cast<float>(fop(static_cast<double>(av[off[0]]), static_cast<double>(bv[off[1]])));
      });
    } else {
      ops::ForEachBroadcast(os, strides, [&](int64_t i, const std::vector<int64_t>& off) {
        double r = fop(static_cast<double>(av[off[0]]), static_cast<double>(bv[off[1]]));
        if (out_float) {
          out.SetF32(i, static_cast<float>(r));
        } else {
          out.SetI64(i, r != 0.0 ? 1 : 0);   // comparisons give bool
        }
      });
    }
  } else {
    std::vector<int64_t> av = a.ToI64(), bv = b.ToI64();
    ops::ForEachBroadcast(os, strides, [&](int64_t i, const std::vector<int64_t>& off) {
      out.SetI64(i, iop(av[off[0]], bv[off[1]]));
    });
  }
  return Status::Ok();
}

#define AGT_BINARY_REF(Name, fexpr, iexpr)                                                                   \
  Status Ref##Name(const Attrs&, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) { \
    return Broadcast2(                                                                                       \
        *in[0], *in[1], out[0], [](double x, double y) -> double { return (fexpr); },                        \
        [](int64_t x, int64_t y) -> int64_t { return (iexpr); });                                            \
  }

AGT_BINARY_REF(Add, x + y, static_cast<int64_t>(static_cast<uint64_t>(x) + static_cast<uint64_t>(y)))
AGT_BINARY_REF(Sub, x - y, static_cast<int64_t>(static_cast<uint64_t>(x) - static_cast<uint64_t>(y)))
AGT_BINARY_REF(Mul, x * y, static_cast<int64_t>(static_cast<uint64_t>(x) * static_cast<uint64_t>(y)))
AGT_BINARY_REF(Max, std::isnan(x) || std::isnan(y) ? NAN : std::max(x, y), std::max(x, y))
AGT_BINARY_REF(Min, std::isnan(x) || std::isnan(y) ? NAN : std::min(x, y), std::min(x, y))
AGT_BINARY_REF(Equal, x == y ? 1.0 : 0.0, x == y ? 1 : 0)
AGT_BINARY_REF(Less, x < y ? 1.0 : 0.0, x < y ? 1 : 0)
AGT_BINARY_REF(LessOrEqual, x <= y ? 1.0 : 0.0, x <= y ? 1 : 0)
AGT_BINARY_REF(Greater, x > y ? 1.0 : 0.0, x > y ? 1 : 0)
AGT_BINARY_REF(GreaterOrEqual, x >= y ? 1.0 : 0.0, x >= y ? 1 : 0)
AGT_BINARY_REF(And, (x != 0 && y != 0) ? 1.0 : 0.0, (x != 0 && y != 0) ? 1 : 0)
AGT_BINARY_REF(Or, (x != 0 || y != 0) ? 1.0 : 0.0, (x != 0 || y != 0) ? 1 : 0)
#undef AGT_BINARY_REF

// Integer power by squaring (exact, wrapping like the other integer ops); negative exponents give
// 0 except for bases 1 and -1, as integer arithmetic would.
int64_t IntPow(int64_t base, int64_t exp) {
  if (exp < 0) {
    if (base == 1) return 1;
    if (base == -1) return (exp % 2 == 0) ? 1 : -1;
    return 0;
  }
  uint64_t r = 1, b = static_cast<uint64_t>(base);
  while (exp > 0) {
    if (exp & 1) r *= b;
    b *= b;
    exp >>= 1;
  }
  return static_cast<int64_t>(r);
}

Status RefPow(const Attrs&, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) {
  return Broadcast2(*in[0], *in[1], out[0], [](double x, double y) { return std::pow(x, y); }, IntPow);
}

Status RefDiv(const Attrs&, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) {
  if (!IsFloat(in[1]->dtype())) {
    for (int64_t v : in[1]->ToI64()) {
      if (v == 0) return Status::Error("integer division by zero");
    }
  }
  return Broadcast2(
      *in[0], *in[1], out[0], [](double x, double y) { return x / y; },
      [](int64_t x, int64_t y) -> int64_t {
        if (y == -1) return static_cast<int64_t>(0 - static_cast<uint64_t>(x));  // INT64_MIN / -1 wraps
        return x / y;                                                            // C++ truncates toward zero
      });
}

Expected<std::vector<TensorType>> InferWhere(const Attrs&, std::span<const TensorType> in) {
  if (in[0].dtype != DType::kBool) return Status::Errorf("condition must be bool, got {}", in[0].ToString());
  AGT_RETURN_IF_ERROR(ops::RequireSameDType(in[1], in[2], "the two branches"));
  AGT_ASSIGN_OR_RETURN(Shape shape, ops::BroadcastShapes(in));
  return One(TensorType{in[1].dtype, std::move(shape)});
}

Status RefWhere(const Attrs&, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) {
  const Tensor& c = *in[0];
  const Tensor& x = *in[1];
  const Tensor& y = *in[2];
  Tensor& o = out[0];
  const Shape& os = o.shape();
  std::vector<std::vector<int64_t>> strides = {ops::BroadcastStrides(c.shape(), os), ops::BroadcastStrides(x.shape(), os),
                                               ops::BroadcastStrides(y.shape(), os)};
  // Copies elements bytewise: where selects, it never converts.
  size_t es = DTypeSize(o.dtype());
  const uint8_t* cs = c.data<uint8_t>();
  ops::ForEachBroadcast(os, strides, [&](int64_t i, const std::vector<int64_t>& off) {
    const uint8_t* src = cs[off[0]] ? x.raw() + off[1] * es : y.raw() + off[2] * es;
    std::memcpy(o.raw() + i * es, src, es);
  });
  return Status::Ok();
}

template <Family F>
OpDef Binary(RefFn ref) {
  return OpDef{2, 2, {}, InferBinary<F>, ref};
}

}  // namespace

OpDef DescribeAdd() { return Binary<Family::kArith>(RefAdd); }
OpDef DescribeSub() { return Binary<Family::kArith>(RefSub); }
OpDef DescribeMul() { return Binary<Family::kArith>(RefMul); }
OpDef DescribeDiv() { return Binary<Family::kArith>(RefDiv); }
OpDef DescribePow() { return Binary<Family::kArith>(RefPow); }
OpDef DescribeMax() { return Binary<Family::kArith>(RefMax); }
OpDef DescribeMin() { return Binary<Family::kArith>(RefMin); }
OpDef DescribeEqual() { return Binary<Family::kEquality>(RefEqual); }
OpDef DescribeLess() { return Binary<Family::kCompare>(RefLess); }
OpDef DescribeLessOrEqual() { return Binary<Family::kCompare>(RefLessOrEqual); }
OpDef DescribeGreater() { return Binary<Family::kCompare>(RefGreater); }
OpDef DescribeGreaterOrEqual() { return Binary<Family::kCompare>(RefGreaterOrEqual); }
OpDef DescribeAnd() { return Binary<Family::kLogic>(RefAnd); }
OpDef DescribeOr() { return Binary<Family::kLogic>(RefOr); }
OpDef DescribeWhere() { return OpDef{3, 3, {}, InferWhere, RefWhere}; }

}  // namespace agt::ir

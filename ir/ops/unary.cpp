// Element-wise unary ops of the op table: activations (relu, sigmoid, gelu), math functions, not,
// is_nan, cast and identity. Each keeps the input's shape; the output type is the input's (cast:
// `to`; not, is_nan: bool). References compute in double and round once on store.
#include <cmath>
#include <numbers>

#include "ir/ops/op_helpers.h"

namespace agt::ir {
namespace {

using ops::One;

enum class Domain { kFloat, kNumeric, kBool };

template <Domain D>
Expected<std::vector<TensorType>> InferSame(const Attrs&, std::span<const TensorType> in) {
  const TensorType& t = in[0];
  if constexpr (D == Domain::kFloat) AGT_RETURN_IF_ERROR(ops::RequireFloat(t, "input"));
  if constexpr (D == Domain::kNumeric) AGT_RETURN_IF_ERROR(ops::RequireNumeric(t, "input"));
  if constexpr (D == Domain::kBool) {
    if (t.dtype != DType::kBool) return Status::Errorf("input must be bool, got {}", t.ToString());
  }
  return One(t);
}

// Applies a double->double function over every element. Integer inputs (relu, neg, abs) are read
// and written as int64 (exact below 2^53, far beyond any shape or index arithmetic).
template <typename F>
Status MapElements(const Tensor& x, Tensor& y, F&& f, int threads) {
  int64_t n = x.num_elements();
  if (IsInteger(x.dtype())) {
    for (int64_t i = 0; i < n; ++i) y.SetI64(i, static_cast<int64_t>(f(static_cast<double>(x.GetI64(i)))));
    return Status::Ok();
  }
  if (x.dtype() == DType::kF32 && y.dtype() == DType::kF32) {
    const float* xs = x.data<float>();
    float* ys = y.data<float>();
    ops::ParallelFor(n, threads, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) ys[i] = static_cast<float>(f(static_cast<double>(xs[i])));
    }, 1 << 16);
    return Status::Ok();
  }
  for (int64_t i = 0; i < n; ++i) y.SetF32(i, static_cast<float>(f(static_cast<double>(x.GetF32(i)))));
  return Status::Ok();
}

#define AGT_UNARY_REF(Name, expr)                                                                          \
  Status Ref##Name(const Attrs&, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext& ctx) { \
    return MapElements(*in[0], out[0], [](double x) { return (expr); }, ctx.num_threads);                 \
  }

AGT_UNARY_REF(Relu, x > 0 ? x : 0.0)
AGT_UNARY_REF(Sigmoid, 1.0 / (1.0 + std::exp(-x)))
AGT_UNARY_REF(Sqrt, std::sqrt(x))
AGT_UNARY_REF(Erf, std::erf(x))
AGT_UNARY_REF(Exp, std::exp(x))
AGT_UNARY_REF(Log, std::log(x))
AGT_UNARY_REF(Tanh, std::tanh(x))
AGT_UNARY_REF(Neg, -x)
AGT_UNARY_REF(Abs, std::fabs(x))
AGT_UNARY_REF(Reciprocal, 1.0 / x)
AGT_UNARY_REF(Sin, std::sin(x))
AGT_UNARY_REF(Cos, std::cos(x))
AGT_UNARY_REF(Floor, std::floor(x))
AGT_UNARY_REF(Ceil, std::ceil(x))
#undef AGT_UNARY_REF

Status RefGelu(const Attrs& attrs, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext& ctx) {
  if (ops::AttrStr(attrs, AttrKey::kApproximate, "none") == "tanh") {
    return MapElements(*in[0], out[0], [](double x) {
      const double c = std::sqrt(2.0 / std::numbers::pi);
      return 0.5 * x * (1.0 + std::tanh(c * (x + 0.044715 * x * x * x)));
    }, ctx.num_threads);
  }
  return MapElements(*in[0], out[0], [](double x) { return 0.5 * x * (1.0 + std::erf(x / std::numbers::sqrt2)); },
                     ctx.num_threads);
}

Status RefNot(const Attrs&, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) {
  const Tensor& x = *in[0];
  for (int64_t i = 0; i < x.num_elements(); ++i) out[0].SetI64(i, x.GetI64(i) == 0 ? 1 : 0);
  return Status::Ok();
}

// is_nan: float in, bool out. Transformers' attention guards its softmax with
// where(is_nan(p), 0, p), so the op runs on activations, not only on constants.
Expected<std::vector<TensorType>> InferIsNaN(const Attrs&, std::span<const TensorType> in) {
  AGT_RETURN_IF_ERROR(ops::RequireFloat(in[0], "input"));
  return One(TensorType{DType::kBool, in[0].shape});
}

Status RefIsNaN(const Attrs&, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) {
  const Tensor& x = *in[0];
  for (int64_t i = 0; i < x.num_elements(); ++i) out[0].SetI64(i, std::isnan(x.GetF32(i)) ? 1 : 0);
  return Status::Ok();
}

Expected<std::vector<TensorType>> InferCast(const Attrs& attrs, std::span<const TensorType> in) {
  const AttrValue* to = attrs.find(AttrKey::kTo);
  if (to == nullptr || !std::holds_alternative<DType>(*to)) return Status::Error("attribute 'to' (dtype) is required");
  return One(TensorType{std::get<DType>(*to), in[0].shape});
}

Status RefCast(const Attrs&, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) {
  out[0] = in[0]->CastTo(out[0].dtype());
  return Status::Ok();
}

Expected<std::vector<TensorType>> InferIdentity(const Attrs&, std::span<const TensorType> in) { return One(in[0]); }

Status RefIdentity(const Attrs&, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) {
  out[0] = *in[0];
  return Status::Ok();
}

OpDef Unary(InferFn infer, RefFn ref, std::vector<AttrSpec> attrs = {}) {
  return OpDef{1, 1, std::move(attrs), infer, ref};
}

}  // namespace

OpDef DescribeRelu() { return Unary(InferSame<Domain::kNumeric>, RefRelu); }
OpDef DescribeSigmoid() { return Unary(InferSame<Domain::kFloat>, RefSigmoid); }
OpDef DescribeGelu() {
  return Unary(InferSame<Domain::kFloat>, RefGelu, {ops::StrAttr(AttrKey::kApproximate, "none", {"none", "tanh"})});
}
OpDef DescribeSqrt() { return Unary(InferSame<Domain::kFloat>, RefSqrt); }
OpDef DescribeErf() { return Unary(InferSame<Domain::kFloat>, RefErf); }
OpDef DescribeExp() { return Unary(InferSame<Domain::kFloat>, RefExp); }
OpDef DescribeLog() { return Unary(InferSame<Domain::kFloat>, RefLog); }
OpDef DescribeTanh() { return Unary(InferSame<Domain::kFloat>, RefTanh); }
OpDef DescribeNeg() { return Unary(InferSame<Domain::kNumeric>, RefNeg); }
OpDef DescribeAbs() { return Unary(InferSame<Domain::kNumeric>, RefAbs); }
OpDef DescribeReciprocal() { return Unary(InferSame<Domain::kFloat>, RefReciprocal); }
OpDef DescribeSin() { return Unary(InferSame<Domain::kFloat>, RefSin); }
OpDef DescribeCos() { return Unary(InferSame<Domain::kFloat>, RefCos); }
OpDef DescribeFloor() { return Unary(InferSame<Domain::kFloat>, RefFloor); }
OpDef DescribeCeil() { return Unary(InferSame<Domain::kFloat>, RefCeil); }
OpDef DescribeNot() { return Unary(InferSame<Domain::kBool>, RefNot); }
OpDef DescribeIsNaN() { return Unary(InferIsNaN, RefIsNaN); }
OpDef DescribeCast() {
  return Unary(InferCast, RefCast, {AttrSpec{AttrKey::kTo, AttrKind::kDType, std::nullopt, {}}});
}
OpDef DescribeIdentity() { return Unary(InferIdentity, RefIdentity); }

}  // namespace agt::ir

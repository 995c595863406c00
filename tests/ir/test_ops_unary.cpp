// The element-wise unary ops against std:: math written out in the test, and their type rules.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

#include "tests/ir/op_test_util.h"

using namespace agt;
using namespace agt::ir;
using namespace agt::test;

namespace {
const std::vector<float> kX = {-2.5f, -1.0f, -0.25f, 0.0f, 0.5f, 1.0f, 3.0f};

std::vector<double> Apply(double (*f)(double)) {
  std::vector<double> r;
  for (float x : kX) r.push_back(f(x));
  return r;
}
Tensor X() { return F32({7}, kX); }
}  // namespace

TEST_CASE("unary math ops match std:: functions", "[ops][unary]") {
  Shape s = {7};
  RequireClose(Run1(OpKind::kRelu, {X()}).out, s, {0, 0, 0, 0, 0.5, 1, 3});
  RequireClose(Run1(OpKind::kSigmoid, {X()}).out, s, Apply([](double x) { return 1 / (1 + std::exp(-x)); }));
  RequireClose(Run1(OpKind::kErf, {X()}).out, s, Apply([](double x) { return std::erf(x); }));
  RequireClose(Run1(OpKind::kExp, {X()}).out, s, Apply([](double x) { return std::exp(x); }));
  RequireClose(Run1(OpKind::kTanh, {X()}).out, s, Apply([](double x) { return std::tanh(x); }));
  RequireClose(Run1(OpKind::kNeg, {X()}).out, s, {2.5, 1, 0.25, 0, -0.5, -1, -3});
  RequireClose(Run1(OpKind::kAbs, {X()}).out, s, {2.5, 1, 0.25, 0, 0.5, 1, 3});
  RequireClose(Run1(OpKind::kSin, {X()}).out, s, Apply([](double x) { return std::sin(x); }));
  RequireClose(Run1(OpKind::kCos, {X()}).out, s, Apply([](double x) { return std::cos(x); }));
  RequireClose(Run1(OpKind::kFloor, {X()}).out, s, {-3, -1, -1, 0, 0, 1, 3});
  RequireClose(Run1(OpKind::kCeil, {X()}).out, s, {-2, -1, -0, 0, 1, 1, 3});
  RequireClose(Run1(OpKind::kIdentity, {X()}).out, s, {-2.5, -1, -0.25, 0, 0.5, 1, 3});

  Tensor pos = F32({4}, {0.25f, 1.0f, 4.0f, 9.0f});
  RequireClose(Run1(OpKind::kSqrt, {pos}).out, {4}, {0.5, 1, 2, 3});
  RequireClose(Run1(OpKind::kLog, {pos}).out, {4}, {std::log(0.25), 0, std::log(4.0), std::log(9.0)});
  RequireClose(Run1(OpKind::kReciprocal, {pos}).out, {4}, {4, 1, 0.25, 1.0 / 9});
  // Outside the domain: IEEE results, no error.
  Tensor neg = F32({1}, {-1.0f});
  CHECK(std::isnan(Run1(OpKind::kSqrt, {neg}).out.GetF32(0)));
}

TEST_CASE("gelu: erf form and tanh form", "[ops][unary]") {
  auto erf_gelu = [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); };
  auto tanh_gelu = [](double x) {
    return 0.5 * x * (1 + std::tanh(std::sqrt(2 / std::numbers::pi) * (x + 0.044715 * x * x * x)));
  };
  RequireClose(Run1(OpKind::kGelu, {X()}).out, {7}, Apply(erf_gelu));
  RequireClose(Run1(OpKind::kGelu, {X()}, {{AttrKey::kApproximate, std::string("tanh")}}).out, {7}, Apply(tanh_gelu));
  // A known value: gelu(1) = 0.8413447 (erf form), 0.8411920 (tanh form).
  CHECK(Run1(OpKind::kGelu, {F32({1}, {1})}).out.GetF32(0) == Approx(0.8413447).epsilon(1e-6));
  CHECK(Run1(OpKind::kGelu, {F32({1}, {1})}, {{AttrKey::kApproximate, std::string("tanh")}}).out.GetF32(0) ==
        Approx(0.8411920).epsilon(1e-6));
  Attrs bad = {{AttrKey::kApproximate, std::string("fast")}};
  CHECK_THAT(Run1(OpKind::kGelu, {X()}, bad).error, Catch::Contains("expected one of"));
}

TEST_CASE("unary ops on f16 round on store, integers stay integers", "[ops][unary]") {
  Tensor h = Tensor::FromF32(DType::kF16, {2}, std::vector<float>{0.1f, 2.0f});
  Tensor e = Run1(OpKind::kExp, {h}).out;
  REQUIRE(e.dtype() == DType::kF16);
  // exp(f16(0.1)) rounded to f16.
  float want = RoundTo(DType::kF16, static_cast<float>(std::exp(static_cast<double>(RoundTo(DType::kF16, 0.1f)))));
  CHECK(e.GetF32(0) == want);
  Tensor i = Tensor::FromI64(DType::kI32, {3}, std::vector<int64_t>{-7, 0, 5});
  RequireInts(Run1(OpKind::kRelu, {i}).out, {3}, {0, 0, 5});
  RequireInts(Run1(OpKind::kNeg, {i}).out, {3}, {7, 0, -5});
  RequireInts(Run1(OpKind::kAbs, {i}).out, {3}, {7, 0, 5});
}

TEST_CASE("is_nan: bool out, true only on NaN (not on infinities), f16 included", "[ops][unary]") {
  Tensor x = F32({5}, {0.0f, NAN, INFINITY, -INFINITY, -NAN});
  Tensor m = Run1(OpKind::kIsNaN, {x}).out;
  REQUIRE(m.type() == TensorType{DType::kBool, {5}});
  RequireInts(m, {5}, {0, 1, 0, 0, 1});
  Tensor h = Tensor::FromF32(DType::kF16, {2}, std::vector<float>{NAN, 1.0f});
  RequireInts(Run1(OpKind::kIsNaN, {h}).out, {2}, {1, 0});
  CHECK_THAT(InferError(OpKind::kIsNaN, {T(DType::kI64, {2})}), Catch::Contains("floating type"));
}

TEST_CASE("not and cast", "[ops][unary]") {
  Tensor b = Bool({3}, {1, 0, 1});
  Tensor n = Run1(OpKind::kNot, {b}).out;
  REQUIRE(n.dtype() == DType::kBool);
  RequireInts(n, {3}, {0, 1, 0});

  Tensor f = F32({4}, {-1.7f, 0.0f, 2.9f, 0.5f});
  Tensor ci = Run1(OpKind::kCast, {f}, {{AttrKey::kTo, DType::kI64}}).out;
  REQUIRE(ci.dtype() == DType::kI64);
  RequireInts(ci, {4}, {-1, 0, 2, 0});   // truncation toward zero
  Tensor cb = Run1(OpKind::kCast, {f}, {{AttrKey::kTo, DType::kBool}}).out;
  RequireInts(cb, {4}, {1, 0, 1, 1});
  Tensor ch = Run1(OpKind::kCast, {f}, {{AttrKey::kTo, DType::kF16}}).out;
  REQUIRE(ch.dtype() == DType::kF16);
  CHECK(ch.GetF32(2) == RoundTo(DType::kF16, 2.9f));
  Tensor back = Run1(OpKind::kCast, {I64({2}, {3, -4})}, {{AttrKey::kTo, DType::kF32}}).out;
  RequireClose(back, {2}, {3, -4});
  CHECK_THAT(Run1(OpKind::kCast, {f}).error, Catch::Contains("requires attribute 'to'"));
}

TEST_CASE("unary type rules", "[ops][unary]") {
  CHECK_THAT(InferError(OpKind::kExp, {T(DType::kI64, {2})}), Catch::Contains("floating type"));
  CHECK_THAT(InferError(OpKind::kNot, {T(DType::kF32, {2})}), Catch::Contains("must be bool"));
  CHECK_THAT(InferError(OpKind::kRelu, {T(DType::kBool, {2})}), Catch::Contains("numeric"));
  CHECK_THAT(InferError(OpKind::kRelu, {T(DType::kF32, {2}), T(DType::kF32, {2})}), Catch::Contains("takes 1 input"));
  auto t = InferOp(OpKind::kGelu, {T(DType::kBF16, {1, 197, 768})});
  REQUIRE(t.ok());
  CHECK((*t)[0] == T(DType::kBF16, {1, 197, 768}));
}

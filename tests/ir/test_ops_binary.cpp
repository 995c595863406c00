// Broadcasting binary ops, comparisons, logic and where, against values written out by hand.
#include <catch2/catch.hpp>

#include <cmath>

#include "tests/ir/op_test_util.h"

using namespace agt;
using namespace agt::ir;
using namespace agt::test;

TEST_CASE("arithmetic with numpy broadcasting", "[ops][binary]") {
  Tensor a = F32({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor row = F32({3}, {10, 20, 30});
  Tensor col = F32({2, 1}, {100, 200});
  RequireClose(Run1(OpKind::kAdd, {a, row}).out, {2, 3}, {11, 22, 33, 14, 25, 36});
  RequireClose(Run1(OpKind::kSub, {a, col}).out, {2, 3}, {-99, -98, -97, -196, -195, -194});
  RequireClose(Run1(OpKind::kMul, {row, col}).out, {2, 3}, {1000, 2000, 3000, 2000, 4000, 6000});
  RequireClose(Run1(OpKind::kDiv, {a, F32({}, {2})}).out, {2, 3}, {0.5, 1, 1.5, 2, 2.5, 3});
  RequireClose(Run1(OpKind::kPow, {a, F32({1}, {2})}).out, {2, 3}, {1, 4, 9, 16, 25, 36});
  RequireClose(Run1(OpKind::kMax, {a, F32({1, 1}, {3.5})}).out, {2, 3}, {3.5, 3.5, 3.5, 4, 5, 6});
  RequireClose(Run1(OpKind::kMin, {a, F32({1, 1}, {3.5})}).out, {2, 3}, {1, 2, 3, 3.5, 3.5, 3.5});
  // Both sides broadcast: [3,1,2] x [4,1] -> [3,4,2].
  Tensor x = F32({3, 1, 2}, {1, 2, 3, 4, 5, 6});
  Tensor y = F32({4, 1}, {0, 10, 20, 30});
  Tensor s = Run1(OpKind::kAdd, {x, y}).out;
  REQUIRE(s.shape() == Shape{3, 4, 2});
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 4; ++j) {
      for (int k = 0; k < 2; ++k) CHECK(s.GetF32((i * 4 + j) * 2 + k) == float(i * 2 + k + 1 + j * 10));
    }
  }
  // div by zero is IEEE for floats.
  CHECK(std::isinf(Run1(OpKind::kDiv, {F32({1}, {1}), F32({1}, {0})}).out.GetF32(0)));
  // max with NaN propagates it.
  CHECK(std::isnan(Run1(OpKind::kMax, {F32({1}, {NAN}), F32({1}, {1})}).out.GetF32(0)));
}

TEST_CASE("integer arithmetic truncates like C", "[ops][binary]") {
  Tensor a = I64({4}, {7, -7, 7, -7});
  Tensor b = I64({4}, {2, 2, -2, -2});
  RequireInts(Run1(OpKind::kDiv, {a, b}).out, {4}, {3, -3, -3, 3});
  RequireInts(Run1(OpKind::kPow, {I64({3}, {2, -3, 5}), I64({3}, {10, 3, 0})}).out, {3}, {1024, -27, 1});
  RequireInts(Run1(OpKind::kAdd, {a, b}).out, {4}, {9, -5, 5, -9});
  RequireInts(Run1(OpKind::kMul, {a, b}).out, {4}, {14, -14, -14, 14});
  CHECK_THAT(Run1(OpKind::kDiv, {a, I64({1}, {0})}).error, Catch::Contains("division by zero"));
  Tensor i32 = Tensor::FromI64(DType::kI32, {2}, std::vector<int64_t>{9, -9});
  Tensor d = Run1(OpKind::kDiv, {i32, Tensor::FromI64(DType::kI32, {1}, std::vector<int64_t>{4})}).out;
  REQUIRE(d.dtype() == DType::kI32);
  RequireInts(d, {2}, {2, -2});
}

TEST_CASE("comparisons and logic give bool", "[ops][binary]") {
  Tensor a = F32({4}, {1, 2, 3, 4});
  Tensor b = F32({}, {3});
  auto check = [&](OpKind op, std::vector<int64_t> want) {
    Tensor r = Run1(op, {a, b}).out;
    REQUIRE(r.dtype() == DType::kBool);
    RequireInts(r, {4}, want);
  };
  check(OpKind::kEqual, {0, 0, 1, 0});
  check(OpKind::kLess, {1, 1, 0, 0});
  check(OpKind::kLessOrEqual, {1, 1, 1, 0});
  check(OpKind::kGreater, {0, 0, 0, 1});
  check(OpKind::kGreaterOrEqual, {0, 0, 1, 1});
  RequireInts(Run1(OpKind::kEqual, {I64({3}, {1, 5, 9}), I64({3}, {1, 6, 9})}).out, {3}, {1, 0, 1});
  Tensor p = Bool({2, 2}, {1, 1, 0, 0});
  Tensor q = Bool({2}, {1, 0});
  RequireInts(Run1(OpKind::kAnd, {p, q}).out, {2, 2}, {1, 0, 0, 0});
  RequireInts(Run1(OpKind::kOr, {p, q}).out, {2, 2}, {1, 1, 1, 0});
  RequireInts(Run1(OpKind::kEqual, {p, q}).out, {2, 2}, {1, 0, 0, 1});
}

TEST_CASE("where broadcasts three ways", "[ops][binary]") {
  Tensor c = Bool({2, 1}, {1, 0});
  Tensor x = F32({3}, {1, 2, 3});
  Tensor y = F32({}, {-1});
  RequireClose(Run1(OpKind::kWhere, {c, x, y}).out, {2, 3}, {1, 2, 3, -1, -1, -1});
  Tensor xi = I64({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor ci = Bool({3}, {1, 0, 1});
  RequireInts(Run1(OpKind::kWhere, {ci, xi, I64({1}, {0})}).out, {2, 3}, {1, 0, 3, 4, 0, 6});
}

TEST_CASE("binary type and shape errors", "[ops][binary]") {
  CHECK(InferError(OpKind::kAdd, {T(DType::kF32, {2, 3}), T(DType::kF32, {4})}) ==
        "inputs f32[2,3] and f32[4] do not broadcast");
  CHECK_THAT(InferError(OpKind::kAdd, {T(DType::kF32, {2}), T(DType::kF16, {2})}), Catch::Contains("same element type"));
  CHECK_THAT(InferError(OpKind::kAnd, {T(DType::kF32, {2}), T(DType::kF32, {2})}), Catch::Contains("bool"));
  CHECK_THAT(InferError(OpKind::kLess, {T(DType::kBool, {2}), T(DType::kBool, {2})}), Catch::Contains("numeric"));
  CHECK_THAT(InferError(OpKind::kWhere, {T(DType::kF32, {2}), T(DType::kF32, {2}), T(DType::kF32, {2})}),
             Catch::Contains("condition must be bool"));
  CHECK_THAT(InferError(OpKind::kWhere, {T(DType::kBool, {3}), T(DType::kF32, {2}), T(DType::kF32, {2})}),
             Catch::Contains("do not broadcast"));
  auto t = InferOp(OpKind::kMul, {T(DType::kF32, {1, 197, 768}), T(DType::kF32, {768})});
  REQUIRE(t.ok());
  CHECK((*t)[0] == T(DType::kF32, {1, 197, 768}));
  auto e = InferOp(OpKind::kGreater, {T(DType::kI64, {5, 1}), T(DType::kI64, {1, 4})});
  REQUIRE(e.ok());
  CHECK((*e)[0] == T(DType::kBool, {5, 4}));
}

// Reductions and cumsum against sums written out by hand.
#include <limits>

#include <catch2/catch.hpp>

#include "tests/ir/op_test_util.h"

using namespace agt;
using namespace agt::ir;
using namespace agt::test;

namespace {
// x[2,3,2] = 0..11
Tensor X() {
  std::vector<float> v(12);
  for (int i = 0; i < 12; ++i) v[i] = float(i);
  return F32({2, 3, 2}, v);
}
Attrs Axes(std::vector<int64_t> axes, int64_t keep = 1) { return {{AttrKey::kAxes, axes}, {AttrKey::kKeepDims, keep}}; }
}  // namespace

TEST_CASE("reduce_sum / mean / max over axes", "[ops][reduce]") {
  RequireClose(Run1(OpKind::kReduceSum, {X()}, Axes({1})).out, {2, 1, 2}, {6, 9, 24, 27});
  RequireClose(Run1(OpKind::kReduceSum, {X()}, Axes({-1}, 0)).out, {2, 3}, {1, 5, 9, 13, 17, 21});
  RequireClose(Run1(OpKind::kReduceMean, {X()}, Axes({0, 2}, 0)).out, {3}, {(0 + 1 + 6 + 7) / 4.0, (2 + 3 + 8 + 9) / 4.0, (4 + 5 + 10 + 11) / 4.0});
  RequireClose(Run1(OpKind::kReduceMax, {X()}, Axes({1}, 0)).out, {2, 2}, {4, 5, 10, 11});
  // Default axes: all, keepdims 1.
  RequireClose(Run1(OpKind::kReduceSum, {X()}).out, {1, 1, 1}, {66});
  RequireClose(Run1(OpKind::kReduceMean, {X()}, Axes({}, 0)).out, {}, {5.5});
  RequireClose(Run1(OpKind::kReduceMax, {F32({3}, {-5, -2, -9})}).out, {1}, {-2});
  // Integers reduce in int64.
  Tensor i = I64({2, 2}, {1, -4, 7, 3});
  RequireInts(Run1(OpKind::kReduceSum, {i}, Axes({0})).out, {1, 2}, {8, -1});
  RequireInts(Run1(OpKind::kReduceMax, {i}, Axes({1}, 0)).out, {2}, {1, 7});
  RequireInts(Run1(OpKind::kReduceMean, {i}, Axes({1}, 0)).out, {2}, {-1, 5});   // -1.5 -> -1, truncation
}

TEST_CASE("reduce shape errors", "[ops][reduce]") {
  CHECK_THAT(InferError(OpKind::kReduceSum, {T(DType::kF32, {2, 3})}, Axes({2})), Catch::Contains("axis 2 is out of range"));
  CHECK_THAT(InferError(OpKind::kReduceSum, {T(DType::kF32, {2, 3})}, Axes({1, -1})), Catch::Contains("twice"));
  CHECK_THAT(InferError(OpKind::kReduceMax, {T(DType::kBool, {2})}), Catch::Contains("numeric"));
}

TEST_CASE("cumsum: inclusive, exclusive, reverse, any axis", "[ops][reduce]") {
  Tensor x = F32({2, 3}, {1, 2, 3, 4, 5, 6});
  auto run = [&](int64_t axis, int64_t excl, int64_t rev) {
    return Run1(OpKind::kCumSum, {x}, {{AttrKey::kAxis, axis}, {AttrKey::kExclusive, excl}, {AttrKey::kReverse, rev}}).out;
  };
  RequireClose(run(1, 0, 0), {2, 3}, {1, 3, 6, 4, 9, 15});
  RequireClose(run(-1, 1, 0), {2, 3}, {0, 1, 3, 0, 4, 9});
  RequireClose(run(1, 0, 1), {2, 3}, {6, 5, 3, 15, 11, 6});
  RequireClose(run(1, 1, 1), {2, 3}, {5, 3, 0, 11, 6, 0});
  RequireClose(run(0, 0, 0), {2, 3}, {1, 2, 3, 5, 7, 9});
  Tensor i = I64({4}, {1, 1, 1, 1});
  RequireInts(Run1(OpKind::kCumSum, {i}, {{AttrKey::kAxis, int64_t{0}}}).out, {4}, {1, 2, 3, 4});
  CHECK_THAT(Run1(OpKind::kCumSum, {x}).error, Catch::Contains("requires attribute 'axis'"));
  CHECK_THAT(InferError(OpKind::kCumSum, {T(DType::kF32, {2})}, {{AttrKey::kAxis, int64_t{1}}}), Catch::Contains("out of range"));
}

namespace {
Attrs Arg(int64_t axis, int64_t keep = 1, int64_t last = 0) {
  return {{AttrKey::kAxis, axis}, {AttrKey::kKeepDims, keep}, {AttrKey::kSelectLastIndex, last}};
}
}  // namespace

TEST_CASE("arg_max / arg_min: first or last extreme along one axis, int64 indices", "[ops][reduce]") {
  // x[2,3,2] = 0..11: the largest along axis 1 is always the last row, the smallest the first.
  RequireInts(Run1(OpKind::kArgMax, {X()}, Arg(1)).out, {2, 1, 2}, {2, 2, 2, 2});
  RequireInts(Run1(OpKind::kArgMin, {X()}, Arg(-1, 0)).out, {2, 3}, {0, 0, 0, 0, 0, 0});
  RequireInts(Run1(OpKind::kArgMax, {X()}, Arg(0, 0)).out, {3, 2}, {1, 1, 1, 1, 1, 1});
  // Ties: the first index, or the last with select_last_index.
  Tensor t = F32({2, 4}, {3, 7, 7, 1, -2, -5, 0, -5});
  RequireInts(Run1(OpKind::kArgMax, {t}, Arg(1, 0)).out, {2}, {1, 2});
  RequireInts(Run1(OpKind::kArgMax, {t}, Arg(1, 0, 1)).out, {2}, {2, 2});
  RequireInts(Run1(OpKind::kArgMin, {t}, Arg(1, 0)).out, {2}, {3, 1});
  RequireInts(Run1(OpKind::kArgMin, {t}, Arg(1, 0, 1)).out, {2}, {3, 3});
  // A NaN is never better than the best so far; first in its row, it stays the answer (onnxruntime's).
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor n = F32({2, 3}, {1, nan, 4, nan, 9, 2});
  RequireInts(Run1(OpKind::kArgMax, {n}, Arg(1, 0)).out, {2}, {2, 0});
  // Integers.
  RequireInts(Run1(OpKind::kArgMax, {I64({3}, {-4, 9, 2})}, Arg(0)).out, {1}, {1});
}

TEST_CASE("arg_max shape errors", "[ops][reduce]") {
  CHECK_THAT(InferError(OpKind::kArgMax, {T(DType::kF32, {2, 3})}, Arg(2)), Catch::Contains("axis 2 is out of range"));
  CHECK_THAT(InferError(OpKind::kArgMin, {T(DType::kF32, {2, 0})}, Arg(1)), Catch::Contains("empty"));
  CHECK_THAT(InferError(OpKind::kArgMax, {T(DType::kBool, {2})}, Arg(0)), Catch::Contains("numeric"));
}

// top_k_values / top_k_indices, scatter_nd and cubic resize: values worked out by hand here (the
// onnxruntime cross-check, tests/python/check_onnxruntime.py's select_scatter_cubic, covers the
// modes against onnxruntime), and the shape rules' refusals.
#include <catch2/catch.hpp>

#include <limits>

#include "tests/ir/op_test_util.h"
#include "tests/support/test_support.h"

using namespace agt;
using namespace agt::ir;
using namespace agt::test;

namespace {
Attrs TopK(int64_t k, int64_t axis = -1, int64_t largest = 1) {
  return {{AttrKey::kK, k}, {AttrKey::kAxis, axis}, {AttrKey::kLargest, largest}};
}
}  // namespace

TEST_CASE("top_k: the k largest or smallest along an axis, ties by the lower index, NaN above all", "[ops][select]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = F32({2, 5}, {3, 1, 4, 1, 5, 2, 7, nan, 7, 0});
  RequireClose(Run1(OpKind::kTopKValues, {x}, TopK(3)).out, {2, 3}, {5, 4, 3, nan, 7, 7});
  RequireInts(Run1(OpKind::kTopKIndices, {x}, TopK(3)).out, {2, 3}, {4, 2, 0, 2, 1, 3});
  // Smallest: the two 1s of row 0 in index order; row 1's NaN never among the smallest.
  RequireInts(Run1(OpKind::kTopKIndices, {x}, TopK(2, 1, 0)).out, {2, 2}, {1, 3, 4, 0});
  // Along axis 0, integers.
  Tensor xi = I64({3, 2}, {5, -1, 9, -1, 5, 8});
  RequireInts(Run1(OpKind::kTopKValues, {xi}, TopK(2, 0)).out, {2, 2}, {9, 8, 5, -1});
  RequireInts(Run1(OpKind::kTopKIndices, {xi}, TopK(2, 0)).out, {2, 2}, {1, 2, 0, 0});
  CHECK_THAT(InferError(OpKind::kTopKValues, {TensorType{DType::kF32, {2, 5}}}, TopK(6)), Catch::Contains("k = 6 must be in [1, 5]"));
  CHECK_THAT(InferError(OpKind::kTopKIndices, {TensorType{DType::kF32, {2, 5}}}, TopK(1, 2)), Catch::Contains("out of range"));
}

TEST_CASE("scatter_nd: rows and elements written, negative indices, repeats in order, reductions", "[ops][select]") {
  Tensor data = F32({3, 2}, {1, 2, 3, 4, 5, 6});
  // Rows: index tuples of one coordinate; -1 is the last row, and the later of two writes wins.
  Tensor rows = I64({3, 1}, {-1, 0, 2});
  Tensor upd = F32({3, 2}, {10, 20, 30, 40, 50, 60});
  RequireClose(Run1(OpKind::kScatterNd, {data, rows, upd}).out, {3, 2}, {30, 40, 3, 4, 50, 60});
  // Elements: tuples of two coordinates, added.
  Tensor elems = I64({2, 2}, {0, 1, 0, 1});
  Tensor two = F32({2}, {0.5, 0.25});
  RequireClose(Run1(OpKind::kScatterNd, {data, elems, two}, {{AttrKey::kReduction, std::string("add")}}).out, {3, 2},
               {1, 2.75, 3, 4, 5, 6});
  RequireClose(Run1(OpKind::kScatterNd, {data, elems, two}, {{AttrKey::kReduction, std::string("max")}}).out, {3, 2},
               {1, 2, 3, 4, 5, 6});
  RequireClose(Run1(OpKind::kScatterNd, {data, elems, two}, {{AttrKey::kReduction, std::string("mul")}}).out, {3, 2},
               {1, 0.25, 3, 4, 5, 6});
  auto bad = RunOp(OpKind::kScatterNd, {data, I64({1, 1}, {3}), F32({1, 2}, {0, 0})});
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::Contains("out of range"));
  CHECK_THAT(InferError(OpKind::kScatterNd, {TensorType{DType::kF32, {3, 2}}, TensorType{DType::kI64, {2, 1}}, TensorType{DType::kF32, {2, 3}}}),
             Catch::Contains("updates"));
}

TEST_CASE("resize cubic: Keys' weights at the taps around the source coordinate, edges clamped or left out", "[ops][select][resize]") {
  // 4 -> 8 along one dim, half_pixel: output 3 reads c = 1.25, taps 0..3 at distances 1.25, 0.25,
  // 0.75, 1.75 with a = -0.75: weights -0.10546875, 0.87890625, 0.26171875, -0.03515625 (sum 1).
  Tensor x = F32({4}, {0, 10, 20, 40});
  Attrs a{{AttrKey::kSizes, std::vector<int64_t>{8}}, {AttrKey::kMode, std::string("cubic")},
          {AttrKey::kCoordMode, std::string("half_pixel")}};
  Tensor y = Run1(OpKind::kResize, {x}, a).out;
  REQUIRE(y.shape() == Shape{8});
  CHECK(y.ToF32()[3] == Approx(10 * 0.87890625 + 20 * 0.26171875 - 40 * 0.03515625));
  // Output 0 reads c = -0.25 (floor -1, t = 0.75): taps -2, -1, 0, 1 with weights W(1.75), W(0.75),
  // W(0.25), W(1.25); clamped, the first three read element 0. With exclude_outside taps -2 and -1
  // are dropped and the inside two renormalised.
  const double out_far = -0.03515625, out_near = 0.26171875;   // taps -2 and -1
  const double in0 = 0.87890625, in1 = -0.10546875;            // taps 0 and 1
  CHECK(y.ToF32()[0] == Approx(0 * (out_far + out_near + in0) + 10 * in1));
  a.set(AttrKey::kExcludeOutside, int64_t{1});
  Tensor ye = Run1(OpKind::kResize, {x}, a).out;
  CHECK(ye.ToF32()[0] == Approx((0 * in0 + 10 * in1) / (in0 + in1)));
  // A constant image stays constant.
  Tensor c = F32({1, 1, 3, 3}, std::vector<float>(9, 2.5f));
  Attrs a2{{AttrKey::kSizes, std::vector<int64_t>{1, 1, 5, 7}}, {AttrKey::kMode, std::string("cubic")},
           {AttrKey::kCoordMode, std::string("align_corners")}, {AttrKey::kCubicCoeffA, -0.5}};
  RequireClose(Run1(OpKind::kResize, {c}, a2).out, {1, 1, 5, 7}, std::vector<double>(35, 2.5));
}

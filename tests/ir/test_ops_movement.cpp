// Data-movement ops (ONNX semantics) against index arithmetic written out by hand.
#include <catch2/catch.hpp>

#include <limits>

#include "tests/ir/op_test_util.h"

using namespace agt;
using namespace agt::ir;
using namespace agt::test;

namespace {
Tensor Iota(Shape s) {
  std::vector<float> v(static_cast<size_t>(NumElements(s)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = float(i);
  return F32(std::move(s), v);
}
using Ints = std::vector<int64_t>;
}  // namespace

TEST_CASE("reshape: 0 copies, -1 infers", "[ops][movement]") {
  Tensor x = Iota({2, 3, 4});
  Tensor r = Run1(OpKind::kReshape, {x}, {{AttrKey::kShape, Ints{0, -1}}}).out;
  REQUIRE(r.shape() == Shape{2, 12});
  CHECK(r.ToF32() == x.ToF32());
  CHECK(Run1(OpKind::kReshape, {x}, {{AttrKey::kShape, Ints{4, 0, 2}}}).out.shape() == Shape{4, 3, 2});
  CHECK_THAT(InferError(OpKind::kReshape, {T(DType::kF32, {2, 3})}, {{AttrKey::kShape, Ints{-1, -1}}}), Catch::Contains("more than one -1"));
  CHECK_THAT(InferError(OpKind::kReshape, {T(DType::kF32, {2, 3})}, {{AttrKey::kShape, Ints{4, -1}}}), Catch::Contains("do not divide"));
  CHECK_THAT(InferError(OpKind::kReshape, {T(DType::kF32, {2, 3})}, {{AttrKey::kShape, Ints{7}}}), Catch::Contains("cannot reshape"));
}

TEST_CASE("transpose: perm and default reversal", "[ops][movement]") {
  Tensor x = Iota({2, 3, 4});
  Tensor t = Run1(OpKind::kTranspose, {x}, {{AttrKey::kPerm, Ints{1, 2, 0}}}).out;
  REQUIRE(t.shape() == Shape{3, 4, 2});
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) CHECK(t.GetF32((j * 4 + k) * 2 + i) == float(i * 12 + j * 4 + k));
  Tensor rev = Run1(OpKind::kTranspose, {x}).out;
  REQUIRE(rev.shape() == Shape{4, 3, 2});
  CHECK(rev.GetF32((3 * 3 + 1) * 2 + 1) == float(1 * 12 + 1 * 4 + 3));
  // Any dtype: f16 bytes move unchanged.
  Tensor h = Tensor::FromF32(DType::kF16, {2, 2}, std::vector<float>{1, 2, 3, 4});
  Tensor ht = Run1(OpKind::kTranspose, {h}).out;
  REQUIRE(ht.dtype() == DType::kF16);
  CHECK(ht.ToF32() == std::vector<float>{1, 3, 2, 4});
  CHECK(InferError(OpKind::kTranspose, {T(DType::kF32, {2, 3, 4})}, {{AttrKey::kPerm, Ints{0, 2}}}) ==
        "perm [0,2] is not a permutation of 3 dims");
  CHECK_THAT(InferError(OpKind::kTranspose, {T(DType::kF32, {2, 3})}, {{AttrKey::kPerm, Ints{1, 1}}}), Catch::Contains("not a permutation"));
}

TEST_CASE("concat along any axis, variadic", "[ops][movement]") {
  Tensor a = F32({2, 1}, {1, 2}), b = F32({2, 2}, {3, 4, 5, 6}), c = F32({2, 1}, {7, 8});
  RequireClose(Run1(OpKind::kConcat, {a, b, c}, {{AttrKey::kAxis, int64_t{-1}}}).out, {2, 4}, {1, 3, 4, 7, 2, 5, 6, 8});
  RequireClose(Run1(OpKind::kConcat, {b, b}, {{AttrKey::kAxis, int64_t{0}}}).out, {4, 2}, {3, 4, 5, 6, 3, 4, 5, 6});
  RequireInts(Run1(OpKind::kConcat, {I64({1}, {9})}, {{AttrKey::kAxis, int64_t{0}}}).out, {1}, {9});
  CHECK_THAT(InferError(OpKind::kConcat, {T(DType::kF32, {2, 1}), T(DType::kF32, {3, 2})}, {{AttrKey::kAxis, int64_t{1}}}),
             Catch::Contains("differ outside axis 1"));
  CHECK_THAT(InferError(OpKind::kConcat, {T(DType::kF32, {2}), T(DType::kI64, {2})}, {{AttrKey::kAxis, int64_t{0}}}),
             Catch::Contains("differ"));
  CHECK_THAT(InferError(OpKind::kConcat, {}, {{AttrKey::kAxis, int64_t{0}}}), Catch::Contains("takes"));
  // Found by the loader's fuzz target: scalars have no axis to concatenate along.
  CHECK_THAT(InferError(OpKind::kConcat, {T(DType::kI64, {}), T(DType::kI64, {})}, {{AttrKey::kAxis, int64_t{0}}}),
             Catch::Contains("cannot concatenate scalars"));
}

TEST_CASE("slice: ONNX clamping, negative indices and steps", "[ops][movement]") {
  Tensor x = Iota({10});
  auto run = [&](Ints starts, Ints ends, Ints axes = {}, Ints steps = {}) {
    return Run1(OpKind::kSlice, {x},
                {{AttrKey::kStarts, starts}, {AttrKey::kEnds, ends}, {AttrKey::kAxes, axes}, {AttrKey::kSteps, steps}})
        .out;
  };
  const int64_t kMax = std::numeric_limits<int64_t>::max(), kMin = std::numeric_limits<int64_t>::min();
  RequireClose(run({2}, {5}), {3}, {2, 3, 4});
  RequireClose(run({-3}, {kMax}), {3}, {7, 8, 9});
  RequireClose(run({1}, {100}, {}, {3}), {3}, {1, 4, 7});
  RequireClose(run({kMax}, {kMin}, {0}, {-1}), {10}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0});
  RequireClose(run({-1}, {-11}, {}, {-4}), {3}, {9, 5, 1});
  RequireClose(run({8}, {2}, {}, {-2}), {3}, {8, 6, 4});
  RequireClose(run({20}, {-20}, {}, {-1}), {10}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0});
  RequireClose(run({5}, {2}), {0}, {});
  RequireClose(run({3}, {kMax}, {}, {kMax}), {1}, {3});
  RequireClose(run({-2}, {kMin}, {}, {kMin}), {1}, {8});
  // An empty dim stays empty whatever the bounds and step.
  Tensor empty(TensorType{DType::kF32, {0}});
  CHECK(Run1(OpKind::kSlice, {empty}, {{AttrKey::kStarts, Ints{-1}}, {AttrKey::kEnds, Ints{kMin}}, {AttrKey::kSteps, Ints{-1}}})
            .out.shape() == Shape{0});
  // 2-D with axes: rows reversed, every second column.
  Tensor m = Iota({3, 4});
  Tensor s = Run1(OpKind::kSlice, {m},
                  {{AttrKey::kStarts, Ints{-1, 0}}, {AttrKey::kEnds, Ints{kMin, 4}}, {AttrKey::kAxes, Ints{0, -1}},
                   {AttrKey::kSteps, Ints{-1, 2}}})
                 .out;
  RequireClose(s, {3, 2}, {8, 10, 4, 6, 0, 2});
  CHECK_THAT(InferError(OpKind::kSlice, {T(DType::kF32, {4})}, {{AttrKey::kStarts, Ints{0}}, {AttrKey::kEnds, Ints{1}}, {AttrKey::kSteps, Ints{0}}}),
             Catch::Contains("step must not be 0"));
  CHECK_THAT(InferError(OpKind::kSlice, {T(DType::kF32, {4})}, {{AttrKey::kStarts, Ints{0}}, {AttrKey::kEnds, Ints{1, 2}}}),
             Catch::Contains("differ in length"));
  CHECK_THAT(InferError(OpKind::kSlice, {T(DType::kF32, {4})}, {{AttrKey::kStarts, Ints{0}}, {AttrKey::kEnds, Ints{1}}, {AttrKey::kAxes, Ints{1}}}),
             Catch::Contains("axis 1 is out of range"));
}

TEST_CASE("gather: axes, negative indices, index shapes", "[ops][movement]") {
  Tensor x = Iota({3, 4});
  RequireClose(Run1(OpKind::kGather, {x, I64({2}, {2, -3})}).out, {2, 4}, {8, 9, 10, 11, 0, 1, 2, 3});
  Tensor idx32 = Tensor::FromI64(DType::kI32, {2, 2}, Ints{0, 3, -1, 1});
  RequireClose(Run1(OpKind::kGather, {x, idx32}, {{AttrKey::kAxis, int64_t{1}}}).out, {3, 2, 2},
               {0, 3, 3, 1, 4, 7, 7, 5, 8, 11, 11, 9});
  // Scalar index drops the axis (ViT's class token: x[:, 0]).
  RequireClose(Run1(OpKind::kGather, {x, I64({}, {1})}, {{AttrKey::kAxis, int64_t{0}}}).out, {4}, {4, 5, 6, 7});
  CHECK_THAT(Run1(OpKind::kGather, {x, I64({1}, {3})}).error, Catch::Contains("index 3 is out of range"));
  CHECK_THAT(InferError(OpKind::kGather, {T(DType::kF32, {3}), T(DType::kF32, {1})}), Catch::Contains("indices must be i64 or i32"));
}

TEST_CASE("gather_nd: the ONNX GatherND examples, negative indices, batch dims, errors", "[ops][movement]") {
  Tensor x = Iota({2, 2});   // [[0, 1], [2, 3]]
  RequireClose(Run1(OpKind::kGatherNd, {x, I64({2, 2}, {0, 0, 1, 1})}).out, {2}, {0, 3});
  RequireClose(Run1(OpKind::kGatherNd, {x, I64({2, 1}, {1, 0})}).out, {2, 2}, {2, 3, 0, 1});
  RequireClose(Run1(OpKind::kGatherNd, {x, I64({1, 2}, {-1, -2})}).out, {1}, {2});
  Tensor y = Iota({2, 2, 2});   // [[[0, 1], [2, 3]], [[4, 5], [6, 7]]]
  RequireClose(Run1(OpKind::kGatherNd, {y, I64({2, 2}, {0, 1, 1, 0})}).out, {2, 2}, {2, 3, 4, 5});
  RequireClose(Run1(OpKind::kGatherNd, {y, I64({2, 1, 2}, {0, 1, 1, 0})}).out, {2, 1, 2}, {2, 3, 4, 5});
  // batch_dims 1: each batch picks from its own slice.
  RequireClose(Run1(OpKind::kGatherNd, {y, I64({2, 1}, {1, 0})}, {{AttrKey::kBatchDims, int64_t{1}}}).out, {2, 2}, {2, 3, 4, 5});
  CHECK_THAT(Run1(OpKind::kGatherNd, {x, I64({1, 2}, {0, 2})}).error, Catch::Contains("index 2 is out of range"));
  CHECK_THAT(InferError(OpKind::kGatherNd, {T(DType::kF32, {2, 2}), T(DType::kI64, {1, 3})}), Catch::Contains("do not fit"));
  CHECK_THAT(InferError(OpKind::kGatherNd, {T(DType::kF32, {2, 2}), T(DType::kF32, {1, 2})}), Catch::Contains("indices must be i64 or i32"));
}

TEST_CASE("split into given sizes", "[ops][movement]") {
  Tensor x = Iota({2, 5});
  auto r = RunOp(OpKind::kSplit, {x}, {{AttrKey::kAxis, int64_t{1}}, {AttrKey::kSplit, Ints{2, 0, 3}}});
  REQUIRE(r.ok());
  REQUIRE(r->size() == 3);
  RequireClose((*r)[0], {2, 2}, {0, 1, 5, 6});
  RequireClose((*r)[1], {2, 0}, {});
  RequireClose((*r)[2], {2, 3}, {2, 3, 4, 7, 8, 9});
  auto q = RunOp(OpKind::kSplit, {x}, {{AttrKey::kSplit, Ints{1, 1}}});
  REQUIRE(q.ok());
  RequireClose((*q)[1], {1, 5}, {5, 6, 7, 8, 9});
  CHECK_THAT(InferError(OpKind::kSplit, {T(DType::kF32, {2, 5})}, {{AttrKey::kAxis, int64_t{1}}, {AttrKey::kSplit, Ints{2, 2}}}),
             Catch::Contains("sums to 4"));
  CHECK_THAT(InferError(OpKind::kSplit, {T(DType::kF32, {2, 5})}), Catch::Contains("requires attribute 'split'"));
}

TEST_CASE("expand (bidirectional) and tile", "[ops][movement]") {
  Tensor x = F32({3, 1}, {1, 2, 3});
  RequireClose(Run1(OpKind::kExpand, {x}, {{AttrKey::kShape, Ints{2, 1, 2}}}).out, {2, 3, 2}, {1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3});
  // shape dim 1 keeps the input's dim; shorter shape aligns right.
  RequireClose(Run1(OpKind::kExpand, {x}, {{AttrKey::kShape, Ints{1}}}).out, {3, 1}, {1, 2, 3});
  CHECK_THAT(InferError(OpKind::kExpand, {T(DType::kF32, {3, 2})}, {{AttrKey::kShape, Ints{4, 2}}}), Catch::Contains("cannot expand f32[3,2] to [4,2]"));
  Tensor t = F32({2, 2}, {1, 2, 3, 4});
  RequireClose(Run1(OpKind::kTile, {t}, {{AttrKey::kRepeats, Ints{2, 3}}}).out, {4, 6},
               {1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4});
  CHECK_THAT(InferError(OpKind::kTile, {T(DType::kF32, {2, 2})}, {{AttrKey::kRepeats, Ints{2}}}), Catch::Contains("one entry per dim"));
}

TEST_CASE("pad: constant, reflect, edge, negative pads", "[ops][movement]") {
  Tensor x = F32({2, 3}, {1, 2, 3, 4, 5, 6});
  auto run = [&](Ints pads, std::string mode, double value = 0.0) {
    return Run1(OpKind::kPad, {x}, {{AttrKey::kPads, pads}, {AttrKey::kMode, mode}, {AttrKey::kValue, value}}).out;
  };
  RequireClose(run({0, 1, 1, 0}, "constant", 9), {3, 4}, {9, 1, 2, 3, 9, 4, 5, 6, 9, 9, 9, 9});
  RequireClose(run({0, 2, 0, 2}, "reflect"), {2, 7}, {3, 2, 1, 2, 3, 2, 1, 6, 5, 4, 5, 6, 5, 4});
  RequireClose(run({1, 1, 1, 1}, "edge"), {4, 5},
               {1, 1, 2, 3, 3, 1, 1, 2, 3, 3, 4, 4, 5, 6, 6, 4, 4, 5, 6, 6});
  RequireClose(run({0, -1, 0, 1}, "constant"), {2, 3}, {2, 3, 0, 5, 6, 0});
  Tensor i = Run1(OpKind::kPad, {I64({2}, {7, 8})}, {{AttrKey::kPads, Ints{1, 1}}, {AttrKey::kValue, 3.0}}).out;
  RequireInts(i, {4}, {3, 7, 8, 3});
  CHECK_THAT(InferError(OpKind::kPad, {T(DType::kF32, {2, 3})}, {{AttrKey::kPads, Ints{1, 1}}}), Catch::Contains("2 entries per dim"));
  CHECK_THAT(InferError(OpKind::kPad, {T(DType::kF32, {2, 3})}, {{AttrKey::kPads, Ints{0, -4, 0, 0}}}), Catch::Contains("below zero"));
  CHECK_THAT(Run1(OpKind::kPad, {x}, {{AttrKey::kPads, Ints{0, 0, 0, 0}}, {AttrKey::kMode, std::string("wrap")}}).error,
             Catch::Contains("expected one of"));
}

TEST_CASE("shape rules refuse results past 2^40 elements instead of overflowing", "[ops][movement][bounds]") {
  // Found by the fuzz target (tests/data/fuzz/tile_repeats_overflow.onnx): 11 * 3602879701896396801 wrapped.
  CHECK_THAT(InferError(OpKind::kTile, {T(DType::kF32, {11, 2})}, {{AttrKey::kRepeats, std::vector<int64_t>{3602879701896396801, 1}}}),
             Catch::Contains("more elements than any tensor"));
  // No overflow, but past the bound: refused by InferTypes for every op.
  CHECK_THAT(InferError(OpKind::kTile, {T(DType::kF32, {1024, 1024})}, {{AttrKey::kRepeats, std::vector<int64_t>{1024, 2048}}}),
             Catch::Contains("more than 2^40 elements"));
  CHECK_THAT(InferError(OpKind::kReshape, {T(DType::kF32, {6})}, {{AttrKey::kShape, std::vector<int64_t>{-1, 4611686018427387904, 4}}}),
             Catch::Contains("more elements than any tensor"));
  CHECK_THAT(InferError(OpKind::kPad, {T(DType::kF32, {2, 2})},
                        {{AttrKey::kPads, std::vector<int64_t>{9223372036854775807, 0, 1, 0}}}),
             Catch::Contains("more elements than any tensor"));
  CHECK_THAT(InferError(OpKind::kRelu, {T(DType::kF32, {int64_t{1} << 21, int64_t{1} << 20})}), Catch::Contains("an input's shape"));
}

// Tests of the exporter-spelling passes: slices_to_split.cpp and canonical_views.cpp.
#include "compiler/passes/passes.h"
#include "tests/passes/pass_test_util.h"

namespace agt {
namespace {

using test::OpSequence;
using Ops = std::vector<std::string>;

TEST_CASE("slices that cut an axis into consecutive pieces become one split", "[passes][slices]") {
  // The dynamo exporter's unbind of a permuted qkv, the pieces written out of order, one end clamped.
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[3,2,4]) {
  %k = slice(%x) {axes = [0], starts = [1], ends = [2]}
  %q = slice(%x) {axes = [0], starts = [0], ends = [1]}
  %v = slice(%x) {axes = [-3], starts = [2], ends = [9223372036854775807]}
  %a = add(%q, %k)
  %m = mul(%a, %v)
  return %m
}
)", passes::RunSlicesToSplit);
  CHECK(changed);
  CHECK(OpSequence(*g) == Ops{"split", "add", "mul"});
  const ir::Node* split = test::FirstNode(*g, ir::OpKind::kSplit);
  CHECK(split->attrs().ints(ir::AttrKey::kSplit) == std::vector<int64_t>{1, 1, 1});
  CHECK(split->attrs().i(ir::AttrKey::kAxis) == 0);
}

TEST_CASE("slices with a gap, an overlap, a step or different axes stay slices", "[passes][slices]") {
  const char* cases[] = {
      // a gap: [0:1] and [2:3] of 3
      R"(graph main(%x: f32[3,4]) {
  %a = slice(%x) {axes = [0], starts = [0], ends = [1]}
  %b = slice(%x) {axes = [0], starts = [2], ends = [3]}
  %c = add(%a, %b)
  return %c
})",
      // an overlap
      R"(graph main(%x: f32[4,4]) {
  %a = slice(%x) {axes = [0], starts = [0], ends = [3]}
  %b = slice(%x) {axes = [0], starts = [1], ends = [4]}
  %c = add(%a, %b)
  return %c
})",
      // a step of 2
      R"(graph main(%x: f32[4,4]) {
  %a = slice(%x) {axes = [0], starts = [0], ends = [4], steps = [2]}
  %b = slice(%x) {axes = [0], starts = [1], ends = [4], steps = [2]}
  %c = add(%a, %b)
  return %c
})",
      // different axes
      R"(graph main(%x: f32[2,2]) {
  %a = slice(%x) {axes = [0], starts = [0], ends = [1]}
  %b = slice(%x) {axes = [1], starts = [1], ends = [2]}
  %c = matmul(%b, %a)
  return %c
})",
  };
  for (const char* text : cases) {
    INFO(text);
    auto [g, changed] = test::RunPassChecked(text, passes::RunSlicesToSplit);
    CHECK_FALSE(changed);
  }
}

TEST_CASE("k^T spelled through other views becomes one reshape and one transpose", "[passes][views]") {
  // The dynamo export's k^T: [1,1,2,5,4] -> [2,5,4] -> (0,2,1) -> [1,2,4,5].
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%k: f32[1,1,2,5,4], %q: f32[1,2,5,4]) {
  %r = reshape(%k) {shape = [2, 5, 4]}
  %t = transpose(%r) {perm = [0, 2, 1]}
  %kt = reshape(%t) {shape = [1, 2, 4, 5]}
  %s = matmul(%q, %kt)
  return %s
}
)", passes::RunCanonicalViews);
  CHECK(changed);
  CHECK(OpSequence(*g) == Ops{"reshape", "transpose", "matmul"});
  const ir::Node* r = test::FirstNode(*g, ir::OpKind::kReshape);
  CHECK(r->attrs().ints(ir::AttrKey::kShape) == std::vector<int64_t>{1, 2, 5, 4});
  const ir::Node* t = test::FirstNode(*g, ir::OpKind::kTranspose);
  CHECK(t->attrs().ints(ir::AttrKey::kPerm) == std::vector<int64_t>{0, 1, 3, 2});
}

TEST_CASE("view chains already canonical, identity chains, and chains through a real reshape", "[passes][views]") {
  SECTION("the zoo's spelling is left as it is") {
    auto [g, changed] = test::RunPassChecked(R"(
graph main(%k: f32[1,1,2,5,4]) {
  %r = reshape(%k) {shape = [1, 2, 5, 4]}
  %t = transpose(%r) {perm = [0, 1, 3, 2]}
  return %t
}
)", passes::RunCanonicalViews);
    CHECK_FALSE(changed);
  }
  SECTION("a chain that changes nothing disappears") {
    auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[3,1,4]) {
  %t = transpose(%x) {perm = [2, 1, 0]}
  %u = transpose(%t) {perm = [2, 1, 0]}
  %e = exp(%u)
  return %e
}
)", passes::RunCanonicalViews);
    CHECK(changed);
    CHECK(OpSequence(*g) == Ops{"exp"});
  }
  SECTION("a reshape that splits a dim ends the chain") {
    auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[6,4]) {
  %r = reshape(%x) {shape = [2, 3, 4]}
  %t = transpose(%r) {perm = [0, 2, 1]}
  return %t
}
)", passes::RunCanonicalViews);
    CHECK_FALSE(changed);
  }
  SECTION("a view read twice ends the chain there") {
    auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[1,3,4]) {
  %r = reshape(%x) {shape = [3, 4]}
  %t = transpose(%r) {perm = [1, 0]}
  %u = reshape(%t) {shape = [1, 4, 3]}
  return %u, %t
}
)", passes::RunCanonicalViews);
    CHECK_FALSE(changed);
  }
}

}  // namespace
}  // namespace agt

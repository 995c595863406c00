// Tests of the fused-qkv spelling of split heads (compiler/passes/canonical_qkv_split.cpp).
// RunPassChecked also runs both graphs on the interpreter and compares them.
#include "compiler/passes/passes.h"
#include "tests/passes/pass_test_util.h"

namespace agt {
namespace {

using test::OpSequence;
using Ops = std::vector<std::string>;

TEST_CASE("q, k, v split along the last axis then reshaped to heads become timm's reshape, permute, split", "[passes][qkv]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%y: f32[1,3,12]) {
  %q, %k, %v = split(%y) {axis = -1, split = [4, 4, 4]}
  %qh = reshape(%q) {shape = [1, 3, 2, 2]}
  %kh = reshape(%k) {shape = [1, 3, 2, 2]}
  %vh = reshape(%v) {shape = [1, 3, 2, 2]}
  %qt = transpose(%qh) {perm = [0, 2, 1, 3]}
  %kt = transpose(%kh) {perm = [0, 2, 3, 1]}
  %vt = transpose(%vh) {perm = [0, 2, 1, 3]}
  %s = matmul(%qt, %kt)
  %p = softmax(%s)
  %o = matmul(%p, %vt)
  return %o
}
)", passes::RunCanonicalQkvSplit);
  CHECK(changed);
  CHECK(OpSequence(*g) == Ops{"reshape", "transpose", "split", "reshape", "reshape", "transpose", "reshape", "matmul",
                              "softmax", "matmul"});
  const ir::Node* perm = test::FirstNode(*g, ir::OpKind::kTranspose);
  CHECK(perm->attrs().ints(ir::AttrKey::kPerm) == std::vector<int64_t>{2, 0, 3, 1, 4});
  CHECK(perm->input(0)->shape() == ir::Shape{1, 3, 3, 2, 2});
  const ir::Node* split = test::FirstNode(*g, ir::OpKind::kSplit);
  CHECK(split->attrs().i(ir::AttrKey::kAxis) == 0);
  // q and v need no transpose after the head reshape; k's [0, 2, 3, 1] becomes k^T's [0, 1, 3, 2].
  int transposes = 0;
  for (const auto& n : g->nodes()) {
    if (n->op() != ir::OpKind::kTranspose || n.get() == perm) continue;
    ++transposes;
    CHECK(n->attrs().ints(ir::AttrKey::kPerm) == std::vector<int64_t>{0, 1, 3, 2});
  }
  CHECK(transposes == 1);
}

TEST_CASE("a batch of 2, heads of 3 x 4 and any head permutation compute what they did", "[passes][qkv]") {
  // H != D and B > 1, so a swapped H and D or a lost batch would show in shapes or values; the perms
  // [1, 0, 2, 3] (composed [2, 0, 1, 3]) and [0, 1, 2, 3] (composed [0, 2, 1, 3]) beside the usual one.
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%y: f32[2,5,36]) {
  %q, %k, %v = split(%y) {axis = 2, split = [12, 12, 12]}
  %qh = reshape(%q) {shape = [2, 5, 3, 4]}
  %kh = reshape(%k) {shape = [2, 5, 3, 4]}
  %vh = reshape(%v) {shape = [2, 5, 3, 4]}
  %qt = transpose(%qh) {perm = [1, 0, 2, 3]}
  %kt = transpose(%kh) {perm = [0, 1, 2, 3]}
  %vt = transpose(%vh) {perm = [0, 2, 1, 3]}
  return %qt, %kt, %vt
}
)", passes::RunCanonicalQkvSplit);
  CHECK(changed);
  std::vector<std::vector<int64_t>> perms;
  for (const auto& n : g->nodes()) {
    if (n->op() == ir::OpKind::kTranspose) perms.push_back(n->attrs().ints(ir::AttrKey::kPerm));
  }
  CHECK(perms == std::vector<std::vector<int64_t>>{{2, 0, 3, 1, 4}, {2, 0, 1, 3}, {0, 2, 1, 3}});
  CHECK(g->outputs()[0]->shape() == ir::Shape{5, 2, 3, 4});
  CHECK(g->outputs()[2]->shape() == ir::Shape{2, 3, 5, 4});
}

TEST_CASE("no rewrite for unequal parts, a part with another reader, or heads of different shapes", "[passes][qkv]") {
  const char* unequal = R"(
graph main(%y: f32[1,3,12]) {
  %a, %b, %c = split(%y) {axis = -1, split = [4, 2, 6]}
  return %a, %b, %c
}
)";
  const char* two_readers = R"(
graph main(%y: f32[1,3,12]) {
  %q, %k, %v = split(%y) {axis = -1, split = [4, 4, 4]}
  %qh = reshape(%q) {shape = [1, 3, 2, 2]}
  %kh = reshape(%k) {shape = [1, 3, 2, 2]}
  %vh = reshape(%v) {shape = [1, 3, 2, 2]}
  %qt = transpose(%qh) {perm = [0, 2, 1, 3]}
  %kt = transpose(%kh) {perm = [0, 2, 1, 3]}
  %vt = transpose(%vh) {perm = [0, 2, 1, 3]}
  %x = relu(%q)
  return %qt, %kt, %vt, %x
}
)";
  const char* other_heads = R"(
graph main(%y: f32[1,3,12]) {
  %q, %k, %v = split(%y) {axis = -1, split = [4, 4, 4]}
  %qh = reshape(%q) {shape = [1, 3, 2, 2]}
  %kh = reshape(%k) {shape = [1, 3, 4, 1]}
  %vh = reshape(%v) {shape = [1, 3, 2, 2]}
  %qt = transpose(%qh) {perm = [0, 2, 1, 3]}
  %kt = transpose(%kh) {perm = [0, 2, 1, 3]}
  %vt = transpose(%vh) {perm = [0, 2, 1, 3]}
  return %qt, %kt, %vt
}
)";
  for (const char* text : {unequal, two_readers, other_heads}) {
    auto [g, changed] = test::RunPassChecked(text, passes::RunCanonicalQkvSplit);
    CHECK_FALSE(changed);
  }
}

}  // namespace
}  // namespace agt

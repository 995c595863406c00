// Tests of horizontal fusion of an attention's q, k, v projections (compiler/passes/concat_sibling_linears.cpp).
// RunPassChecked also runs both graphs on the interpreter and compares them.
#include "compiler/passes/passes.h"
#include "tests/passes/pass_test_util.h"

namespace agt {
namespace {

using test::OpSequence;
using Ops = std::vector<std::string>;

TEST_CASE("separate q, k, v projections of one attention become one linear and a split, in q, k, v order",
          "[passes][siblings]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[1,3,2]) {
  %wk = constant f32[2,2] [5, 6, -1, 0.5]
  %bk = constant f32[2] [1, -1]
  %wv = constant f32[2,2] [7, 8, 9, 10]
  %bv = constant f32[2] [2, 3]
  %wq = constant f32[2,2] [0.1, 0.2, 0.3, 0.4]
  %bq = constant f32[2] [0.5, -0.5]
  %c = constant f32[] [0.7]
  %k = linear(%x, %wk, %bk)
  %v = linear(%x, %wv, %bv)
  %q = linear(%x, %wq, %bq)
  %kt = transpose(%k) {perm = [0, 2, 1]}
  %qs = mul(%q, %c)
  %s = matmul(%qs, %kt)
  %p = softmax(%s)
  %o = matmul(%p, %v)
  return %o
}
)", passes::RunConcatSiblingLinears);
  CHECK(changed);
  CHECK(OpSequence(*g) == Ops{"linear", "split", "transpose", "mul", "matmul", "softmax", "matmul"});
  const ir::Node* lin = test::FirstNode(*g, ir::OpKind::kLinear);
  REQUIRE(lin->num_inputs() == 3);
  CHECK(lin->input(1)->shape() == ir::Shape{2, 6});
  // Row k: wq's row, then wk's, then wv's (a fused qkv layer's order, not the graph's k, v, q).
  CHECK(lin->input(1)->data().ToF32() == std::vector<float>{0.1f, 0.2f, 5, 6, 7, 8, 0.3f, 0.4f, -1, 0.5f, 9, 10});
  CHECK(lin->input(2)->data().ToF32() == std::vector<float>{0.5f, -0.5f, 1, -1, 2, 3});
  const ir::Node* split = test::FirstNode(*g, ir::OpKind::kSplit);
  CHECK(split->attrs().ints(ir::AttrKey::kSplit) == std::vector<int64_t>{2, 2, 2});
  CHECK(split->attrs().i(ir::AttrKey::kAxis) == 2);
  CHECK(g->outputs()[0]->name() == "o");
}

TEST_CASE("a projection without a bias gets zeros beside the others' biases", "[passes][siblings]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[4,2]) {
  %wq = constant f32[2,2] [1, -2, 3, 0.5]
  %bq = constant f32[2] [10, 20]
  %wk = constant f32[2,2] [0.25, 4, -1, 2]
  %wv = constant f32[2,1] [3, -3]
  %bv = constant f32[1] [7]
  %q = linear(%x, %wq, %bq)
  %k = linear(%x, %wk)
  %v = linear(%x, %wv, %bv)
  %kt = transpose(%k) {perm = [1, 0]}
  %s = matmul(%q, %kt)
  %p = softmax(%s)
  %o = matmul(%p, %v)
  return %o
}
)", passes::RunConcatSiblingLinears);
  CHECK(changed);
  const ir::Node* lin = test::FirstNode(*g, ir::OpKind::kLinear);
  REQUIRE(lin->num_inputs() == 3);
  CHECK(lin->input(2)->data().ToF32() == std::vector<float>{10, 20, 0, 0, 7});
}

TEST_CASE("no merge where q and k share an input but v reads another (DETR's x + pos), or siblings meet no attention",
          "[passes][siblings]") {
  const char* detr = R"(
graph main(%x: f32[4,2], %pos: f32[4,2]) {
  %wq = constant f32[2,2] [1, -2, 3, 0.5]
  %wk = constant f32[2,2] [0.25, 4, -1, 2]
  %wv = constant f32[2,2] [3, -3, 1, 1]
  %xp = add(%x, %pos)
  %q = linear(%xp, %wq)
  %k = linear(%xp, %wk)
  %v = linear(%x, %wv)
  %kt = transpose(%k) {perm = [1, 0]}
  %s = matmul(%q, %kt)
  %p = softmax(%s)
  %o = matmul(%p, %v)
  return %o
}
)";
  const char* no_attention = R"(
graph main(%x: f32[4,2]) {
  %wa = constant f32[2,2] [1, -2, 3, 0.5]
  %wb = constant f32[2,2] [0.25, 4, -1, 2]
  %wc = constant f32[2,2] [3, -3, 1, 1]
  %a = linear(%x, %wa)
  %b = linear(%x, %wb)
  %c = linear(%x, %wc)
  %ab = add(%a, %b)
  %y = mul(%ab, %c)
  return %y
}
)";
  const char* computed_weight = R"(
graph main(%x: f32[4,2], %wk: f32[2,2]) {
  %wq = constant f32[2,2] [1, -2, 3, 0.5]
  %wv = constant f32[2,2] [3, -3, 1, 1]
  %q = linear(%x, %wq)
  %k = linear(%x, %wk)
  %v = linear(%x, %wv)
  %kt = transpose(%k) {perm = [1, 0]}
  %s = matmul(%q, %kt)
  %p = softmax(%s)
  %o = matmul(%p, %v)
  return %o
}
)";
  for (const char* text : {detr, no_attention, computed_weight}) {
    auto [g, changed] = test::RunPassChecked(text, passes::RunConcatSiblingLinears);
    CHECK_FALSE(changed);
  }
}

}  // namespace
}  // namespace agt

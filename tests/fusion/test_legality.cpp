// Fusion legality, one rule at a time: each case states a small graph in IR text, a candidate set
// of operators (named by their results) and whether it is one legal kernel, of which kind, or why not.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "compiler/fusion/legality.h"
#include "compiler/fusion/op_geometry.h"
#include "tests/support/test_support.h"

using namespace agt;
using fusion::CheckGroup;
using fusion::GroupKind;
using fusion::LegalityOptions;
using fusion::OpGraph;

namespace {

struct Case {
  std::unique_ptr<ir::Graph> graph;
  std::unique_ptr<OpGraph> og;
  explicit Case(std::string_view text) : graph(test::ParseIr(text)), og(std::make_unique<OpGraph>(*graph)) {}
  std::vector<int> Ops(std::initializer_list<const char*> results) const {
    std::vector<int> out;
    for (const char* r : results) {
      const ir::Value* v = graph->FindValue(r);
      REQUIRE(v != nullptr);
      out.push_back(og->index(v->producer()));
    }
    return out;
  }
  fusion::GroupCheck Check(std::initializer_list<const char*> results, const LegalityOptions& o = {}) const {
    auto ops = Ops(results);
    return CheckGroup(*og, ops, o);
  }
};

std::vector<std::string_view> OpNames(const std::vector<const ir::Node*>& nodes) {
  std::vector<std::string_view> out;
  for (const ir::Node* n : nodes) out.push_back(n->op_name());
  return out;
}

}  // namespace

TEST_CASE("legality: element-wise, broadcast and injective ops fuse together", "[fusion][legality]") {
  Case c(R"(graph g(%x: f32[4,8], %y: f32[4]) {
    %t = transpose(%x) {perm = [1, 0]}
    %a = relu(%t)
    %b = add(%a, %y)
    %e = exp(%b)
    return %e
  })");
  auto r = c.Check({"t", "a", "b", "e"});
  REQUIRE(r.legal);
  CHECK(r.group.kind == GroupKind::kElementwise);
  CHECK(r.group.outputs.size() == 1);
  CHECK(r.group.inputs.size() == 2);   // x and y
}

TEST_CASE("legality: a GEMM absorbs element-wise and injective consumers and injective producers",
          "[fusion][legality]") {
  Case c(R"(graph g(%x: f32[8,16], %w: f32[16,32], %bias: f32[32], %r: f32[16,8]) {
    %xt = transpose(%r) {perm = [1, 0]}
    %m = matmul(%xt, %w)
    %l = linear(%x, %w, %bias)
    %a = add(%m, %bias)
    %g = gelu(%a)
    %t = transpose(%g) {perm = [1, 0]}
    %s = add(%l, %l)
    return %t, %s
  })");
  auto r = c.Check({"xt", "m", "a", "g", "t"});
  REQUIRE(r.legal);
  CHECK(r.group.kind == GroupKind::kGemm);
  CHECK(r.group.anchor->op() == ir::OpKind::kMatMul);
  CHECK(OpNames(r.group.prologue) == std::vector<std::string_view>{"transpose"});
  CHECK(OpNames(r.group.epilogue) == std::vector<std::string_view>{"add", "gelu", "transpose"});
  // Linear with an element-wise consumer.
  auto l = c.Check({"l", "s"});
  REQUIRE(l.legal);
  CHECK(l.group.kind == GroupKind::kGemm);
}

TEST_CASE("legality: at most one out-fusable anchor outside attention", "[fusion][legality]") {
  Case c(R"(graph g(%x: f32[8,16], %w: f32[16,16], %b: f32[16]) {
    %a = linear(%x, %w, %b)
    %r = relu(%a)
    %c = linear(%r, %w, %b)
    return %c
  })");
  auto r = c.Check({"a", "r", "c"});
  CHECK_FALSE(r.legal);
  CHECK_THAT(r.reason, Catch::Contains("two out-fusable anchors"));
}

TEST_CASE("legality: a reduction fuses with element-wise producers and consumers", "[fusion][legality]") {
  Case c(R"(graph g(%x: f32[4,8], %y: f32[4,8], %s: f32[8]) {
    %a = add(%x, %y)
    %n = layer_norm(%a, %s) {axis = -1}
    %m = mul(%n, %s)
    %t = transpose(%a) {perm = [1, 0]}
    %sm = softmax(%t) {axis = -1}
    return %m, %sm
  })");
  auto r = c.Check({"a", "n", "m"});
  REQUIRE(r.legal);
  CHECK(r.group.kind == GroupKind::kReduction);
  CHECK(r.group.anchor->op() == ir::OpKind::kLayerNorm);
  // Two outputs leave (a feeds the transpose outside): a row kernel may write both.
  CHECK(r.group.outputs.size() == 2);
  LegalityOptions one;
  one.max_outputs = 1;
  CHECK_FALSE(c.Check({"a", "n", "m"}, one).legal);
  // An injective producer does not fuse with a reduction.
  auto t = c.Check({"t", "sm"});
  CHECK_FALSE(t.legal);
  CHECK_THAT(t.reason, Catch::Contains("cannot fuse with reduction"));
}

TEST_CASE("legality: reductions fuse only over the same rows", "[fusion][legality]") {
  Case c(R"(graph g(%x: f32[4,8]) {
    %m = reduce_mean(%x) {axes = [1], keepdims = 1}
    %d = sub(%x, %m)
    %q = mul(%d, %d)
    %v = reduce_mean(%q) {axes = [1], keepdims = 1}
    %w = reduce_mean(%q) {axes = [0], keepdims = 1}
    %o = add(%v, %w)
    return %o
  })");
  auto same = c.Check({"m", "d", "q", "v"});
  REQUIRE(same.legal);
  CHECK(same.group.kind == GroupKind::kReduction);
  auto diff = c.Check({"q", "v", "w", "o"});
  CHECK_FALSE(diff.legal);
  CHECK_THAT(diff.reason, Catch::Contains("do not reduce the same rows"));
}

TEST_CASE("legality: a reduction is not a GEMM epilogue", "[fusion][legality]") {
  Case c(R"(graph g(%x: f32[8,16], %w: f32[16,16]) {
    %m = matmul(%x, %w)
    %s = softmax(%m) {axis = -1}
    return %s
  })");
  auto r = c.Check({"m", "s"});
  CHECK_FALSE(r.legal);
  CHECK_THAT(r.reason, Catch::Contains("cannot be in the epilogue"));
}

TEST_CASE("legality: LayerNorm as the prologue of the GEMM over its rows", "[fusion][legality]") {
  Case c(R"(graph g(%x: f32[8,16], %w: f32[16,32], %b: f32[32], %s: f32[16], %v: f32[16,8], %u: f32[8,4]) {
    %n = layer_norm(%x, %s, %s) {axis = -1}
    %l = linear(%n, %w, %b)
    %g = gelu(%l)
    %n2 = layer_norm(%x, %s, %s) {axis = -1}
    %t = transpose(%n2) {perm = [1, 0]}
    %m = matmul(%t, %u)
    %n3 = layer_norm(%x, %s, %s) {axis = -1}
    %m3 = matmul(%v, %n3)
    return %g, %m, %m3
  })");
  LegalityOptions on;
  on.allow_norm_prologue = true;
  auto r = c.Check({"n", "l", "g"}, on);
  REQUIRE(r.legal);
  CHECK(r.group.kind == GroupKind::kGemm);
  CHECK(OpNames(r.group.prologue) == std::vector<std::string_view>{"layer_norm"});
  // Off by default (no GEMM sketch computes the norm), and then the group is refused.
  CHECK_FALSE(c.Check({"n", "l", "g"}).legal);
  // A transpose between the norm and the product: the norm's rows are no longer the GEMM's K.
  auto t = c.Check({"n2", "t", "m"}, on);
  CHECK_FALSE(t.legal);
  CHECK_THAT(t.reason, Catch::Contains("only element-wise ops may"));
  // The normalised tensor as the second operand.
  auto s = c.Check({"n3", "m3"}, on);
  CHECK_FALSE(s.legal);
  CHECK_THAT(s.reason, Catch::Contains("does not feed the first operand"));
}

TEST_CASE("legality: opaque ops stand alone", "[fusion][legality]") {
  Case c(R"(graph g(%x: f32[4,8]) {
    %c = cumsum(%x) {axis = 1}
    %r = relu(%c)
    return %r
  })");
  CHECK(c.Check({"c"}).legal);
  CHECK(c.Check({"c"}).group.kind == GroupKind::kOpaque);
  auto r = c.Check({"c", "r"});
  CHECK_FALSE(r.legal);
  CHECK_THAT(r.reason, Catch::Contains("stands alone"));
}

TEST_CASE("legality: the cycle rule", "[fusion][legality]") {
  // a -> b -> c and a -> c: {a, c} without b would need b's result inside the kernel that feeds b.
  Case c(R"(graph g(%x: f32[4,8], %w: f32[8,8]) {
    %a = relu(%x)
    %b = matmul(%a, %w)
    %c = add(%a, %b)
    return %c
  })");
  auto r = c.Check({"a", "c"});
  CHECK_FALSE(r.legal);
  CHECK_THAT(r.reason, Catch::Contains("cycle"));
  // With b inside, the same ops are a legal GEMM group (prologue relu, epilogue add).
  auto all = c.Check({"a", "b", "c"});
  REQUIRE(all.legal);
  CHECK(all.group.kind == GroupKind::kGemm);
}

TEST_CASE("legality: groups are connected and no larger than the maximum", "[fusion][legality]") {
  Case c(R"(graph g(%x: f32[4,8]) {
    %a = relu(%x)
    %b = exp(%x)
    %c = add(%a, %b)
    %d = neg(%c)
    %e = abs(%d)
    return %e
  })");
  auto apart = c.Check({"a", "b"});
  CHECK_FALSE(apart.legal);
  CHECK_THAT(apart.reason, Catch::Contains("not connected"));
  CHECK(c.Check({"a", "b", "c"}).legal);
  LegalityOptions small;
  small.max_group_size = 4;
  auto big = c.Check({"a", "b", "c", "d", "e"}, small);
  CHECK_FALSE(big.legal);
  CHECK_THAT(big.reason, Catch::Contains("group would exceed max size"));
}

TEST_CASE("legality: a GEMM writes one output and does not grow it", "[fusion][legality]") {
  Case c(R"(graph g(%x: f32[8,16], %w: f32[16,16], %b: f32[16], %z: f32[8,16]) {
    %l = linear(%x, %w, %b)
    %r = relu(%l)
    %k = concat(%r, %z) {axis = 0}
    %o = add(%l, %z)
    return %r, %k, %o
  })");
  auto two = c.Check({"l", "r"});   // l also feeds o outside
  CHECK_FALSE(two.legal);
  CHECK_THAT(two.reason, Catch::Contains("writes at most 1 output"));
  auto grow = c.Check({"l", "r", "k", "o"});
  CHECK_FALSE(grow.legal);
  CHECK_THAT(grow.reason, Catch::Contains("enlarge"));
}

namespace {

// One attention head group as exported: q, k^T, v as inputs, a scale and a mask, softmax on `axis`.
std::string AttentionText(const char* axis, const char* mask_shape = "f32[1,1,10,12]",
                          const char* extra_output = "") {
  return fmt::format(R"(graph g(%q: f32[1,10,2,4], %k: f32[1,12,2,4], %v: f32[1,2,12,4], %mask: {}) {{
    %qt = transpose(%q) {{perm = [0, 2, 1, 3]}}
    %kt = transpose(%k) {{perm = [0, 2, 3, 1]}}
    %s = matmul(%qt, %kt)
    %c = constant f32[] [0.5]
    %sc = mul(%s, %c)
    %sm = add(%sc, %mask)
    %p = softmax(%sm) {{axis = {}}}
    %o = matmul(%p, %v)
    %ot = transpose(%o) {{perm = [0, 2, 1, 3]}}
    return %ot{}
  }})",
                     mask_shape, axis, extra_output);
}

}  // namespace

TEST_CASE("legality: attention (matmul, scale, mask, softmax, matmul) is one group", "[fusion][legality]") {
  Case c(AttentionText("-1"));
  auto r = c.Check({"qt", "kt", "s", "sc", "sm", "p", "o", "ot"});
  REQUIRE(r.legal);
  CHECK(r.group.kind == GroupKind::kAttention);
  CHECK(r.group.anchor == c.graph->FindValue("s")->producer());
  CHECK(r.group.anchor2 == c.graph->FindValue("o")->producer());
  CHECK(OpNames(r.group.core) == std::vector<std::string_view>{"mul", "add", "softmax"});
  CHECK(OpNames(r.group.prologue) == std::vector<std::string_view>{"transpose", "transpose"});
  CHECK(OpNames(r.group.epilogue) == std::vector<std::string_view>{"transpose"});
  CHECK(r.group.outputs.size() == 1);
  // Without the softmax in between, two matmuls do not fuse.
  Case d(R"(graph g(%a: f32[4,4], %b: f32[4,4]) {
    %m = matmul(%a, %b)
    %r = relu(%m)
    %n = matmul(%r, %b)
    return %n
  })");
  auto no = d.Check({"m", "r", "n"});
  CHECK_FALSE(no.legal);
  CHECK_THAT(no.reason, Catch::Contains("no softmax"));
}

TEST_CASE("legality: attention fails with a reason", "[fusion][legality]") {
  SECTION("softmax over the query axis") {
    Case c(AttentionText("-2"));
    auto r = c.Check({"s", "sc", "sm", "p", "o"});
    CHECK_FALSE(r.legal);
    CHECK(r.reason == "softmax axis is not the key axis");
  }
  SECTION("a mask that enlarges the score matrix") {
    Case c(AttentionText("-1", "f32[3,1,10,12]"));
    auto r = c.Check({"s", "sc", "sm", "p", "o"});
    CHECK_FALSE(r.legal);
    CHECK_THAT(r.reason, Catch::Contains("mask/bias broadcast"));
  }
  SECTION("probabilities that leave the group") {
    Case c(AttentionText("-1", "f32[1,1,10,12]", ", %p"));
    auto r = c.Check({"s", "sc", "sm", "p", "o"});
    CHECK_FALSE(r.legal);
    CHECK_THAT(r.reason, Catch::Contains("graph output"));
  }
  SECTION("probabilities as the right operand") {
    Case c(R"(graph g(%a: f32[2,6,6], %b: f32[2,6,6], %v: f32[2,3,6]) {
      %s = matmul(%a, %b)
      %p = softmax(%s) {axis = -1}
      %o = matmul(%v, %p)
      return %o
    })");
    auto r = c.Check({"s", "p", "o"});
    CHECK_FALSE(r.legal);
    CHECK_THAT(r.reason, Catch::Contains("not the left operand"));
  }
  SECTION("a third product") {
    Case c(R"(graph g(%a: f32[6,6]) {
      %s = matmul(%a, %a)
      %p = softmax(%s) {axis = -1}
      %o = matmul(%p, %a)
      %z = matmul(%o, %a)
      return %z
    })");
    auto r = c.Check({"s", "p", "o", "z"});
    CHECK_FALSE(r.legal);
    CHECK_THAT(r.reason, Catch::Contains("3 matrix products"));
  }
}

TEST_CASE("legality: the halves of a LayerNorm are rows of the last axis; the norm from moments normalises",
          "[fusion][legality]") {
  auto g = test::ParseIr(
      "graph g(%y: f32[1,197,768]) {\n"
      "  %m = row_moments(%y) : f32[197,12,2]\n"
      "  %z = layer_norm_moments(%y, %m) {epsilon = 1e-06} : f32[1,197,768]\n"
      "  return %z\n"
      "}\n");
  auto rm = fusion::GetReductionRows(*g->FindValue("m")->producer());
  auto ln = fusion::GetReductionRows(*g->FindValue("z")->producer());
  REQUIRE(rm.has_value());
  REQUIRE(ln.has_value());
  CHECK(rm->axes == std::vector<int64_t>{2});
  CHECK_FALSE(rm->normalizing);
  CHECK(fusion::ReducesLastAxisOnly(*rm));
  CHECK(ln->axes == std::vector<int64_t>{2});
  CHECK(ln->normalizing);
  CHECK(fusion::ReducesLastAxisOnly(*ln));
}

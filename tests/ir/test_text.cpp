// The IR text: printing graphs built through the API gives the text written out here by hand;
// parsing gives back a structurally equal graph (tests/ir/graph_compare.h, independent of the
// printer); constants of every dtype survive bit for bit; bad input gives `file:line:col` errors
// naming the node and op, and never crashes.
#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ir/text.h"
#include "ir/verifier.h"
#include "tests/ir/graph_compare.h"
#include "tests/support/test_support.h"

using namespace agt;
using namespace agt::ir;

namespace {

// Prints, parses back, and checks equality both structurally and as text.
std::unique_ptr<Graph> RoundTrip(const Graph& g, const PrintOptions& options = {}) {
  std::string text = PrintGraph(g, options);
  auto back = ParseGraph(text, "roundtrip.agt");
  if (!back.ok()) FAIL("printed text does not parse: " << back.status().message() << "\n" << text);
  INFO(text);
  CHECK(test::GraphDiff(g, **back) == "");
  CHECK(PrintGraph(**back, options) == text);
  CHECK(Verify(**back).ok());
  return std::move(back).value();
}

std::string ParseError(std::string_view text) {
  auto g = ParseGraph(text, "t.agt");
  if (g.ok()) FAIL("expected a parse error for:\n" << text);
  return g.status().message();
}

}  // namespace

TEST_CASE("text: the issue's example parses to the graph it describes", "[text]") {
  auto g = test::ParseIr(R"(
    # a comment line
    graph main(%x: f32[1,4], %m: bool[1,4]) {
      %c = constant f32[4] [1.5, 2, 3, 4]      # trailing comment
      %a = add(%x, %c) : f32[1,4]
      %s = softmax(%a) {axis = -1} : f32[1,4] loc("Softmax_3")
      %p, %q = split(%s) {axis = 1, split = [2, 2]} : f32[1,2], f32[1,2]
      return %p, %q
    })");
  REQUIRE(g);
  CHECK(g->name() == "main");
  REQUIRE(g->inputs().size() == 2);
  CHECK(g->inputs()[1]->type() == TensorType{DType::kBool, {1, 4}});
  Value* c = g->FindValue("c");
  REQUIRE(c != nullptr);
  CHECK(c->is_constant());
  CHECK(c->data().ToF32() == std::vector<float>{1.5f, 2, 3, 4});
  REQUIRE(g->num_nodes() == 3);
  Node* sm = g->FindNode("Softmax_3");
  REQUIRE(sm != nullptr);
  CHECK(sm->op() == OpKind::kSoftmax);
  CHECK(sm->attrs().i(AttrKey::kAxis) == -1);
  Node* split = g->FindValue("p")->producer();
  CHECK(split->op() == OpKind::kSplit);
  CHECK(split->num_outputs() == 2);
  CHECK(split->output(1)->name() == "q");
  CHECK(split->attrs().ints(AttrKey::kSplit) == std::vector<int64_t>{2, 2});
  REQUIRE(g->outputs().size() == 2);
  CHECK(g->outputs()[0]->name() == "p");
  CHECK(g->outputs()[1]->type() == TensorType{DType::kF32, {1, 2}});
  CHECK(Verify(*g).ok());
  RoundTrip(*g);
}

TEST_CASE("text: a graph built through the API prints as written by hand, every attribute kind", "[text]") {
  Graph g("attrs");
  Value* x = g.AddInput("x", {DType::kF32, {2, 4}});
  Value* w = g.AddConstant("w", Tensor::FromF32(DType::kF32, {4}, std::vector<float>{1, 0.5f, -2, 0.125f}));
  auto ln = g.AddNode(OpKind::kLayerNorm, {x, w}, {{AttrKey::kEpsilon, 1e-12}}, "", nullptr, {"ln"});
  REQUIRE(ln.ok());
  auto sm = g.AddNode(OpKind::kSoftmax, {(*ln)->output()}, {{AttrKey::kAxis, int64_t{0}}}, "Softmax_3", nullptr, {"sm"});
  REQUIRE(sm.ok());
  auto rm = g.AddNode(OpKind::kReduceMean, {(*sm)->output()},
                      {{AttrKey::kAxes, std::vector<int64_t>{1}}, {AttrKey::kKeepDims, int64_t{0}}}, "", nullptr, {"rm"});
  REQUIRE(rm.ok());
  auto ge = g.AddNode(OpKind::kGelu, {(*rm)->output()}, {{AttrKey::kApproximate, std::string("tanh")}}, "", nullptr, {"g"});
  REQUIRE(ge.ok());
  auto h = g.AddNode(OpKind::kCast, {(*ge)->output()}, {{AttrKey::kTo, DType::kF16}}, "", nullptr, {"h"});
  REQUIRE(h.ok());
  g.SetOutputs({(*h)->output()});
  REQUIRE(Verify(g).ok());

  const char* expected =
      "graph attrs(%x: f32[2,4]) {\n"
      "  %w = constant f32[4] [1, 0.5, -2, 0.125]\n"
      "  %ln = layer_norm(%x, %w) {epsilon = 1e-12} : f32[2,4]\n"
      "  %sm = softmax(%ln) {axis = 0} : f32[2,4] loc(\"Softmax_3\")\n"
      "  %rm = reduce_mean(%sm) {axes = [1], keepdims = 0} : f32[2]\n"
      "  %g = gelu(%rm) {approximate = \"tanh\"} : f32[2]\n"
      "  %h = cast(%g) {to = f16} : f16[2]\n"
      "  return %h\n"
      "}\n";
  CHECK(PrintGraph(g) == expected);
  RoundTrip(g);

  SECTION("default attributes printed on request, still round-trip") {
    PrintOptions all;
    all.print_default_attrs = true;
    std::string text = PrintGraph(g, all);
    CHECK_THAT(text, Catch::Contains("layer_norm(%x, %w) {axis = -1, epsilon = 1e-12}"));
    CHECK_THAT(text, Catch::Contains("gelu(%rm) {approximate = \"tanh\"}"));
    RoundTrip(g, all);
  }
  SECTION("locations can be left out") {
    PrintOptions noloc;
    noloc.print_locations = false;
    CHECK_THAT(PrintGraph(g, noloc), !Catch::Contains("loc("));
  }
}

TEST_CASE("text: result types are optional and inferred when absent", "[text]") {
  auto g = test::ParseIr(R"(graph g(%x: f32[3,2]) {
    %a = relu(%x)
    %b = reduce_sum(%a) {axes = [0], keepdims = 0}
    return %b
  })");
  REQUIRE(g);
  CHECK(g->FindValue("a")->type() == TensorType{DType::kF32, {3, 2}});
  CHECK(g->FindValue("b")->type() == TensorType{DType::kF32, {2}});
  // Integer literals are accepted for float attributes and stored as floats.
  auto h = test::ParseIr("graph g(%x: f32[2,2], %s: f32[2]) {\n %y = layer_norm(%x, %s) {epsilon = 1} \n return %y\n}");
  REQUIRE(h);
  CHECK(h->FindValue("y")->producer()->attrs().f(AttrKey::kEpsilon) == 1.0);
}

TEST_CASE("text: quoted names survive, ONNX-style names stay bare", "[text]") {
  Graph g("my graph");
  Value* x = g.AddInput("input:0", {DType::kF32, {2}});
  Value* y = g.AddInput("a b", {DType::kF32, {2}});
  auto n1 = g.AddNode(OpKind::kAdd, {x, y}, {}, "/blocks.0/attn/Add", nullptr, {"onnx::MatMul_12"});
  REQUIRE(n1.ok());
  auto n2 = g.AddNode(OpKind::kNeg, {(*n1)->output()}, {}, "say \"hi\"\n\tnow\\", nullptr, {"ends with:"});
  REQUIRE(n2.ok());
  auto n3 = g.AddNode(OpKind::kRelu, {(*n2)->output()}, {}, "", nullptr, {"q\"uote\\ \x01 \xce\xb1"});
  REQUIRE(n3.ok());
  g.SetOutputs({(*n3)->output(), x});
  std::string text = PrintGraph(g);
  CHECK_THAT(text, Catch::StartsWith("graph \"my graph\"(%input:0: f32[2], %\"a b\": f32[2]) {\n"));
  CHECK_THAT(text, Catch::Contains("%onnx::MatMul_12 = add(%input:0, %\"a b\") : f32[2] loc(\"/blocks.0/attn/Add\")"));
  CHECK_THAT(text, Catch::Contains("%\"ends with:\" = neg(%onnx::MatMul_12) : f32[2] loc(\"say \\\"hi\\\"\\n\\tnow\\\\\")"));
  CHECK_THAT(text, Catch::Contains("%\"q\\\"uote\\\\ \\x01 \xce\xb1\" = relu"));
  CHECK_THAT(text, Catch::Contains("return %\"q\\\"uote\\\\ \\x01 \xce\xb1\", %input:0\n"));
  RoundTrip(g);
  CHECK(ValueRefText("x") == "%x");
  CHECK(ValueRefText("7") == "%7");
  CHECK(ValueRefText("") == "%\"\"");
}

TEST_CASE("text: constants of every dtype print exactly and read back bit for bit", "[text]") {
  Graph g("consts");
  // f16 and bf16: every bit pattern except NaNs (NaN payloads are not kept; see below).
  Tensor f16(TensorType{DType::kF16, {65536 - 2046}});
  Tensor bf16(TensorType{DType::kBF16, {65536 - 254}});
  int64_t i16 = 0, ib16 = 0;
  for (uint32_t bits = 0; bits < 65536; ++bits) {
    uint16_t b = static_cast<uint16_t>(bits);
    if (!((b & 0x7c00) == 0x7c00 && (b & 0x3ff) != 0)) f16.data<uint16_t>()[i16++] = b;
    if (!((b & 0x7f80) == 0x7f80 && (b & 0x7f) != 0)) bf16.data<uint16_t>()[ib16++] = b;
  }
  REQUIRE(i16 == f16.num_elements());
  REQUIRE(ib16 == bf16.num_elements());
  // f32: edge values plus random bit patterns.
  std::vector<float> f32 = {0.0f, -0.0f, 0.1f, 1.0f / 3, 16777217.0f, std::numeric_limits<float>::max(),
                            std::numeric_limits<float>::min(), std::numeric_limits<float>::denorm_min(),
                            -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity(), 1e-40f};
  std::mt19937 rng(7);
  while (f32.size() < 5000) {
    float v = std::bit_cast<float>(static_cast<uint32_t>(rng()));
    if (!std::isnan(v)) f32.push_back(v);
  }
  g.AddConstant("f16", f16);
  g.AddConstant("bf16", bf16);
  g.AddConstant("f32", Tensor::FromF32(DType::kF32, {static_cast<int64_t>(f32.size())}, f32));
  g.AddConstant("i64", Tensor::FromI64(DType::kI64, {3}, std::vector<int64_t>{std::numeric_limits<int64_t>::min(), -1,
                                                                              std::numeric_limits<int64_t>::max()}));
  g.AddConstant("i32", Tensor::FromI64(DType::kI32, {2, 1}, std::vector<int64_t>{-2147483648LL, 2147483647LL}));
  g.AddConstant("i8", Tensor::FromI64(DType::kI8, {2}, std::vector<int64_t>{-128, 127}));
  g.AddConstant("b", Tensor::FromI64(DType::kBool, {1, 3}, std::vector<int64_t>{1, 0, 1}));
  g.AddConstant("scalar", Tensor::ScalarF32(0.125f));
  g.AddConstant("empty", Tensor(TensorType{DType::kF32, {2, 0}}));
  Value* nan = g.AddConstant("nan", Tensor::ScalarF32(std::numeric_limits<float>::quiet_NaN()));
  g.SetOutputs({g.FindValue("f16")});
  auto back = RoundTrip(g);

  std::string text = PrintGraph(g);
  CHECK_THAT(text, Catch::Contains("%i8 = constant i8[2] [-128, 127]\n"));
  CHECK_THAT(text, Catch::Contains("%b = constant bool[1,3] [true, false, true]\n"));
  CHECK_THAT(text, Catch::Contains("%scalar = constant f32[] [0.125]\n"));
  CHECK_THAT(text, Catch::Contains("%empty = constant f32[2,0] []\n"));
  CHECK_THAT(text, Catch::Contains("%i64 = constant i64[3] [-9223372036854775808, -1, 9223372036854775807]\n"));
  CHECK_THAT(text, Catch::Contains("%f32 = constant f32[5000] [0, -0, 0.1, 0.33333334, 16777216, 3.4028235e+38, "
                                   "1.1754944e-38, 1e-45, -inf, inf, 1e-40, "));
  CHECK_THAT(text, Catch::Contains("%nan = constant f32[] [nan]\n"));
  CHECK(std::isnan(back->FindValue("nan")->data().GetF32(0)));
  (void)nan;
}

TEST_CASE("text: large constants can be elided, and filled with seeded random data on request", "[text]") {
  auto g = test::ParseIr(R"(graph g(%x: f32[2,3]) {
    %w = constant f32[3,3] [1, 2, 3, 4, 5, 6, 7, 8, 9]
    %b = constant f32[3] [0.5, 0.25, 0.125]
    %y = matmul(%x, %w) : f32[2,3]
    %z = add(%y, %b) : f32[2,3]
    return %z
  })");
  PrintOptions elide;
  elide.elide_constants_over = 3;
  std::string text = PrintGraph(*g, elide);
  CHECK_THAT(text, Catch::Contains("%w = constant f32[3,3] <elided>\n"));
  CHECK_THAT(text, Catch::Contains("%b = constant f32[3] [0.5, 0.25, 0.125]\n"));
  CHECK_THAT(ParseError(text), Catch::Contains("t.agt:2:26: constant '%w' f32[3,3]: the data is elided") &&
                                   Catch::Contains("fill_elided_constants"));

  ParseOptions fill;
  fill.fill_elided_constants = true;
  fill.seed = 42;
  auto a = ParseGraph(text, "t.agt", fill);
  auto b = ParseGraph(text, "t.agt", fill);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  const Tensor& wa = (*a)->FindValue("w")->data();
  CHECK(wa.type() == TensorType{DType::kF32, {3, 3}});
  CHECK(wa == (*b)->FindValue("w")->data());
  for (float v : wa.ToF32()) CHECK((v >= -1.0f && v < 1.0f));
  CHECK(wa.ToF32() != std::vector<float>(9, wa.GetF32(0)));
  fill.seed = 43;
  auto c = ParseGraph(text, "t.agt", fill);
  REQUIRE(c.ok());
  CHECK_FALSE(wa == (*c)->FindValue("w")->data());
  CHECK((*c)->FindValue("b")->data().ToF32() == std::vector<float>{0.5f, 0.25f, 0.125f});
}

TEST_CASE("text: bad input gives file:line:col errors that name the node and op", "[text]") {
  struct Case {
    std::string text;
    std::vector<std::string> fragments;
  };
  auto body = [](const std::string& lines) { return "graph g(%x: f32[1,4]) {\n" + lines + "\n}\n"; };
  std::vector<Case> cases = {
      {"", {"t.agt:1:1: expected 'graph', got end of input"}},
      {"func main() {}", {"t.agt:1:1: expected 'graph', got 'func'"}},
      {body("  %a = frobnicate(%x) : f32[1,4]\n  return %a"), {"t.agt:2:8: node '%a' (frobnicate): unknown op 'frobnicate'"}},
      {body("  %s = softmax(%x) {axes = [1]}\n  return %s"),
       {"t.agt:2:21: node '%s' (softmax): op 'softmax' has no attribute 'axes' (it takes: axis)"}},
      {body("  %s = softmax(%x) {colour = 1} loc(\"Softmax_3\")\n  return %s"),
       {"t.agt:2:21:", "node 'Softmax_3' (softmax): op 'softmax' has no attribute 'colour'"}},
      {body("  %s = softmax(%x) {colour = 1} loc(\"a\\nb\")\n  return %s"), {"node \"a\\nb\" (softmax): op 'softmax'"}},
      {body("  %s = softmax(%x) {axis = \"x\\ny\"}\n  return %s"), {"attribute 'axis' must be int, got string \"x\\ny\""}},
      {body("  %s = softmax(%x) loc(\"a\\\nb\")\n  return %s"), {"unknown escape: byte 0x0a after '\\'"}},
      {body("  %s = softmax(%x) {axis = 1.5}\n  return %s"), {"2:21:", "node '%s' (softmax): attribute 'axis' must be int, got float 1.5"}},
      {body("  %s = softmax(%x) {axis = 1, axis = 0}\n  return %s"), {"2:31:", "attribute 'axis' given twice"}},
      {body("  %g = gelu(%x) {approximate = \"fast\"}\n  return %g"),
       {"2:18:", "node '%g' (gelu): attribute 'approximate' is \"fast\", expected one of: none, tanh"}},
      {body("  %c = cast(%x) {to = \"f16\"}\n  return %c"), {"node '%c' (cast): attribute 'to' must be dtype, got string"}},
      {body("  %c = cast(%x)\n  return %c"), {"t.agt:2:8: node '%c' (cast):", "requires attribute 'to'"}},
      {body("  %a = add(%x, %y)\n  return %a"), {"t.agt:2:16: node '%a' (add): use of undefined value '%y'"}},
      {body("  %x = relu(%x)\n  return %x"), {"t.agt:2:3: redefinition of value '%x' (first defined at 1:9)"}},
      {body("  %a = relu(%x)\n  %a = neg(%x)\n  return %a"), {"t.agt:3:3: redefinition of value '%a' (first defined at 2:3)"}},
      {body("  %a, %a = split(%x) {axis = 1, split = [2, 2]}\n  return %a"), {"2:7:", "defined twice in one statement"}},
      {body("  %a = relu(%x) : f32[1,5]\n  return %a"),
       {"t.agt:2:19: node '%a' (relu): result '%a' is declared f32[1,5], but the shape rule gives f32[1,4]"}},
      {body("  %a = relu(%x) : f32[1,4], f32[1,4]\n  return %a"), {"2:19:", "2 result type(s) given for 1 result(s)"}},
      {body("  %a, %b = relu(%x)\n  return %a"), {"t.agt:2:3: node '%a' (relu): 2 result(s) named, but the op gives 1"}},
      {body("  %a = relu(%x, %x)\n  return %a"), {"t.agt:2:8: node '%a' (relu):", "takes 1 input(s), got 2"}},
      {"graph g(%x: f32[1,4], %y: f32[3]) {\n  %a = add(%x, %y)\n  return %a\n}", {"t.agt:2:8: node '%a' (add):", "do not broadcast"}},
      {body("  %a = relu(%x : f32[1,4]\n  return %a"), {"t.agt:2:16: expected ')' after the operands, got ':'"}},
      {body("  %a = relu(%x) loc(\"abc\n  return %a"), {"t.agt:2:21: unterminated string"}},
      {body("  %a = relu(%x) loc(\"a\\qb\")\n  return %a"), {"t.agt:2:23: unknown escape '\\q'"}},
      {"graph g(%x: f33[1]) {\n  return %x\n}", {"t.agt:1:13: unknown dtype 'f33'"}},
      {"graph g(%x: f32[2,-1]) {\n  return %x\n}", {"t.agt:1:19: negative dimension -1"}},
      {"graph g(%x f32[2]) {\n  return %x\n}", {"t.agt:1:12: expected ':' after parameter '%x', got 'f32'"}},
      {body("  %c = constant f32[3] [1, 2]\n  return %c"), {"t.agt:2:24: constant '%c': 2 values given, f32[3] needs 3"}},
      {body("  %c = constant f32[1] [1, 2]\n  return %c"), {"t.agt:2:28: constant '%c': more than the 1 values"}},
      {body("  %c = constant i64[1] [1.5]\n  return %c"), {"t.agt:2:25: constant '%c': expected an integer, got '1.5'"}},
      {body("  %c = constant i8[1] [300]\n  return %c"), {"t.agt:2:24: constant '%c': 300 does not fit in i8"}},
      {body("  %c = constant bool[1] [2]\n  return %c"), {"constant '%c': expected true or false, got '2'"}},
      {body("  %c = constant f32[1] [1e39]\n  return %c"), {"t.agt:2:25: number '1e39' is out of range"}},
      {body("  %c = constant i64[1] [99999999999999999999]\n  return %c"), {"integer '99999999999999999999' is out of range"}},
      {body("  %c = constant f32[1] [12abc]\n  return %c"), {"t.agt:2:25: malformed number '12abc'"}},
      {body("  %c = constant f32[2] <elided>\n  return %c"), {"t.agt:2:24: constant '%c' f32[2]: the data is elided"}},
      {body("  %c, %d = constant f32[1] [1]\n  return %c"), {"t.agt:2:7: constant '%c': a constant defines exactly one value"}},
      {body("  %s = reduce_sum(%x) {axes = [1.5]}\n  return %s"), {"t.agt:2:32: attribute lists hold integers, got '1.5'"}},
      {body("  %s = reduce_sum(%x) {axes = relu}\n  return %s"), {"t.agt:2:31: expected an attribute value, got 'relu'"}},
      {body("  %a = relu(%x)"), {"t.agt:3:1: the graph's body ends without 'return'"}},
      {body("  return %z"), {"t.agt:2:10: return: use of undefined value '%z'"}},
      {body("  return %x\n  %a = relu(%x)"), {"t.agt:3:3: expected '}' to close the graph's body after 'return', got '%a'"}},
      {body("  return %x") + "graph", {"t.agt:4:1: unexpected 'graph' after the end of the graph"}},
      {body("  %a = relu($x)\n  return %a"), {"t.agt:2:13: unexpected character '$'"}},
      {body("  %a = relu(%)\n  return %a"), {"t.agt:2:13: expected a value name after '%'"}},
      {body("  %\"\" = relu(%x)\n  return %x"), {"t.agt:2:3: empty value name"}},
      {body("  relu(%x)\n  return %x"), {"t.agt:2:3: expected a definition ('%name = ...') or 'return', got 'relu'"}},
      {body("  %a = 3\n  return %a"), {"t.agt:2:8: expected an op name or 'constant' after '=', got '3'"}},
  };
  for (const Case& c : cases) {
    INFO("input:\n" << c.text);
    std::string err = ParseError(c.text);
    INFO("error: " << err);
    for (const std::string& f : c.fragments) CHECK_THAT(err, Catch::Contains(f));
    CHECK(err.find('\n') == std::string::npos);
  }
}

TEST_CASE("text: truncated and mutated input never crashes the parser", "[text]") {
  const std::string good = R"(graph main(%x: f32[1,4], %m: bool[1,4]) {
  %c = constant f32[4] [1.5, 2, 3, 4]
  %a = add(%x, %c) : f32[1,4]
  %s = softmax(%a) {axis = -1} : f32[1,4] loc("Softmax_3")
  %p, %q = split(%s) {axis = 1, split = [2, 2]} : f32[1,2], f32[1,2]
  %g = gelu(%p) {approximate = "tanh"}
  return %g, %q
}
)";
  REQUIRE(ParseGraph(good).ok());
  int ok = 0;
  for (size_t n = 0; n < good.rfind('}'); ++n) ok += ParseGraph(good.substr(0, n)).ok();
  CHECK(ok == 0);
  std::mt19937 rng(1);
  const std::string alphabet = "%\"[](){},:=<>#\\-.0123456789eafx \n";
  for (int k = 0; k < 3000; ++k) {
    std::string s = good;
    for (int m = 0; m < 1 + k % 4; ++m) s[rng() % s.size()] = alphabet[rng() % alphabet.size()];
    auto g = ParseGraph(s, "fuzz.agt");
    if (g.ok()) CHECK(Verify(**g).ok());
  }
}

TEST_CASE("text: sizes are bounded: a product of dimensions that overflows or a constant beyond 4 GiB is refused", "[text]") {
  // 2^32 x 2^32 x 2^32 x 2^32 = 2^128 elements wrapped to 0 in int64 (the .npy written was unreadable).
  CHECK_THAT(ParseError("graph g(%x: f32[4294967296, 4294967296, 4294967296, 4294967296]) {\n  return %x\n}\n"),
             Catch::Contains("more than 2^40 elements"));
  CHECK_THAT(ParseError("graph g(%x: f32[2199023255552]) {\n  return %x\n}\n"), Catch::Contains("more than 2^40 elements"));
  // 2^40 x 4 bytes filled from <elided>: was an allocation abort.
  ParseOptions fill;
  fill.fill_elided_constants = true;
  auto big = ParseGraph("graph g(%x: f32[1]) {\n  %w = constant f32[1099511627776] <elided>\n  %y = add(%x, %w)\n  return %y\n}\n",
                        "t.agt", fill);
  REQUIRE_FALSE(big.ok());
  CHECK_THAT(big.status().message(), Catch::Contains("more than 4 GiB"));
  // Within the bounds: a zero-sized dimension beside large ones is an empty tensor, fine.
  CHECK(ParseGraph("graph g(%x: f32[0, 4294967296, 4294967296]) {\n  return %x\n}\n", "t.agt").ok());
}

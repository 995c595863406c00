// Subgraph extraction: canonical names make two identical encoder-layer-like groups print to the
// same bytes wherever they sit (the tuning-task signature), while a different scalar constant gives
// a different signature; the inputs/outputs lists map back to the original values, and running the
// subgraph on the original's intermediate values reproduces the original's results.
#include <unordered_map>

#include <catch2/catch.hpp>

#include "ir/interpreter.h"
#include "ir/subgraph.h"
#include "ir/text.h"
#include "ir/verifier.h"
#include "tests/support/test_support.h"

using namespace agt;
using namespace agt::ir;

namespace {

// Two encoder-layer-like groups (matmul, bias, gelu, matmul, scale, residual, layer_norm) with their
// own weights; `scale1` is layer 1's scalar.
std::string TwoLayers(const std::string& scale1) {
  return R"(graph enc(%x: f32[1,8,16]) {
  %w1 = constant f32[16,32] <elided>
  %b1 = constant f32[32] <elided>
  %w2 = constant f32[32,16] <elided>
  %g1 = constant f32[16] <elided>
  %v1 = constant f32[16,32] <elided>
  %e1 = constant f32[32] <elided>
  %v2 = constant f32[32,16] <elided>
  %h1 = constant f32[16] <elided>
  %s0 = constant f32[] [0.125]
  %s1 = constant f32[] [)" + scale1 + R"(]
  %l0.mm1 = matmul(%x, %w1) loc("/layer.0/fc1/MatMul")
  %l0.add1 = add(%l0.mm1, %b1)
  %l0.gelu = gelu(%l0.add1)
  %l0.mm2 = matmul(%l0.gelu, %w2)
  %l0.scaled = mul(%l0.mm2, %s0)
  %l0.res = add(%l0.scaled, %x)
  %l0.ln = layer_norm(%l0.res, %g1) {epsilon = 1e-6}
  %between = relu(%l0.ln)
  %l1.mm1 = matmul(%between, %v1) loc("/layer.1/fc1/MatMul")
  %l1.add1 = add(%l1.mm1, %e1)
  %l1.gelu = gelu(%l1.add1)
  %l1.mm2 = matmul(%l1.gelu, %v2)
  %l1.scaled = mul(%l1.mm2, %s1)
  %l1.res = add(%l1.scaled, %between)
  %l1.ln = layer_norm(%l1.res, %h1) {epsilon = 1e-6}
  return %l1.ln
})";
}

std::unique_ptr<Graph> Parse(const std::string& text) {
  ParseOptions fill;
  fill.fill_elided_constants = true;
  fill.seed = 3;
  auto g = ParseGraph(text, "enc.agt", fill);
  if (!g.ok()) FAIL(g.status().message());
  return std::move(g).value();
}

std::vector<const Node*> Layer(const Graph& g, const std::string& prefix) {
  std::vector<const Node*> out;
  for (const auto& n : g.nodes()) {
    if (n->output()->name().rfind(prefix, 0) == 0) out.push_back(n.get());
  }
  return out;
}

Subgraph Extract(const Graph& g, const std::vector<const Node*>& nodes, const ExtractOptions& o = {}) {
  auto s = ExtractSubgraph(g, nodes, o);
  if (!s.ok()) FAIL(s.status().message());
  return std::move(s).value();
}

}  // namespace

TEST_CASE("subgraph: identical layers in different places print byte-identical text", "[subgraph]") {
  auto g = Parse(TwoLayers("0.125"));
  auto l0 = Layer(*g, "l0.");
  auto l1 = Layer(*g, "l1.");
  REQUIRE(l0.size() == 7);
  Subgraph s0 = Extract(*g, l0);
  Subgraph s1 = Extract(*g, l1);
  // The batch dim of extent 1 is dropped (ir/unit_dims.h): the group over [8, 16] it computes.
  const char* expected =
      "graph group(%in0: f32[8,16], %in1: f32[16,32], %in2: f32[32], %in3: f32[32,16], %in4: f32[16]) {\n"
      "  %c0 = constant f32[] [0.125]\n"
      "  %t0 = matmul(%in0, %in1) : f32[8,32]\n"
      "  %t1 = add(%t0, %in2) : f32[8,32]\n"
      "  %t2 = gelu(%t1) : f32[8,32]\n"
      "  %t3 = matmul(%t2, %in3) : f32[8,16]\n"
      "  %t4 = mul(%t3, %c0) : f32[8,16]\n"
      "  %t5 = add(%t4, %in0) : f32[8,16]\n"
      "  %t6 = layer_norm(%t5, %in4) {epsilon = 1e-06} : f32[8,16]\n"
      "  return %t6\n"
      "}\n";
  CHECK(PrintGraph(*s0.graph) == expected);
  CHECK(PrintGraph(*s1.graph) == PrintGraph(*s0.graph));
  CHECK(Verify(*s0.graph).ok());
  ExtractOptions keep;
  keep.squeeze_unit_dims = false;
  CHECK_THAT(PrintGraph(*Extract(*g, l0, keep).graph), Catch::Contains("%t0 = matmul(%in0, %in1) : f32[1,8,32]\n"));

  // Inputs in order of first use, operand by operand; the residual's second use of x is not repeated.
  std::vector<std::string> in0, in1;
  for (const Value* v : s0.inputs) in0.push_back(v->name());
  for (const Value* v : s1.inputs) in1.push_back(v->name());
  CHECK(in0 == std::vector<std::string>{"x", "w1", "b1", "w2", "g1"});
  CHECK(in1 == std::vector<std::string>{"between", "v1", "e1", "v2", "h1"});
  REQUIRE(s0.outputs.size() == 1);
  CHECK(s0.outputs[0]->name() == "l0.ln");   // used outside the group
  REQUIRE(s1.outputs.size() == 1);
  CHECK(s1.outputs[0]->name() == "l1.ln");   // a graph output
  // Node names (locations) never enter the signature.
  for (const auto& n : s0.graph->nodes()) CHECK(n->name().empty());
}

TEST_CASE("subgraph: a different scalar constant gives a different signature", "[subgraph]") {
  auto g = Parse(TwoLayers("0.25"));
  Subgraph s0 = Extract(*g, Layer(*g, "l0."));
  Subgraph s1 = Extract(*g, Layer(*g, "l1."));
  CHECK(PrintGraph(*s0.graph) != PrintGraph(*s1.graph));
  CHECK_THAT(PrintGraph(*s1.graph), Catch::Contains("%c0 = constant f32[] [0.25]\n"));

  SECTION("unless scalars are not inlined: then they are inputs and the signatures agree") {
    ExtractOptions no_inline;
    no_inline.inline_constant_max_elements = 0;
    Subgraph a = Extract(*g, Layer(*g, "l0."), no_inline);
    Subgraph b = Extract(*g, Layer(*g, "l1."), no_inline);
    CHECK(PrintGraph(*a.graph) == PrintGraph(*b.graph));
    REQUIRE(a.inputs.size() == 6);
    CHECK(a.inputs[4]->name() == "s0");
    CHECK(b.inputs[4]->name() == "s1");
    CHECK(a.graph->constants().empty());
  }
  SECTION("larger constants inline when the limit allows") {
    ExtractOptions big;
    big.inline_constant_max_elements = 32;
    Subgraph a = Extract(*g, Layer(*g, "l0."), big);
    CHECK(a.graph->constants().size() == 3);   // b1 (32), s0 and g1 (16); the two matrices stay inputs
    CHECK(a.inputs.size() == 3);
  }
}

TEST_CASE("subgraph: outputs are the values used outside the group or returned, in node order", "[subgraph]") {
  auto g = test::ParseIr(R"(graph g(%x: f32[4]) {
    %a = neg(%x)
    %b = exp(%a)
    %c = add(%a, %b)
    %d = relu(%b)
    return %c, %d
  })");
  std::vector<const Node*> group;
  for (const auto& n : g->nodes()) {
    if (n->output()->name() != "d") group.push_back(n.get());
  }
  Subgraph s = Extract(*g, group);
  REQUIRE(s.outputs.size() == 2);
  CHECK(s.outputs[0]->name() == "b");
  CHECK(s.outputs[1]->name() == "c");
  CHECK(PrintGraph(*s.graph) ==
        "graph group(%in0: f32[4]) {\n"
        "  %t0 = neg(%in0) : f32[4]\n"
        "  %t1 = exp(%t0) : f32[4]\n"
        "  %t2 = add(%t1, %t0) : f32[4]\n"   // the add's deeper operand (exp) first
        "  return %t1, %t2\n"
        "}\n");
}

TEST_CASE("subgraph: running the subgraph reproduces the original's values", "[subgraph]") {
  auto g = Parse(TwoLayers("0.5"));
  Subgraph s = Extract(*g, Layer(*g, "l1."));
  std::unordered_map<std::string, Tensor> seen;
  InterpreterOptions opts;
  opts.on_node = [&](const Node& n, std::span<const Tensor> outs) {
    for (size_t i = 0; i < outs.size(); ++i) seen[n.output(i)->name()] = outs[i];
  };
  Tensor x = test::RandomTensor(g->inputs()[0]->type(), 11);
  auto full = Interpret(*g, std::vector<Tensor>{x}, opts);
  REQUIRE(full.ok());
  // The subgraph's inputs may lack the unit dims of the values bound to them: the same bytes.
  std::vector<Tensor> args;
  for (size_t i = 0; i < s.inputs.size(); ++i) {
    const Value* v = s.inputs[i];
    const Tensor& t = v->is_constant() ? v->data() : seen.at(v->name());
    args.push_back(t.Reshaped(s.graph->inputs()[i]->shape()));
  }
  auto part = Interpret(*s.graph, args);
  REQUIRE(part.ok());
  REQUIRE(part->size() == 1);
  CHECK(test::MaxAbsDiff((*part)[0].Reshaped((*full)[0].shape()), (*full)[0]) == 0.0);
}

TEST_CASE("subgraph: refuses nodes of another graph, repeats and disorder", "[subgraph]") {
  auto g = Parse(TwoLayers("0.125"));
  auto other = Parse(TwoLayers("0.125"));
  auto l0 = Layer(*g, "l0.");
  std::vector<const Node*> foreign = {l0[0], Layer(*other, "l0.")[1]};
  auto a = ExtractSubgraph(*g, foreign);
  REQUIRE_FALSE(a.ok());
  CHECK_THAT(a.status().message(), Catch::Contains("node 1 of the group is not in graph 'enc'"));
  std::vector<const Node*> twice = {l0[0], l0[0]};
  auto b = ExtractSubgraph(*g, twice);
  REQUIRE_FALSE(b.ok());
  CHECK_THAT(b.status().message(), Catch::Contains("appears twice"));
  std::vector<const Node*> reversed = {l0[1], l0[0]};
  auto c = ExtractSubgraph(*g, reversed);
  REQUIRE_FALSE(c.ok());
  CHECK_THAT(c.status().message(), Catch::Contains("out of the graph's order"));
}

TEST_CASE("subgraph: independent branches written in either order print the same text", "[subgraph]") {
  // q scaled before k is transposed, or after: the node order follows the structure, not the graph.
  auto text = [](bool scale_first) {
    std::string scale = "  %qs = mul(%q, %s)\n";
    std::string trans = "  %kt = transpose(%k) {perm = [1, 0]}\n";
    return "graph attn(%q: f32[4,8], %k: f32[6,8]) {\n  %s = constant f32[] [0.5]\n" + (scale_first ? scale + trans : trans + scale) +
           "  %a = matmul(%qs, %kt)\n  %p = softmax(%a)\n  return %p\n}\n";
  };
  auto g1 = Parse(text(true));
  auto g2 = Parse(text(false));
  auto all = [](const Graph& g) {
    std::vector<const Node*> out;
    for (const auto& n : g.nodes()) out.push_back(n.get());
    return out;
  };
  Subgraph s1 = Extract(*g1, all(*g1));
  Subgraph s2 = Extract(*g2, all(*g2));
  const char* expected =
      "graph group(%in0: f32[4,8], %in1: f32[6,8]) {\n"
      "  %c0 = constant f32[] [0.5]\n"
      "  %t0 = mul(%in0, %c0) : f32[4,8]\n"
      "  %t1 = transpose(%in1) {perm = [1, 0]} : f32[8,6]\n"
      "  %t2 = matmul(%t0, %t1) : f32[4,6]\n"
      "  %t3 = softmax(%t2) : f32[4,6]\n"
      "  return %t3\n"
      "}\n";
  CHECK(PrintGraph(*s1.graph) == expected);
  CHECK(PrintGraph(*s2.graph) == expected);
  // The inputs follow the subgraph's order: q then k, in both.
  REQUIRE(s2.inputs.size() == 2);
  CHECK(s2.inputs[0]->name() == "q");
  CHECK(s2.inputs[1]->name() == "k");
  CHECK(Verify(*s2.graph).ok());
}

// The graph's rewrite helpers keep use lists and order right: each test states a graph as IR text,
// rewrites it through the API, checks use lists by hand and the result as IR text, and runs the
// verifier.
#include <catch2/catch.hpp>

#include "ir/text.h"
#include "ir/verifier.h"
#include "tests/ir/graph_compare.h"
#include "tests/support/test_support.h"

using namespace agt;
using namespace agt::ir;

namespace {

constexpr const char* kChain = R"(graph g(%x: f32[4]) {
  %a = neg(%x) : f32[4]
  %b = relu(%a) : f32[4]
  %c = add(%a, %a) : f32[4]
  %d = mul(%b, %c) : f32[4]
  return %d, %a
})";

std::vector<std::string> NodeOrder(const Graph& g) {
  std::vector<std::string> out;
  for (const auto& n : g.nodes()) out.push_back(n->output()->name());
  return out;
}

bool HasUse(const Value* v, const Node* n, int operand) {
  for (const Use& u : v->uses()) {
    if (u.node == n && u.operand == operand) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("graph: ReplaceAllUsesWith moves every use and graph-output slot", "[graph]") {
  auto g = test::ParseIr(kChain);
  Value* x = g->FindValue("x");
  Value* a = g->FindValue("a");
  Node* b = g->FindValue("b")->producer();
  Node* c = g->FindValue("c")->producer();
  g->ReplaceAllUsesWith(a, x);
  CHECK_FALSE(a->has_uses());
  REQUIRE(x->uses().size() == 4);   // neg:0, relu:0, add:0, add:1
  CHECK(HasUse(x, b, 0));
  CHECK(HasUse(x, c, 0));
  CHECK(HasUse(x, c, 1));
  CHECK(g->outputs()[1] == x);
  CHECK(Verify(*g).ok());
  CHECK(g->EliminateDeadNodes() == 1);   // the neg
  CHECK(PrintGraph(*g) ==
        "graph g(%x: f32[4]) {\n"
        "  %b = relu(%x) : f32[4]\n"
        "  %c = add(%x, %x) : f32[4]\n"
        "  %d = mul(%b, %c) : f32[4]\n"
        "  return %d, %x\n"
        "}\n");
  CHECK(Verify(*g).ok());
}

TEST_CASE("graph: set_input keeps both use lists right", "[graph]") {
  auto g = test::ParseIr(kChain);
  Node* d = g->FindValue("d")->producer();
  Value* a = g->FindValue("a");
  Value* b = g->FindValue("b");
  d->set_input(0, a);
  CHECK_FALSE(b->has_uses());
  CHECK(HasUse(a, d, 0));
  CHECK(a->uses().size() == 4);
  CHECK(Verify(*g).ok());
}

TEST_CASE("graph: EraseNode refuses live nodes and removes dead ones cleanly", "[graph]") {
  auto g = test::ParseIr(kChain);
  Node* b = g->FindValue("b")->producer();
  Node* a = g->FindValue("a")->producer();
  Status st = g->EraseNode(b);
  CHECK_THAT(st.message(), Catch::Contains("cannot erase node 'b' (relu): output 'b' still has uses"));
  // Rewire d's use of b, then b is dead.
  g->FindValue("d")->producer()->set_input(0, g->FindValue("c"));
  REQUIRE(g->EraseNode(b).ok());
  CHECK(g->FindValue("b") == nullptr);
  CHECK(g->FindValue("a")->uses().size() == 2);   // only add's two operands remain
  CHECK(Verify(*g).ok());
  // a is a graph output: erasing it is refused even with its uses gone.
  g->ReplaceAllUsesWith(g->FindValue("a"), g->FindValue("x"));
  g->SetOutputs({g->FindValue("d"), g->FindValue("a")});
  CHECK_THAT(g->EraseNode(a).message(), Catch::Contains("'a' is a graph output"));
  g->SetOutputs({g->FindValue("d")});
  REQUIRE(g->EraseNode(a).ok());
  CHECK(NodeOrder(*g) == std::vector<std::string>{"c", "d"});
  CHECK(g->FindValue("x")->uses().size() == 2);
  CHECK(Verify(*g).ok());
}

TEST_CASE("graph: MoveBefore reorders, and the verifier judges the order", "[graph]") {
  auto g = test::ParseIr(kChain);
  Node* b = g->FindValue("b")->producer();
  Node* c = g->FindValue("c")->producer();
  g->MoveBefore(c, b);   // c and b are independent: still topological
  CHECK(NodeOrder(*g) == std::vector<std::string>{"a", "c", "b", "d"});
  CHECK(Verify(*g).ok());
  g->MoveBefore(c, c);   // no-op
  CHECK(NodeOrder(*g) == std::vector<std::string>{"a", "c", "b", "d"});
  g->MoveBefore(g->FindValue("d")->producer(), g->FindValue("a")->producer());
  CHECK(NodeOrder(*g) == std::vector<std::string>{"d", "a", "c", "b"});
  CHECK_FALSE(Verify(*g).ok());
}

TEST_CASE("graph: AddNode and AddNodeAfter insert where asked with inferred types", "[graph]") {
  auto g = test::ParseIr(kChain);
  Node* a = g->FindValue("a")->producer();
  auto e = g->AddNodeAfter(a, OpKind::kExp, {g->FindValue("a")}, {}, "Exp_1");
  REQUIRE(e.ok());
  CHECK((*e)->output()->type() == TensorType{DType::kF32, {4}});
  CHECK((*e)->name() == "Exp_1");
  std::vector<std::string> order = NodeOrder(*g);
  REQUIRE(order.size() == 5);
  CHECK(order[0] == "a");
  CHECK(order[1] == (*e)->output()->name());
  CHECK(order[2] == "b");
  CHECK(HasUse(g->FindValue("a"), *e, 0));
  // After the last node appends.
  auto f = g->AddNodeAfter(g->FindValue("d")->producer(), OpKind::kNeg, {g->FindValue("d")}, {}, "");
  REQUIRE(f.ok());
  CHECK(g->nodes().back().get() == *f);
  // Before a given node.
  auto h = g->AddNode(OpKind::kSqrt, {g->FindValue("x")}, {}, "", a, {"h"});
  REQUIRE(h.ok());
  CHECK(g->nodes().front().get() == *h);
  CHECK(Verify(*g).ok());
  // A node that does not type-check is refused with the node named.
  auto bad = g->AddNode(OpKind::kSoftmax, {g->FindValue("x")}, {{AttrKey::kAxis, int64_t{3}}}, "Softmax_9");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::Contains("node 'Softmax_9' (softmax)"));
  auto bad_attr = g->AddNode(OpKind::kRelu, {g->FindValue("x")}, {{AttrKey::kAxis, int64_t{0}}});
  REQUIRE_FALSE(bad_attr.ok());
  CHECK_THAT(bad_attr.status().message(), Catch::Contains("op 'relu' has no attribute 'axis'"));
  CHECK(Verify(*g).ok());
}

TEST_CASE("graph: EliminateDeadNodes removes exactly what reaches no output", "[graph]") {
  auto g = test::ParseIr(R"(graph g(%x: f32[4]) {
    %a = neg(%x)
    %dead1 = exp(%a)
    %dead2 = add(%dead1, %x)
    %p, %q = split(%a) {axis = 0, split = [1, 3]}
    %b = relu(%q)
    return %b
  })");
  CHECK(g->EliminateDeadNodes() == 2);
  CHECK(NodeOrder(*g) == std::vector<std::string>{"a", "p", "b"});   // split stays: q is live, p is not
  CHECK(g->FindValue("dead1") == nullptr);
  CHECK(g->FindValue("x")->uses().size() == 1);
  CHECK(g->EliminateDeadNodes() == 0);
  CHECK(Verify(*g).ok());
}

TEST_CASE("graph: RemoveUnusedConstants keeps inputs and used constants", "[graph]") {
  auto g = test::ParseIr(R"(graph g(%x: f32[2], %unused: f32[2]) {
    %k = constant f32[2] [1, 2]
    %u = constant f32[2] [3, 4]
    %y = add(%x, %k)
    return %y
  })");
  g->RemoveUnusedConstants();
  CHECK(g->FindValue("u") == nullptr);
  CHECK(g->FindValue("k") != nullptr);
  CHECK(g->inputs().size() == 2);
  CHECK(Verify(*g).ok());
}

TEST_CASE("graph: Clone is deep, equal, independent, and shares constant data", "[graph]") {
  auto g = test::ParseIr(R"(graph g(%x: f32[2,2]) {
    %w = constant f32[2,2] [1, 2, 3, 4]
    %y = matmul(%x, %w) loc("MatMul_0")
    %p, %q = split(%y) {axis = 1, split = [1, 1]}
    %z = sub(%q, %p)
    return %z, %y
  })");
  auto c = g->Clone();
  CHECK(test::GraphDiff(*g, *c) == "");
  CHECK(PrintGraph(*c) == PrintGraph(*g));
  CHECK(Verify(*c).ok());
  CHECK(&c->FindValue("w")->data() == &g->FindValue("w")->data());
  CHECK(c->FindValue("y") != g->FindValue("y"));
  for (const Use& u : c->FindValue("y")->uses()) {
    bool in_clone = false;
    for (const auto& n : c->nodes()) in_clone |= n.get() == u.node;
    CHECK(in_clone);
  }
  // Rewriting the clone leaves the original alone.
  c->ReplaceAllUsesWith(c->FindValue("p"), c->FindValue("q"));
  CHECK(c->EliminateDeadNodes() == 0);
  CHECK(PrintGraph(*c) != PrintGraph(*g));
  CHECK(g->FindValue("p")->uses().size() == 1);
  CHECK(Verify(*g).ok());
  CHECK(Verify(*c).ok());
}

TEST_CASE("graph: names stay unique", "[graph]") {
  Graph g;
  Value* a = g.AddInput("x", {DType::kF32, {1}});
  Value* b = g.AddInput("x", {DType::kF32, {1}});
  CHECK(a->name() == "x");
  CHECK(b->name() == "x.1");
  CHECK(g.UniqueName("x") == "x.2");
  g.RenameValue(b, "y");
  CHECK(g.FindValue("y") == b);
  CHECK(g.FindValue("x.1") == nullptr);
  g.RenameValue(b, "x");
  CHECK(b->name() != "x");
  CHECK(g.FindValue("x") == a);
}

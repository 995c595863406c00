// The verifier catches what a buggy pass could do to a graph: use lists out of step with operands,
// nodes out of topological order, types that disagree with the shape rule, attributes outside the
// schema. GraphTestAccess (a friend of Value, Node and Graph) corrupts internals on purpose.
#include <catch2/catch.hpp>

#include "ir/verifier.h"
#include "tests/support/test_support.h"

namespace agt::ir {

struct GraphTestAccess {
  static std::vector<Use>& uses(Value* v) { return v->uses_; }
  static std::vector<Value*>& inputs(Node* n) { return n->inputs_; }
  static std::vector<Value*>& outputs(Node* n) { return n->outputs_; }
  static Attrs& attrs(Node* n) { return n->attrs_; }
  static void set_type(Value* v, TensorType t) { v->type_ = std::move(t); }
  static void set_name(Value* v, std::string name) { v->name_ = std::move(name); }
  static void set_output_index(Value* v, int i) { v->output_index_ = i; }
  static std::list<std::unique_ptr<Node>>& nodes(Graph& g) { return g.nodes_; }
  static std::vector<Value*>& graph_outputs(Graph& g) { return g.outputs_; }
};

}  // namespace agt::ir

using namespace agt;
using namespace agt::ir;
using A = GraphTestAccess;

namespace {

constexpr const char* kGraph = R"(graph g(%x: f32[2,4]) {
  %w = constant f32[4] [1, 2, 3, 4]
  %a = add(%x, %w) : f32[2,4]
  %b = relu(%a) : f32[2,4]
  %c = mul(%a, %b) : f32[2,4]
  %s = softmax(%c) {axis = 1} : f32[2,4] loc("Softmax_7")
  return %s
})";

std::string VerifyError(const Graph& g) {
  Status st = Verify(g);
  if (st.ok()) FAIL("the verifier accepted a broken graph");
  return st.message();
}

Node* Producer(Graph& g, const char* name) { return g.FindValue(name)->producer(); }

}  // namespace

TEST_CASE("verifier: a well-formed graph passes", "[verifier]") {
  auto g = test::ParseIr(kGraph);
  CHECK(Verify(*g).ok());
}

TEST_CASE("verifier: catches a broken use list", "[verifier]") {
  auto g = test::ParseIr(kGraph);
  Value* a = g->FindValue("a");
  REQUIRE(a->uses().size() == 2);   // relu:0, mul:0

  SECTION("a use missing") {
    A::uses(a).pop_back();
    CHECK_THAT(VerifyError(*g), Catch::Contains("value 'a' has a use list of 1 entries") &&
                                    Catch::Contains("its 2 operand uses"));
  }
  SECTION("a use recorded twice") {
    A::uses(a).push_back(a->uses()[0]);
    CHECK_THAT(VerifyError(*g), Catch::Contains("value 'a'"));
  }
  SECTION("a use with the wrong operand index") {
    Node* relu = Producer(*g, "b");
    for (Use& u : A::uses(a)) {
      if (u.node == relu) u.operand = 1;
    }
    CHECK_THAT(VerifyError(*g), Catch::Contains("value 'a'") && Catch::Contains("use list"));
  }
  SECTION("an operand swapped without updating either use list") {
    A::inputs(Producer(*g, "b"))[0] = g->FindValue("x");
    CHECK_THAT(VerifyError(*g), Catch::Contains("use list"));
  }
  SECTION("a stale use on a constant") {
    A::uses(g->FindValue("w")).push_back(Use{Producer(*g, "s"), 0});
    CHECK_THAT(VerifyError(*g), Catch::Contains("value 'w'") && Catch::Contains("1 operand uses"));
  }
}

TEST_CASE("verifier: catches a broken order", "[verifier]") {
  auto g = test::ParseIr(kGraph);
  SECTION("a consumer moved before its producer (MoveBefore does not check)") {
    g->MoveBefore(Producer(*g, "c"), Producer(*g, "b"));
    CHECK_THAT(VerifyError(*g),
               Catch::Contains("node 'c' (mul): operand 'b' is used before it is defined (nodes are not in topological order)"));
  }
  SECTION("the node list reversed") {
    A::nodes(*g).reverse();
    CHECK_THAT(VerifyError(*g), Catch::Contains("node 'Softmax_7' (softmax): operand 'c' is used before it is defined"));
  }
  SECTION("an operand from another graph") {
    auto other = test::ParseIr(kGraph);
    Node* relu = Producer(*g, "b");
    Value* foreign = other->FindValue("a");
    A::inputs(relu)[0] = foreign;
    CHECK_THAT(VerifyError(*g), Catch::Contains("operand 0 is not a value of this graph"));
  }
}

TEST_CASE("verifier: catches types that disagree with the shape rule", "[verifier]") {
  auto g = test::ParseIr(kGraph);
  SECTION("wrong shape") {
    A::set_type(g->FindValue("b"), {DType::kF32, {2, 5}});
    // The first complaint is the relu's own result, before its users see the wrong type.
    CHECK_THAT(VerifyError(*g), Catch::Contains("relu") &&
                                    Catch::Contains("output 'b' is f32[2,5] but the shape rule gives f32[2,4]"));
  }
  SECTION("wrong dtype") {
    A::set_type(g->FindValue("s"), {DType::kF16, {2, 4}});
    CHECK_THAT(VerifyError(*g), Catch::Contains("node 'Softmax_7' (softmax): output 's' is f16[2,4]"));
  }
  SECTION("a constant whose type disagrees with its data") {
    A::set_type(g->FindValue("w"), {DType::kF32, {5}});
    CHECK_THAT(VerifyError(*g), Catch::Contains("constant 'w' has type f32[5] but its data is f32[4]"));
  }
  SECTION("a node whose output does not point back to it") {
    A::set_output_index(g->FindValue("b"), 3);
    CHECK_THAT(VerifyError(*g), Catch::Contains("does not point back to its producer"));
  }
  SECTION("a node missing one of its outputs") {
    auto h = test::ParseIr(R"(graph g(%x: f32[1,4]) {
      %p, %q = split(%x) {axis = 1, split = [2, 2]}
      return %p
    })");
    A::outputs(Producer(*h, "p")).pop_back();
    CHECK_THAT(VerifyError(*h), Catch::Contains("has 1 outputs, its op gives 2"));
  }
}

TEST_CASE("verifier: catches bad attributes", "[verifier]") {
  auto g = test::ParseIr(kGraph);
  Node* sm = Producer(*g, "s");
  SECTION("an attribute the op does not take") {
    A::attrs(sm).set(AttrKey::kEpsilon, 1e-5);
    CHECK_THAT(VerifyError(*g), Catch::Contains("node 'Softmax_7' (softmax)") &&
                                    Catch::Contains("op 'softmax' has no attribute 'epsilon'"));
  }
  SECTION("an attribute of the wrong kind") {
    A::attrs(sm).set(AttrKey::kAxis, std::string("last"));
    CHECK_THAT(VerifyError(*g), Catch::Contains("attribute 'axis' of op 'softmax' must be int, got string"));
  }
  SECTION("a default that was never filled") {
    A::attrs(sm).erase(AttrKey::kAxis);
    CHECK_THAT(VerifyError(*g), Catch::Contains("node 'Softmax_7' (softmax): attributes lack their defaults"));
  }
  SECTION("a value outside the op's choices") {
    auto h = test::ParseIr("graph g(%x: f32[4]) {\n %y = gelu(%x)\n return %y\n}");
    A::attrs(Producer(*h, "y")).set(AttrKey::kApproximate, std::string("sigmoid"));
    CHECK_THAT(VerifyError(*h), Catch::Contains("is \"sigmoid\", expected one of: none, tanh"));
  }
  SECTION("an axis out of range is the shape rule's business") {
    A::attrs(sm).set(AttrKey::kAxis, int64_t{5});
    CHECK_THAT(VerifyError(*g), Catch::Contains("node 'Softmax_7' (softmax)"));
  }
}

TEST_CASE("verifier: catches broken names and outputs", "[verifier]") {
  auto g = test::ParseIr(kGraph);
  SECTION("two values with one name") {
    A::set_name(g->FindValue("b"), "a");
    CHECK_THAT(VerifyError(*g), Catch::Contains("value name 'a' is defined twice"));
  }
  SECTION("a graph output that is not in the graph") {
    auto other = test::ParseIr(kGraph);
    A::graph_outputs(*g).push_back(other->FindValue("s"));
    CHECK_THAT(VerifyError(*g), Catch::Contains("a graph output is not a value of this graph"));
  }
}

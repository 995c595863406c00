// Tests of model-local function inlining (compiler/frontend/functions.cpp).
#include "tests/frontend/frontend_test_util.h"

namespace agt {
namespace {

using test::F32;
using test::OnnxTestModel;

// A local function ScaledAdd(a, b) = (a + b) * alpha, alpha an attribute reference.
void AddScaledAddFunction(onnx::ModelProto& m) {
  auto* f = m.add_functions();
  f->set_name("ScaledAdd");
  f->set_domain("local.test");
  f->add_input("a");
  f->add_input("b");
  f->add_output("out");
  f->add_attribute("alpha");
  auto* op = f->add_opset_import();
  op->set_domain("");
  op->set_version(17);
  auto* n1 = f->add_node();
  n1->set_op_type("Add");
  n1->add_input("a");
  n1->add_input("b");
  n1->add_output("sum");
  auto* n2 = f->add_node();
  n2->set_op_type("Constant");
  n2->add_output("k");
  auto* ref = n2->add_attribute();
  ref->set_name("value_float");
  ref->set_type(onnx::AttributeProto::FLOAT);
  ref->set_ref_attr_name("alpha");
  auto* n3 = f->add_node();
  n3->set_op_type("Mul");
  n3->add_input("sum");
  n3->add_input("k");
  n3->add_output("out");
  auto* od = m.add_opset_import();
  od->set_domain("local.test");
  od->set_version(1);
}

TEST_CASE("local functions are inlined per call with their attributes bound", "[frontend][functions]") {
  OnnxTestModel m(17);
  AddScaledAddFunction(m.proto());
  m.Input("x", {2});
  m.Input("y", {2});
  auto* c1 = m.Node("ScaledAdd", {"x", "y"}, {"s1"}, "call1");
  c1->set_domain("local.test");
  test::AttrF(c1, "alpha", 2.0f);
  auto* c2 = m.Node("ScaledAdd", {"s1", "x"}, {"s2"}, "call2");
  c2->set_domain("local.test");
  test::AttrF(c2, "alpha", -1.0f);
  m.Output("s2");
  std::unique_ptr<ir::Graph> g;
  auto out = test::ImportAndRun(m, {F32({2}, {1, 2}), F32({2}, {3, 5})}, &g);
  // s1 = (x + y) * 2 = [8, 14]; s2 = (s1 + x) * -1 = [-9, -16]
  CHECK(out[0].ToF32() == std::vector<float>{-9, -16});
  CHECK(g->num_nodes() == 4);
}

TEST_CASE("an op of an unknown domain without a local function is unsupported", "[frontend][functions]") {
  OnnxTestModel m(17);
  m.Input("x", {2});
  auto* c = m.Node("ScaledAdd", {"x", "x"}, {"s"}, "orphan");
  c->set_domain("local.test");
  m.Output("s");
  auto g = test::Import(m);
  REQUIRE_FALSE(g.ok());
  CHECK_THAT(g.status().message(), Catch::Contains("'local.test.ScaledAdd' (node 'orphan'"));
}

}  // namespace
}  // namespace agt

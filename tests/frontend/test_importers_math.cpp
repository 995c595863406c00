// Tests of the element-wise, linear-algebra and normalisation importers
// (importers_elementwise.cpp, importers_linalg.cpp, importers_norm.cpp). Expected values are
// computed by hand or by a formula written here.
#include <cmath>

#include "tests/frontend/frontend_test_util.h"

namespace agt {
namespace {

using test::AttrF;
using test::AttrI;
using test::AttrInts;
using test::AttrS;
using test::F32;
using test::OnnxTestModel;

TEST_CASE("Clip with min/max inputs, variadic Sum/Max/Mean, Pow with an int exponent", "[frontend][importers]") {
  OnnxTestModel m(17);
  m.Input("x", {4});
  m.InitF32("lo", {}, {-1});
  m.InitF32("hi", {}, {2});
  m.InitI64("two", {}, {2});
  m.Node("Clip", {"x", "lo", "hi"}, {"c"});
  m.Node("Sum", {"x", "c", "c"}, {"s"});
  m.Node("Max", {"x", "c"}, {"mx"});
  m.Node("Mean", {"s", "mx"}, {"mean"});
  m.Node("Pow", {"mean", "two"}, {"y"});
  m.Output("y");
  m.Output("c");
  auto out = test::ImportAndRun(m, {F32({4}, {-3, 0.5f, 1, 5})});
  // c = [-1, .5, 1, 2]; s = x + 2c = [-5, 1.5, 3, 9]; mx = [-1, .5, 1, 5]; mean = [-3, 1, 2, 7]
  CHECK(out[1].ToF32() == std::vector<float>{-1, 0.5f, 1, 2});
  CHECK(out[0].ToF32() == std::vector<float>{9, 1, 4, 49});
}

TEST_CASE("comparisons, Not, And, Or, Where and Cast", "[frontend][importers]") {
  OnnxTestModel m(17);
  m.Input("x", {4});
  m.InitF32("zero", {}, {0});
  m.InitF32("one", {}, {1});
  m.Node("Greater", {"x", "zero"}, {"pos"});
  m.Node("LessOrEqual", {"x", "one"}, {"le1"});
  m.Node("And", {"pos", "le1"}, {"in01"});
  m.Node("Not", {"in01"}, {"out01"});
  m.Node("Equal", {"x", "one"}, {"eq1"});
  m.Node("Or", {"out01", "eq1"}, {"sel"});
  m.Node("Neg", {"x"}, {"nx"});
  m.Node("Where", {"sel", "nx", "x"}, {"w"});
  auto* c = m.Node("Cast", {"sel"}, {"self"});
  AttrI(c, "to", onnx::TensorProto::FLOAT);
  m.Output("w");
  m.Output("self");
  auto out = test::ImportAndRun(m, {F32({4}, {-2, 0.5f, 1, 3})});
  // in (0,1]: [F, T, T, F]; sel = not(in01) or x == 1 = [T, F, T, T]
  CHECK(out[0].ToF32() == std::vector<float>{2, 0.5f, -1, -3});
  CHECK(out[1].ToF32() == std::vector<float>{1, 0, 1, 1});
}

TEST_CASE("IsNaN on a runtime value: transformers' guard where(isnan(softmax), 0, softmax)", "[frontend][importers]") {
  // A row masked with -inf everywhere gives NaN from softmax; the guard turns it into zeros.
  OnnxTestModel m(17);
  m.Input("x", {2, 2});
  m.InitF32("mask", {2, 2}, {0, 0, -INFINITY, -INFINITY});
  m.InitF32("zero", {}, {0});
  m.Node("Add", {"x", "mask"}, {"xm"});
  auto* sm = m.Node("Softmax", {"xm"}, {"p"});
  AttrI(sm, "axis", -1);
  m.Node("IsNaN", {"p"}, {"nan"}, "guard_isnan");
  m.Node("Where", {"nan", "zero", "p"}, {"y"});
  m.Output("y");
  m.Output("nan");
  std::unique_ptr<ir::Graph> g;
  auto out = test::ImportAndRun(m, {F32({2, 2}, {0, 0, 1, 2})}, &g);
  CHECK(test::CountOps(*g, ir::OpKind::kIsNaN) == 1);
  CHECK(out[0].ToF32() == std::vector<float>{0.5f, 0.5f, 0, 0});
  CHECK(out[1].dtype() == ir::DType::kBool);
  CHECK(out[1].ToF32() == std::vector<float>{0, 0, 1, 1});
}

TEST_CASE("Gelu (opset 20), HardSigmoid, HardSwish, LeakyRelu, Dropout", "[frontend][importers]") {
  OnnxTestModel m(20);
  m.Input("x", {3});
  m.Node("Gelu", {"x"}, {"g"});
  auto* t = m.Node("Gelu", {"x"}, {"gt"});
  AttrS(t, "approximate", "tanh");
  m.Node("HardSigmoid", {"x"}, {"hs"});
  m.Node("HardSwish", {"x"}, {"hw"});
  auto* l = m.Node("LeakyRelu", {"x"}, {"lr"});
  AttrF(l, "alpha", 0.1f);
  m.Node("Dropout", {"lr"}, {"d"});
  for (const char* o : {"g", "gt", "hs", "hw", "d"}) m.Output(o);
  std::vector<float> xs = {-2, 0.5f, 4};
  auto out = test::ImportAndRun(m, {F32({3}, xs)});
  for (int i = 0; i < 3; ++i) {
    double x = xs[i];
    CHECK(out[0].GetF32(i) == Approx(0.5 * x * (1 + std::erf(x / std::sqrt(2.0)))).epsilon(1e-6));
    double tg = 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
    CHECK(out[1].GetF32(i) == Approx(tg).epsilon(1e-6));
    double hs = std::max(0.0, std::min(1.0, 0.2 * x + 0.5));
    CHECK(out[2].GetF32(i) == Approx(hs).epsilon(1e-6));
    CHECK(out[3].GetF32(i) == Approx(x * std::max(0.0, std::min(1.0, x / 6 + 0.5))).epsilon(1e-6));
    CHECK(out[4].GetF32(i) == Approx(x > 0 ? x : 0.1 * x).epsilon(1e-6));
  }
}

TEST_CASE("Gemm with transB, alpha and beta becomes linear with folded weight and bias", "[frontend][importers]") {
  OnnxTestModel m(17);
  m.Input("a", {1, 2});
  m.InitF32("b", {3, 2}, {1, 2, 3, 4, 5, 6});   // [N=3, K=2], transB
  m.InitF32("c", {3}, {1, 1, 1});
  auto* n = m.Node("Gemm", {"a", "b", "c"}, {"y"});
  AttrI(n, "transB", 1);
  AttrF(n, "alpha", 2.0f);
  AttrF(n, "beta", 0.5f);
  m.Output("y");
  std::unique_ptr<ir::Graph> g;
  auto out = test::ImportAndRun(m, {F32({1, 2}, {1, -1})}, &g);
  // a @ b^T = [1-2, 3-4, 5-6] = [-1,-1,-1]; * 2 + 0.5 = [-1.5, -1.5, -1.5]
  CHECK(out[0].ToF32() == std::vector<float>{-1.5f, -1.5f, -1.5f});
  CHECK(test::CountOps(*g, ir::OpKind::kLinear) == 1);
  CHECK(g->num_nodes() == 1);
}

TEST_CASE("Conv with pads, strides, group and bias; MaxPool; BatchNormalization", "[frontend][importers]") {
  OnnxTestModel m(17);
  m.Input("x", {1, 2, 3, 3});
  m.InitF32("w", {2, 1, 1, 1}, {2, -1});   // depthwise 1x1
  m.InitF32("b", {2}, {0.5f, 0});
  auto* conv = m.Node("Conv", {"x", "w", "b"}, {"c"});
  AttrI(conv, "group", 2);
  AttrInts(conv, "pads", {1, 1, 1, 1});
  AttrInts(conv, "strides", {2, 2});
  auto* mp = m.Node("MaxPool", {"c"}, {"p"});
  AttrInts(mp, "kernel_shape", {2, 2});
  m.InitF32("s", {2}, {1, 2});
  m.InitF32("bb", {2}, {0, 1});
  m.InitF32("mean", {2}, {0.5f, 0});
  m.InitF32("var", {2}, {1, 4});
  auto* bn = m.Node("BatchNormalization", {"p", "s", "bb", "mean", "var"}, {"y"});
  AttrF(bn, "epsilon", 0.0f);
  m.Output("c");
  m.Output("y");
  std::vector<float> x(18);
  for (int i = 0; i < 18; ++i) x[i] = static_cast<float>(i);
  auto out = test::ImportAndRun(m, {F32({1, 2, 3, 3}, x)});
  // Padded 5x5, stride 2 picks padded (0,2,4) = input rows/cols (-1, 1, 3): a 3x3 output where only
  // the centre reads the input. Channel 0: 2*x[4] + 0.5 = 8.5 there, the bias 0.5 elsewhere;
  // channel 1: -x[13] = -13 there, 0 elsewhere.
  REQUIRE(out[0].shape() == ir::Shape{1, 2, 3, 3});
  CHECK(out[0].ToF32() == std::vector<float>{0.5f, 0.5f, 0.5f, 0.5f, 8.5f, 0.5f, 0.5f, 0.5f, 0.5f,
                                             0, 0, 0, 0, -13, 0, 0, 0, 0});
  // 2x2 max windows (stride 1) all hold the centre: ch0 8.5, ch1 0. BN with eps 0:
  // (8.5 - 0.5) / 1 * 1 + 0 = 8; (0 - 0) / 2 * 2 + 1 = 1.
  CHECK(out[1].ToF32() == std::vector<float>{8, 8, 8, 8, 1, 1, 1, 1});
}

TEST_CASE("Conv with auto_pad SAME_UPPER is a clear error", "[frontend][errors]") {
  OnnxTestModel m(17);
  m.Input("x", {1, 1, 4, 4});
  m.InitF32("w", {1, 1, 3, 3}, std::vector<float>(9, 1));
  auto* c = m.Node("Conv", {"x", "w"}, {"y"}, "conv_same");
  AttrS(c, "auto_pad", "SAME_UPPER");
  m.Output("y");
  auto g = test::Import(m);
  REQUIRE_FALSE(g.ok());
  CHECK_THAT(g.status().message(), Catch::Contains("conv_same") && Catch::Contains("auto_pad='SAME_UPPER'"));
}

TEST_CASE("LayerNormalization, Softmax, ReduceMean with axes as attribute and as input, CumSum", "[frontend][importers]") {
  for (int64_t opset : {13, 18}) {
    OnnxTestModel m(opset);
    m.Input("x", {2, 2});
    m.InitF32("g", {2}, {1, 2});
    m.InitF32("b", {2}, {0, 1});
    auto* ln = m.Node("LayerNormalization", {"x", "g", "b"}, {"ln"});
    AttrF(ln, "epsilon", 0.0f);
    m.Node("Softmax", {"x"}, {"sm"});
    onnx::NodeProto* rm;
    if (opset >= 18) {
      m.InitI64("axes", {1}, {1});
      rm = m.Node("ReduceMean", {"x", "axes"}, {"rm"});
    } else {
      rm = m.Node("ReduceMean", {"x"}, {"rm"});
      AttrInts(rm, "axes", {1});
    }
    AttrI(rm, "keepdims", 0);
    m.InitI64("ax0", {}, {0});
    m.Node("CumSum", {"x", "ax0"}, {"cs"});
    for (const char* o : {"ln", "sm", "rm", "cs"}) m.Output(o);
    auto out = test::ImportAndRun(m, {F32({2, 2}, {1, 3, 0, 2})});
    // rows [1,3] and [0,2]: mean 2 and 1, std 1 -> [-1, 1] * g + b = [-1, 3] for both
    CHECK(out[0].ToF32() == std::vector<float>{-1, 3, -1, 3});
    double e = std::exp(2.0);
    CHECK(out[1].GetF32(0) == Approx(1 / (1 + e)));
    CHECK(out[1].GetF32(3) == Approx(e / (1 + e)));
    CHECK(out[2].ToF32() == std::vector<float>{2, 1});
    CHECK(out[3].ToF32() == std::vector<float>{1, 3, 1, 5});
  }
}

TEST_CASE("a runtime-computed Reshape shape is an error naming the node", "[frontend][errors]") {
  OnnxTestModel m(17);
  m.Input("x", {4});
  m.Input("s", {1}, onnx::TensorProto::INT64);
  m.Node("Reshape", {"x", "s"}, {"y"}, "dyn_reshape");
  m.Output("y");
  auto g = test::Import(m);
  REQUIRE_FALSE(g.ok());
  CHECK_THAT(g.status().message(), Catch::Contains("node 'dyn_reshape' (Reshape, opset 17)") &&
                                       Catch::Contains("the shape") && Catch::Contains("must be a constant"));
}

TEST_CASE("GroupNormalization: refused below opset 18, where ONNX does not define it", "[frontend][importers]") {
  OnnxTestModel m(17);
  m.Input("x", {1, 4, 2, 2});
  m.InitF32("s", {2}, {1, 1});
  m.InitF32("b", {2}, {0, 0});
  auto* n = m.Node("GroupNormalization", {"x", "s", "b"}, {"y"});
  AttrI(n, "num_groups", 2);
  m.Output("y");
  auto g = test::Import(m);
  REQUIRE_FALSE(g.ok());
  CHECK(g.status().message().find("GroupNormalization is defined from opset 18; the model imports opset 17") != std::string::npos);
}

TEST_CASE("Einsum: a diagonal, a broadcast batch letter and three operands are refused with the reason", "[frontend][importers]") {
  struct Case {
    const char* equation;
    std::vector<std::vector<int64_t>> shapes;
    const char* reason;
  };
  const Case cases[] = {
      {"ii->i", {{3, 3}}, "a repeated letter in one operand (a diagonal) is not supported"},
      {"bij,bjk->bik", {{2, 3, 4}, {1, 4, 5}}, "letter 'b' is 2 in one operand and 1 in the other"},
      {"...ij,...jk->...ik", {{2, 3, 4}, {4, 5}}, "broadcast is not supported"},
      {"ij,jk,kl->il", {{2, 3}, {3, 4}, {4, 5}}, "one or two are supported"},
      {"ij,jk->iz", {{2, 3}, {3, 4}}, "output letter 'z' is in no operand"},
  };
  for (const Case& c : cases) {
    INFO(c.equation);
    OnnxTestModel m(17);
    std::vector<std::string> ins;
    for (size_t i = 0; i < c.shapes.size(); ++i) {
      ins.push_back("x" + std::to_string(i));
      m.Input(ins.back(), c.shapes[i]);
    }
    auto* n = m.Node("Einsum", ins, {"y"});
    AttrS(n, "equation", c.equation);
    m.Output("y");
    auto g = test::Import(m);
    REQUIRE_FALSE(g.ok());
    CHECK_THAT(g.status().message(), Catch::Contains(c.reason));
  }
}

}  // namespace
}  // namespace agt

// Tests of the ONNX loader (compiler/frontend/onnx_loader.cpp, model_file.cpp): files, opsets,
// input shapes and symbolic dims, outputs, and the errors a bad model must produce.
#include <fstream>

#include "compiler/frontend/model_file.h"
#include "tests/frontend/frontend_test_util.h"

namespace agt {
namespace {

using test::OnnxTestModel;

OnnxTestModel AddModel(int64_t opset = 17) {
  OnnxTestModel m(opset);
  m.Input("x", {2, 3});
  m.InitF32("c", {3}, {1, 2, 3});
  m.Node("Add", {"x", "c"}, {"y"});
  m.Output("y");
  return m;
}

TEST_CASE("a model file loads, with initializers and outputs under their ONNX names", "[frontend]") {
  auto dir = test::TempDir("load");
  OnnxTestModel m = AddModel();
  std::string path = m.Write(dir);
  auto g = frontend::LoadOnnx(path);
  INFO(g.status().message());
  REQUIRE(g.ok());
  REQUIRE((*g)->inputs().size() == 1);
  CHECK((*g)->inputs()[0]->name() == "x");
  CHECK((*g)->outputs()[0]->name() == "y");
  auto out = ir::Interpret(**g, std::vector<ir::Tensor>{test::F32({2, 3}, {0, 1, 2, 3, 4, 5})});
  REQUIRE(out.ok());
  CHECK((*out)[0].ToF32() == std::vector<float>{1, 3, 5, 4, 6, 8});
}

TEST_CASE("truncated, garbage and missing files are clear errors", "[frontend][errors]") {
  auto dir = test::TempDir("bad");
  OnnxTestModel m = AddModel();
  std::string good = m.Write(dir);
  std::string bytes;
  {
    std::ifstream f(good, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  SECTION("truncated") {
    std::string p = (dir / "trunc.onnx").string();
    std::ofstream(p, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    auto g = frontend::LoadOnnx(p);
    REQUIRE_FALSE(g.ok());
    CHECK_THAT(g.status().message(), Catch::Contains("trunc.onnx") && Catch::Contains("not a valid ONNX model"));
  }
  SECTION("garbage") {
    std::string p = (dir / "garbage.onnx").string();
    std::ofstream(p, std::ios::binary) << "\xff\xff\xff\xff this is not protobuf \x01\x02";
    auto g = frontend::LoadOnnx(p);
    REQUIRE_FALSE(g.ok());
    CHECK_THAT(g.status().message(), Catch::Contains("garbage.onnx"));
  }
  SECTION("empty") {
    std::string p = (dir / "empty.onnx").string();
    std::ofstream(p, std::ios::binary).flush();
    auto g = frontend::LoadOnnx(p);
    REQUIRE_FALSE(g.ok());
    CHECK_THAT(g.status().message(), Catch::Contains("empty"));
  }
  SECTION("missing") {
    auto g = frontend::LoadOnnx((dir / "nope.onnx").string());
    REQUIRE_FALSE(g.ok());
    CHECK_THAT(g.status().message(), Catch::Contains("nope.onnx") && Catch::Contains("cannot open"));
  }
  SECTION("every prefix of a valid file fails cleanly or loads") {
    for (size_t n = 0; n < bytes.size(); ++n) {
      auto model = frontend::ParseModelBytes(
          std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), n), "prefix");
      if (!model.ok()) continue;
      auto g = frontend::ImportModel(**model, "", "prefix");
      (void)g;   // must not crash; errors are fine
    }
  }
}

TEST_CASE("opsets outside 13..21 and models without ai.onnx are refused or warned", "[frontend][errors]") {
  OnnxTestModel old = AddModel(11);
  auto g = test::Import(old);
  REQUIRE_FALSE(g.ok());
  CHECK_THAT(g.status().message(), Catch::Contains("opset 11"));
  for (int64_t v : {13, 17, 18, 21}) {
    OnnxTestModel m = AddModel(v);
    CHECK(test::Import(m).ok());
  }
}

TEST_CASE("unsupported ops are all listed, each with its first node and the opset", "[frontend][errors]") {
  OnnxTestModel m(17);
  m.Input("x", {2, 2});
  m.Node("Det", {"x"}, {"d"}, "weird_det");
  m.Node("Det", {"x"}, {"d2"}, "weird_det_2");
  m.Node("Relu", {"x"}, {"r"});
  auto* n = m.Node("FancyOp", {"r"}, {"f"}, "fancy");
  n->set_domain("com.example");
  m.Node("Unique", {"x"}, {"e"}, "uniq");
  m.Output("f");
  auto g = test::Import(m);
  REQUIRE_FALSE(g.ok());
  const std::string msg = g.status().message();
  CHECK_THAT(msg, Catch::StartsWith("Unsupported ops 'Det' (node 'weird_det' and 1 more, opset 17)"));
  CHECK_THAT(msg, Catch::Contains("'com.example.FancyOp' (node 'fancy', opset 17)"));
  CHECK_THAT(msg, Catch::Contains("'Unique' (node 'uniq', opset 17)"));
  CHECK_THAT(msg, Catch::EndsWith("in model.onnx"));

  OnnxTestModel one(17);
  one.Input("x", {2, 2});
  one.Node("Det", {"x"}, {"d"}, "weird_det");
  one.Output("d");
  auto g1 = test::Import(one);
  REQUIRE_FALSE(g1.ok());
  CHECK(g1.status().message() == "Unsupported op 'Det' (node 'weird_det', opset 17) in model.onnx");
}

TEST_CASE("input shapes: static, --input-shape, symbolic batch, symbolic other dims", "[frontend][shapes]") {
  auto make = [](std::vector<int64_t> dims, std::vector<std::string> params) {
    OnnxTestModel m(17);
    m.Input("x", dims, onnx::TensorProto::FLOAT, params);
    m.Node("Relu", {"x"}, {"y"});
    m.Output("y");
    return m;
  };
  SECTION("symbolic batch becomes 1") {
    OnnxTestModel m = make({-1, 3, 4}, {"batch"});
    auto g = test::Import(m);
    REQUIRE(g.ok());
    CHECK((*g)->inputs()[0]->shape() == ir::Shape{1, 3, 4});
  }
  SECTION("symbolic inner dim needs --input-shape") {
    OnnxTestModel m = make({1, -1, 4}, {"seq"});
    auto g = test::Import(m);
    REQUIRE_FALSE(g.ok());
    CHECK_THAT(g.status().message(), Catch::Contains("'x'") && Catch::Contains("symbolic dim 1 ('seq')") &&
                                         Catch::Contains("--input-shape x="));
    frontend::FrontendOptions o;
    REQUIRE(frontend::ParseInputShape("x=1x7x4", o).ok());
    auto g2 = test::Import(m, o);
    INFO(g2.status().message());
    REQUIRE(g2.ok());
    CHECK((*g2)->inputs()[0]->shape() == ir::Shape{1, 7, 4});
    CHECK((*g2)->outputs()[0]->shape() == ir::Shape{1, 7, 4});
  }
  SECTION("--input-shape must agree with static dims and name a real input") {
    OnnxTestModel m = make({1, 3, 4}, {});
    frontend::FrontendOptions o;
    REQUIRE(frontend::ParseInputShape("x=1x3x5", o).ok());
    auto g = test::Import(m, o);
    REQUIRE_FALSE(g.ok());
    CHECK_THAT(g.status().message(), Catch::Contains("static dim 2 = 4"));
    frontend::FrontendOptions o2;
    REQUIRE(frontend::ParseInputShape("images=1x3x4", o2).ok());
    auto g2 = test::Import(m, o2);
    REQUIRE_FALSE(g2.ok());
    CHECK_THAT(g2.status().message(), Catch::Contains("'images'"));
  }
  SECTION("malformed --input-shape") {
    frontend::FrontendOptions o;
    CHECK_FALSE(frontend::ParseInputShape("x", o).ok());
    CHECK_FALSE(frontend::ParseInputShape("x=1xAx3", o).ok());
    CHECK_FALSE(frontend::ParseInputShape("=1x2", o).ok());
    REQUIRE(frontend::ParseInputShape("in:0=1x3x224x224", o).ok());
    CHECK(o.input_shapes.at("in:0") == ir::Shape{1, 3, 224, 224});
  }
}

TEST_CASE("an output that is a graph input keeps its name through an identity", "[frontend]") {
  OnnxTestModel m(17);
  m.Input("x", {2});
  m.Node("Identity", {"x"}, {"y"});
  m.Output("y");
  m.Output("x");
  auto g = test::Import(m);
  INFO(g.status().message());
  REQUIRE(g.ok());
  CHECK((*g)->outputs()[0]->name() == "y");
  CHECK((*g)->outputs()[1]->name() == "x");
}

TEST_CASE("an undefined input names the node", "[frontend][errors]") {
  OnnxTestModel m(17);
  m.Input("x", {2});
  m.Node("Add", {"x", "ghost"}, {"y"}, "adder");
  m.Output("y");
  auto g = test::Import(m);
  REQUIRE_FALSE(g.ok());
  CHECK_THAT(g.status().message(), Catch::Contains("node 'adder' (Add, opset 17)") && Catch::Contains("'ghost'"));
}

TEST_CASE("typed initializer fields: float_data, int64_data, double_data, int32_data", "[frontend]") {
  OnnxTestModel m(17);
  m.Input("x", {3});
  m.InitF32("a", {3}, {1, 2, 3}, /*raw=*/false);
  auto* d = m.NewInit("b", {3}, onnx::TensorProto::DOUBLE);
  for (double v : {0.5, 0.25, -1.0}) d->add_double_data(v);
  auto* i = m.NewInit("s", {1}, onnx::TensorProto::INT64);
  i->add_int64_data(3);
  auto* i32 = m.NewInit("k", {3}, onnx::TensorProto::INT32);
  for (int v : {2, 1, 0}) i32->add_int32_data(v);
  m.Node("Add", {"x", "a"}, {"t"});
  m.Node("Mul", {"t", "b"}, {"u"});
  m.Node("Cast", {"k"}, {"kf"});
  test::AttrI(m.graph().mutable_node(2), "to", onnx::TensorProto::FLOAT);
  m.Node("Add", {"u", "kf"}, {"y"});
  m.Output("y");
  auto out = test::ImportAndRun(m, {test::F32({3}, {1, 1, 1})});
  // ((1+1)*0.5 + 2, (1+2)*0.25 + 1, (1+3)*-1 + 0)
  CHECK(out[0].ToF32() == std::vector<float>{3, 1.75f, -4});
}

TEST_CASE("a raw_data of the wrong size is an error naming the tensor", "[frontend][errors]") {
  OnnxTestModel m(17);
  m.Input("x", {3});
  auto* t = m.NewInit("w", {3}, onnx::TensorProto::FLOAT);
  t->set_raw_data(std::string(8, '\0'));
  m.Node("Add", {"x", "w"}, {"y"});
  m.Output("y");
  auto g = test::Import(m);
  REQUIRE_FALSE(g.ok());
  CHECK_THAT(g.status().message(), Catch::Contains("'w'") && Catch::Contains("raw_data has 8 bytes"));
}

}  // namespace
}  // namespace agt

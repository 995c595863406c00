// Tests of the shape and movement importers (importers_shape.cpp, importers_movement.cpp,
// importers_fold_only.cpp): shape arithmetic folds to constants, and each movement op moves the
// elements a hand computation says it should.
#include "tests/frontend/frontend_test_util.h"

namespace agt {
namespace {

using test::AttrF;
using test::AttrI;
using test::AttrInts;
using test::AttrS;
using test::F32;
using test::OnnxTestModel;

std::vector<float> Iota(int n) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) v[i] = static_cast<float>(i);
  return v;
}

TEST_CASE("Shape -> Gather -> Unsqueeze -> Concat -> Reshape folds to one reshape", "[frontend][folding]") {
  OnnxTestModel m(17);
  m.Input("x", {-1, 3, 4}, onnx::TensorProto::FLOAT, {"batch"});
  m.Node("Shape", {"x"}, {"shp"});
  m.InitI64("i0", {}, {0});
  m.InitI64("ax", {1}, {0});
  m.Node("Gather", {"shp", "i0"}, {"n"});
  m.Node("Unsqueeze", {"n", "ax"}, {"n1"});
  m.InitI64("rest", {1}, {-1});
  auto* cat = m.Node("Concat", {"n1", "rest"}, {"newshape"});
  AttrI(cat, "axis", 0);
  m.Node("Reshape", {"x", "newshape"}, {"flat"});
  // ConstantOfShape + Range + Equal + Where + Expand + Cast + Size on constants, all folded:
  m.Node("Size", {"x"}, {"sz"});
  m.Node("ConstantOfShape", {"n1"}, {"zeros"});
  m.InitI64("start", {}, {0});
  m.InitI64("delta", {}, {1});
  m.Node("Range", {"start", "sz", "delta"}, {"rng"});
  m.InitI64("five", {}, {5});
  m.Node("Equal", {"rng", "five"}, {"is5"});
  m.InitI64("minus", {}, {-1});
  m.Node("Where", {"is5", "minus", "rng"}, {"idx"});
  auto* cst = m.Node("Cast", {"idx"}, {"idxf"});
  AttrI(cst, "to", onnx::TensorProto::FLOAT);
  m.Node("Add", {"flat", "idxf"}, {"y"});
  m.Output("y");
  std::unique_ptr<ir::Graph> g;
  auto out = test::ImportAndRun(m, {F32({1, 3, 4}, std::vector<float>(12, 1.0f))}, &g);
  CHECK(g->num_nodes() == 2);   // reshape + add: everything else folded
  CHECK(test::CountOps(*g, ir::OpKind::kReshape) == 1);
  REQUIRE(out[0].shape() == ir::Shape{1, 12});
  std::vector<float> want;
  for (int i = 0; i < 12; ++i) want.push_back(1.0f + (i == 5 ? -1.0f : static_cast<float>(i)));
  CHECK(out[0].ToF32() == want);
}

TEST_CASE("Flatten, Unsqueeze/Squeeze with axes as attribute (opset 12 style) and input", "[frontend][importers]") {
  OnnxTestModel m(13);
  m.Input("x", {2, 1, 3});
  auto* f = m.Node("Flatten", {"x"}, {"f"});
  AttrI(f, "axis", 2);
  m.InitI64("ax", {1}, {1});
  m.Node("Squeeze", {"x", "ax"}, {"s"});
  m.InitI64("ax2", {2}, {0, -1});
  m.Node("Unsqueeze", {"s", "ax2"}, {"u"});
  m.Node("Squeeze", {"x"}, {"s_all"});
  for (const char* o : {"f", "s", "u", "s_all"}) m.Output(o);
  auto out = test::ImportAndRun(m, {F32({2, 1, 3}, Iota(6))});
  CHECK(out[0].shape() == ir::Shape{2, 3});
  CHECK(out[1].shape() == ir::Shape{2, 3});
  CHECK(out[2].shape() == ir::Shape{1, 2, 3, 1});
  CHECK(out[3].shape() == ir::Shape{2, 3});
  CHECK(out[2].ToF32() == Iota(6));
}

TEST_CASE("Slice with starts/ends/axes/steps inputs, including INT64 max ends and negative steps", "[frontend][importers]") {
  OnnxTestModel m(17);
  m.Input("x", {3, 4});
  m.InitI64("st", {2}, {1, -1});
  m.InitI64("en", {2}, {INT64_MAX, INT64_MIN});
  m.InitI64("ax", {2}, {0, 1});
  m.InitI64("sp", {2}, {1, -2});
  m.Node("Slice", {"x", "st", "en", "ax", "sp"}, {"y"});
  m.Output("y");
  auto out = test::ImportAndRun(m, {F32({3, 4}, Iota(12))});
  // rows 1..2, cols 3, 1
  CHECK(out[0].shape() == ir::Shape{2, 2});
  CHECK(out[0].ToF32() == std::vector<float>{7, 5, 11, 9});
}

TEST_CASE("Split by input (opset 13), by num_outputs (opset 18), and evenly", "[frontend][importers]") {
  SECTION("opset 13 split input") {
    OnnxTestModel m(13);
    m.Input("x", {5});
    m.InitI64("sp", {2}, {2, 3});
    m.Node("Split", {"x", "sp"}, {"a", "b"});
    m.Output("a");
    m.Output("b");
    auto out = test::ImportAndRun(m, {F32({5}, Iota(5))});
    CHECK(out[0].ToF32() == std::vector<float>{0, 1});
    CHECK(out[1].ToF32() == std::vector<float>{2, 3, 4});
  }
  SECTION("opset 18 num_outputs: ceil-sized chunks, last smaller") {
    OnnxTestModel m(18);
    m.Input("x", {5});
    auto* n = m.Node("Split", {"x"}, {"a", "b"});
    AttrI(n, "num_outputs", 2);
    m.Output("a");
    m.Output("b");
    auto out = test::ImportAndRun(m, {F32({5}, Iota(5))});
    CHECK(out[0].ToF32() == std::vector<float>{0, 1, 2});
    CHECK(out[1].ToF32() == std::vector<float>{3, 4});
  }
  SECTION("no split: equal parts") {
    OnnxTestModel m(13);
    m.Input("x", {2, 4});
    auto* n = m.Node("Split", {"x"}, {"a", "b"});
    AttrI(n, "axis", 1);
    m.Output("a");
    m.Output("b");
    auto out = test::ImportAndRun(m, {F32({2, 4}, Iota(8))});
    CHECK(out[1].ToF32() == std::vector<float>{2, 3, 6, 7});
  }
}

TEST_CASE("Transpose, Gather, Expand, Tile, Pad (constant and reflect)", "[frontend][importers]") {
  OnnxTestModel m(17);
  m.Input("x", {2, 3});
  auto* t = m.Node("Transpose", {"x"}, {"t"});
  AttrInts(t, "perm", {1, 0});
  m.InitI64("idx", {2}, {2, -3});
  auto* gn = m.Node("Gather", {"x", "idx"}, {"g"});
  AttrI(gn, "axis", 1);
  m.InitI64("eshape", {3}, {2, 1, 3});
  m.Node("Expand", {"x", "eshape"}, {"e"});
  m.InitI64("reps", {2}, {1, 2});
  m.Node("Tile", {"x", "reps"}, {"tl"});
  m.InitI64("pads", {4}, {0, 1, 0, 0});
  m.InitF32("pv", {}, {9});
  m.Node("Pad", {"x", "pads", "pv"}, {"pc"});
  auto* pr = m.Node("Pad", {"x", "pads"}, {"pr"});
  AttrS(pr, "mode", "reflect");
  for (const char* o : {"t", "g", "e", "tl", "pc", "pr"}) m.Output(o);
  auto out = test::ImportAndRun(m, {F32({2, 3}, Iota(6))});
  CHECK(out[0].ToF32() == std::vector<float>{0, 3, 1, 4, 2, 5});
  CHECK(out[1].ToF32() == std::vector<float>{2, 0, 5, 3});
  CHECK(out[2].shape() == ir::Shape{2, 2, 3});
  CHECK(out[3].ToF32() == std::vector<float>{0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5});
  CHECK(out[4].ToF32() == std::vector<float>{9, 0, 1, 2, 9, 3, 4, 5});
  CHECK(out[5].ToF32() == std::vector<float>{1, 0, 1, 2, 4, 3, 4, 5});
}

TEST_CASE("Resize by scales (nearest, asymmetric) and by sizes (linear, align_corners)", "[frontend][importers]") {
  OnnxTestModel m(17);
  m.Input("x", {1, 1, 2, 2});
  m.InitF32("scales", {4}, {1, 1, 2, 2});
  auto* rn = m.Node("Resize", {"x", "", "scales"}, {"near"});
  AttrS(rn, "coordinate_transformation_mode", "asymmetric");
  AttrS(rn, "nearest_mode", "floor");
  m.InitI64("sizes", {4}, {1, 1, 3, 3});
  auto* rl = m.Node("Resize", {"x", "", "", "sizes"}, {"lin"});
  AttrS(rl, "mode", "linear");
  AttrS(rl, "coordinate_transformation_mode", "align_corners");
  m.Output("near");
  m.Output("lin");
  auto out = test::ImportAndRun(m, {F32({1, 1, 2, 2}, {0, 1, 2, 3})});
  CHECK(out[0].ToF32() == std::vector<float>{0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3});
  CHECK(out[1].ToF32() == std::vector<float>{0, 0.5f, 1, 1, 1.5f, 2, 2, 2.5f, 3});
}

TEST_CASE("Constant node forms, and fold-only ops on constants (Mod, Sign)", "[frontend][folding]") {
  OnnxTestModel m(17);
  m.Input("x", {3});
  auto* c1 = m.Node("Constant", {}, {"k"});
  auto* a = c1->add_attribute();
  a->set_name("value_floats");
  a->set_type(onnx::AttributeProto::FLOATS);
  for (float v : {-5.0f, 0.0f, 7.0f}) a->add_floats(v);
  auto* c2 = m.Node("Constant", {}, {"three"});
  AttrF(c2, "value_float", 3.0f);
  c2->mutable_attribute(0)->set_name("value_float");
  m.Node("Mod", {"k", "three"}, {"md"});
  m.Node("Sign", {"k"}, {"sg"});
  m.Node("Add", {"x", "md"}, {"y1"});
  m.Node("Add", {"y1", "sg"}, {"y"});
  m.Output("y");
  std::unique_ptr<ir::Graph> g;
  auto out = test::ImportAndRun(m, {F32({3}, {0, 0, 0})}, &g);
  // fmod=0 keeps the divisor's sign: -5 mod 3 = 1, 0, 1; sign: -1, 0, 1
  CHECK(out[0].ToF32() == std::vector<float>{0, 0, 2});
  CHECK(g->num_nodes() == 2);   // the two adds: Constant, Mod and Sign folded
}

TEST_CASE("sizes from the file are bounded: errors, never huge allocations", "[frontend][errors]") {
  SECTION("an input of more than 2^40 elements") {
    OnnxTestModel m(17);
    m.Input("x", {int64_t{1} << 30, int64_t{1} << 30, 4});
    m.Node("Relu", {"x"}, {"y"});
    m.Output("y");
    auto g = test::Import(m);
    REQUIRE_FALSE(g.ok());
    CHECK_THAT(g.status().message(), Catch::Contains("input 'x'") && Catch::Contains("more than 2^40 elements"));
  }
  SECTION("an initializer whose dims ask for terabytes but hold no data") {
    OnnxTestModel m(17);
    m.Input("x", {2});
    m.NewInit("w", {int64_t{1} << 20, int64_t{1} << 20}, onnx::TensorProto::FLOAT);
    m.Node("Add", {"x", "w"}, {"y"});
    m.Output("y");
    auto g = test::Import(m);
    REQUIRE_FALSE(g.ok());
    CHECK_THAT(g.status().message(), Catch::Contains("'w'") && Catch::Contains("holds 0 values"));
  }
  SECTION("dims whose product overflows int64") {
    OnnxTestModel m(17);
    m.Input("x", {2});
    m.NewInit("w", {int64_t{1} << 40, int64_t{1} << 40, 0}, onnx::TensorProto::FLOAT);
    m.Node("Add", {"x", "w"}, {"y"});
    m.Output("y");
    auto g = test::Import(m);
    REQUIRE_FALSE(g.ok());
    CHECK_THAT(g.status().message(), Catch::Contains("more than 2^40 elements"));
  }
  SECTION("a huge ConstantOfShape stays an expand node; a huge Range is an error") {
    OnnxTestModel m(17);
    m.Input("x", {1});
    m.InitI64("big", {2}, {1 << 16, 1 << 16});
    m.Node("ConstantOfShape", {"big"}, {"c"});
    m.Node("Add", {"c", "x"}, {"y"});
    m.Output("y");
    auto g = test::Import(m);
    INFO(g.status().message());
    REQUIRE(g.ok());
    CHECK(test::CountOps(**g, ir::OpKind::kExpand) == 1);
    CHECK((*g)->outputs()[0]->shape() == ir::Shape{1 << 16, 1 << 16});

    OnnxTestModel r(17);
    r.Input("x", {1});
    r.InitI64("s", {}, {0});
    r.InitI64("l", {}, {int64_t{1} << 50});
    r.InitI64("d", {}, {1});
    r.Node("Range", {"s", "l", "d"}, {"rg"}, "huge_range");
    r.Output("rg");
    auto gr = test::Import(r);
    REQUIRE_FALSE(gr.ok());
    CHECK_THAT(gr.status().message(), Catch::Contains("huge_range") && Catch::Contains("too many to fold"));
  }
}

TEST_CASE("Mod on a runtime value is a clear error", "[frontend][errors]") {
  OnnxTestModel m(17);
  m.Input("x", {3});
  m.InitF32("d", {}, {2});
  m.Node("Mod", {"x", "d"}, {"y"}, "runtime_mod");
  m.Output("y");
  auto g = test::Import(m);
  REQUIRE_FALSE(g.ok());
  CHECK_THAT(g.status().message(), Catch::Contains("runtime_mod") && Catch::Contains("only supported on constants"));
}

}  // namespace
}  // namespace agt

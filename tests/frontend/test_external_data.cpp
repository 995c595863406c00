// Tests of external data (compiler/frontend/external_data.cpp): weights in a side file are read
// relative to the model's folder; absolute paths, paths leaving the folder, missing files and
// short files are refused with the tensor and file named.
#include <fstream>

#include "compiler/frontend/external_data.h"
#include "tests/frontend/frontend_test_util.h"

namespace agt {
namespace {

using test::OnnxTestModel;

void SetExternal(onnx::TensorProto* t, const std::string& location, int64_t offset, int64_t length) {
  t->set_data_location(onnx::TensorProto::EXTERNAL);
  auto add = [&](const char* k, const std::string& v) {
    auto* e = t->add_external_data();
    e->set_key(k);
    e->set_value(v);
  };
  add("location", location);
  add("offset", std::to_string(offset));
  if (length >= 0) add("length", std::to_string(length));
}

OnnxTestModel ExternalModel(const std::string& location, int64_t offset = 8, int64_t length = 12) {
  OnnxTestModel m(17);
  m.Input("x", {3});
  auto* w = m.NewInit("w", {3}, onnx::TensorProto::FLOAT);
  SetExternal(w, location, offset, length);
  m.Node("Mul", {"x", "w"}, {"y"});
  m.Output("y");
  return m;
}

void WriteWeights(const std::filesystem::path& p) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary);
  float pad[2] = {99, 99};
  float w[3] = {2, -3, 0.5f};
  f.write(reinterpret_cast<const char*>(pad), sizeof pad);
  f.write(reinterpret_cast<const char*>(w), sizeof w);
}

TEST_CASE("external data is read at its offset, relative to the model's folder", "[frontend][external]") {
  auto dir = test::TempDir("ext");
  WriteWeights(dir / "sub" / "weights.bin");
  OnnxTestModel m = ExternalModel("sub/weights.bin");
  std::string path = m.Write(dir);
  auto g = frontend::LoadOnnx(path);
  INFO(g.status().message());
  REQUIRE(g.ok());
  auto out = ir::Interpret(**g, std::vector<ir::Tensor>{test::F32({3}, {1, 2, 4})});
  REQUIRE(out.ok());
  CHECK((*out)[0].ToF32() == std::vector<float>{2, -6, 2});
}

TEST_CASE("external data paths that escape the folder or are absolute are refused", "[frontend][external]") {
  auto dir = test::TempDir("ext_bad");
  WriteWeights(dir / "weights.bin");
  WriteWeights(dir.parent_path() / "agt_outside_weights.bin");
  for (std::string loc : {std::string("../agt_outside_weights.bin"), std::string("sub/../../agt_outside_weights.bin"),
                          (dir / "weights.bin").string(), std::string("./../x.bin")}) {
    OnnxTestModel m = ExternalModel(loc);
    auto g = frontend::LoadOnnx(m.Write(dir / "model", "m.onnx"));
    REQUIRE_FALSE(g.ok());
    INFO(g.status().message());
    CHECK_THAT(g.status().message(), Catch::Contains("'w'") && (Catch::Contains("leaves the model's folder") ||
                                                                  Catch::Contains("absolute path")));
  }
  CHECK(frontend::ResolveExternalPath("/models", "a/b/../c.bin").ok() == false);   // any '..' is refused
  CHECK(*frontend::ResolveExternalPath("/models", "./c.bin") == "/models/c.bin");
}

TEST_CASE("missing, short and mis-sized external data are errors naming the file", "[frontend][external]") {
  auto dir = test::TempDir("ext_missing");
  WriteWeights(dir / "weights.bin");
  SECTION("missing file") {
    OnnxTestModel m = ExternalModel("nothere.bin");
    auto g = frontend::LoadOnnx(m.Write(dir));
    REQUIRE_FALSE(g.ok());
    CHECK_THAT(g.status().message(), Catch::Contains("nothere.bin") && Catch::Contains("cannot open"));
  }
  SECTION("offset past the end") {
    OnnxTestModel m = ExternalModel("weights.bin", 16, 12);
    auto g = frontend::LoadOnnx(m.Write(dir));
    REQUIRE_FALSE(g.ok());
    CHECK_THAT(g.status().message(), Catch::Contains("too few"));
  }
  SECTION("length disagrees with dims") {
    OnnxTestModel m = ExternalModel("weights.bin", 8, 16);
    auto g = frontend::LoadOnnx(m.Write(dir));
    REQUIRE_FALSE(g.ok());
    CHECK_THAT(g.status().message(), Catch::Contains("length 16"));
  }
}

}  // namespace
}  // namespace agt

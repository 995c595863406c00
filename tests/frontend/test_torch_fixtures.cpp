// The committed PyTorch exports (tests/data/torch/<model>-<exporter>/) against onnxruntime: each
// fixture holds model.onnx, input.npy and onnxruntime's (CPU) outputs as <output name>.npy. The
// frontend imports the model, the passes run, and the reference interpreter must agree with
// onnxruntime on every output within a relative L2 error of 1e-5, both before and after the
// passes. One test case per fixture, so that ctest names the export that disagrees; a last case
// checks that no fixture folder is left out of the list.
#include <filesystem>
#include <set>
#include <string>

#include "compiler/passes/pipeline.h"
#include "ir/npy.h"
#include "tests/frontend/frontend_test_util.h"
#include "tests/support/test_support.h"

namespace agt {
namespace {

namespace fs = std::filesystem;

constexpr double kTolerance = 1e-5;

const char* const kFixtures[] = {
    "vit-base-16-torchscript",         "vit-base-16-dynamo",
    "setr-pup-torchscript",            "setr-pup-dynamo",
    "detr-resnet50-e6-torchscript",    "detr-resnet50-e6-dynamo",
    "detr-resnet50-e6-hf-torchscript", "detr-resnet50-e6-hf-dynamo",
};

fs::path FixtureDir(const std::string& name) { return fs::path(AGT_TEST_DATA_DIR) / "torch" / name; }

void CheckFixture(const std::string& name) {
  fs::path dir = FixtureDir(name);
  auto g = frontend::LoadOnnx((dir / "model.onnx").string());
  INFO(g.status().message());
  REQUIRE(g.ok());
  REQUIRE(ir::Verify(**g).ok());
  REQUIRE((*g)->inputs().size() == 1);
  auto input = ir::ReadNpy((dir / "input.npy").string());
  INFO(input.status().message());
  REQUIRE(input.ok());
  REQUIRE(input->type() == (*g)->inputs()[0]->type());

  auto optimised = (*g)->Clone();
  auto rec = passes::RunFrontendPipeline(*optimised);
  INFO(rec.status().message());
  REQUIRE(rec.ok());

  const std::vector<ir::Tensor> inputs = {*input};
  for (const ir::Graph* graph : {g->get(), optimised.get()}) {
    auto out = ir::Interpret(*graph, inputs);
    INFO(out.status().message());
    REQUIRE(out.ok());
    REQUIRE(out->size() == graph->outputs().size());
    for (size_t i = 0; i < out->size(); ++i) {
      const std::string& oname = graph->outputs()[i]->name();
      auto want = ir::ReadNpy((dir / (oname + ".npy")).string());
      INFO(name << " output " << oname << (graph == g->get() ? " (as imported)" : " (after the passes)"));
      INFO(want.status().message());
      REQUIRE(want.ok());
      REQUIRE((*out)[i].shape() == want->shape());
      double err = test::RelativeL2((*out)[i], *want);
      INFO("relative L2 error vs onnxruntime " << err);
      CHECK(err < kTolerance);
    }
  }
}

TEST_CASE("torch fixture vit-base-16-torchscript matches onnxruntime", "[frontend][fixtures]") {
  CheckFixture("vit-base-16-torchscript");
}
TEST_CASE("torch fixture vit-base-16-dynamo matches onnxruntime", "[frontend][fixtures]") {
  CheckFixture("vit-base-16-dynamo");
}
TEST_CASE("torch fixture setr-pup-torchscript matches onnxruntime", "[frontend][fixtures]") {
  CheckFixture("setr-pup-torchscript");
}
TEST_CASE("torch fixture setr-pup-dynamo matches onnxruntime", "[frontend][fixtures]") {
  CheckFixture("setr-pup-dynamo");
}
TEST_CASE("torch fixture detr-resnet50-e6-torchscript matches onnxruntime", "[frontend][fixtures]") {
  CheckFixture("detr-resnet50-e6-torchscript");
}
TEST_CASE("torch fixture detr-resnet50-e6-dynamo matches onnxruntime", "[frontend][fixtures]") {
  CheckFixture("detr-resnet50-e6-dynamo");
}
TEST_CASE("torch fixture detr-resnet50-e6-hf-torchscript matches onnxruntime", "[frontend][fixtures]") {
  CheckFixture("detr-resnet50-e6-hf-torchscript");
}
TEST_CASE("torch fixture detr-resnet50-e6-hf-dynamo matches onnxruntime", "[frontend][fixtures]") {
  CheckFixture("detr-resnet50-e6-hf-dynamo");
}

TEST_CASE("every folder of tests/data/torch is a checked fixture", "[frontend][fixtures]") {
  std::set<std::string> listed(std::begin(kFixtures), std::end(kFixtures));
  std::set<std::string> found;
  for (const auto& e : fs::directory_iterator(fs::path(AGT_TEST_DATA_DIR) / "torch")) {
    if (e.is_directory()) found.insert(e.path().filename().string());
  }
  CHECK(found == listed);
  for (const std::string& name : listed) {
    INFO(name);
    CHECK(fs::exists(FixtureDir(name) / "model.onnx"));
    CHECK(fs::exists(FixtureDir(name) / "input.npy"));
  }
}

}  // namespace
}  // namespace agt

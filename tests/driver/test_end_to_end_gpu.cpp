// [gpu] End to end: every tiny zoo model compiled at each precision, run through the C API on the GPU,
// against the reference interpreter on the same random inputs (DESIGN.md's tolerances: fp32 1e-4,
// tf32 5e-3, fp16/bf16 2e-2); and the committed PyTorch exports (tests/data/torch/) against
// onnxruntime's outputs. Skipped, with a message, where there is no GPU driver.
#include <filesystem>

#include <autogtco/runtime.h>
#include <fmt/format.h>

#include "compiler/passes/pipeline.h"
#include "compiler/planner/plan_model.h"
#include "ir/interpreter.h"
#include "ir/npy.h"
#include "tests/driver/driver_test_util.h"
#include "tests/support/test_support.h"

using namespace agt;
using namespace agt::test;
using ir::Precision;

namespace {

double Tolerance(Precision p) {
  switch (p) {
    case Precision::kFP32: return 1e-4;
    case Precision::kTF32: return 5e-3;
    default: return 2e-2;
  }
}

// Runs the artifact at `so` on GPU 0 with host buffers; outputs in the graph's types.
std::vector<ir::Tensor> RunArtifact(const std::string& so, const ir::Graph& g, const std::vector<ir::Tensor>& inputs) {
  agt_model* m = nullptr;
  REQUIRE(agt_model_open_file(so.c_str(), &m) == AGT_OK);
  int rc = agt_model_load(m, 0);
  if (rc != AGT_OK) {
    std::string err = agt_last_error();
    agt_model_destroy(m);
    FAIL("agt_model_load: " << err);
  }
  std::vector<const void*> in;
  for (const ir::Tensor& t : inputs) in.push_back(t.raw());
  std::vector<ir::Tensor> outs;
  for (const ir::Value* v : g.outputs()) outs.emplace_back(v->type());
  std::vector<void*> out;
  for (ir::Tensor& t : outs) out.push_back(t.raw());
  rc = agt_model_run_host(m, in.data(), out.data());
  std::string err = rc == AGT_OK ? "" : agt_last_error();
  // A second run (graph replay) must give the same bytes.
  std::vector<ir::Tensor> again;
  for (const ir::Value* v : g.outputs()) again.emplace_back(v->type());
  std::vector<void*> out2;
  for (ir::Tensor& t : again) out2.push_back(t.raw());
  if (rc == AGT_OK) {
    rc = agt_model_run_host(m, in.data(), out2.data());
    if (rc != AGT_OK) err = agt_last_error();
  }
  agt_model_destroy(m);
  if (rc != AGT_OK) FAIL("agt_model_run_host: " << err);
  for (size_t i = 0; i < outs.size(); ++i) CHECK(outs[i] == again[i]);
  return outs;
}

}  // namespace

TEST_CASE("driver: tiny zoo models end to end on the GPU against the interpreter", "[driver][gpu]") {
  if (!HasGpuDriver()) {
    WARN("no GPU driver: skipped");
    return;
  }
  TempDir dir;
  std::vector<std::string> table;
  for (const std::string& name : ZooNames()) {
    auto g = ZooGraph(name, true);
    std::vector<ir::Tensor> inputs;
    for (size_t i = 0; i < g->inputs().size(); ++i) inputs.push_back(RandomTensor(g->inputs()[i]->type(), 1000 + i));
    auto ref = ir::Interpret(*g, inputs);
    REQUIRE(ref.ok());
    for (Precision p : {Precision::kFP32, Precision::kTF32, Precision::kFP16, Precision::kBF16}) {
      INFO(name << " " << ir::PrecisionName(p));
      std::string so = dir.File(name + ".so");
      CompileTo(*g, Options(p, 0), so);
      std::vector<ir::Tensor> got = RunArtifact(so, *g, inputs);
      for (size_t o = 0; o < got.size(); ++o) {
        double err = RelativeL2(got[o], (*ref)[o]);
        table.push_back(fmt::format("{:<20} {:<5} {:<24} rel L2 {:.3e} {}", name, ir::PrecisionName(p),
                                    g->outputs()[o]->name(), err, err < Tolerance(p) ? "PASS" : "FAIL"));
        CHECK(err < Tolerance(p));
      }
    }
  }
  std::string all;
  for (const std::string& l : table) all += l + "\n";
  WARN("tiny zoo end to end:\n" << all);
}

TEST_CASE("driver: tiny ViTs with the LayerNorms folded into their GEMMs, against the interpreter of the unfolded graph",
          "[driver][gpu]") {
  if (!HasGpuDriver()) {
    WARN("no GPU driver: skipped");
    return;
  }
  TempDir dir;
  for (const std::string name : {"vit-base-16", "vit-large-16", "setr-naive-base"}) {
    auto g = ZooGraph(name, true);
    std::vector<ir::Tensor> inputs;
    for (size_t i = 0; i < g->inputs().size(); ++i) inputs.push_back(RandomTensor(g->inputs()[i]->type(), 2000 + i));
    auto ref = ir::Interpret(*g, inputs);
    REQUIRE(ref.ok());
    for (Precision p : {Precision::kFP16, Precision::kBF16}) {
      INFO(name << " " << ir::PrecisionName(p));
      driver::CompileOptions o = Options(p, 0);
      o.plan.fold_layer_norm = true;
      auto folded = ZooGraph(name, true);
      REQUIRE(passes::RunPrecisionPasses(*folded, p, planner::PrecisionPassOptions(o.plan)).ok());
      std::string so = dir.File(name + "-ln.so");
      driver::CompileResult r = CompileTo(*folded, o, so);
      int fused = 0;
      for (const auto& t : r.summary.task_programs) fused += t.ops.find("layer_norm+linear") != std::string::npos && t.sketch == "gemm_sm90" ? 1 : 0;
      CHECK(fused >= 1);
      std::vector<ir::Tensor> got = RunArtifact(so, *g, inputs);
      for (size_t o2 = 0; o2 < got.size(); ++o2) {
        double err = RelativeL2(got[o2], (*ref)[o2]);
        WARN(fmt::format("{} {} folded: rel L2 {:.3e} ({} layer_norm+linear tasks)", name, ir::PrecisionName(p), err, fused));
        CHECK(err < Tolerance(p));
      }
    }
  }
}

TEST_CASE("driver: PyTorch-exported fixtures end to end on the GPU against onnxruntime", "[driver][gpu]") {
  if (!HasGpuDriver()) {
    WARN("no GPU driver: skipped");
    return;
  }
  TempDir dir;
  std::string root = std::string(AGT_TEST_DATA_DIR) + "/torch";
  std::vector<std::string> fixtures;
  for (const auto& e : std::filesystem::directory_iterator(root)) {
    if (e.is_directory() && std::filesystem::exists(e.path() / "model.onnx")) fixtures.push_back(e.path().filename());
  }
  std::sort(fixtures.begin(), fixtures.end());
  REQUIRE(!fixtures.empty());
  std::string table;
  for (const std::string& f : fixtures) {
    std::string base = root + "/" + f;
    auto g = frontend::LoadOnnx(base + "/model.onnx");
    REQUIRE(g.ok());
    REQUIRE(passes::RunFrontendPipeline(**g).ok());
    REQUIRE((*g)->inputs().size() == 1);
    auto input = ir::ReadNpy(base + "/input.npy");
    REQUIRE(input.ok());
    for (Precision p : {Precision::kFP32, Precision::kFP16}) {
      INFO(f << " " << ir::PrecisionName(p));
      std::string so = dir.File(f + ".so");
      CompileTo(**g, Options(p, 0), so);
      std::vector<ir::Tensor> got = RunArtifact(so, **g, {*input});
      for (size_t o = 0; o < got.size(); ++o) {
        auto want = ir::ReadNpy(base + "/" + (*g)->outputs()[o]->name() + ".npy");
        REQUIRE(want.ok());
        double err = RelativeL2(got[o], *want);
        table += fmt::format("{:<34} {:<5} {:<12} rel L2 {:.3e} {}\n", f, ir::PrecisionName(p),
                             (*g)->outputs()[o]->name(), err, err < Tolerance(p) ? "PASS" : "FAIL");
        CHECK(err < Tolerance(p));
      }
    }
  }
  WARN("PyTorch fixtures end to end:\n" << table);
}

// The compile path without a GPU: tiny zoo models compile in fp32 and fp16 into artifacts that open
// through the C API and report their metadata; a run without a driver fails with the clear error; a
// truncated artifact is refused; two compiles are byte-identical; the memory plan never lets two
// live buffers overlap and every kernel argument points into a live buffer.
#include <fstream>
#include <map>
#include <set>

#include <autogtco/runtime.h>
#include <nlohmann/json.hpp>

#include "compiler/driver/boundary_casts.h"
#include "compiler/driver/storage.h"
#include "tests/driver/driver_test_util.h"
#include "tests/support/test_support.h"

using namespace agt;
using namespace agt::test;
using ir::Precision;

namespace {

std::vector<uint8_t> ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// Independent of the planner's own check: for every pair of buffers alive at a common launch, their
// byte ranges are disjoint, and every buffer lies inside the arena.
void CheckNoLiveOverlap(const driver::CompileResult& r) {
  const auto& b = r.buffers;
  REQUIRE(r.memory.offsets.size() == b.size());
  for (size_t i = 0; i < b.size(); ++i) {
    REQUIRE(r.memory.offsets[i] % 256 == 0);
    REQUIRE(r.memory.offsets[i] + b[i].size_bytes <= r.memory.arena_bytes);
    for (size_t j = i + 1; j < b.size(); ++j) {
      bool live_together = b[i].first_step <= b[j].last_step && b[j].first_step <= b[i].last_step;
      bool disjoint = r.memory.offsets[i] + b[i].size_bytes <= r.memory.offsets[j] ||
                      r.memory.offsets[j] + b[j].size_bytes <= r.memory.offsets[i];
      if (live_together && b[i].size_bytes > 0 && b[j].size_bytes > 0 && !disjoint) {
        FAIL("buffers '" << b[i].name << "' and '" << b[j].name << "' overlap while both are live");
      }
    }
  }
  // Every arena argument of launch s is the start of a buffer live at s.
  for (size_t s = 0; s < r.contents.launches.size(); ++s) {
    for (const runtime::KernelArg& a : r.contents.launches[s].args) {
      if (a.kind != runtime::ArgKind::kArena) continue;
      bool found = false;
      for (size_t i = 0; i < b.size() && !found; ++i) {
        found = r.memory.offsets[i] == a.value && b[i].first_step <= static_cast<int>(s) &&
                static_cast<int>(s) <= b[i].last_step;
      }
      if (!found) FAIL("launch " << s << " reads arena offset " << a.value << ", which no live buffer starts at");
    }
  }
  CHECK(r.memory.arena_bytes <= r.memory.naive_bytes);
}

}  // namespace

TEST_CASE("driver: every tiny zoo model compiles in fp32 and fp16 to an artifact that reports its metadata",
          "[driver]") {
  TempDir dir;
  bool gpu = HasGpuDriver();
  for (const std::string& name : ZooNames()) {
    auto g = ZooGraph(name, /*tiny=*/true);
    for (Precision p : {Precision::kFP32, Precision::kFP16}) {
      INFO(name << " " << ir::PrecisionName(p));
      std::string so = dir.File(name + "-" + std::string(ir::PrecisionName(p)) + ".so");
      driver::CompileResult r = CompileTo(*g, Options(p), so);
      CHECK(r.summary.tasks >= 1);
      CHECK(r.summary.tasks <= r.summary.phases);
      CHECK(r.summary.fallback_tasks == 0);
      CheckNoLiveOverlap(r);

      agt_model* m = nullptr;
      REQUIRE(agt_model_open_file(so.c_str(), &m) == AGT_OK);
      CHECK(std::string(agt_model_precision(m)) == ir::PrecisionName(p));
      CHECK(std::string(agt_model_arch(m)) == "sm_90");
      CHECK(std::string(agt_model_weights_mode(m)) == "embedded");
      CHECK(std::string(agt_model_compiler_version(m)) == AGT_VERSION);
      REQUIRE(agt_model_num_inputs(m) == static_cast<int>(g->inputs().size()));
      REQUIRE(agt_model_num_outputs(m) == static_cast<int>(g->outputs().size()));
      for (size_t i = 0; i < g->inputs().size(); ++i) {
        const ir::Value* v = g->inputs()[i];
        CHECK(std::string(agt_model_input_name(m, static_cast<int>(i))) == v->name());
        // The user feeds the ONNX dtype whatever the precision.
        CHECK(agt_model_input_dtype(m, static_cast<int>(i)) == driver::ApiDType(v->dtype()));
        CHECK(agt_model_input_bytes(m, static_cast<int>(i)) == v->type().size_bytes());
      }
      for (size_t i = 0; i < g->outputs().size(); ++i) {
        const ir::Value* v = g->outputs()[i];
        CHECK(std::string(agt_model_output_name(m, static_cast<int>(i))) == v->name());
        CHECK(agt_model_output_dtype(m, static_cast<int>(i)) == driver::ApiDType(v->dtype()));
        int64_t dims[8];
        REQUIRE(agt_model_output_shape(m, static_cast<int>(i), dims, 8) == static_cast<int>(v->shape().size()));
        CHECK(ir::Shape(dims, dims + v->shape().size()) == v->shape());
      }
      CHECK(agt_model_arena_bytes(m) == r.memory.arena_bytes);
      CHECK(agt_model_weight_bytes(m) == r.summary.weight_bytes);
      CHECK(agt_model_num_launches(m) == r.summary.launches);
      if (!gpu) {
        int rc = agt_model_load(m, 0);
        CHECK(rc == AGT_ERROR_NO_DRIVER);
        CHECK(std::string(agt_last_error()).find("libcuda") != std::string::npos);
        float t = 0;
        CHECK(agt_model_bench(m, 0, 1, &t) == AGT_ERROR_NOT_LOADED);
      }
      agt_model_destroy(m);
      std::filesystem::remove(so);
    }
  }
}

TEST_CASE("driver: fp16 puts cast kernels at the edges and fp32 needs none", "[driver]") {
  auto g = ZooGraph("vit-base-16", true);
  auto r16 = driver::CompileGraph(*g, Options(Precision::kFP16));
  REQUIRE(r16.ok());
  std::set<std::string> entries;
  for (const auto& k : r16->contents.kernels) entries.insert(k.entry);
  CHECK(entries.count(driver::CastKernelName(ir::DType::kF32, ir::DType::kF16)) == 1);
  CHECK(entries.count(driver::CastKernelName(ir::DType::kF16, ir::DType::kF32)) == 1);
  CHECK(r16->summary.kernels == r16->summary.tasks + 2);
  auto r32 = driver::CompileGraph(*g, Options(Precision::kFP32));
  REQUIRE(r32.ok());
  CHECK(r32->summary.kernels == r32->summary.tasks);
  // Weights at fp16 are half the fp32 bytes (up to 64-byte alignment of each tensor).
  CHECK(r16->summary.weight_bytes < r32->summary.weight_bytes * 6 / 10);
  // Repeated encoder layers share tasks.
  CHECK(r32->summary.tasks < r32->summary.phases);
}

// torchvision's multi-head attention ends with a reshape [T, C] -> [T, 1, C] that no neighbour takes
// in: such a group is the same bytes under another shape, so it is no task and no launch; the arena
// hands its consumers the buffer the out-projection wrote.
TEST_CASE("driver: a reshape-only group launches nothing", "[driver]") {
  auto g = ZooGraph("detr-resnet50-e3", true);
  auto r = driver::CompileGraph(*g, Options(Precision::kFP16));
  REQUIRE(r.ok());
  for (const auto& t : r->summary.task_programs) CHECK(t.ops != "reshape");
  auto plan = nlohmann::json::parse(r->plan_json);
  CHECK(plan["alias_views"].get<int>() >= 1);
  int reshape_phases = 0;
  for (const auto& ph : plan["phases"]) {
    if (ph["ops"] == "reshape") {
      ++reshape_phases;
      CHECK_FALSE(ph.contains("task"));
    }
  }
  CHECK(reshape_phases == plan["alias_views"].get<int>());
  int kernel_launches = 0;
  for (const auto& l : r->contents.launches) kernel_launches += l.kind == runtime::LaunchKind::kKernel;
  // + the casts at the edges: the image in, the two outputs (logits, boxes) out
  CHECK(kernel_launches == static_cast<int>(plan["phases"].size()) - reshape_phases + 3);
}

TEST_CASE("driver: two compiles give byte-identical artifacts", "[driver]") {
  TempDir dir;
  auto g = ZooGraph("detr-resnet50-e3", true);
  driver::CompileOptions o = Options(Precision::kFP16);
  CompileTo(*g, o, dir.File("a.so"));
  o.jobs = 1;   // another thread count must not matter
  CompileTo(*g, o, dir.File("b.so"));
  std::vector<uint8_t> a = ReadAll(dir.File("a.so")), b = ReadAll(dir.File("b.so"));
  REQUIRE(!a.empty());
  CHECK(a == b);
}

TEST_CASE("driver: external weights and a truncated artifact is refused", "[driver]") {
  TempDir dir;
  auto g = ZooGraph("setr-pup", true);
  driver::CompileOptions o = Options(Precision::kFP32);
  o.weights = runtime::WeightsMode::kExternal;
  driver::CompileResult r = CompileTo(*g, o, dir.File("setr.so"));
  REQUIRE(std::filesystem::exists(dir.File("setr.weights")));
  // Two split-K tasks (the patch embedding and the first head conv): each gets its own workspace,
  // zeroed at the start of every run. A shared one broke the second kernel's arrival counters.
  int workspaces = 0, memsets = 0;
  for (const plan::BufferRequest& b : r.buffers) workspaces += b.name.rfind("split-k workspace", 0) == 0;
  for (const runtime::Launch& l : r.contents.launches) memsets += l.kind == runtime::LaunchKind::kMemset;
  CHECK(workspaces >= 2);
  CHECK(memsets == workspaces);
  CheckNoLiveOverlap(r);
  agt_model* m = nullptr;
  REQUIRE(agt_model_open_file(dir.File("setr.so").c_str(), &m) == AGT_OK);
  CHECK(std::string(agt_model_weights_mode(m)) == "external");
  CHECK(agt_model_weight_bytes(m) == r.summary.weight_bytes);
  agt_model_destroy(m);

  std::vector<uint8_t> bytes = ReadAll(dir.File("setr.so"));
  for (size_t cut : {size_t{1}, size_t{100}, bytes.size() / 2}) {
    INFO("cut " << cut);
    std::string t = dir.File("truncated.so");
    std::ofstream(t, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                             static_cast<std::streamsize>(bytes.size() - cut));
    agt_model* bad = nullptr;
    int rc = agt_model_open_file(t.c_str(), &bad);
    CHECK(rc == AGT_ERROR_CORRUPT_ARTIFACT);
    CHECK(bad == nullptr);
    CHECK(std::string(agt_last_error()).size() > 0);
  }
}

TEST_CASE("driver: clear errors for a bad arch and an unwritable output", "[driver]") {
  auto g = ZooGraph("vit-base-16", true);
  driver::CompileOptions o = Options(Precision::kFP16);
  o.plan.device.arch = "sm_42";
  auto r = driver::CompileGraph(*g, o);
  REQUIRE(!r.ok());
  CHECK(r.status().message().find("--arch") != std::string::npos);
  CHECK(!driver::CheckOutputWritable("/nonexistent-folder/x.so").ok());
  CHECK(!driver::CheckOutputWritable("/tmp").ok());
  CHECK(driver::CheckOutputWritable("/tmp/agt-driver-writable.so").ok());
}

// Program JSON round trips, sketch selection, annotation validity, and a few emitted kernels
// compiled with NVRTC.
#include <random>

#include <catch2/catch.hpp>

#include "codegen/compile.h"
#include "codegen/sketch_rules.h"
#include "ir/text.h"
#include "tests/codegen/codegen_test_graphs.h"

namespace agt::codegen {
namespace {

TEST_CASE("program JSON round-trips exactly", "[codegen]") {
  auto g = test::LinearGroup(197, 768, 3072, "gelu");
  auto t = MakeTaskContext(*g, Precision::kBF16);
  REQUIRE(t.ok());
  std::mt19937_64 rng(7);
  auto progs = SampleProgram(*t, 20, rng);
  REQUIRE(progs.ok());
  for (const Program& p : *progs) {
    std::string text = ProgramToJsonText(p);
    auto back = ProgramFromJsonText(text);
    REQUIRE(back.ok());
    CHECK(*back == p);
    CHECK(ProgramToJsonText(*back) == text);
  }
  // The graph text inside the program parses back to the same printed graph.
  ir::PrintOptions po;
  po.print_locations = false;
  auto parsed = ir::ParseGraph((*progs)[0].task.graph_text);
  REQUIRE(parsed.ok());
  CHECK(ir::PrintGraph(**parsed, po) == (*progs)[0].task.graph_text);
}

TEST_CASE("malformed program JSON is an error, not an exception", "[codegen]") {
  CHECK_FALSE(ProgramFromJsonText("{").ok());
  CHECK_FALSE(ProgramFromJsonText(R"({"task":{"graph":"","precision":"fp8","arch":"sm_90"},"sketch":{"kind":"gemm"},"annotation":{}})").ok());
  CHECK_FALSE(ProgramFromJsonText(R"({"task":{"graph":"","precision":"fp16","arch":"sm_90"},"sketch":{"kind":"gemm"},"annotation":{"tile":3}})").ok());
  CHECK_FALSE(ProgramFromJsonText(R"({"task":5})").ok());
}

TEST_CASE("sketch rules pick the expected sketch for each group", "[codegen]") {
  for (auto& ng : test::ModelShapeGroups()) {
    INFO(ng.name);
    auto t = MakeTaskContext(*ng.graph, Precision::kFP16);
    REQUIRE(t.ok());
    CHECK(t->rule == ng.expect_sketch);
    CHECK(std::string(SketchKindName(t->sketches.front().kind)) == ng.expect_sketch);
  }
}

TEST_CASE("fp32 GEMM uses SIMT, fp16 offers tensor cores first", "[codegen]") {
  auto g = test::LinearGroup(197, 768, 768, "none");
  auto t32 = MakeTaskContext(*g, Precision::kFP32);
  REQUIRE(t32.ok());
  REQUIRE(t32->sketches.size() == 1);
  CHECK_FALSE(t32->sketches[0].tensor_cores);
  // On sm_80 (on sm_90 the Hopper core takes this group: test_gemm_sm90_sketch.cpp).
  auto t16 = MakeTaskContext(*g, Precision::kFP16, "sm_80");
  REQUIRE(t16.ok());
  REQUIRE(t16->sketches.size() == 2);
  CHECK(t16->sketches[0].tensor_cores);
}

TEST_CASE("annotation validity rejects what cannot run", "[codegen]") {
  auto g = test::LinearGroup(197, 768, 3072, "none");
  auto t = MakeTaskContext(*g, Precision::kFP16);
  REQUIRE(t.ok());
  auto ctx = t->Space(Sketch{SketchKind::kGemm, true});
  REQUIRE(ctx.ok());
  Annotation ok = DefaultAnnotation(*ctx);
  REQUIRE(ValidateAnnotation(*ctx, ok).ok());

  Annotation big = ok;   // 256x256x64 tiles x 4 stages: (256*72 + 64*264) * 2 B * 4 = 282 KB > 227 KB
  big.set(Knob::kBlockM, 256);
  big.set(Knob::kBlockN, 256);
  big.set(Knob::kBlockK, 64);
  big.set(Knob::kStages, 4);
  big.set(Knob::kWarpsM, 4);
  big.set(Knob::kWarpsN, 4);
  auto st = ValidateAnnotation(*ctx, big);
  CHECK_FALSE(st.ok());
  CHECK(st.message().find("shared memory") != std::string::npos);
  big.set(Knob::kStages, 2);   // 141 KB fits, but 512 threads x ~200 registers do not
  st = ValidateAnnotation(*ctx, big);
  CHECK_FALSE(st.ok());
  CHECK(st.message().find("registers") != std::string::npos);
  big.set(Knob::kBlockN, 128);  // 256x128x64, 2 stages: (256*72 + 64*136) * 2 B * 2 = 108 KB, 256 threads
  big.set(Knob::kWarpsN, 2);
  CHECK(ValidateAnnotation(*ctx, big).ok());

  Annotation nodiv = ok;       // 32 rows cannot split over 4 warps of 16-row MMA tiles
  nodiv.set(Knob::kBlockM, 32);
  nodiv.set(Knob::kWarpsM, 4);
  CHECK_FALSE(ValidateAnnotation(*ctx, nodiv).ok());

  Annotation outside = ok;
  outside.set(Knob::kBlockK, 24);
  CHECK_FALSE(ValidateAnnotation(*ctx, outside).ok());

  Annotation missing = ok;
  missing.clear(Knob::kStages);
  CHECK_FALSE(ValidateAnnotation(*ctx, missing).ok());

  // On sm_89 (99 KB) the 108 KB configuration no longer fits.
  auto ada = ir::DeviceForArch("sm_89");
  REQUIRE(ada.ok());
  SpaceContext ctx89 = *ctx;
  ctx89.arch = *ada;
  CHECK_FALSE(ValidateAnnotation(ctx89, big).ok());
  CHECK_FALSE(ir::DeviceForArch("sm_70").ok());
}

TEST_CASE("sampled annotations are always valid and default annotations too", "[codegen]") {
  std::mt19937_64 rng(11);
  for (auto& ng : test::ModelShapeGroups()) {
    for (Precision p : {Precision::kFP32, Precision::kTF32, Precision::kFP16, Precision::kBF16}) {
      auto t = MakeTaskContext(*ng.graph, p);
      REQUIRE(t.ok());
      for (const Sketch& s : t->sketches) {
        INFO(ng.name << " " << PrecisionName(p) << " " << SketchKindName(s.kind));
        auto ctx = t->Space(s);
        REQUIRE(ctx.ok());
        CHECK(ValidateAnnotation(*ctx, DefaultAnnotation(*ctx)).ok());
        for (int i = 0; i < 20; ++i) {
          Annotation a = SampleAnnotation(*ctx, rng);
          CHECK(ValidateAnnotation(*ctx, a).ok());
        }
      }
    }
  }
}

TEST_CASE("the same seed samples the same programs", "[codegen]") {
  auto g = test::AttentionGroup(12, 197, 197, 64, false);
  auto t = MakeTaskContext(*g, Precision::kFP16);
  REQUIRE(t.ok());
  std::mt19937_64 a(3), b(3);
  auto pa = SampleProgram(*t, 10, a), pb = SampleProgram(*t, 10, b);
  REQUIRE(pa.ok());
  REQUIRE(pb.ok());
  CHECK(*pa == *pb);
}

TEST_CASE("emitted source names the task and annotation; emission is deterministic", "[codegen]") {
  auto g = test::LinearGroup(197, 768, 3072, "gelu");
  auto t = MakeTaskContext(*g, Precision::kFP16, "sm_80");   // the mma.sync sketch
  REQUIRE(t.ok());
  auto p = DefaultProgram(*t);
  REQUIRE(p.ok());
  auto s1 = EmitProgram(*t, *p), s2 = EmitProgram(*t, *p);
  REQUIRE(s1.ok());
  REQUIRE(s2.ok());
  CHECK(s1->source == s2->source);
  CHECK(s1->source.find("// task:       linear+gelu") != std::string::npos);
  CHECK(s1->source.find("// annotation: block_m=") != std::string::npos);
  CHECK(s1->source.find("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32") != std::string::npos);
  CHECK(s1->source.find("cp.async.cg.shared.global") != std::string::npos);
  CHECK(s1->launch.kernel_name == "agt_gemm");
  CHECK(s1->launch.num_inputs == 3);
  CHECK(s1->launch.num_outputs == 1);
}

// The two halves of a LayerNorm (ir/ops.h) as kernels of their own: any plan that leaves them
// unfused compiles (the generic loaders), with the moments in f32 at fp16.
TEST_CASE("row_moments and layer_norm_moments compile standalone, their moments f32 at fp16", "[codegen][nvrtc]") {
  NvrtcCompiler nvrtc;
  const char* texts[] = {
      "graph g(%y: f32[197,768]) {\n  %m = row_moments(%y) : f32[197,12,2]\n  return %m\n}\n",
      "graph g(%y: f32[1,197,70], %m: f32[197,2,2]) {\n  %z = layer_norm_moments(%y, %m) {epsilon = 1e-06} : f32[1,197,70]\n  return %z\n}\n",
  };
  for (const char* text : texts) {
    INFO(text);
    auto g = ir::ParseGraph(text);
    REQUIRE(g.ok());
    auto t = MakeTaskContext(**g, Precision::kFP16);
    REQUIRE(t.ok());
    auto p = DefaultProgram(*t);
    REQUIRE(p.ok());
    auto c = CompileProgram(*t, *p, nvrtc);
    if (!c.ok()) FAIL(c.status().message());
    INFO(c->kernel.source);
    const std::string& src = c->kernel.source;
    // The moments' parameter is float (the statistics' storage), y's and z's the fp16 storage type.
    CHECK((src.find("float* __restrict__ out0") != std::string::npos || src.find("const float* __restrict__ in1") != std::string::npos));
    CHECK(src.find("const st_t* __restrict__ in0") != std::string::npos);
  }
  // Both in one kernel, and the product form, as the [gpu] numerics test runs them.
  for (auto& both : {test::RowMomentsGroup(197, 768, true), test::LinearNormMomentsGroup(50, 130, 40)}) {
    auto t = MakeTaskContext(*both, Precision::kFP16);
    REQUIRE(t.ok());
    auto p = DefaultProgram(*t);
    REQUIRE(p.ok());
    auto c = CompileProgram(*t, *p, nvrtc);
    if (!c.ok()) FAIL(c.status().message());
  }
}

TEST_CASE("NVRTC compiles one program of each sketch kind for sm_90, sm_80 and sm_89", "[codegen][nvrtc]") {
  NvrtcCompiler nvrtc;
  std::vector<std::unique_ptr<ir::Graph>> groups;
  groups.push_back(test::LinearGroup(197, 768, 768, "residual"));
  groups.push_back(test::AttentionGroup(12, 197, 197, 64, false));
  groups.push_back(test::ResidualLayerNormGroup(197, 768));
  groups.push_back(test::ResizeGroup(16, 24, 24, 4));
  groups.push_back(test::CumSumGroup());
  for (auto& g : groups) {
    auto t = MakeTaskContext(*g, Precision::kFP16);
    REQUIRE(t.ok());
    auto p = DefaultProgram(*t);
    REQUIRE(p.ok());
    auto c = CompileProgram(*t, *p, nvrtc);
    INFO(t->rule);
    if (!c.ok()) FAIL(c.status().message());
    CHECK(c->binary->cubin.size() > 1000);
  }
  auto g = test::LinearGroup(64, 64, 64, "gelu");
  for (const char* arch : {"sm_80", "sm_89"}) {
    auto t = MakeTaskContext(*g, Precision::kBF16, arch);
    REQUIRE(t.ok());
    auto p = DefaultProgram(*t);
    REQUIRE(p.ok());
    auto c = CompileProgram(*t, *p, nvrtc);
    if (!c.ok()) FAIL(c.status().message());
  }
  // A second compile of the same source is a cache hit.
  int64_t before = nvrtc.cache_hits();
  auto t = MakeTaskContext(*g, Precision::kBF16, "sm_80");
  auto p = DefaultProgram(*t);
  REQUIRE(CompileProgram(*t, *p, nvrtc).ok());
  CHECK(nvrtc.cache_hits() == before + 1);
}

}  // namespace
}  // namespace agt::codegen

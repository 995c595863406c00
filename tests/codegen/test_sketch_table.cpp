// The sketch table (codegen/sketches/): its order is the rule order, every sketch answers for its
// own kind, the emitter versions the tuning logs rely on, each sketch's default annotation is valid
// for the groups it is chosen for, and the sm_80 PTX wrappers are each written once.
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "codegen/compile.h"
#include "codegen/ptx/ptx_sm80.h"
#include "codegen/sketch_rules.h"
#include "codegen/sketches/sketch.h"
#include "tests/codegen/codegen_test_graphs.h"

namespace agt::codegen {
namespace {

TEST_CASE("the sketch table lists the sketches in rule order", "[codegen]") {
  const std::vector<std::string> order = {"attention", "gemm_sm90", "gemm", "row_reduce", "elementwise", "generic"};
  REQUIRE(SketchTable().size() == order.size());
  REQUIRE(SketchRules().size() == order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    const SketchDef& def = *SketchTable()[i];
    CHECK(def.name() == order[i]);
    CHECK(SketchRules()[i]->name() == order[i]);
    CHECK(&GetSketch(def.kind()) == &def);
    CHECK(ParseSketchKind(order[i]) == def.kind());
  }
}

TEST_CASE("emitter versions stay what the tuning logs were written with", "[codegen]") {
  CHECK(SketchEmitterVersion(SketchKind::kGemm) == 1);
  CHECK(SketchEmitterVersion(SketchKind::kAttention) == 2);
  CHECK(SketchEmitterVersion(SketchKind::kRowReduce) == 1);
  CHECK(SketchEmitterVersion(SketchKind::kElementwise) == 1);
  CHECK(SketchEmitterVersion(SketchKind::kGeneric) == 1);
}

TEST_CASE("each chosen sketch's default annotation is valid and has features", "[codegen]") {
  for (auto& ng : test::ModelShapeGroups()) {
    INFO(ng.name);
    auto t = MakeTaskContext(*ng.graph, Precision::kFP16);
    REQUIRE(t.ok());
    for (const Sketch& s : t->sketches) {
      auto ctx = t->Space(s);
      REQUIRE(ctx.ok());
      const SketchDef& def = GetSketch(s.kind);
      Annotation a = def.Default(*ctx);
      CHECK(ValidateAnnotation(*ctx, a).ok());
      std::string why;
      CHECK(def.Applies(*t->graph, t->task, s, &why));
      SketchFeatures f = def.Features(*ctx, a, FeatureInputs{2, 1e6, 128});
      CHECK(f.blocks >= 1);
      CHECK(f.Named().size() == 6);
    }
  }
}

TEST_CASE("a sketch that does not fit says why", "[codegen]") {
  auto g = test::LinearGroup(197, 768, 768, "none");
  Task task;
  std::string why;
  CHECK_FALSE(GetSketch(SketchKind::kAttention).Applies(*g, task, Sketch{SketchKind::kAttention, true}, &why));
  CHECK_FALSE(why.empty());
}

TEST_CASE("the sm_80 wrappers define each device function once", "[codegen]") {
  using ptx_sm80::Wrapper;
  std::string all = ptx_sm80::Preamble({Wrapper::kCpAsync16, Wrapper::kCpAsyncCommit, Wrapper::kCpAsyncWait,
                                        Wrapper::kLdmatrixX4, Wrapper::kLdmatrixX4Trans, Wrapper::kToTf32});
  for (const char* fn : {"void cp_async16(", "void cp_async_commit(", "void cp_async_wait(", "void ldmatrix_x4(",
                         "void ldmatrix_x4_trans(", "unsigned to_tf32("}) {
    INFO(fn);
    size_t at = all.find(fn);
    REQUIRE(at != std::string::npos);
    CHECK(all.find(fn, at + 1) == std::string::npos);
  }
  CHECK(ptx_sm80::MmaSyncPtx(Precision::kFP16) ==
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\\n");
  CHECK(ptx_sm80::MmaSyncPtx(Precision::kTF32).rfind("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 ", 0) == 0);
  CHECK(ptx_sm80::MmaAccWrapper(Precision::kBF16).find("__floats2bfloat162_rn") != std::string::npos);
  CHECK(ptx_sm80::MmaAccWrapper(Precision::kTF32).find("pack2") == std::string::npos);
  CHECK(ptx_sm80::CpAsyncWaitGroupStmt(2) == "asm volatile(\"cp.async.wait_group 2;\\n\" ::);");
}

}  // namespace
}  // namespace agt::codegen

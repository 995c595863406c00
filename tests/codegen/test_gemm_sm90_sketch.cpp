// The Hopper GEMM sketch (codegen/sketches/gemm_sm90.cpp) as the sketch table sees it: which Linear
// groups it takes and which it leaves to the mma.sync sketch (and why), the launch spec it hands the
// runtime (tensor maps over the right inputs, the core's parameter order), sampled programs compiling
// through NVRTC for sm_90a, and [gpu] the kernels against the reference interpreter at the models'
// token counts and odd shapes, for fp16 and bf16 and every epilogue, outputs poisoned; tf32 where the
// group reads the weight K-major (a transposed [N, K] input), refused with the reason otherwise.
#include <cmath>
#include <cstdio>
#include <random>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "codegen/compile.h"
#include "codegen/sketches/sketch.h"
#include "ir/interpreter.h"
#include "ir/text.h"
#include "tests/codegen/codegen_test_graphs.h"
#include "tests/codegen/gpu_harness.h"
#include "tests/codegen/parallel_compile.h"
#include "tests/support/test_support.h"

namespace agt::codegen {
namespace {

TaskContext Context(const ir::Graph& g, Precision p, const std::string& arch = "sm_90") {
  auto t = MakeTaskContext(g, p, arch);
  REQUIRE(t.ok());
  return std::move(t).value();
}

// A group `params` / `body` whose product is %y [1, m, n], with an epilogue ("none", "gelu" or
// "residual") after it, parsed.
std::unique_ptr<ir::Graph> WithEpilogue(std::string params, std::string body, int64_t m, int64_t n, const std::string& epilogue) {
  std::string out = "%y";
  if (epilogue == "gelu") {
    body += "  %z = gelu(%y)\n";
    out = "%z";
  } else if (epilogue == "residual") {
    params += fmt::format(", %r: f32[1,{},{}]", m, n);
    body += "  %z = add(%y, %r)\n";
    out = "%z";
  }
  auto g = ir::ParseGraph(fmt::format("graph g({}) {{\n{}  return {}\n}}\n", params, body, out), "<test>");
  REQUIRE(g.ok());
  return std::move(g).value();
}

// A linear whose weight is a [N, K] group input read through a transpose: B is [K, N] with strides
// (1, K), the K-major operand tf32 needs.
std::unique_ptr<ir::Graph> LinearNkGroup(int64_t m, int64_t k, int64_t n, const std::string& epilogue) {
  return WithEpilogue(fmt::format("%x: f32[1,{0},{1}], %w: f32[{2},{1}], %b: f32[{2}]", m, k, n),
                      "  %wt = transpose(%w) {perm = [1, 0]}\n  %y = linear(%x, %wt, %b)\n", m, n, epilogue);
}

// layer_norm (affine-free as fold-layer-norm-affine leaves it, or with gamma) -> linear -> epilogue.
std::unique_ptr<ir::Graph> LnLinearGroup(int64_t m, int64_t k, int64_t n, const std::string& epilogue, bool gamma = false) {
  std::string params = fmt::format("%x: f32[1,{0},{1}], %w: f32[{1},{2}], %b: f32[{2}]", m, k, n);
  if (gamma) params += fmt::format(", %gm: f32[{}]", k);
  return WithEpilogue(params,
                      fmt::format("  %h = layer_norm(%x{}) {{axis = -1, epsilon = 1e-06}}\n  %y = linear(%h, %w, %b)\n",
                                  gamma ? ", %gm" : ""),
                      m, n, epilogue);
}

TEST_CASE("gemm_sm90: takes an affine-free layer_norm+linear group as the core's LayerNorm prologue, swapped and unsplit",
          "[codegen][sm90]") {
  for (const char* epi : {"none", "gelu", "residual"}) {
    auto g = LnLinearGroup(197, 768, 2304, epi);
    for (Precision p : {Precision::kFP16, Precision::kBF16}) {
      INFO(epi << " " << PrecisionName(p));
      TaskContext t = Context(*g, p);
      REQUIRE(t.rule == "gemm_sm90");
      auto ctx = t.Space(t.sketches.front());
      REQUIRE(ctx.ok());
      CHECK(ctx->dims.norm_prologue);
      Annotation a = DefaultAnnotation(*ctx);
      CHECK(a.get(Knob::kSwapAB, 0) == 1);
      CHECK(a.get(Knob::kSplitK, 1) == 1);
      Annotation split = a;
      split.set(Knob::kSplitK, 2);
      CHECK_FALSE(ProgramFits(t, Program{t.task, t.sketches.front(), split}).ok());
      auto src = EmitProgram(t, Program{t.task, t.sketches.front(), a});
      REQUIRE(src.ok());
      CHECK_THAT(src->source, Catch::Contains("norm_csum"));
      CHECK(src->launch.kernel_name.find("_ln") != std::string::npos);
    }
  }
  // With gamma still on the norm, the core has no prologue for it (and the mma.sync sketch none either).
  auto affine = LnLinearGroup(197, 768, 2304, "none", true);
  TaskContext ta = Context(*affine, Precision::kFP16);
  CHECK(ta.rule != "gemm_sm90");
  bool said = false;
  for (const std::string& s : ta.skipped) said = said || s.find("--fold-layer-norm") != std::string::npos;
  CHECK(said);
  // tf32 has no prologue: refused by the core.
  CHECK(Context(*LnLinearGroup(197, 768, 2304, "none"), Precision::kTF32).rule != "gemm_sm90");
}

TEST_CASE("gemm_sm90: takes fp16/bf16 Linear groups on sm_90 with bias, GELU and residual epilogues", "[codegen][sm90]") {
  for (const char* epi : {"none", "gelu", "residual"}) {
    auto g = test::LinearGroup(197, 768, 2304, epi);
    for (Precision p : {Precision::kFP16, Precision::kBF16}) {
      INFO(epi << " " << PrecisionName(p));
      TaskContext t = Context(*g, p);
      CHECK(t.rule == "gemm_sm90");
      REQUIRE(t.sketches.size() == 1);
      CHECK(t.sketches[0].kind == SketchKind::kGemmSm90);
    }
  }
}

TEST_CASE("gemm_sm90: leaves to the mma.sync sketch what the core cannot take, and says why", "[codegen][sm90]") {
  auto skipped_reason = [](const TaskContext& t) {
    for (const std::string& s : t.skipped) {
      if (s.rfind("gemm_sm90:", 0) == 0) return s;
    }
    return std::string();
  };
  auto lin = test::LinearGroup(197, 768, 768, "none");
  // Not Hopper, or no 16-bit type.
  CHECK(Context(*lin, Precision::kFP16, "sm_80").rule == "gemm");
  CHECK(skipped_reason(Context(*lin, Precision::kFP16, "sm_80")).find("sm_90") != std::string::npos);
  // tf32 with the weight as the artifact keeps it, [K, N]: wgmma cannot transpose f32 operands.
  TaskContext t32 = Context(*lin, Precision::kTF32);
  CHECK(t32.rule == "gemm");
  CHECK(skipped_reason(t32).find("tf32 needs the weight K-major") != std::string::npos);
  CHECK(Context(*lin, Precision::kFP32).rule == "gemm");
  // An epilogue the core does not fuse.
  auto relu = test::LinearGroup(1050, 256, 2048, "relu_scale");
  TaskContext tr = Context(*relu, Precision::kFP16);
  CHECK(tr.rule == "gemm");
  CHECK(skipped_reason(tr).find("epilogue") != std::string::npos);
  // TMA's 16-byte rows: a [K, N] weight with N % 8 != 0, or K % 8 != 0.
  TaskContext tn = Context(*test::LinearGroup(37, 200, 100, "gelu"), Precision::kFP16);
  CHECK(tn.rule == "gemm");
  CHECK(skipped_reason(tn).find("16-byte") != std::string::npos);
  CHECK(Context(*test::LinearGroup(64, 100, 128, "none"), Precision::kFP16).rule == "gemm");
  // A broadcast A (stride-0 rows: an expand in front) is no tensor TMA reads.
  auto bcast = ir::ParseGraph(R"(
graph g(%x: f32[1,768], %w: f32[768,256]) {
  %e = expand(%x) {shape = [64, 768]}
  %y = linear(%e, %w)
  return %y
}
)", "<test>");
  REQUIRE(bcast.ok());
  TaskContext tb = Context(**bcast, Precision::kFP16);
  CHECK(tb.rule != "gemm_sm90");
  CHECK(skipped_reason(tb).find("broadcast") != std::string::npos);
  // Not a Linear.
  CHECK(Context(*test::BatchedMatMulGroup(12, 197, 64, 197), Precision::kFP16).rule == "gemm");
}

TEST_CASE("gemm_sm90: the launch spec names the core's parameters and tensor maps over the right inputs", "[codegen][sm90]") {
  auto g = test::LinearGroup(197, 3072, 768, "residual");   // inputs: x [1,197,3072], w [3072,768], bias, r
  TaskContext t = Context(*g, Precision::kFP16);
  REQUIRE(t.rule == "gemm_sm90");
  auto p = DefaultProgram(t);
  REQUIRE(p.ok());
  auto src = EmitProgram(t, *p);
  REQUIRE(src.ok());
  CHECK(src->arch_specific);
  const LaunchSpec& l = src->launch;
  REQUIRE(l.args.size() == 10);
  CHECK(l.args[0] == LaunchArg{LaunchArgKind::kTensorMap, 0});
  CHECK(l.args[1] == LaunchArg{LaunchArgKind::kTensorMap, 1});
  CHECK(l.args[2] == LaunchArg{LaunchArgKind::kInput, 2});   // bias
  CHECK(l.args[3] == LaunchArg{LaunchArgKind::kInput, 3});   // residual
  CHECK(l.args[4] == LaunchArg{LaunchArgKind::kOutput, 0});
  CHECK(l.args[5] == LaunchArg{LaunchArgKind::kI32, 197});
  CHECK(l.args[6] == LaunchArg{LaunchArgKind::kI32, 768});
  CHECK(l.args[7] == LaunchArg{LaunchArgKind::kI32, 3072});
  CHECK(l.args[8] == LaunchArg{LaunchArgKind::kI32, 768});   // ldc
  REQUIRE(l.tensor_maps.size() == 2);
  const TensorMapOperand& a = l.tensor_maps[0];
  CHECK(a.input == 0);
  CHECK(a.rows == 197);
  CHECK(a.cols == 3072);
  CHECK(a.row_stride_bytes == 3072 * 2);
  CHECK(a.box_cols == 64);
  const TensorMapOperand& b = l.tensor_maps[1];
  CHECK(b.input == 1);
  CHECK(b.rows == 3072);   // [K, N], N contiguous
  CHECK(b.cols == 768);
  CHECK(b.row_stride_bytes == 768 * 2);
  CHECK(l.block[0] % 128 == 0);
  CHECK(l.grid[0] >= 1);
  CHECK(l.grid[0] <= 132);   // persistent: at most one CTA per SM
  // The default (no split at K = 3072?) and the workspace agree.
  const bool split = p->annotation.get(Knob::kSplitK) > 1;
  CHECK((l.workspace_bytes > 0) == split);
  CHECK(l.args[9].kind == (split ? LaunchArgKind::kWorkspace : LaunchArgKind::kNull));
  CHECK_FALSE(l.co_resident);
  // Reduce-scatter split-K (an annotation may name it): a grid of whole rounds of splits, marked
  // co-resident (the splits wait on each other), the same workspace as the last-arrival split.
  Program scatter = *p;
  scatter.annotation.set(Knob::kSwapAB, 0);
  scatter.annotation.set(Knob::kBlockM, 128);
  scatter.annotation.set(Knob::kBlockN, 128);
  scatter.annotation.set(Knob::kStages, 4);
  scatter.annotation.set(Knob::kConsumers, 2);
  scatter.annotation.set(Knob::kSplitK, 3);
  Program last = scatter;
  scatter.annotation.set(Knob::kSplitScatter, 1);
  auto ss = EmitProgram(t, scatter);
  auto sl = EmitProgram(t, last);
  REQUIRE(ss.ok());
  REQUIRE(sl.ok());
  CHECK(ss->launch.co_resident);
  CHECK_FALSE(sl->launch.co_resident);
  CHECK(ss->launch.kernel_name == "agt_gemm_sm90_f16_kn_128x128x64_s4_c2_k3s_bias_res");
  CHECK(ss->launch.grid[0] % 3 == 0);
  CHECK(ss->launch.grid[0] <= 132);
  CHECK(ss->launch.workspace_bytes == sl->launch.workspace_bytes);
  // No bias, no residual: null pointers in their places.
  TaskContext t2 = Context(*test::LinearGroup(197, 768, 2304, "none"), Precision::kBF16);
  auto p2 = DefaultProgram(t2);
  REQUIRE(p2.ok());
  auto s2 = EmitProgram(t2, *p2);
  REQUIRE(s2.ok());
  CHECK(s2->launch.args[2] == LaunchArg{LaunchArgKind::kInput, 2});
  CHECK(s2->launch.args[3] == LaunchArg{LaunchArgKind::kNull, 0});
  CHECK(s2->launch.tensor_maps[0].element == 9);   // bf16
}

TEST_CASE("gemm_sm90: takes tf32 Linear groups that read the weight K-major, with f32 tensor maps", "[codegen][sm90]") {
  for (const char* epi : {"none", "gelu", "residual"}) {
    INFO(epi);
    auto g = LinearNkGroup(197, 772, 2304, epi);   // K = 772: 16-byte f32 rows (K % 4 == 0), not K % 8
    TaskContext t = Context(*g, Precision::kTF32);
    REQUIRE(t.rule == "gemm_sm90");
    auto p = DefaultProgram(t);
    REQUIRE(p.ok());
    auto src = EmitProgram(t, *p);
    REQUIRE(src.ok());
    CHECK_THAT(src->source, Catch::Contains("wgmma.mma_async.sync.aligned.m64n"));
    CHECK_THAT(src->source, Catch::Contains(".f32.tf32.tf32"));
    const LaunchSpec& l = src->launch;
    REQUIRE(l.tensor_maps.size() == 2);
    const TensorMapOperand& a = l.tensor_maps[0];
    CHECK(a.input == 0);
    CHECK(a.element == 7);   // CU_TENSOR_MAP_DATA_TYPE_FLOAT32
    CHECK(a.rows == 197);
    CHECK(a.cols == 772);
    CHECK(a.row_stride_bytes == 772 * 4);
    CHECK(a.box_cols == 32);
    const TensorMapOperand& b = l.tensor_maps[1];
    CHECK(b.input == 1);
    CHECK(b.element == 7);
    CHECK(b.rows == 2304);   // [N, K], K contiguous
    CHECK(b.cols == 772);
    CHECK(b.row_stride_bytes == 772 * 4);
    CHECK(b.box_cols == 32);
  }
  // fp16 on the same graph: the [N, K] weight of the 16-bit core, 64-deep boxes of 2-byte values.
  auto g = LinearNkGroup(197, 768, 2304, "none");
  TaskContext t = Context(*g, Precision::kFP16);
  REQUIRE(t.rule == "gemm_sm90");
  auto p = DefaultProgram(t);
  REQUIRE(p.ok());
  auto src = EmitProgram(t, *p);
  REQUIRE(src.ok());
  CHECK(src->launch.tensor_maps[1].element == 6);
  CHECK(src->launch.tensor_maps[1].row_stride_bytes == 768 * 2);
  // tf32 rows need 16 bytes: K % 4.
  TaskContext odd = Context(*LinearNkGroup(64, 770, 128, "none"), Precision::kTF32);
  CHECK(odd.rule == "gemm");
}

// Each task (taken by gemm_sm90) compiles through NVRTC at its default annotation and at 3 valid samples.
void CompileDefaultAndSamples(const std::vector<TaskContext>& tasks, std::mt19937_64& rng) {
  std::vector<test::CompileJob> jobs;
  for (const TaskContext& t : tasks) {
    REQUIRE(t.rule == "gemm_sm90");
    auto ctx = t.Space(t.sketches.front());
    REQUIRE(ctx.ok());
    jobs.push_back({&t, Program{t.task, t.sketches.front(), DefaultAnnotation(*ctx)}});
    for (int i = 0; i < 3; ++i) {
      Annotation a = SampleAnnotation(*ctx, rng);
      CHECK(ValidateAnnotation(*ctx, a).ok());
      jobs.push_back({&t, Program{t.task, t.sketches.front(), a}});
    }
  }
  NvrtcCompiler nvrtc;
  auto compiled = test::CompileAll(jobs, nvrtc, 2);
  for (size_t i = 0; i < jobs.size(); ++i) {
    INFO(jobs[i].program.annotation.ToString());
    REQUIRE(compiled[i].ok());
    CHECK(compiled[i]->binary->cubin.size() > 1000);
  }
}

TEST_CASE("gemm_sm90: tf32 default and sampled programs compile through NVRTC for sm_90a", "[codegen][sm90][nvrtc]") {
  std::vector<std::unique_ptr<ir::Graph>> graphs;
  graphs.push_back(LinearNkGroup(197, 768, 2304, "gelu"));
  graphs.push_back(LinearNkGroup(1050, 2048, 256, "residual"));
  graphs.push_back(LinearNkGroup(257, 1280, 1000, "none"));
  std::vector<TaskContext> tasks;
  for (const auto& g : graphs) tasks.push_back(Context(*g, Precision::kTF32));
  std::mt19937_64 rng(32);
  CompileDefaultAndSamples(tasks, rng);
}

TEST_CASE("gemm_sm90: default and sampled programs compile through NVRTC for sm_90a", "[codegen][sm90][nvrtc]") {
  std::vector<std::unique_ptr<ir::Graph>> graphs;
  graphs.push_back(test::LinearGroup(197, 768, 2304, "none"));
  graphs.push_back(test::LinearGroup(1050, 2048, 256, "residual"));
  graphs.push_back(LnLinearGroup(197, 768, 3072, "gelu"));
  std::vector<TaskContext> tasks;
  tasks.push_back(Context(*graphs[0], Precision::kFP16));
  tasks.push_back(Context(*graphs[1], Precision::kBF16));
  tasks.push_back(Context(*graphs[2], Precision::kFP16));
  std::mt19937_64 rng(7);
  CompileDefaultAndSamples(tasks, rng);
}

// Each task's default program and two samples (split-K, one consumer, along N... as drawn) on the GPU
// against the reference interpreter, within the precision's tolerance; prints a table, returns the
// failures.
int CheckAgainstInterpreter(test::GpuHarness& gpu, const std::vector<TaskContext>& tasks,
                            const std::vector<std::string>& names, uint64_t rng_seed) {
  // The default of each task and two samples (split-K, one consumer, along N... as drawn).
  std::mt19937_64 rng(rng_seed);
  std::vector<test::CompileJob> jobs;
  std::vector<size_t> task_of;
  for (size_t ti = 0; ti < tasks.size(); ++ti) {
    REQUIRE(tasks[ti].rule == "gemm_sm90");
    auto ctx = tasks[ti].Space(tasks[ti].sketches.front());
    REQUIRE(ctx.ok());
    jobs.push_back({&tasks[ti], Program{tasks[ti].task, tasks[ti].sketches.front(), DefaultAnnotation(*ctx)}});
    task_of.push_back(ti);
    for (int r = 0; r < 2; ++r) {
      jobs.push_back({&tasks[ti], Program{tasks[ti].task, tasks[ti].sketches.front(), SampleAnnotation(*ctx, rng)}});
      task_of.push_back(ti);
    }
  }
  NvrtcCompiler nvrtc;
  auto compiled = test::CompileAll(jobs, nvrtc, 8);
  std::vector<std::vector<ir::Tensor>> inputs(tasks.size()), refs(tasks.size());
  for (size_t ti = 0; ti < tasks.size(); ++ti) {
    uint64_t seed = 500 + ti * 13;
    for (const ir::Value* v : tasks[ti].graph->inputs()) {
      inputs[ti].push_back(test::RoundToStorage(test::RandomTensor(v->type(), seed++), tasks[ti].task.precision));
    }
    auto r = ir::Interpret(*tasks[ti].graph, inputs[ti]);
    REQUIRE(r.ok());
    refs[ti] = std::move(r).value();
  }
  int failures = 0;
  std::printf("\n%-34s %-60s %10s %s\n", "gemm_sm90 task", "annotation", "rel err", "pass");
  for (size_t j = 0; j < jobs.size(); ++j) {
    const size_t ti = task_of[j];
    double worst = INFINITY;
    std::string note;
    if (!compiled[j].ok()) {
      note = compiled[j].status().message().substr(0, 200);
    } else {
      auto out = gpu.Run(*compiled[j], *tasks[ti].graph, inputs[ti]);
      if (!out.ok()) {
        note = out.status().message();
      } else {
        worst = 0;
        for (size_t k = 0; k < out->size(); ++k) {
          bool finite = true;
          for (int64_t e = 0; e < (*out)[k].num_elements(); ++e) finite = finite && std::isfinite((*out)[k].GetF32(e));
          worst = std::max(worst, finite ? test::RelativeL2((*out)[k], refs[ti][k]) : INFINITY);
        }
      }
    }
    const bool pass = worst < test::Tolerance(tasks[ti].task.precision);
    if (!pass) ++failures;
    std::printf("%-34s %-60s %10.2e %s %s\n", names[ti].c_str(), jobs[j].program.annotation.ToString().c_str(), worst,
                pass ? "PASS" : "FAIL", note.c_str());
  }
  std::fflush(stdout);
  return failures;
}

TEST_CASE("gemm_sm90: kernels match the reference interpreter at model and odd shapes", "[gpu][codegen][sm90]") {
  auto gpu = test::GpuHarnessOrSkip();
  if (!gpu) return;
  struct Shape {
    int64_t m, k, n;
  };
  const std::vector<Shape> shapes = {{1, 768, 2304}, {7, 256, 264}, {197, 768, 3072}, {257, 1280, 1280},
                                     {577, 1024, 4096}, {1050, 2048, 256}, {100, 256, 256}, {197, 3072, 768}};
  const char* epis[] = {"none", "gelu", "residual"};
  std::vector<std::unique_ptr<ir::Graph>> graphs;
  std::vector<TaskContext> tasks;
  std::vector<std::string> names;
  tasks.reserve(shapes.size() * 2);
  for (size_t i = 0; i < shapes.size(); ++i) {
    const Shape& s = shapes[i];
    graphs.push_back(test::LinearGroup(s.m, s.k, s.n, epis[i % 3]));
    Precision p = i % 2 == 0 ? Precision::kFP16 : Precision::kBF16;
    for (Precision q : {p, p == Precision::kFP16 ? Precision::kBF16 : Precision::kFP16}) {
      tasks.push_back(Context(*graphs.back(), q));
      names.push_back(fmt::format("{}x{}x{} {} {}", s.m, s.k, s.n, epis[i % 3], PrecisionName(q)));
    }
  }
  CHECK(CheckAgainstInterpreter(*gpu, tasks, names, 11) == 0);
}

TEST_CASE("gemm_sm90: LayerNorm-prologue kernels match the reference interpreter at model and odd shapes",
          "[gpu][codegen][sm90]") {
  auto gpu = test::GpuHarnessOrSkip();
  if (!gpu) return;
  struct Shape {
    int64_t m, k, n;
    const char* epi;
  };
  const std::vector<Shape> shapes = {{197, 768, 2304, "none"}, {197, 768, 3072, "gelu"}, {257, 1280, 5120, "gelu"},
                                     {1, 64, 200, "none"},      {577, 1024, 1024, "residual"}};
  std::vector<std::unique_ptr<ir::Graph>> graphs;
  std::vector<TaskContext> tasks;
  std::vector<std::string> names;
  for (size_t i = 0; i < shapes.size(); ++i) {
    const Shape& s = shapes[i];
    graphs.push_back(LnLinearGroup(s.m, s.k, s.n, s.epi));
    const Precision p = i % 2 == 0 ? Precision::kFP16 : Precision::kBF16;
    tasks.push_back(Context(*graphs.back(), p));
    names.push_back(fmt::format("ln {}x{}x{} {} {}", s.m, s.k, s.n, s.epi, PrecisionName(p)));
  }
  CHECK(CheckAgainstInterpreter(*gpu, tasks, names, 13) == 0);
}

TEST_CASE("gemm_sm90: tf32 kernels match the reference interpreter at model and odd shapes", "[gpu][codegen][sm90]") {
  auto gpu = test::GpuHarnessOrSkip();
  if (!gpu) return;
  struct Shape {
    int64_t m, k, n;
  };
  // M = 1 .. 1050; K % 4 == 0 but not always % 8 or % 32; N off the tiles (the [N, K] weight takes any N).
  const std::vector<Shape> shapes = {{1, 768, 2304}, {7, 260, 203}, {197, 772, 3072}, {257, 1280, 1000},
                                     {577, 1024, 4096}, {1050, 2048, 256}, {100, 204, 150}, {197, 3072, 768}};
  const char* epis[] = {"none", "gelu", "residual"};
  std::vector<std::unique_ptr<ir::Graph>> graphs;
  std::vector<TaskContext> tasks;
  std::vector<std::string> names;
  tasks.reserve(shapes.size());
  for (size_t i = 0; i < shapes.size(); ++i) {
    const Shape& s = shapes[i];
    graphs.push_back(LinearNkGroup(s.m, s.k, s.n, epis[i % 3]));
    tasks.push_back(Context(*graphs.back(), Precision::kTF32));
    names.push_back(fmt::format("{}x{}x{} {} tf32 [N,K]", s.m, s.k, s.n, epis[i % 3]));
  }
  CHECK(CheckAgainstInterpreter(*gpu, tasks, names, 32) == 0);
}

}  // namespace
}  // namespace agt::codegen

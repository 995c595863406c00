// The Hopper GEMM core's convolution mode (codegen/hopper/implicit_gemm_sm90.cpp) through the sketch
// table: which channels-last conv groups it takes (and which it leaves to the mma.sync sketch, and
// why), kernels compiling through NVRTC, and [gpu] its kernels against the reference interpreter at
// the convolution shapes of ResNet-50 (DETR's backbone at 800x1333) and SETR-PUP's head, fp16 and
// bf16 (and tf32, which the mma.sync sketch takes), with each epilogue (bias, ReLU, residual add + ReLU), outputs poisoned. A hidden benchmark
// ([.bench][gpu]) times each shape's default program for the kernel table (scripts/gpu/bench_conv_torch.py
// times cuDNN beside it).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "codegen/compile.h"
#include "codegen/sketches/sketch.h"
#include "ir/interpreter.h"
#include "tests/codegen/codegen_test_graphs.h"
#include "tests/codegen/gpu_harness.h"
#include "tests/codegen/parallel_compile.h"
#include "tests/support/test_support.h"

namespace agt::codegen {
namespace {

TaskContext Context(const ir::Graph& g, Precision p) {
  auto t = MakeTaskContext(g, p, "sm_90");
  REQUIRE(t.ok());
  return std::move(t).value();
}

struct ConvShape {
  const char* name;
  int64_t c, h, w, o, k, stride, pad;
};

// The channels-last convs of ResNet-50 at 800x1333 (the 1x1 stride-1 ones are linears) and of
// SETR-PUP's head; `small`: odd reduced sizes of the same kinds for the numerics test.
std::vector<ConvShape> ModelConvs() {
  return {{"r50.stem 7x7/2 8->64", 8, 800, 1333, 64, 7, 2, 3},
          {"r50.l1 3x3 64", 64, 200, 334, 64, 3, 1, 1},
          {"r50.l2.0 3x3/2 128", 128, 200, 334, 128, 3, 2, 1},
          {"r50.l2 3x3 128", 128, 100, 167, 128, 3, 1, 1},
          {"r50.l3.0 3x3/2 256", 256, 100, 167, 256, 3, 2, 1},
          {"r50.l3 3x3 256", 256, 50, 84, 256, 3, 1, 1},
          {"r50.l4.0 3x3/2 512", 512, 50, 84, 512, 3, 2, 1},
          {"r50.l4 3x3 512", 512, 25, 42, 512, 3, 1, 1},
          {"r50.l2.ds 1x1/2 256->512", 256, 200, 334, 512, 1, 2, 0},
          {"r50.l3.ds 1x1/2 512->1024", 512, 100, 167, 1024, 1, 2, 0},
          {"r50.l4.ds 1x1/2 1024->2048", 1024, 50, 84, 2048, 1, 2, 0},
          {"setr-pup.head0 3x3 1024->256", 1024, 24, 24, 256, 3, 1, 1},
          {"setr-pup.head 3x3 256 48", 256, 48, 48, 256, 3, 1, 1},
          {"setr-pup.head 3x3 256 96", 256, 96, 96, 256, 3, 1, 1},
          {"setr-pup.head 3x3 256 192", 256, 192, 192, 256, 3, 1, 1}};
}

std::vector<ConvShape> SmallConvs() {
  return {{"stem 7x7/2 8->64 odd", 8, 45, 61, 64, 7, 2, 3},
          {"3x3 64 odd", 64, 27, 33, 64, 3, 1, 1},
          {"3x3/2 128 odd", 128, 29, 35, 128, 3, 2, 1},
          {"3x3 256->192", 256, 13, 21, 192, 3, 1, 1},
          {"3x3/2 512 (layer4.0)", 512, 50, 84, 512, 3, 2, 1},
          {"3x3 512 (layer4)", 512, 25, 42, 512, 3, 1, 1},
          {"1x1/2 256->512 odd", 256, 31, 45, 512, 1, 2, 0},
          {"3x3 24->40 (C % 64 != 0)", 24, 17, 19, 40, 3, 1, 1},
          {"3x3 d2 64", 64, 23, 29, 64, 3, 1, 2}};
}

std::unique_ptr<ir::Graph> Group(const ConvShape& s, const std::string& epi) {
  return test::ConvNhwcGroup(s.c, s.h, s.w, s.o, s.k, s.stride, s.pad, epi);
}

TEST_CASE("conv on the Hopper core: channels-last convs with 8k channels take gemm_sm90, others fall back and say why", "[codegen][sm90]") {
  for (const ConvShape& s : ModelConvs()) {
    for (const char* epi : {"none", "relu", "residual_relu"}) {
      INFO(s.name << " " << epi);
      auto g = Group(s, epi);
      TaskContext t = Context(*g, Precision::kFP16);
      CHECK(t.rule == "gemm_sm90");
    }
  }
  auto rgb = test::ConvNhwcGroup(3, 32, 32, 64, 7, 2, 3, "relu");
  TaskContext t = Context(*rgb, Precision::kFP16);
  CHECK(t.rule == "gemm");
  bool said = false;
  for (const std::string& s : t.skipped) said = said || (s.find("gemm_sm90:") == 0 && s.find("C % 8") != std::string::npos);
  CHECK(said);
  // tf32 and fp32 are not on the core (yet): the mma.sync sketch, with cp.async gathers.
  auto g = Group(SmallConvs()[1], "relu");
  CHECK(Context(*g, Precision::kTF32).rule == "gemm");
  auto staging = AnalyzeGemmStaging(*g, Precision::kFP16);
  REQUIRE(staging.ok());
  CHECK(staging->a_conv_async);
}

TEST_CASE("conv on the Hopper core: default and sampled programs compile through NVRTC for sm_90a", "[codegen][sm90][nvrtc]") {
  std::vector<std::unique_ptr<ir::Graph>> graphs;
  graphs.push_back(Group(SmallConvs()[0], "relu"));
  graphs.push_back(Group(SmallConvs()[2], "residual_relu"));
  std::vector<TaskContext> tasks;
  tasks.push_back(Context(*graphs[0], Precision::kFP16));
  tasks.push_back(Context(*graphs[1], Precision::kBF16));
  std::mt19937_64 rng(3);
  std::vector<test::CompileJob> jobs;
  for (const TaskContext& t : tasks) {
    REQUIRE(t.rule == "gemm_sm90");
    auto ctx = t.Space(t.sketches.front());
    REQUIRE(ctx.ok());
    jobs.push_back({&t, Program{t.task, t.sketches.front(), DefaultAnnotation(*ctx)}});
    for (int i = 0; i < 2; ++i) jobs.push_back({&t, Program{t.task, t.sketches.front(), SampleAnnotation(*ctx, rng)}});
  }
  NvrtcCompiler nvrtc;
  auto compiled = test::CompileAll(jobs, nvrtc, 2);
  for (size_t i = 0; i < jobs.size(); ++i) {
    INFO(jobs[i].program.annotation.ToString());
    REQUIRE(compiled[i].ok());
    CHECK(compiled[i]->binary->cubin.size() > 1000);
    CHECK(compiled[i]->kernel.launch.tensor_maps.size() == 1);   // the weight's; the input goes by pointer
  }
}

// Every conv of `shapes`, each with one epilogue and one precision (both cycled; `precisions` empty:
// fp16 and bf16 alternately): the default program and `samples` sampled ones, against the
// interpreter; a table of relative errors. fp16/bf16 must take the Hopper core, tf32 the mma.sync
// sketch (its cp.async gathers). Returns the failures.
int CheckAgainstInterpreter(test::GpuHarness& gpu, const std::vector<ConvShape>& shapes, int samples,
                            std::vector<Precision> precisions = {}) {
  if (precisions.empty()) precisions = {Precision::kFP16, Precision::kBF16};
  const char* epis[] = {"none", "relu", "residual_relu"};
  std::vector<std::unique_ptr<ir::Graph>> graphs;
  std::vector<TaskContext> tasks;
  std::vector<std::string> names;
  tasks.reserve(shapes.size());
  for (size_t i = 0; i < shapes.size(); ++i) {
    graphs.push_back(Group(shapes[i], epis[i % 3]));
    const Precision p = precisions[i % precisions.size()];
    tasks.push_back(Context(*graphs.back(), p));
    names.push_back(fmt::format("{} {} {}", shapes[i].name, epis[i % 3], PrecisionName(p)));
  }
  std::mt19937_64 rng(17);
  std::vector<test::CompileJob> jobs;
  std::vector<size_t> task_of;
  for (size_t ti = 0; ti < tasks.size(); ++ti) {
    REQUIRE(tasks[ti].rule == (tasks[ti].task.precision == Precision::kTF32 ? "gemm" : "gemm_sm90"));
    auto ctx = tasks[ti].Space(tasks[ti].sketches.front());
    REQUIRE(ctx.ok());
    jobs.push_back({&tasks[ti], Program{tasks[ti].task, tasks[ti].sketches.front(), DefaultAnnotation(*ctx)}});
    task_of.push_back(ti);
    for (int r = 0; r < samples; ++r) {
      jobs.push_back({&tasks[ti], Program{tasks[ti].task, tasks[ti].sketches.front(), SampleAnnotation(*ctx, rng)}});
      task_of.push_back(ti);
    }
  }
  NvrtcCompiler nvrtc;
  auto compiled = test::CompileAll(jobs, nvrtc, 8);
  int failures = 0;
  std::printf("\n%-44s %-60s %10s %s\n", "conv task", "annotation", "rel err", "pass");
  for (size_t ti = 0; ti < tasks.size(); ++ti) {
    std::vector<ir::Tensor> inputs;
    uint64_t seed = 900 + ti * 13;
    for (const ir::Value* v : tasks[ti].graph->inputs()) {
      inputs.push_back(test::RoundToStorage(test::RandomTensor(v->type(), seed++), tasks[ti].task.precision));
    }
    auto ref = ir::Interpret(*tasks[ti].graph, inputs);
    REQUIRE(ref.ok());
    for (size_t j = 0; j < jobs.size(); ++j) {
      if (task_of[j] != ti) continue;
      double worst = INFINITY;
      std::string note;
      if (!compiled[j].ok()) {
        note = compiled[j].status().message().substr(0, 200);
      } else if (auto out = gpu.Run(*compiled[j], *tasks[ti].graph, inputs); !out.ok()) {
        note = out.status().message();
      } else {
        bool finite = true;
        for (int64_t e = 0; e < (*out)[0].num_elements(); ++e) finite = finite && std::isfinite((*out)[0].GetF32(e));
        worst = finite ? test::RelativeL2((*out)[0], (*ref)[0]) : INFINITY;
      }
      const bool pass = worst < test::Tolerance(tasks[ti].task.precision);
      if (!pass) ++failures;
      std::printf("%-44s %-60s %10.2e %s %s\n", names[ti].c_str(), jobs[j].program.annotation.ToString().c_str(), worst,
                  pass ? "PASS" : "FAIL", note.c_str());
    }
  }
  std::fflush(stdout);
  return failures;
}

TEST_CASE("conv on the Hopper core: kernels match the reference interpreter at odd and model shapes", "[gpu][codegen][sm90]") {
  auto gpu = test::GpuHarnessOrSkip();
  if (!gpu) return;
  CHECK(CheckAgainstInterpreter(*gpu, SmallConvs(), 2) == 0);
}

TEST_CASE("conv on the Hopper core: kernels match the reference interpreter at every ResNet-50 and SETR-PUP conv shape", "[gpu][codegen][sm90][full]") {
  auto gpu = test::GpuHarnessOrSkip();
  if (!gpu) return;
  CHECK(CheckAgainstInterpreter(*gpu, ModelConvs(), 0) == 0);
}

TEST_CASE("tf32 convs (the mma.sync sketch's cp.async gathers) match the interpreter at odd shapes", "[gpu][codegen][sm90]") {
  auto gpu = test::GpuHarnessOrSkip();
  if (!gpu) return;
  CHECK(CheckAgainstInterpreter(*gpu, SmallConvs(), 1, {Precision::kTF32}) == 0);
}

TEST_CASE("tf32 convs (the mma.sync sketch's cp.async gathers) match the interpreter at every ResNet-50 and SETR-PUP conv shape", "[gpu][codegen][sm90][full]") {
  auto gpu = test::GpuHarnessOrSkip();
  if (!gpu) return;
  CHECK(CheckAgainstInterpreter(*gpu, ModelConvs(), 0, {Precision::kTF32}) == 0);
}

// The kernel table's side of ours: each model conv shape's default program with its epilogue, timed in a
// CUDA graph (GpuHarness::Time); "name us" lines, and in AGT_CONV_BENCH_OUT (when set) as CSV.
TEST_CASE("micro-benchmark: the model conv shapes on the Hopper core", "[.bench][gpu]") {
  auto gpu = test::GpuHarnessOrSkip();
  if (!gpu) return;
  std::vector<std::unique_ptr<ir::Graph>> graphs;
  std::vector<TaskContext> tasks;
  std::vector<test::CompileJob> jobs;
  const auto shapes = ModelConvs();
  tasks.reserve(shapes.size());
  for (const ConvShape& s : shapes) {
    graphs.push_back(Group(s, s.k == 1 ? "residual_relu" : "relu"));
    tasks.push_back(Context(*graphs.back(), Precision::kFP16));
    auto ctx = tasks.back().Space(tasks.back().sketches.front());
    REQUIRE(ctx.ok());
    jobs.push_back({&tasks.back(), Program{tasks.back().task, tasks.back().sketches.front(), DefaultAnnotation(*ctx)}});
  }
  NvrtcCompiler nvrtc;
  auto compiled = test::CompileAll(jobs, nvrtc, 8);
  std::FILE* csv = std::getenv("AGT_CONV_BENCH_OUT") ? std::fopen(std::getenv("AGT_CONV_BENCH_OUT"), "w") : nullptr;
  for (size_t i = 0; i < shapes.size(); ++i) {
    REQUIRE(compiled[i].ok());
    auto us = gpu->Time(*compiled[i], *tasks[i].graph, 5, 20, true);
    REQUIRE(us.ok());
    std::printf("%-32s %9.2f us  %s %s\n", shapes[i].name, *us, shapes[i].k == 1 ? "+bias+residual+relu" : "+bias+relu",
                jobs[i].program.annotation.ToString().c_str());
    if (csv) {
      const ConvShape& s = shapes[i];
      std::fprintf(csv, "%s,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%.3f\n", s.name, (long long)s.c, (long long)s.h, (long long)s.w,
                   (long long)s.o, (long long)s.k, (long long)s.stride, (long long)s.pad, *us);
    }
  }
  if (csv) std::fclose(csv);
}

}  // namespace
}  // namespace agt::codegen

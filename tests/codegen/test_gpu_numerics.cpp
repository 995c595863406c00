// [gpu] numerics: every sketch kind at model shapes and awkward sizes (197, 1050 tokens, 37x200x100),
// all four precisions, against the reference interpreter on fresh random inputs, outputs poisoned
// with NaN before the launch; relative L2 tolerances of DESIGN.md. Prints a table. Skips without a
// GPU driver. Also the [.bench] micro-benchmark: ViT-Base-16's four Linear shapes and its attention
// at fp16, the best of 50 random annotations (and the default), timed with CUDA events.
#include <cmath>
#include <cstdio>
#include <random>

#include <catch2/catch.hpp>

#include "ir/interpreter.h"
#include "tests/codegen/codegen_test_graphs.h"
#include "tests/codegen/gpu_harness.h"
#include "tests/codegen/parallel_compile.h"
#include "tests/support/test_support.h"

namespace agt::codegen {
namespace {

bool AllFinite(const ir::Tensor& t) {
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    if (!std::isfinite(t.GetF32(i))) return false;
  }
  return true;
}

TEST_CASE("generated kernels match the reference interpreter", "[gpu][codegen]") {
  auto gpu = test::GpuHarnessOrSkip();
  if (!gpu) return;
  std::vector<test::NamedGroup> groups = test::NumericsGroups();
  std::vector<TaskContext> tasks;
  tasks.reserve(groups.size() * 4);
  std::vector<size_t> group_of;
  for (size_t i = 0; i < groups.size(); ++i) {
    for (Precision p : {Precision::kFP32, Precision::kTF32, Precision::kFP16, Precision::kBF16}) {
      auto t = MakeTaskContext(*groups[i].graph, p);
      REQUIRE(t.ok());
      tasks.push_back(std::move(t).value());
      group_of.push_back(i);
    }
  }
  // Per task: the default program of every sketch, plus two random annotations of the first.
  std::mt19937_64 rng(99);
  std::vector<test::CompileJob> jobs;
  std::vector<size_t> task_of;
  for (size_t ti = 0; ti < tasks.size(); ++ti) {
    const TaskContext& t = tasks[ti];
    for (const Sketch& s : t.sketches) {
      auto ctx = t.Space(s);
      REQUIRE(ctx.ok());
      jobs.push_back({&t, Program{t.task, s, DefaultAnnotation(*ctx)}});
      task_of.push_back(ti);
    }
    auto ctx = t.Space(t.sketches.front());
    for (int r = 0; r < 2; ++r) {
      jobs.push_back({&t, Program{t.task, t.sketches.front(), SampleAnnotation(*ctx, rng)}});
      task_of.push_back(ti);
    }
  }
  NvrtcCompiler nvrtc;
  auto compiled = test::CompileAll(jobs, nvrtc, 8);
  // Reference outputs per task (inputs rounded to the storage precision first).
  std::printf("\n%-36s %-12s %-5s %-44s %10s %s\n", "group", "sketch", "prec", "annotation", "rel err", "pass");
  int failures = 0;
  std::vector<std::vector<ir::Tensor>> inputs(tasks.size()), refs(tasks.size());
  for (size_t ti = 0; ti < tasks.size(); ++ti) {
    const ir::Graph& g = *tasks[ti].graph;
    uint64_t seed = 1000 + ti * 17;
    for (const ir::Value* v : g.inputs()) inputs[ti].push_back(test::RoundToStorage(test::RandomTensor(v->type(), seed++), tasks[ti].task.precision));
    auto r = ir::Interpret(g, inputs[ti]);
    REQUIRE(r.ok());
    refs[ti] = std::move(r).value();
  }
  for (size_t j = 0; j < jobs.size(); ++j) {
    size_t ti = task_of[j];
    const TaskContext& t = tasks[ti];
    const Program& p = jobs[j].program;
    std::string sk = std::string(SketchKindName(p.sketch.kind)) + (p.sketch.tensor_cores ? "+tc" : "");
    std::string ann = p.annotation.ToString();
    if (ann.size() > 44) ann = ann.substr(0, 41) + "...";
    double worst = 0;
    std::string note;
    if (!compiled[j].ok()) {
      note = "compile error: " + compiled[j].status().message().substr(0, 300);
      worst = INFINITY;
    } else {
      auto out = gpu->Run(*compiled[j], *t.graph, inputs[ti]);
      if (!out.ok()) {
        note = out.status().message();
        worst = INFINITY;
      } else {
        for (size_t k = 0; k < out->size(); ++k) {
          double e = AllFinite((*out)[k]) ? test::RelativeL2((*out)[k], refs[ti][k]) : INFINITY;
          worst = std::max(worst, e);
        }
      }
    }
    bool pass = worst < test::Tolerance(p.task.precision);
    if (!pass) ++failures;
    std::printf("%-36s %-12s %-5s %-44s %10.2e %s %s\n", groups[group_of[ti]].name.c_str(), sk.c_str(),
                std::string(PrecisionName(p.task.precision)).c_str(), ann.c_str(), worst, pass ? "PASS" : "FAIL", note.c_str());
    if (!pass) UNSCOPED_INFO(groups[group_of[ti]].name << " " << sk << " " << PrecisionName(p.task.precision) << " " << p.annotation.ToString() << " " << note);
  }
  std::fflush(stdout);
  CHECK(failures == 0);
}

TEST_CASE("micro-benchmark: ViT-Base-16 Linear layers and attention at fp16", "[.bench][gpu]") {
  auto gpu = test::GpuHarnessOrSkip();
  if (!gpu) return;
  struct Case {
    std::string name;
    std::unique_ptr<ir::Graph> g;
    double flops;
  };
  std::vector<Case> cases;
  cases.push_back({"linear 197x768x2304 (qkv)", test::LinearGroup(197, 768, 2304, "none"), 2.0 * 197 * 768 * 2304});
  cases.push_back({"linear 197x768x768 (proj)", test::LinearGroup(197, 768, 768, "none"), 2.0 * 197 * 768 * 768});
  cases.push_back({"linear 197x768x3072 (fc1)", test::LinearGroup(197, 768, 3072, "none"), 2.0 * 197 * 768 * 3072});
  cases.push_back({"linear 197x3072x768 (fc2)", test::LinearGroup(197, 3072, 768, "none"), 2.0 * 197 * 3072 * 768});
  cases.push_back({"attention 12x197x197x64", test::AttentionGroup(12, 197, 197, 64, false), 4.0 * 12 * 197 * 197 * 64});
  NvrtcCompiler nvrtc;
  std::mt19937_64 rng(5);
  std::printf("\nAutoGTCO codegen on %s, fp16, us per launch (median of 5 rounds of 30 back-to-back launches)\n", gpu->device_name().c_str());
  std::printf("%-28s %10s %10s %10s  %s\n", "op", "default", "best", "TFLOP/s", "best annotation");
  for (Case& c : cases) {
    auto t = MakeTaskContext(*c.g, Precision::kFP16);
    REQUIRE(t.ok());
    std::vector<test::CompileJob> jobs;
    auto def = DefaultProgram(*t);
    REQUIRE(def.ok());
    jobs.push_back({&*t, *def});
    auto ctx = t->Space(t->sketches.front());
    for (int i = 0; i < 50; ++i) jobs.push_back({&*t, Program{t->task, t->sketches.front(), SampleAnnotation(*ctx, rng)}});
    auto compiled = test::CompileAll(jobs, nvrtc, 8);
    double def_us = INFINITY, best = INFINITY;
    std::string best_ann;
    for (size_t i = 0; i < jobs.size(); ++i) {
      if (!compiled[i].ok()) continue;
      auto us = gpu->Time(*compiled[i], *t->graph, 3, 30);
      if (!us.ok()) continue;
      if (i == 0) def_us = *us;
      if (*us < best) {
        best = *us;
        best_ann = jobs[i].program.annotation.ToString();
      }
    }
    std::printf("%-28s %10.2f %10.2f %10.1f  %s\n", c.name.c_str(), def_us, best, c.flops / (best * 1e-6) / 1e12, best_ann.c_str());
  }
  std::fflush(stdout);
}

}  // namespace
}  // namespace agt::codegen

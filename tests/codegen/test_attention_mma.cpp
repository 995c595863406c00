// The tensor-core attention sketch (codegen/emit_attention_mma.cpp): sketch choice, annotation
// validity, JSON round trips and NVRTC compiles for sm_90 and sm_80 across head dims 32/64/80 (CPU);
// numerics against the reference interpreter at 197, 257, 1050 and 100x1050 keys, with and without
// mask / per-head bias, at fp16, bf16 and tf32 ([gpu]); and the attention benchmark at the shapes of
// ViT-B/L/H, SETR and DETR ([.bench][gpu]; scripts/bench_torch_ops.py times torch's SDPA beside it).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <set>

#include <catch2/catch.hpp>

#include "codegen/sketch_rules.h"
#include "ir/interpreter.h"
#include "tests/codegen/codegen_test_graphs.h"
#include "tests/codegen/gpu_harness.h"
#include "tests/codegen/parallel_compile.h"
#include "tests/support/test_support.h"

namespace agt::codegen {
namespace {

using ir::AttrKey;
using ir::DType;
using ir::OpKind;
using ir::TensorType;
using ir::Value;

// Swin/BEiT-style attention: (q * d^-1/2) k^T + a per-head bias [1, h, mq, nk], softmax, @ v. The
// scaled Q is no view of an input, so the kernel reads it through its generated loader.
std::unique_ptr<ir::Graph> BiasAttentionGroup(int64_t heads, int64_t mq, int64_t nk, int64_t d) {
  auto g = std::make_unique<ir::Graph>("group");
  auto op = [&](OpKind k, std::vector<Value*> in, ir::Attrs a = {}) {
    auto n = g->AddNode(k, std::move(in), std::move(a));
    if (!n.ok()) FAIL(n.status().message());
    return (*n)->output(0);
  };
  Value* q = g->AddInput("q", TensorType{DType::kF32, {1, heads, mq, d}});
  Value* k = g->AddInput("k", TensorType{DType::kF32, {1, heads, nk, d}});
  Value* v = g->AddInput("v", TensorType{DType::kF32, {1, heads, nk, d}});
  Value* bias = g->AddInput("bias", TensorType{DType::kF32, {1, heads, mq, nk}});
  Value* sc = g->AddConstant("scale", ir::Tensor::ScalarF32(static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)))));
  Value* qs = op(OpKind::kMul, {q, sc});
  Value* kt = op(OpKind::kTranspose, {k}, {{AttrKey::kPerm, std::vector<int64_t>{0, 1, 3, 2}}});
  Value* s = op(OpKind::kAdd, {op(OpKind::kMatMul, {qs, kt}), bias});
  Value* p = op(OpKind::kSoftmax, {s}, {{AttrKey::kAxis, int64_t{-1}}});
  Value* o = op(OpKind::kTranspose, {op(OpKind::kMatMul, {p, v})}, {{AttrKey::kPerm, std::vector<int64_t>{0, 2, 1, 3}}});
  g->SetOutputs({op(OpKind::kReshape, {o}, {{AttrKey::kShape, std::vector<int64_t>{1, mq, heads * d}}})});
  return g;
}

// Hugging Face's attention: scores + mask, softmax, where(is_nan(P), 0, P), @ v: rows whose softmax is NaN
// (every key masked with -inf, or a NaN score) give zeros.
std::unique_ptr<ir::Graph> GuardedAttentionGroup(int64_t heads, int64_t mq, int64_t nk, int64_t d) {
  auto g = std::make_unique<ir::Graph>("group");
  auto op = [&](OpKind k, std::vector<Value*> in, ir::Attrs a = {}) {
    auto n = g->AddNode(k, std::move(in), std::move(a));
    if (!n.ok()) FAIL(n.status().message());
    return (*n)->output(0);
  };
  Value* q = g->AddInput("q", TensorType{DType::kF32, {1, heads, mq, d}});
  Value* k = g->AddInput("k", TensorType{DType::kF32, {1, heads, nk, d}});
  Value* v = g->AddInput("v", TensorType{DType::kF32, {1, heads, nk, d}});
  Value* mask = g->AddInput("mask", TensorType{DType::kF32, {1, 1, mq, nk}});
  Value* kt = op(OpKind::kTranspose, {k}, {{AttrKey::kPerm, std::vector<int64_t>{0, 1, 3, 2}}});
  Value* s = op(OpKind::kAdd, {op(OpKind::kMatMul, {q, kt}), mask});
  Value* p = op(OpKind::kSoftmax, {s}, {{AttrKey::kAxis, int64_t{-1}}});
  Value* zero = g->AddConstant("zero", ir::Tensor::ScalarF32(0.0f));
  Value* guarded = op(OpKind::kWhere, {op(OpKind::kIsNaN, {p}), zero, p});
  g->SetOutputs({op(OpKind::kMatMul, {guarded, v})});
  return g;
}

const Sketch kTc{SketchKind::kAttention, true};

// Every valid tensor-core annotation of a task (the space is small: 96 points before validity).
std::vector<Annotation> AllValid(const SpaceContext& ctx) {
  std::vector<Annotation> out;
  std::vector<KnobSpec> knobs = KnobsFor(ctx);
  std::vector<size_t> idx(knobs.size(), 0);
  while (true) {
    Annotation a;
    for (size_t i = 0; i < knobs.size(); ++i) a.set(knobs[i].knob, knobs[i].domain[idx[i]]);
    if (ValidateAnnotation(ctx, a).ok()) out.push_back(a);
    size_t i = 0;
    while (i < knobs.size() && ++idx[i] == knobs[i].domain.size()) idx[i++] = 0;
    if (i == knobs.size()) break;
  }
  return out;
}

Annotation Ann(int64_t bq, int64_t w, int64_t bkv, int64_t stages) {
  Annotation a;
  a.set(Knob::kBlockQ, bq);
  a.set(Knob::kWarps, w);
  a.set(Knob::kBlockKV, bkv);
  a.set(Knob::kStages, stages);
  return a;
}

TEST_CASE("attention offers tensor cores first at tf32/fp16/bf16 and only SIMT at fp32", "[codegen][attention]") {
  auto g = test::AttentionGroup(12, 197, 197, 64, false);
  for (Precision p : {Precision::kTF32, Precision::kFP16, Precision::kBF16}) {
    auto t = MakeTaskContext(*g, p);
    REQUIRE(t.ok());
    REQUIRE(t->sketches.size() == 2);
    CHECK(t->sketches[0] == kTc);
    CHECK_FALSE(t->sketches[1].tensor_cores);
  }
  auto t32 = MakeTaskContext(*g, Precision::kFP32);
  REQUIRE(t32.ok());
  REQUIRE(t32->sketches.size() == 1);
  CHECK_FALSE(t32->sketches[0].tensor_cores);
  // A head dim the MMA tiles cannot cover (40 = 2.5 k-steps) still fuses, on the SIMT sketch.
  auto g40 = test::AttentionGroup(4, 50, 50, 40, false);
  auto t40 = MakeTaskContext(*g40, Precision::kFP16);
  REQUIRE(t40.ok());
  CHECK(t40->rule == "attention");
  REQUIRE(t40->sketches.size() == 1);
  CHECK_FALSE(t40->sketches[0].tensor_cores);
}

TEST_CASE("tensor-core attention annotations: validity and defaults", "[codegen][attention]") {
  auto g = test::AttentionGroup(16, 257, 257, 80, false);
  auto t = MakeTaskContext(*g, Precision::kFP16);
  REQUIRE(t.ok());
  auto ctx = t->Space(kTc);
  REQUIRE(ctx.ok());
  Annotation def = DefaultAnnotation(*ctx);
  CHECK(ValidateAnnotation(*ctx, def).ok());
  CHECK(def.get(Knob::kStages) == 2);
  CHECK(ValidateAnnotation(*ctx, Ann(64, 4, 64, 2)).ok());
  CHECK(ValidateAnnotation(*ctx, Ann(128, 4, 32, 1)).ok());           // 32 rows per warp
  CHECK_FALSE(ValidateAnnotation(*ctx, Ann(64, 8, 64, 2)).ok());      // 8 rows per warp: no m16 tile
  CHECK_FALSE(ValidateAnnotation(*ctx, Ann(128, 2, 64, 2)).ok());     // 64 rows per warp
  auto regs = ValidateAnnotation(*ctx, Ann(128, 4, 128, 2));          // 2 m-tiles x (64 S + 40 O + 20 Q) registers
  CHECK_FALSE(regs.ok());
  CHECK(regs.message().find("registers") != std::string::npos);
  Annotation outside = Ann(64, 4, 64, 3);
  CHECK_FALSE(ValidateAnnotation(*ctx, outside).ok());
  // Sampled annotations are valid; the sampler reaches every knob value of the space.
  std::mt19937_64 rng(1);
  std::set<int64_t> bq, st;
  for (int i = 0; i < 200; ++i) {
    Annotation a = SampleAnnotation(*ctx, rng);
    REQUIRE(ValidateAnnotation(*ctx, a).ok());
    bq.insert(a.get(Knob::kBlockQ));
    st.insert(a.get(Knob::kStages));
  }
  CHECK(bq.size() == 7);   // 16, 32, 48, 64, 80, 96, 128
  CHECK(st.size() == 2);
  // Defaults at the paper's shapes: enough blocks for a wave where the shape allows.
  struct Shape { int64_t h, mq, nk, d; };
  for (Shape s : {Shape{12, 197, 197, 64}, Shape{16, 197, 197, 64}, Shape{16, 257, 257, 80}, Shape{16, 577, 577, 64},
                  Shape{8, 1050, 1050, 32}, Shape{8, 100, 1050, 32}}) {
    auto gs = test::AttentionGroup(s.h, s.mq, s.nk, s.d, false);
    for (Precision p : {Precision::kFP16, Precision::kBF16, Precision::kTF32}) {
      for (const char* arch : {"sm_90", "sm_80", "sm_89"}) {
        auto ts = MakeTaskContext(*gs, p, arch);
        REQUIRE(ts.ok());
        REQUIRE(ts->sketches.front() == kTc);
        auto c = ts->Space(kTc);
        REQUIRE(c.ok());
        CHECK(ValidateAnnotation(*c, DefaultAnnotation(*c)).ok());
      }
    }
  }
}

TEST_CASE("tensor-core attention programs round-trip through JSON", "[codegen][attention]") {
  auto g = test::QkvAttentionGroup(12, 197, 64);
  auto t = MakeTaskContext(*g, Precision::kBF16);
  REQUIRE(t.ok());
  auto ctx = t->Space(kTc);
  REQUIRE(ctx.ok());
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20; ++i) {
    Program p{t->task, kTc, SampleAnnotation(*ctx, rng)};
    std::string text = ProgramToJsonText(p);
    auto back = ProgramFromJsonText(text);
    REQUIRE(back.ok());
    CHECK(*back == p);
    CHECK(ProgramToJsonText(*back) == text);
    auto s1 = EmitProgram(*t, p), s2 = EmitProgram(*t, *back);
    REQUIRE(s1.ok());
    REQUIRE(s2.ok());
    CHECK(s1->source == s2->source);
  }
}

TEST_CASE("tensor-core attention emits MMA, ldmatrix and cp.async", "[codegen][attention]") {
  auto g = test::QkvAttentionGroup(12, 197, 64);
  auto t = MakeTaskContext(*g, Precision::kFP16);
  REQUIRE(t.ok());
  auto p = DefaultProgram(*t);
  REQUIRE(p.ok());
  REQUIRE(p->sketch == kTc);
  auto s = EmitProgram(*t, *p);
  REQUIRE(s.ok());
  CHECK(s->source.find("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32") != std::string::npos);
  CHECK(s->source.find("ldmatrix.sync.aligned.m8n8.x4.trans") != std::string::npos);
  // Heads interleaved in the QKV projection's output are still rows with a unit inner stride.
  CHECK(s->source.find("cp_async16(dst") != std::string::npos);
  CHECK(s->source.find("attn_kt(P, bz, c, gr)") == std::string::npos);
  CHECK(s->source.find("// sketch:     attention (tensor cores)") != std::string::npos);
  auto tt = MakeTaskContext(*g, Precision::kTF32);
  REQUIRE(tt.ok());
  auto pt = DefaultProgram(*tt);
  REQUIRE(pt.ok());
  auto st = EmitProgram(*tt, *pt);
  REQUIRE(st.ok());
  CHECK(st->source.find("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32") != std::string::npos);
  // A scaled Q is no view of an input: it goes through its loader.
  auto gb = BiasAttentionGroup(4, 50, 70, 32);
  auto tb = MakeTaskContext(*gb, Precision::kFP16);
  REQUIRE(tb.ok());
  auto pb = DefaultProgram(*tb);
  REQUIRE(pb.ok());
  auto sb = EmitProgram(*tb, *pb);
  REQUIRE(sb.ok());
  CHECK(sb->source.find("attn_q(P, bz, gr, c)") != std::string::npos);
}

TEST_CASE("tensor-core attention compiles for sm_90 across annotations and head dims, and for sm_80", "[codegen][attention][nvrtc]") {
  std::vector<std::unique_ptr<ir::Graph>> groups;
  groups.push_back(test::AttentionGroup(12, 197, 197, 64, false));
  groups.push_back(test::QkvAttentionGroup(16, 257, 80));
  groups.push_back(test::AttentionGroup(8, 100, 1050, 32, true));
  groups.push_back(BiasAttentionGroup(4, 197, 197, 80));
  std::vector<TaskContext> tasks;
  tasks.reserve(32);
  for (auto& g : groups) {
    for (Precision p : {Precision::kFP16, Precision::kBF16, Precision::kTF32}) {
      auto t = MakeTaskContext(*g, p);
      REQUIRE(t.ok());
      tasks.push_back(std::move(t).value());
    }
  }
  for (size_t i = 0; i < groups.size(); i += 2) {
    auto t = MakeTaskContext(*groups[i], i == 0 ? Precision::kFP16 : Precision::kTF32, "sm_80");
    REQUIRE(t.ok());
    tasks.push_back(std::move(t).value());
  }
  std::mt19937_64 rng(17);
  std::vector<test::CompileJob> jobs;
  for (const TaskContext& t : tasks) {
    auto ctx = t.Space(kTc);
    REQUIRE(ctx.ok());
    jobs.push_back({&t, Program{t.task, kTc, DefaultAnnotation(*ctx)}});
    if (t.task.arch == "sm_90") {
      for (int i = 0; i < 2; ++i) jobs.push_back({&t, Program{t.task, kTc, SampleAnnotation(*ctx, rng)}});
    }
  }
  NvrtcCompiler nvrtc;
  auto results = test::CompileAll(jobs, nvrtc, 2);
  int failed = 0;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const Program& p = jobs[i].program;
    if (!results[i].ok()) {
      ++failed;
      UNSCOPED_INFO(PrecisionName(p.task.precision) << " " << p.task.arch << " " << p.annotation.ToString() << ": "
                                                    << results[i].status().message().substr(0, 3000));
      continue;
    }
    CHECK(results[i]->binary->cubin.size() > 1000);
  }
  CHECK(failed == 0);
}

// Writes the default and a few sampled kernels' sources to $AGT_ATTN_DUMP (for nvcc -Xptxas -v).
TEST_CASE("dump tensor-core attention sources", "[.dump]") {
  const char* dir = std::getenv("AGT_ATTN_DUMP");
  if (dir == nullptr) return;
  struct G { std::string name; std::unique_ptr<ir::Graph> g; };
  std::vector<G> gs;
  gs.push_back({"vitb", test::AttentionGroup(12, 197, 197, 64, false)});
  gs.push_back({"vith", test::AttentionGroup(16, 257, 257, 80, true)});
  gs.push_back({"detrx", test::AttentionGroup(8, 100, 1050, 32, false)});
  for (auto& [name, g] : gs) {
    for (Precision p : {Precision::kFP16, Precision::kTF32}) {
      auto t = MakeTaskContext(*g, p);
      REQUIRE(t.ok());
      auto ctx = t->Space(kTc);
      REQUIRE(ctx.ok());
      int i = 0;
      for (const Annotation& a : AllValid(*ctx)) {
        auto s = EmitProgram(*t, Program{t->task, kTc, a});
        REQUIRE(s.ok());
        std::ofstream(fmt::format("{}/{}_{}_{:02d}.cu", dir, name, PrecisionName(p), i++)) << s->source;
      }
    }
  }
}

struct NumCase {
  std::string name;
  std::unique_ptr<ir::Graph> g;
};

std::vector<NumCase> NumericsCases() {
  std::vector<NumCase> c;
  c.push_back({"vit-b 12x197x64", test::AttentionGroup(12, 197, 197, 64, false)});
  c.push_back({"vit-b qkv-interleaved 12x197x64", test::QkvAttentionGroup(12, 197, 64)});
  c.push_back({"q*scale + bias 12x197x64", BiasAttentionGroup(12, 197, 197, 64)});
  c.push_back({"vit-h 4x257x80", test::AttentionGroup(4, 257, 257, 80, false)});
  c.push_back({"vit-h 4x257x80 masked", test::AttentionGroup(4, 257, 257, 80, true)});
  c.push_back({"q*scale + bias 4x257x80", BiasAttentionGroup(4, 257, 257, 80)});
  c.push_back({"detr self 2x1050x32", test::AttentionGroup(2, 1050, 1050, 32, false)});
  c.push_back({"detr self 2x1050x32 masked", test::AttentionGroup(2, 1050, 1050, 32, true)});
  c.push_back({"detr cross 8x100x1050x32", test::AttentionGroup(8, 100, 1050, 32, false)});
  c.push_back({"detr cross 8x100x1050x32 masked", test::AttentionGroup(8, 100, 1050, 32, true)});
  return c;
}

TEST_CASE("tensor-core attention matches the reference interpreter", "[gpu][codegen][attention]") {
  auto gpu = test::GpuHarnessOrSkip();
  if (!gpu) return;
  std::vector<NumCase> cases = NumericsCases();
  std::vector<TaskContext> tasks;
  std::vector<size_t> case_of;
  tasks.reserve(cases.size() * 3);
  for (size_t i = 0; i < cases.size(); ++i) {
    for (Precision p : {Precision::kFP16, Precision::kBF16, Precision::kTF32}) {
      auto t = MakeTaskContext(*cases[i].g, p);
      REQUIRE(t.ok());
      REQUIRE(t->sketches.front() == kTc);
      tasks.push_back(std::move(t).value());
      case_of.push_back(i);
    }
  }
  // Per task: the default, four fixed corners (32 rows per warp with single-buffered 32-key tiles;
  // one warp with 128-key tiles; 5 and 3 warps, blocks that are not a power of two) where valid, and
  // two random annotations.
  std::mt19937_64 rng(123);
  std::vector<test::CompileJob> jobs;
  std::vector<size_t> task_of;
  for (size_t ti = 0; ti < tasks.size(); ++ti) {
    const TaskContext& t = tasks[ti];
    auto ctx = t.Space(kTc);
    REQUIRE(ctx.ok());
    std::vector<Annotation> anns = {DefaultAnnotation(*ctx), Ann(128, 4, 32, 1), Ann(16, 1, 128, 2), Ann(80, 5, 64, 2),
                                    Ann(96, 3, 128, 2), SampleAnnotation(*ctx, rng), SampleAnnotation(*ctx, rng)};
    for (const Annotation& a : anns) {
      if (!ValidateAnnotation(*ctx, a).ok()) continue;
      jobs.push_back({&t, Program{t.task, kTc, a}});
      task_of.push_back(ti);
    }
  }
  NvrtcCompiler nvrtc;
  auto compiled = test::CompileAll(jobs, nvrtc, 12);
  std::vector<std::vector<ir::Tensor>> inputs(tasks.size()), refs(tasks.size());
  for (size_t ti = 0; ti < tasks.size(); ++ti) {
    const ir::Graph& g = *tasks[ti].graph;
    uint64_t seed = 7000 + ti * 31;
    for (const ir::Value* v : g.inputs()) {
      // Scores of O(1) spread (inputs in [-2, 2]) so that the softmax is neither flat nor one-hot.
      inputs[ti].push_back(test::RoundToStorage(test::RandomTensor(v->type(), seed++, -2.0f, 2.0f), tasks[ti].task.precision));
    }
    auto r = ir::Interpret(g, inputs[ti]);
    REQUIRE(r.ok());
    refs[ti] = std::move(r).value();
  }
  std::printf("\n%-34s %-5s %-44s %10s %s\n", "attention (tensor cores)", "prec", "annotation", "rel L2", "pass");
  int failures = 0;
  double worst_fp16 = 0;
  for (size_t j = 0; j < jobs.size(); ++j) {
    size_t ti = task_of[j];
    const Program& p = jobs[j].program;
    double err_l2 = 0;
    std::string note;
    if (!compiled[j].ok()) {
      note = "compile error: " + compiled[j].status().message().substr(0, 300);
      err_l2 = INFINITY;
    } else {
      auto out = gpu->Run(*compiled[j], *tasks[ti].graph, inputs[ti]);
      if (!out.ok()) {
        note = out.status().message();
        err_l2 = INFINITY;
      } else {
        for (size_t k = 0; k < out->size(); ++k) {
          bool finite = true;
          for (int64_t i = 0; i < (*out)[k].num_elements(); ++i) finite = finite && std::isfinite((*out)[k].GetF32(i));
          err_l2 = std::max(err_l2, finite ? test::RelativeL2((*out)[k], refs[ti][k]) : INFINITY);
        }
      }
    }
    if (p.task.precision == Precision::kFP16) worst_fp16 = std::max(worst_fp16, err_l2);
    bool pass = err_l2 < test::Tolerance(p.task.precision);
    if (!pass) ++failures;
    std::printf("%-34s %-5s %-44s %10.2e %s %s\n", cases[case_of[ti]].name.c_str(), std::string(PrecisionName(p.task.precision)).c_str(),
                p.annotation.ToString().c_str(), err_l2, pass ? "PASS" : "FAIL", note.c_str());
    if (!pass) UNSCOPED_INFO(cases[case_of[ti]].name << " " << PrecisionName(p.task.precision) << " " << p.annotation.ToString() << " " << note);
  }
  std::printf("%zu programs, %d failures; worst fp16 rel L2 %.2e\n", jobs.size(), failures, worst_fp16);
  std::fflush(stdout);
  CHECK(failures == 0);
}

TEST_CASE("attention with a NaN-to-zero guard: fused, and fully masked or NaN rows give the guard's zeros", "[gpu][codegen][attention]") {
  auto g = GuardedAttentionGroup(2, 37, 70, 32);
  for (Precision p : {Precision::kFP32, Precision::kFP16}) {
    auto t = MakeTaskContext(*g, p);
    REQUIRE(t.ok());
    CHECK(t->rule == "attention");
  }
  auto gpu = test::GpuHarnessOrSkip();
  if (!gpu) return;
  std::vector<ir::Tensor> in;
  uint64_t seed = 4242;
  for (const ir::Value* v : g->inputs()) in.push_back(test::RandomTensor(v->type(), seed++, -2.0f, 2.0f));
  // Query row 3: every key masked; row 5: one NaN score (through the mask); row 8: all but key 9 masked.
  ir::Tensor& mask = in[3];
  for (int64_t key = 0; key < 70; ++key) {
    mask.SetF32(3 * 70 + key, -INFINITY);
    if (key != 9) mask.SetF32(8 * 70 + key, -INFINITY);
  }
  mask.SetF32(5 * 70 + 11, NAN);
  for (Precision p : {Precision::kFP32, Precision::kFP16, Precision::kBF16}) {
    auto t = MakeTaskContext(*g, p);
    REQUIRE(t.ok());
    std::vector<ir::Tensor> rin;
    for (const ir::Tensor& x : in) rin.push_back(test::RoundToStorage(x, p));
    auto ref = ir::Interpret(*g, rin);
    REQUIRE(ref.ok());
    auto ctx = t->Space(t->sketches.front());
    REQUIRE(ctx.ok());
    NvrtcCompiler nvrtc;
    auto c = CompileProgram(*t, Program{t->task, t->sketches.front(), DefaultAnnotation(*ctx)}, nvrtc);
    REQUIRE(c.ok());
    auto out = gpu->Run(*c, *g, rin);
    REQUIRE(out.ok());
    INFO(PrecisionName(p));
    bool finite = true, zero_rows = true;
    for (int64_t i = 0; i < (*out)[0].num_elements(); ++i) finite = finite && std::isfinite((*out)[0].GetF32(i));
    for (int64_t h = 0; h < 2; ++h) {
      for (int64_t row : {3, 5}) {
        for (int64_t c2 = 0; c2 < 32; ++c2) zero_rows = zero_rows && (*out)[0].GetF32((h * 37 + row) * 32 + c2) == 0.0f;
      }
    }
    CHECK(finite);
    CHECK(zero_rows);
    CHECK(test::RelativeL2((*out)[0], (*ref)[0]) < test::Tolerance(p));
  }
}

TEST_CASE("attention benchmark: tensor-core sketch at ViT/SETR/DETR shapes at fp16", "[.bench][gpu][attention]") {
  auto gpu = test::GpuHarnessOrSkip();
  if (!gpu) return;
  struct Case {
    std::string name;
    int64_t h, mq, nk, d;
  };
  std::vector<Case> cases = {{"vit-b 12x197x64", 12, 197, 197, 64},     {"vit-l 16x197x64", 16, 197, 197, 64},
                             {"vit-h 16x257x80", 16, 257, 257, 80},     {"setr 16x577x64", 16, 577, 577, 64},
                             {"detr self 8x1050x32", 8, 1050, 1050, 32}, {"detr cross 8x100x1050x32", 8, 100, 1050, 32}};
  // $AGT_BENCH_OUT: one CSV line per shape (for scripts/bench_torch_ops.py --ours); beside it,
  // <file>.all lists every annotation's time.
  const char* out_path = std::getenv("AGT_BENCH_OUT");
  std::ofstream out, all;
  if (out_path != nullptr) {
    out.open(out_path);
    all.open(std::string(out_path) + ".all");
  }
  NvrtcCompiler nvrtc;
  std::printf("\nAutoGTCO attention on %s, fp16, us per launch (CUDA graph of 50 launches, median of 5 replays)\n", gpu->device_name().c_str());
  std::printf("%-26s %9s %9s %9s %9s %8s  %s\n", "shape", "simt", "tc dflt", "tc best", "dflt*", "TFLOP/s", "best annotation (* = no graph)");
  for (const Case& c : cases) {
    auto g = test::AttentionGroup(c.h, c.mq, c.nk, c.d, false);
    auto t = MakeTaskContext(*g, Precision::kFP16);
    REQUIRE(t.ok());
    auto ctx = t->Space(kTc);
    REQUIRE(ctx.ok());
    std::vector<test::CompileJob> jobs;
    jobs.push_back({&*t, Program{t->task, Sketch{SketchKind::kAttention, false}, DefaultAnnotation(*t->Space(t->sketches[1]))}});
    jobs.push_back({&*t, Program{t->task, kTc, DefaultAnnotation(*ctx)}});
    for (const Annotation& a : AllValid(*ctx)) jobs.push_back({&*t, Program{t->task, kTc, a}});
    auto compiled = test::CompileAll(jobs, nvrtc, 12);
    double simt = INFINITY, def = INFINITY, def_nograph = INFINITY, best = INFINITY;
    std::string best_ann;
    for (size_t i = 0; i < jobs.size(); ++i) {
      if (!compiled[i].ok()) {
        std::printf("  compile error %s: %s\n", jobs[i].program.annotation.ToString().c_str(), compiled[i].status().message().substr(0, 200).c_str());
        continue;
      }
      auto us = gpu->Time(*compiled[i], *g, 5, 50, true);
      if (!us.ok()) {
        std::printf("  %s: %s\n", jobs[i].program.annotation.ToString().c_str(), us.status().message().c_str());
        continue;
      }
      if (all.is_open()) all << c.name << "," << (i == 0 ? "simt " : i == 1 ? "default " : "") << jobs[i].program.annotation.ToString() << "," << *us << "\n";
      if (i == 0) simt = *us;
      if (i == 1) {
        def = *us;
        auto ng = gpu->Time(*compiled[i], *g, 5, 50, false);
        if (ng.ok()) def_nograph = *ng;
      }
      if (i >= 1 && *us < best) {
        best = *us;
        best_ann = jobs[i].program.annotation.ToString();
      }
    }
    double flops = 4.0 * c.h * c.mq * c.nk * c.d;
    std::printf("%-26s %9.2f %9.2f %9.2f %9.2f %8.1f  %s\n", c.name.c_str(), simt, def, best, def_nograph, flops / (best * 1e-6) / 1e12,
                best_ann.c_str());
    if (out.is_open()) out << c.name << "," << c.h << "," << c.mq << "," << c.nk << "," << c.d << "," << simt << "," << def << "," << best << "," << best_ann << "\n";
  }
  std::fflush(stdout);
}


// What the sketch table says applies must compile: head sizes 240 and 256 at fp16/bf16 were offered
// the tensor-core sketch (inspect showed the group fused) and then failed in compile.
TEST_CASE("attention: where a sketch applies at a head size, its default program compiles", "[codegen][attention][nvrtc]") {
  NvrtcCompiler nvrtc;
  for (int64_t d : {96, 128, 160, 192, 240, 256, 320}) {
    for (Precision p : {Precision::kFP16, Precision::kBF16}) {
      auto g = test::AttentionGroup(4, 197, 197, d, false);
      auto t = MakeTaskContext(*g, p);
      INFO("head dim " << d << " " << PrecisionName(p));
      if (!t.ok()) continue;   // no sketch takes it: the planner leaves the pattern unfused
      REQUIRE_FALSE(t->sketches.empty());
      auto prog = DefaultProgram(*t);
      REQUIRE(prog.ok());
      INFO("sketch " << SketchKindName(prog->sketch.kind) << (prog->sketch.tensor_cores ? "/tc " : " ") << prog->annotation.ToString());
      auto c = CompileProgram(*t, *prog, nvrtc);
      if (!c.ok()) UNSCOPED_INFO(c.status().message().substr(0, 300));
      CHECK(c.ok());
    }
  }
}

}  // namespace
}  // namespace agt::codegen

// The attention sketch: matmul -> [element-wise score path] -> softmax -> matmul and O's consumers
// in one kernel, flash-attention style; tensor cores (mma.sync, FlashAttention-2 layout) at tf32,
// fp16 and bf16, SIMT FMA in exact fp32 or where the head dims do not tile. This file holds when
// it applies, its knobs, defaults, validity and resources and its cost-model features; the
// emitters are codegen/emit_attention.cpp (SIMT) and codegen/emit_attention_mma.cpp.
#include <algorithm>
#include <cmath>

#include "codegen/sketches/sketch.h"

namespace agt::codegen {

namespace {

using sketch_math::CeilDiv;
using sketch_math::kTargetBlocks;
using sketch_math::VecElems;

class Attention final : public SketchDef {
 public:
  SketchKind kind() const override { return SketchKind::kAttention; }
  // 2 since K/V/Q views through strided reshapes.
  int EmitterVersion() const override { return 2; }

  std::vector<Sketch> Variants(const Task& task) const override {
    if (task.precision == Precision::kFP32) return {Sketch{kind(), false}};
    return {Sketch{kind(), true}, Sketch{kind(), false}};
  }

  Expected<ProblemDims> Analyze(const ir::Graph& g) const override { return AnalyzeAttention(g); }

  // The analysis finds the two products and the softmax; the tensor-core variant also needs head
  // dims in whole 16-wide MMA steps (a head dim it cannot tile still gets the SIMT variant). Whether
  // the score path and O's consumers can be generated (loaders, chains per element) only the
  // emitter knows, so the test ends with a dry run of the emitter at the default.
  bool Applies(const ir::Graph& g, const Task& task, const Sketch& variant, std::string* why) const override {
    auto ctx = VariantSpace(*this, g, task, variant);
    if (!ctx.ok()) {
      if (why) *why = ctx.status().message();
      return false;
    }
    const ProblemDims& d = ctx->dims;
    if (variant.tensor_cores && (d.head_dim % 16 != 0 || d.v_dim % 16 != 0)) {
      // The tensor-core emitter's own words for it.
      if (why) *why = fmt::format("head dims {} / {} are not multiples of 16", d.head_dim, d.v_dim);
      return false;
    }
    // The default is the smallest footprint the space offers at these head dims (it falls back to
    // fewer stages and smaller K/V tiles): if even that does not fit (head dims 240 and 256 at fp16
    // need ~264 registers per thread in the tensor-core variant), no program of this variant compiles.
    if (Status fits = ValidateAnnotation(*ctx, Default(*ctx)); !fits.ok()) {
      if (why) *why = fmt::format("head dims {} / {}: {}", d.head_dim, d.v_dim, fits.message());
      return false;
    }
    return EmitsAtDefault(*this, g, task, *ctx, why);
  }

  std::vector<KnobSpec> Space(const SpaceContext& ctx) const override {
    if (ctx.sketch.tensor_cores) {
      // 16 or 32 query rows per warp; blocks of 16-32 queries keep a batch-1 ViT's few heads over a
      // wave of blocks, 64-128 share each K/V tile among more warps on long sequences; 48, 80 and 96
      // (3, 5, 6 warps) let a wave come out even (SETR's 16 heads x 577 queries: 128 blocks of 80).
      return {{Knob::kBlockQ, {16, 32, 48, 64, 80, 96, 128}}, {Knob::kBlockKV, {32, 64, 128}},
              {Knob::kWarps, {1, 2, 3, 4, 5, 6, 8}}, {Knob::kStages, {1, 2}}};
    }
    return {{Knob::kBlockQ, {8, 16, 32, 64}}, {Knob::kBlockKV, {32, 64, 128}}, {Knob::kWarps, {2, 4, 8}}};
  }

  Annotation Default(const SpaceContext& ctx) const override;
  ResourceEstimate Resources(const SpaceContext& ctx, const Annotation& a) const override;
  Status Validate(const SpaceContext& ctx, const Annotation& a) const override;

  double MatrixFlops(const ProblemDims& d) const override { return 2.0 * d.batch * d.q_len * d.kv_len * (d.head_dim + d.v_dim); }
  SketchFeatures Features(const SpaceContext& ctx, const Annotation& a, const FeatureInputs& in) const override;

  Expected<KernelSource> Emit(const ir::Graph& g, const Program& p) const override { return EmitAttention(g, p); }
};

ResourceEstimate Attention::Resources(const SpaceContext& ctx, const Annotation& a) const {
  ResourceEstimate r;
  const ProblemDims& d = ctx.dims;
  int64_t bq = a.get(Knob::kBlockQ), bkv = a.get(Knob::kBlockKV), w = std::max<int64_t>(1, a.get(Knob::kWarps));
  r.threads = w * 32;
  if (ctx.sketch.tensor_cores) {
    // emit_attention_mma.cpp: Q, then `stages` K and V tiles, rows padded by one 16-byte vector.
    int64_t esz = FloatStorageBytes(ctx.precision), pad = VecElems(ctx.precision), s = a.get(Knob::kStages, 2);
    r.smem_bytes = (bq * (d.head_dim + pad) + s * bkv * (d.head_dim + d.v_dim + 2 * pad)) * esz;
    // Per m16 tile: the score accumulators, O's accumulators, Q's fragments, softmax state.
    int64_t mt = std::max<int64_t>(1, bq / w / 16), kstep = ctx.precision == Precision::kTF32 ? 8 : 16;
    // The constant is calibrated on ptxas -v: above about 255 - 64 of these, the kernel spills.
    r.registers_per_thread = mt * (bkv / 8 * 4 + CeilDiv(d.v_dim, 8) * 4 + CeilDiv(d.head_dim, kstep) * 4 + 4) + 64;
    return r;
  }
  r.smem_bytes = (bq * d.head_dim + bkv * (d.head_dim + 1) + bkv * d.v_dim + w * bkv) * 4;
  r.registers_per_thread = (bq / w) * (CeilDiv(d.v_dim, 32) + 2) + bkv / 32 + 40;
  return r;
}

Status Attention::Validate(const SpaceContext& ctx, const Annotation& a) const {
  const ProblemDims& d = ctx.dims;
  int64_t w = a.get(Knob::kWarps), bq = a.get(Knob::kBlockQ);
  if (ctx.sketch.tensor_cores) {
    if (ctx.precision == Precision::kFP32) return Status::Error("tensor cores need tf32, fp16 or bf16");
    if (d.head_dim % 16 != 0 || d.v_dim % 16 != 0) return Status::Errorf("head dims {}/{} are not multiples of 16", d.head_dim, d.v_dim);
    if (bq % w != 0 || (bq / w) % 16 != 0 || bq / w > 32) return Status::Errorf("block_q={} over {} warps is not 16 or 32 rows per warp", bq, w);
    if (bq > 2 * std::max<int64_t>(16, d.q_len)) return Status::Errorf("block_q={} is far larger than the {} queries", bq, d.q_len);
    return Status::Ok();
  }
  if (bq % w != 0) return Status::Errorf("block_q={} does not split over {} warps", bq, w);
  if (bq / w > 8) return Status::Errorf("{} query rows per warp is too many registers", bq / w);
  return Status::Ok();
}

// Tensor cores: 16 query rows per warp, double-buffered 128-key tiles (64 at tf32). Warps per block
// trade SM coverage against sharing each K/V tile among more rows: fit on H100 timings of ViT-B/L/H,
// SETR and DETR shapes, the busiest SM's blocks x sqrt(warps per block) is the least (ties to fewer
// warps); one-warp blocks were never the fastest (a lone warp cannot keep its cp.async copies and
// MMAs both in flight), nor blocks taller than the queries. 3, 5 and 6 warps joined the candidates
// on 2026-12-06 without a refit (so that SETR's 16 x 577 and DETR's 8 x 1050 come out in one even
// wave); docs/perf-notes.md has what they measured.
Annotation DefaultMma(const SpaceContext& ctx) {
  const ProblemDims& d = ctx.dims;
  Annotation a;
  int64_t w = 2;
  double best = 1e30;
  for (int64_t c : {2, 3, 4, 5, 6, 8}) {
    if (c > 2 && 16 * c > CeilDiv(d.q_len, 16) * 16) break;
    double waves = static_cast<double>(CeilDiv(CeilDiv(d.q_len, 16 * c) * d.batch, kTargetBlocks));
    double cost = waves * std::sqrt(static_cast<double>(c));
    if (cost < best - 1e-9) {
      best = cost;
      w = c;
    }
  }
  a.set(Knob::kBlockQ, 16 * w);
  a.set(Knob::kWarps, w);
  // 128-key tiles halve the barriers and softmax rescales per key; tf32 keeps 64 (its Q fragments
  // are twice the registers, and 128-key tiles spill at head dim 80).
  a.set(Knob::kBlockKV, ctx.precision != Precision::kTF32 && d.kv_len > 64 ? 128 : 64);
  a.set(Knob::kStages, 2);
  if (!ValidateAnnotation(ctx, a).ok()) a.set(Knob::kBlockKV, 64);
  if (!ValidateAnnotation(ctx, a).ok()) a.set(Knob::kStages, 1);
  if (!ValidateAnnotation(ctx, a).ok()) a.set(Knob::kBlockKV, 32);
  return a;
}

Annotation Attention::Default(const SpaceContext& ctx) const {
  if (ctx.sketch.tensor_cores) return DefaultMma(ctx);
  Annotation a;
  a.set(Knob::kBlockQ, 16);
  a.set(Knob::kBlockKV, 64);
  a.set(Knob::kWarps, 4);
  return a;
}

SketchFeatures Attention::Features(const SpaceContext& ctx, const Annotation& a, const FeatureInputs& in) const {
  const ProblemDims& d = ctx.dims;
  const double esz = in.storage_bytes;
  SketchFeatures f = SketchFeatures::Start(in);
  double bq = static_cast<double>(a.get(Knob::kBlockQ, 1)), bkv = static_cast<double>(a.get(Knob::kBlockKV, 1));
  double warps = static_cast<double>(a.get(Knob::kWarps, 1));
  double gq = CeilDiv(static_cast<double>(d.q_len), bq);
  double kv = static_cast<double>(d.kv_len), hd = static_cast<double>(d.head_dim), vd = static_cast<double>(d.v_dim);
  f.blocks = gq * static_cast<double>(d.batch);
  // Each query block streams all keys and values; each warp reads them from shared memory (fp32).
  f.global_load_bytes = f.blocks * (bq * hd + kv * (hd + vd)) * esz;
  f.smem_read_bytes = f.blocks * warps * kv * (hd + vd) * 4;
  f.padding_efficiency = static_cast<double>(d.q_len) / (gq * bq);
  f.k_iterations = CeilDiv(kv, bkv);
  return f;
}

}  // namespace

const SketchDef& AttentionSketch() {
  static const Attention sketch;
  return sketch;
}

}  // namespace agt::codegen

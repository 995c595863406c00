// The GEMM sketch: matmul (batched, broadcasting), linear and conv2d as an implicit GEMM, tiled in
// thread blocks, staged through shared memory, computed with mma.sync (tensor cores) or SIMT FMA,
// optionally split along K. This file holds what the planner knows of it: when it applies, its
// knobs, the default tiling, validity and resources, its cost-model features; the emitter itself
// is codegen/emit_gemm.cpp.
#include <algorithm>

#include "codegen/sketches/sketch.h"

namespace agt::codegen {

namespace {

using sketch_math::CeilDiv;
using sketch_math::kTargetBlocks;
using sketch_math::VecElems;

class Gemm final : public SketchDef {
 public:
  SketchKind kind() const override { return SketchKind::kGemm; }

  // Tensor cores first where the precision has them; the SIMT sketch (exact fp32) too.
  std::vector<Sketch> Variants(const Task& task) const override {
    if (task.precision == Precision::kFP32) return {Sketch{kind(), false}};
    return {Sketch{kind(), true}, Sketch{kind(), false}};
  }

  Expected<ProblemDims> Analyze(const ir::Graph& g) const override { return AnalyzeGemm(g); }

  // The group shape (one product, element-wise/injective around it) is the analysis. What only the
  // emitter knows is whether the prologue ops have loaders and the epilogue can be computed as a
  // chain on each accumulator, so the test ends with a dry run of the emitter at the default.
  bool Applies(const ir::Graph& g, const Task& task, const Sketch& variant, std::string* why) const override {
    auto ctx = VariantSpace(*this, g, task, variant);
    if (!ctx.ok()) {
      if (why) *why = ctx.status().message();
      return false;
    }
    return EmitsAtDefault(*this, g, task, *ctx, why);
  }

  std::vector<KnobSpec> Space(const SpaceContext& ctx) const override {
    if (ctx.sketch.tensor_cores) {
      return {{Knob::kBlockM, {32, 64, 128, 256}}, {Knob::kBlockN, {32, 64, 128, 256}}, {Knob::kBlockK, {16, 32, 64}},
              {Knob::kWarpsM, {1, 2, 4}},          {Knob::kWarpsN, {1, 2, 4}},          {Knob::kStages, {2, 3, 4}},
              {Knob::kSplitK, {1, 2, 3, 4}},       {Knob::kSwizzle, {1, 2, 4, 8}}};
    }
    return {{Knob::kBlockM, {16, 32, 64, 128}}, {Knob::kBlockN, {32, 64, 128}}, {Knob::kBlockK, {8, 16, 32}},
            {Knob::kThreadM, {1, 2, 4, 8}},     {Knob::kThreadN, {2, 4, 8}},    {Knob::kStages, {2, 3}},
            {Knob::kSplitK, {1, 2, 4}},         {Knob::kSwizzle, {1, 4, 8}}};
  }

  Annotation Default(const SpaceContext& ctx) const override;
  ResourceEstimate Resources(const SpaceContext& ctx, const Annotation& a) const override;
  Status Validate(const SpaceContext& ctx, const Annotation& a) const override;

  double MatrixFlops(const ProblemDims& d) const override { return 2.0 * d.batch * d.m * d.n * d.k; }
  SketchFeatures Features(const SpaceContext& ctx, const Annotation& a, const FeatureInputs& in) const override;

  Expected<KernelSource> Emit(const ir::Graph& g, const Program& p) const override { return EmitGemm(g, p); }
};

ResourceEstimate Gemm::Resources(const SpaceContext& ctx, const Annotation& a) const {
  ResourceEstimate r;
  const ProblemDims& d = ctx.dims;
  int64_t bm = a.get(Knob::kBlockM), bn = a.get(Knob::kBlockN), bk = a.get(Knob::kBlockK), s = a.get(Knob::kStages, 2);
  int64_t esz = FloatStorageBytes(ctx.precision), pad = VecElems(ctx.precision);
  int64_t a_stage = bm * (bk + pad), b_stage = d.b_k_contiguous ? bn * (bk + pad) : bk * (bn + pad);
  r.smem_bytes = s * (a_stage + b_stage) * esz;
  if (ctx.sketch.tensor_cores) {
    int64_t wm = std::max<int64_t>(1, a.get(Knob::kWarpsM, 1)), wn = std::max<int64_t>(1, a.get(Knob::kWarpsN, 1));
    r.threads = wm * wn * 32;
    int64_t acc = (bm / wm / 16) * (bn / wn / 8) * 4;
    r.registers_per_thread = acc + (bm / wm / 16) * 4 + (bn / wn / 8) * 2 + 40;
  } else {
    int64_t tm = std::max<int64_t>(1, a.get(Knob::kThreadM, 1)), tn = std::max<int64_t>(1, a.get(Knob::kThreadN, 1));
    r.threads = (bm / tm) * (bn / tn);
    r.registers_per_thread = tm * tn + tm + tn + 40;
  }
  return r;
}

Status Gemm::Validate(const SpaceContext& ctx, const Annotation& a) const {
  const ProblemDims& d = ctx.dims;
  int64_t bm = a.get(Knob::kBlockM), bn = a.get(Knob::kBlockN), bk = a.get(Knob::kBlockK);
  if (bk % VecElems(ctx.precision) != 0) return Status::Errorf("block_k={} is not a multiple of a 16-byte vector", bk);
  if (ctx.sketch.tensor_cores) {
    if (ctx.precision == Precision::kFP32) return Status::Error("tensor cores need tf32, fp16 or bf16");
    int64_t wm = a.get(Knob::kWarpsM), wn = a.get(Knob::kWarpsN);
    if (bm % (wm * 16) != 0) return Status::Errorf("block_m={} does not split into {} warps of 16-row MMA tiles", bm, wm);
    if (bn % (wn * 16) != 0) return Status::Errorf("block_n={} does not split into {} warps of 16-column tiles", bn, wn);
  } else {
    int64_t tm = a.get(Knob::kThreadM), tn = a.get(Knob::kThreadN);
    if (bm % tm != 0 || bn % tn != 0) return Status::Error("thread tiles do not divide the block tile");
  }
  if (a.get(Knob::kSplitK) > CeilDiv(d.k, bk)) return Status::Errorf("split_k={} exceeds the {} K tiles", a.get(Knob::kSplitK), CeilDiv(d.k, bk));
  // Tiles far larger than the problem only waste the block (and fail no check otherwise).
  if (bm > 2 * std::max<int64_t>(16, d.m) || bn > 2 * std::max<int64_t>(16, d.n)) return Status::Error("block tile far larger than the matrix");
  return Status::Ok();
}

// The split along K of the default: about a wave of blocks, slices of about 1024 on long reductions.
int64_t DefaultSplitK(const SpaceContext& ctx, int64_t blocks) {
  const ProblemDims& d = ctx.dims;
  int64_t split = 1;
  while (split < 4 && blocks * split * 2 <= kTargetBlocks && d.k / (split * 2) >= 256) split *= 2;
  // A long reduction into a narrow output (ViT's fc2, K = 4N) leaves each block a long serial K
  // loop even at a full wave: slices of about 1024 keep up to 4 waves. At ViT-B's fc2 (197x3072x768)
  // on an H200 split 3 measured 19.3-20.0 us against 30.1 us unsplit, the tuner's best.
  if (split == 1 && d.k >= 2048 && d.k >= 2 * d.n) {
    split = std::max<int64_t>(1, std::min({int64_t{4}, d.k / 1024, 4 * kTargetBlocks / std::max<int64_t>(blocks, 1)}));
    if (!ctx.sketch.tensor_cores && split == 3) split = 2;   // the SIMT sketch's domain is 1, 2, 4
  }
  return split;
}

Annotation Gemm::Default(const SpaceContext& ctx) const {
  const ProblemDims& d = ctx.dims;
  Annotation a;
  struct Tile { int64_t bm, bn, x, y; };
  // Largest tile that still gives about a wave of blocks; x/y are warps (MMA) or thread tiles (SIMT).
  std::vector<Tile> tiles = ctx.sketch.tensor_cores
                                ? std::vector<Tile>{{128, 128, 2, 2}, {64, 128, 2, 4}, {64, 64, 2, 2}, {32, 64, 2, 2}, {32, 32, 2, 2}}
                                : std::vector<Tile>{{128, 128, 8, 8}, {64, 64, 4, 4}, {32, 64, 2, 4}, {32, 32, 2, 2}, {16, 32, 1, 2}};
  Tile t = tiles.back();
  for (const Tile& c : tiles) {
    if (CeilDiv(d.m, c.bm) * CeilDiv(d.n, c.bn) * d.batch >= kTargetBlocks && c.bm <= 2 * std::max<int64_t>(16, d.m) &&
        c.bn <= 2 * std::max<int64_t>(16, d.n)) {
      t = c;
      break;
    }
  }
  // Deep K tiles and 4 stages keep the tensor cores fed on the long-K layers (fc2: K = 3072).
  int64_t bk = ctx.sketch.tensor_cores ? (d.k >= 512 ? 64 : 32) : 16;
  a.set(Knob::kBlockM, t.bm);
  a.set(Knob::kBlockN, t.bn);
  a.set(Knob::kBlockK, bk);
  if (ctx.sketch.tensor_cores) {
    a.set(Knob::kWarpsM, t.x);
    a.set(Knob::kWarpsN, t.y);
    a.set(Knob::kStages, 4);
  } else {
    a.set(Knob::kThreadM, t.x);
    a.set(Knob::kThreadN, t.y);
    a.set(Knob::kStages, 2);
  }
  a.set(Knob::kSplitK, DefaultSplitK(ctx, CeilDiv(d.m, t.bm) * CeilDiv(d.n, t.bn) * d.batch));
  a.set(Knob::kSwizzle, 4);
  // Where the arch's shared memory is smaller (sm_89), fewer stages, then shallower K tiles.
  for (int64_t s : {3, 2}) {
    if (ValidateAnnotation(ctx, a).ok()) break;
    a.set(Knob::kStages, std::min<int64_t>(s, a.get(Knob::kStages)));
  }
  if (!ValidateAnnotation(ctx, a).ok()) a.set(Knob::kBlockK, ctx.sketch.tensor_cores ? 32 : 16);
  return a;
}

SketchFeatures Gemm::Features(const SpaceContext& ctx, const Annotation& a, const FeatureInputs& in) const {
  const ProblemDims& d = ctx.dims;
  const double esz = in.storage_bytes, threads = in.threads;
  SketchFeatures f = SketchFeatures::Start(in);
  double bm = static_cast<double>(a.get(Knob::kBlockM, 1)), bn = static_cast<double>(a.get(Knob::kBlockN, 1));
  double bk = static_cast<double>(a.get(Knob::kBlockK, 1)), split = static_cast<double>(a.get(Knob::kSplitK, 1));
  double gm = CeilDiv(static_cast<double>(d.m), bm), gn = CeilDiv(static_cast<double>(d.n), bn);
  double kk = static_cast<double>(d.k);
  f.blocks = gm * gn * static_cast<double>(d.batch) * split;
  // Every block streams its A rows and B columns over the whole K (its 1/split share with split-K).
  f.global_load_bytes = gm * gn * static_cast<double>(d.batch) * (bm * kk + kk * bn) * esz;
  if (ctx.sketch.tensor_cores) {
    double wm = static_cast<double>(a.get(Knob::kWarpsM, 1)), wn = static_cast<double>(a.get(Knob::kWarpsN, 1));
    // Each warp reads its (bm/wm) rows of A and (bn/wn) columns of B from shared memory per k.
    f.smem_read_bytes = gm * gn * static_cast<double>(d.batch) * (wn * bm + wm * bn) * kk * esz;
  } else {
    double tm = static_cast<double>(a.get(Knob::kThreadM, 1)), tn = static_cast<double>(a.get(Knob::kThreadN, 1));
    f.smem_read_bytes = gm * gn * static_cast<double>(d.batch) * threads * (tm + tn) * kk * esz;
  }
  f.padding_efficiency = static_cast<double>(d.m * d.n) / (gm * bm * gn * bn);
  f.k_iterations = CeilDiv(CeilDiv(kk, bk), split);
  return f;
}

}  // namespace

const SketchDef& GemmSketch() {
  static const Gemm sketch;
  return sketch;
}

}  // namespace agt::codegen

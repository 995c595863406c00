// The row-reduction sketch: softmax, layer_norm and reduce_* over the trailing axes of one input
// shape with element-wise chains around them, a row held in registers by a warp or by a block.
// This file holds when it applies, its knobs, defaults, validity and resources and its cost-model
// features; the emitter is codegen/emit_row_reduce.cpp.
#include <algorithm>

#include "codegen/sketches/sketch.h"

namespace agt::codegen {

namespace {

using sketch_math::CeilDiv;

class RowReduce final : public SketchDef {
 public:
  SketchKind kind() const override { return SketchKind::kRowReduce; }

  Expected<ProblemDims> Analyze(const ir::Graph& g) const override { return AnalyzeRowReduce(g); }

  // The analysis checks that every reduction is over the same trailing axes. Whether a row fits in
  // registers at the default (RowReduceFits, shared with the emitter) is checked here; whether the
  // chains around the reductions can be generated per element or per row only the emitter knows,
  // so the test ends with a dry run of the emitter at the default.
  bool Applies(const ir::Graph& g, const Task& task, const Sketch& variant, std::string* why) const override {
    auto ctx = VariantSpace(*this, g, task, variant);
    if (!ctx.ok()) {
      if (why) *why = ctx.status().message();
      return false;
    }
    Annotation a = Default(*ctx);
    Status fits = RowReduceFits(ctx->dims.row_len, ctx->dims.num_reductions, ThreadsPerRow(a));
    if (!fits.ok()) {
      if (why) *why = fits.message();
      return false;
    }
    return EmitsAtDefault(*this, g, task, *ctx, why);
  }

  std::vector<KnobSpec> Space(const SpaceContext&) const override { return {{Knob::kWarps, {1, 2, 4, 8, 16}}, {Knob::kRowMode, {0, 1}}}; }

  Annotation Default(const SpaceContext& ctx) const override {
    Annotation a;
    // Rows of 512+ elements, up to about 8 blocks per SM of them: a block of 4 warps per row (8 past
    // 1024). At ViT-B's 197 x 768 LayerNorm the tuner measured 5.15 us for that against 6.72 for 4 rows
    // per block (one warp each), and at SETR's 577 x 768 nsight 3.94 us against 5.63.
    if (ctx.dims.row_len >= 512 && ctx.dims.rows <= 8 * static_cast<int64_t>(ctx.arch.sm_count)) {
      a.set(Knob::kWarps, ctx.dims.row_len <= 1024 ? 4 : 8);
      a.set(Knob::kRowMode, 1);
    } else if (ctx.dims.row_len <= 1024) {
      a.set(Knob::kWarps, 4);
      a.set(Knob::kRowMode, 0);
    } else {
      a.set(Knob::kWarps, 8);
      a.set(Knob::kRowMode, 1);
    }
    return a;
  }

  ResourceEstimate Resources(const SpaceContext& ctx, const Annotation& a) const override {
    ResourceEstimate r;
    const ProblemDims& d = ctx.dims;
    int64_t w = a.get(Knob::kWarps, 1);
    int64_t t = a.get(Knob::kRowMode) == 1 ? w * 32 : 32;
    r.threads = w * 32;
    r.smem_bytes = 33 * 4;
    r.registers_per_thread = CeilDiv(std::max<int64_t>(1, d.row_len), t) * std::max(1, d.num_reductions) + 32;
    return r;
  }

  Status Validate(const SpaceContext&, const Annotation& a) const override {
    if (a.get(Knob::kRowMode) == 0 && a.get(Knob::kWarps) > 8) return Status::Error("a warp per row with more than 8 warps leaves rows too few blocks");
    return Status::Ok();
  }

  SketchFeatures Features(const SpaceContext& ctx, const Annotation& a, const FeatureInputs& in) const override {
    const ProblemDims& d = ctx.dims;
    SketchFeatures f = SketchFeatures::Start(in);
    double warps = static_cast<double>(a.get(Knob::kWarps, 1));
    bool block_mode = a.get(Knob::kRowMode) == 1;
    f.blocks = block_mode ? static_cast<double>(d.rows) : CeilDiv(static_cast<double>(d.rows), warps);
    double lanes = block_mode ? warps * 32 : 32;
    f.k_iterations = CeilDiv(static_cast<double>(d.row_len), lanes);
    f.padding_efficiency = static_cast<double>(d.row_len) / (f.k_iterations * lanes);
    return f;
  }

  Expected<KernelSource> Emit(const ir::Graph& g, const Program& p) const override { return EmitRowReduce(g, p); }

 private:
  // Threads sharing a row, as the emitter reads the annotation.
  static int64_t ThreadsPerRow(const Annotation& a) {
    return a.get(Knob::kRowMode, 0) == 1 ? a.get(Knob::kWarps, 4) * 32 : 32;
  }
};

}  // namespace

const SketchDef& RowReduceSketch() {
  static const RowReduce sketch;
  return sketch;
}

}  // namespace agt::codegen

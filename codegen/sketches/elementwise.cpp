// The element-wise sketch: element-wise, broadcast and injective groups, each output element to one
// thread slot, `vector` consecutive elements and `unroll` block-strided chunks per thread. This
// file holds when it applies, its knobs, defaults, resources and cost-model features; the emitter
// is codegen/emit_pointwise.cpp (shared with the generic sketch).
#include <algorithm>

#include "codegen/sketches/sketch.h"

namespace agt::codegen {

namespace {

using sketch_math::CeilDiv;

class Elementwise final : public SketchDef {
 public:
  SketchKind kind() const override { return SketchKind::kElementwise; }

  Expected<ProblemDims> Analyze(const ir::Graph& g) const override { return AnalyzePointwise(g, false); }

  // The analysis checks that every op is element-wise, broadcast or injective. Whether each has a
  // loader (and its constants are small enough to inline) only the expression emitter knows, so
  // the test ends with a dry run of the emitter at the default.
  bool Applies(const ir::Graph& g, const Task& task, const Sketch& variant, std::string* why) const override {
    auto ctx = VariantSpace(*this, g, task, variant);
    if (!ctx.ok()) {
      if (why) *why = ctx.status().message();
      return false;
    }
    return EmitsAtDefault(*this, g, task, *ctx, why);
  }

  std::vector<KnobSpec> Space(const SpaceContext&) const override {
    return {{Knob::kThreads, {64, 128, 256, 512}}, {Knob::kVector, {1, 2, 4, 8}}, {Knob::kUnroll, {1, 2, 4}}};
  }

  Annotation Default(const SpaceContext& ctx) const override {
    Annotation a;
    a.set(Knob::kThreads, 256);
    a.set(Knob::kVector, ctx.dims.elements >= 256 * 4 * 132 ? 4 : 1);
    a.set(Knob::kUnroll, 1);
    return a;
  }

  ResourceEstimate Resources(const SpaceContext&, const Annotation& a) const override {
    ResourceEstimate r;
    r.threads = a.get(Knob::kThreads, 128);
    r.registers_per_thread = 32;
    return r;
  }

  SketchFeatures Features(const SpaceContext& ctx, const Annotation& a, const FeatureInputs& in) const override {
    const ProblemDims& d = ctx.dims;
    SketchFeatures f = SketchFeatures::Start(in);
    double per_block = in.threads * static_cast<double>(a.get(Knob::kVector, 1)) * static_cast<double>(a.get(Knob::kUnroll, 1));
    f.blocks = std::max(1.0, CeilDiv(static_cast<double>(d.elements), per_block));
    f.padding_efficiency = static_cast<double>(d.elements) / (f.blocks * per_block);
    f.vector_bytes = static_cast<double>(a.get(Knob::kVector, 1)) * in.storage_bytes;
    return f;
  }

  Expected<KernelSource> Emit(const ir::Graph& g, const Program& p) const override { return EmitElementwise(g, p); }
};

}  // namespace

const SketchDef& ElementwiseSketch() {
  static const Elementwise sketch;
  return sketch;
}

}  // namespace agt::codegen

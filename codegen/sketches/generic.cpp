// The generic sketch, the fallback that fits every group: one thread per output element, which
// computes it through the loaders (reductions, products, cumsum and max_pool become small loops).
// It comes last in the rule order. This file holds its knob, default, resources and cost-model
// features; the emitter is codegen/emit_pointwise.cpp (shared with the element-wise sketch).
#include <algorithm>

#include "codegen/sketches/sketch.h"

namespace agt::codegen {

namespace {

using sketch_math::CeilDiv;

class Generic final : public SketchDef {
 public:
  SketchKind kind() const override { return SketchKind::kGeneric; }

  Expected<ProblemDims> Analyze(const ir::Graph& g) const override { return AnalyzePointwise(g, true); }

  // Any group with outputs fits the analysis; whether every op has a loader only the expression
  // emitter knows, so the test ends with a dry run of the emitter at the default.
  bool Applies(const ir::Graph& g, const Task& task, const Sketch& variant, std::string* why) const override {
    auto ctx = VariantSpace(*this, g, task, variant);
    if (!ctx.ok()) {
      if (why) *why = ctx.status().message();
      return false;
    }
    return EmitsAtDefault(*this, g, task, *ctx, why);
  }

  std::vector<KnobSpec> Space(const SpaceContext&) const override { return {{Knob::kThreads, {64, 128, 256}}}; }

  Annotation Default(const SpaceContext&) const override {
    Annotation a;
    a.set(Knob::kThreads, 128);
    return a;
  }

  ResourceEstimate Resources(const SpaceContext&, const Annotation& a) const override {
    ResourceEstimate r;
    r.threads = a.get(Knob::kThreads, 128);
    r.registers_per_thread = 32;
    return r;
  }

  SketchFeatures Features(const SpaceContext& ctx, const Annotation&, const FeatureInputs& in) const override {
    const ProblemDims& d = ctx.dims;
    SketchFeatures f = SketchFeatures::Start(in);
    f.blocks = std::max(1.0, CeilDiv(static_cast<double>(d.elements), in.threads));
    f.padding_efficiency = static_cast<double>(d.elements) / (f.blocks * in.threads);
    return f;
  }

  Expected<KernelSource> Emit(const ir::Graph& g, const Program& p) const override { return EmitGeneric(g, p); }
};

}  // namespace

const SketchDef& GenericSketch() {
  static const Generic sketch;
  return sketch;
}

}  // namespace agt::codegen

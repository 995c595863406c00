// The sketch table built from sketches.def, the lookups that replace the former switches over
// SketchKind, and the helpers the sketches' applicability tests share.
#include "codegen/sketches/sketch.h"

namespace agt::codegen {

const std::array<const SketchDef*, kNumSketches>& SketchTable() {
  static const std::array<const SketchDef*, kNumSketches> table = {
#define SKETCH(Enum, name, Accessor) &Accessor(),
#include "codegen/sketches/sketches.def"
#undef SKETCH
  };
  return table;
}

const SketchDef& GetSketch(SketchKind k) { return *SketchTable()[static_cast<size_t>(k)]; }

int SketchEmitterVersion(SketchKind k) { return GetSketch(k).EmitterVersion(); }

Status SketchDef::Validate(const SpaceContext&, const Annotation&) const { return Status::Ok(); }

double SketchDef::MatrixFlops(const ProblemDims&) const { return 0; }

SketchFeatures SketchFeatures::Start(const FeatureInputs& in) {
  SketchFeatures f;
  f.global_load_bytes = in.dram_bytes;
  return f;
}

std::vector<std::pair<std::string_view, double>> SketchFeatures::Named() const {
  return {
#define AGT_SKETCH_FEATURE_PAIR(field, n) {n, field},
      AGT_SKETCH_FEATURES(AGT_SKETCH_FEATURE_PAIR)
#undef AGT_SKETCH_FEATURE_PAIR
  };
}

Expected<SpaceContext> VariantSpace(const SketchDef& def, const ir::Graph& g, const Task& task, const Sketch& variant) {
  AGT_ASSIGN_OR_RETURN(ProblemDims dims, def.Analyze(g));
  AGT_ASSIGN_OR_RETURN(ir::DeviceInfo arch, ir::DeviceForArch(task.arch));
  return SpaceContext{variant, task.precision, arch, dims};
}

bool EmitsAtDefault(const SketchDef& def, const ir::Graph& g, const Task& task, const SpaceContext& ctx, std::string* why) {
  Program p{task, ctx.sketch, def.Default(ctx)};
  auto src = def.Emit(g, p);
  if (!src.ok()) {
    if (why) *why = src.status().message();
    return false;
  }
  return true;
}

}  // namespace agt::codegen

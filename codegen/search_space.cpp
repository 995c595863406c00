// The annotation space of a (sketch, task): each sketch's knobs, defaults and rules come from its
// entry in the sketch table (codegen/sketches/); this file adds what is common to all of them:
// the domain check, the device limits every kernel must respect, and random sampling.
#include "codegen/search_space.h"

#include <algorithm>

#include "codegen/sketches/sketch.h"

namespace agt::codegen {

std::vector<KnobSpec> KnobsFor(const SpaceContext& ctx) { return GetSketch(ctx.sketch.kind).Space(ctx); }

ResourceEstimate EstimateResources(const SpaceContext& ctx, const Annotation& a) {
  return GetSketch(ctx.sketch.kind).Resources(ctx, a);
}

Status ValidateAnnotation(const SpaceContext& ctx, const Annotation& a) {
  const SketchDef& sketch = GetSketch(ctx.sketch.kind);
  for (const KnobSpec& k : sketch.Space(ctx)) {
    if (!a.has(k.knob) && !k.absent) return Status::Errorf("knob {} is not set", KnobName(k.knob));
    const int64_t v = a.has(k.knob) ? a.get(k.knob) : *k.absent;
    if (std::find(k.domain.begin(), k.domain.end(), v) == k.domain.end()) {
      return Status::Errorf("knob {}={} is outside its domain", KnobName(k.knob), v);
    }
  }
  AGT_RETURN_IF_ERROR(sketch.Validate(ctx, a));
  ResourceEstimate r = sketch.Resources(ctx, a);
  if (r.threads < 32 || r.threads > std::min(1024, ctx.arch.max_threads_per_block) || r.threads % 32 != 0) {
    return Status::Errorf("{} threads per block", r.threads);
  }
  if (r.smem_bytes > ctx.arch.shared_memory_per_block) {
    return Status::Errorf("{} bytes of shared memory exceed {}'s {} per block", r.smem_bytes, ctx.arch.arch, ctx.arch.shared_memory_per_block);
  }
  if (r.registers_per_thread > std::min(ctx.arch.registers_per_thread, 65536 / static_cast<int>(r.threads))) {
    return Status::Errorf("about {} registers per thread exceed the limit at {} threads", r.registers_per_thread, r.threads);
  }
  return Status::Ok();
}

Annotation SampleAnnotation(const SpaceContext& ctx, std::mt19937_64& rng) {
  std::vector<KnobSpec> knobs = KnobsFor(ctx);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    Annotation a;
    for (const KnobSpec& k : knobs) {
      std::uniform_int_distribution<size_t> pick(0, k.domain.size() - 1);
      a.set(k.knob, k.domain[pick(rng)]);
    }
    if (ValidateAnnotation(ctx, a).ok()) return a;
  }
  return DefaultAnnotation(ctx);
}

Annotation DefaultAnnotation(const SpaceContext& ctx) { return GetSketch(ctx.sketch.kind).Default(ctx); }

}  // namespace agt::codegen

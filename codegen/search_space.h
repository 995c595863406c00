// Annotation spaces as data: for each sketch, the list of knobs with their domains (Ansor's
// annotations, Triton's autotune configs). The sampler, the mutator and the tuner's feature
// extractor all read this one definition. Validity checks (shared memory under the arch's limit, a
// register estimate, divisibility where the sketch needs it) reject an annotation before any compile.
#pragma once

#include <cstdint>
#include <random>
#include <optional>
#include <vector>

#include "codegen/kernel_source.h"
#include "codegen/program.h"
#include "ir/status.h"

namespace agt::codegen {

struct KnobSpec {
  Knob knob;
  std::vector<int64_t> domain;   // the values a sampler may pick, ascending
  // For a knob added to a sketch after tuning logs were recorded: the value an annotation that does
  // not set it stands for (what the sketch did before the knob existed), so those records stay valid.
  // Unset: the knob must be set.
  std::optional<int64_t> absent = std::nullopt;
};

// Everything the space of one (sketch, task) depends on.
struct SpaceContext {
  Sketch sketch;
  Precision precision = Precision::kFP16;
  ir::DeviceInfo arch;
  ProblemDims dims;
};

std::vector<KnobSpec> KnobsFor(const SpaceContext& ctx);

// Resources an annotation would use (estimates; the compiler's own report is the final word).
struct ResourceEstimate {
  int64_t threads = 0;
  int64_t smem_bytes = 0;
  int64_t registers_per_thread = 0;
};
ResourceEstimate EstimateResources(const SpaceContext& ctx, const Annotation& a);

// Ok, or why the annotation is invalid for this sketch and task.
Status ValidateAnnotation(const SpaceContext& ctx, const Annotation& a);

// A random valid annotation (retries draws; falls back to the default when none is found).
Annotation SampleAnnotation(const SpaceContext& ctx, std::mt19937_64& rng);

// The deterministic annotation of an untuned compile: a shape heuristic, always valid.
Annotation DefaultAnnotation(const SpaceContext& ctx);

}  // namespace agt::codegen

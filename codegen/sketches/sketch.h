// One interface for every sketch (Ansor's sketch rules with MeetCondition, Triton's autotune
// configs beside their kernel): a SketchDef says whether its sketch fits a group, which variants
// it offers, its annotation space (knobs and domains), its default annotation, its validity rules
// and resource estimate, its emitter version, its part of the cost model's features, and it emits
// the kernel. The table of sketches is sketches.def, in rule order; everything that used to switch
// over SketchKind (problem analysis, emitter dispatch, search space, features) looks the sketch up
// here instead.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codegen/kernel_source.h"
#include "codegen/program.h"
#include "codegen/search_space.h"
#include "ir/graph.h"
#include "ir/status.h"

namespace agt::codegen {

// What the cost model's feature extractor (tuner/features.cpp) knows of the task and launch.
struct FeatureInputs {
  double storage_bytes = 0;   // bytes of one float element at the task's precision
  double dram_bytes = 0;      // the group's inputs and outputs
  double threads = 1;         // threads per block of the annotation (at least 1)
};

// A sketch's part of the cost model's features: how the annotation tiles the problem. The
// extractor turns them, with the task-level ones, into the fixed feature vector.
// SKETCH_FEATURE(field, "name")
#define AGT_SKETCH_FEATURES(X)                                                                    \
  X(blocks, "blocks") X(global_load_bytes, "global_load_bytes") X(smem_read_bytes, "smem_read_bytes") \
  X(padding_efficiency, "padding_efficiency") X(k_iterations, "k_iterations") X(vector_bytes, "vector_bytes")
struct SketchFeatures {
  double blocks = 1;               // thread blocks in the grid
  double global_load_bytes = 0;    // bytes loaded from global memory (DRAM or L2) by all blocks
  double smem_read_bytes = 0;      // bytes read from shared memory into registers
  double padding_efficiency = 1;   // useful share of the tiled iteration space
  double k_iterations = 0;         // serial steps of a block's main loop
  double vector_bytes = 0;         // bytes per thread per access (element-wise vectors)

  // Blocks 1, global loads = the DRAM bytes, padding 1, the rest 0.
  static SketchFeatures Start(const FeatureInputs& in);
  // The fields with their names, in declaration order.
  std::vector<std::pair<std::string_view, double>> Named() const;
};

class SketchDef {
 public:
  virtual ~SketchDef() = default;
  virtual SketchKind kind() const = 0;
  std::string_view name() const { return SketchKindName(kind()); }

  // The variants a rule offers for `task`, best first (tensor cores before SIMT where they apply).
  virtual std::vector<Sketch> Variants(const Task& /*task*/) const { return {Sketch{kind(), false}}; }
  // The sizes the annotation space depends on, or why the group does not fit the sketch.
  virtual Expected<ProblemDims> Analyze(const ir::Graph& g) const = 0;
  // MeetCondition: whether `variant` can be emitted for the group; when not, `why` says so.
  virtual bool Applies(const ir::Graph& g, const Task& task, const Sketch& variant, std::string* why) const = 0;

  // The annotation space: knobs and their domains.
  virtual std::vector<KnobSpec> Space(const SpaceContext& ctx) const = 0;
  // The deterministic annotation of an untuned compile: a shape heuristic, always valid.
  virtual Annotation Default(const SpaceContext& ctx) const = 0;
  virtual ResourceEstimate Resources(const SpaceContext& ctx, const Annotation& a) const = 0;
  // The sketch's own validity rules; ValidateAnnotation checks the domains before and the device's
  // limits (threads, shared memory, registers) after.
  virtual Status Validate(const SpaceContext& ctx, const Annotation& a) const;

  // SketchEmitterVersion (program.h): raised when the code emitted for the same program changes speed.
  virtual int EmitterVersion() const { return 1; }
  // FLOPs of the matrix products the sketch computes (0 for sketches without any).
  virtual double MatrixFlops(const ProblemDims& d) const;
  virtual SketchFeatures Features(const SpaceContext& ctx, const Annotation& a, const FeatureInputs& in) const = 0;

  virtual Expected<KernelSource> Emit(const ir::Graph& g, const Program& p) const = 0;
};

inline constexpr size_t kNumSketches = 0
#define SKETCH(Enum, name, Accessor) +1
#include "codegen/sketches/sketches.def"
#undef SKETCH
    ;

// The sketch of `k`.
const SketchDef& GetSketch(SketchKind k);
// All sketches in rule order (sketches.def).
const std::array<const SketchDef*, kNumSketches>& SketchTable();

// Each sketch file's accessor (sketches.def).
#define SKETCH(Enum, name, Accessor) const SketchDef& Accessor();
#include "codegen/sketches/sketches.def"
#undef SKETCH

// The space of `variant` for the group: its analysis and the task's device. For Applies().
Expected<SpaceContext> VariantSpace(const SketchDef& def, const ir::Graph& g, const Task& task, const Sketch& variant);
// Whether `def` emits the group at its default annotation of `ctx` (`why` when not). The
// applicability tests use it for the conditions only an emitter knows (see each sketch's Applies).
bool EmitsAtDefault(const SketchDef& def, const ir::Graph& g, const Task& task, const SpaceContext& ctx, std::string* why);

// Small arithmetic the sketch files share.
namespace sketch_math {
inline int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline double CeilDiv(double a, double b) { return std::ceil(a / b); }
// Elements of one 16-byte vector at the precision's storage type.
inline int64_t VecElems(Precision p) { return 16 / FloatStorageBytes(p); }
// One wave of blocks on an H100, the target of the default tilings.
inline constexpr int64_t kTargetBlocks = 132;
}  // namespace sketch_math

}  // namespace agt::codegen

// A tensor program, the unit the tuner samples, measures and logs: the task (a fused group as IR
// text, its precision and target arch), the sketch (the kernel's structure, chosen by a sketch rule)
// and the annotation (the knob values that fill the sketch in). It serialises to JSON and back
// exactly, because the tuning log stores programs and replays them into byte-identical kernels.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "ir/device.h"
#include "ir/precision.h"
#include "ir/status.h"

namespace agt::codegen {

using ir::Precision;
using ir::PrecisionName;
using ir::ParsePrecision;
using ir::UsesTensorCores;
using ir::FloatStorageBytes;

struct Task {
  std::string graph_text;           // the group graph, ir::PrintGraph text (what ir::ParseGraph reads)
  Precision precision = Precision::kFP16;
  std::string arch = "sm_90";
  bool operator==(const Task&) const = default;
};

// The sketches, in rule order, from the sketch table (codegen/sketches/sketches.def).
enum class SketchKind : uint8_t {
#define SKETCH(Enum, name, Accessor) Enum,
#include "codegen/sketches/sketches.def"
#undef SKETCH
};
std::string_view SketchKindName(SketchKind k);
std::optional<SketchKind> ParseSketchKind(std::string_view name);
// The version of a sketch's emitter: raised whenever the code it emits for the same program changes
// speed, so that tuning records measured on older code are not trusted (tuner/tuning_log.h).
// 1 for every sketch when logs started; attention 2 since K/V/Q views through strided reshapes.
// Each sketch's file says its version (codegen/sketches/).
int SketchEmitterVersion(SketchKind k);

// The structural choices of a sketch (what a rule fixed), separate from the tunable numbers.
struct Sketch {
  SketchKind kind = SketchKind::kGeneric;
  bool tensor_cores = false;        // GEMM: mma.sync (fp16/bf16/tf32) instead of SIMT FMA
  bool operator==(const Sketch&) const = default;
};

enum class Knob : uint8_t {
#define KNOB(Enum, name) Enum,
#include "codegen/knobs.def"
#undef KNOB
  kCount
};
inline constexpr size_t kNumKnobs = static_cast<size_t>(Knob::kCount);
std::string_view KnobName(Knob k);
std::optional<Knob> ParseKnob(std::string_view name);

// Knob values; a knob a sketch does not use stays unset.
class Annotation {
 public:
  bool has(Knob k) const { return values_[static_cast<size_t>(k)].has_value(); }
  // The value, or `fallback` when unset.
  int64_t get(Knob k, int64_t fallback = 0) const { return values_[static_cast<size_t>(k)].value_or(fallback); }
  void set(Knob k, int64_t v) { values_[static_cast<size_t>(k)] = v; }
  void clear(Knob k) { values_[static_cast<size_t>(k)].reset(); }
  // "block_m=128 block_n=64 ..." in knob order, for kernel headers and logs.
  std::string ToString() const;
  bool operator==(const Annotation&) const = default;

 private:
  std::array<std::optional<int64_t>, kNumKnobs> values_{};
};

struct Program {
  Task task;
  Sketch sketch;
  Annotation annotation;
  bool operator==(const Program&) const = default;
};

nlohmann::json ToJson(const Program& p);
Expected<Program> ProgramFromJson(const nlohmann::json& j);
// A JSON value that must be an integer within int64: a float (1.5, or 1e300, whose conversion to an
// integer is undefined behaviour: the tuning-log fuzzer found it), a string or an unsigned past int64
// is refused, naming `what`. What every reader of our JSON formats uses for integer fields.
Expected<int64_t> JsonInteger(const nlohmann::json& v, std::string_view what);
// Compact one-line JSON text and back.
std::string ProgramToJsonText(const Program& p);
Expected<Program> ProgramFromJsonText(std::string_view text);

}  // namespace agt::codegen

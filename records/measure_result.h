// What one measurement of a program produced: a typed error (Ansor's MeasureErrorNO) and, when it
// ran and matched the reference, its times. The measurer fills it in, the tuning log stores it, the
// cost model learns from it and the scheduler reads the best time per task from it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agt::records {

enum class MeasureError : uint8_t {
  kNone,           // ran, matched the reference, timed
  kCompileError,   // emission or NVRTC failed
  kLaunchError,    // module load, launch or execution failed (a fault, too many resources, ...)
  kWrongAnswer,    // ran, but the outputs differ from the reference beyond the precision's tolerance
  kTimeout,        // the worker did not answer in time and was killed
  kNoDevice,       // no CUDA driver or device: nothing could run
};
std::string_view MeasureErrorName(MeasureError e);   // "none", "compile_error", ...
std::optional<MeasureError> ParseMeasureError(std::string_view name);

struct MeasureResult {
  MeasureError error = MeasureError::kNone;
  std::string message;             // the error's text (empty when none)
  double median_us = 0;            // median of `times_us` (valid when error == kNone)
  std::vector<double> times_us;    // one per repeat
  double rel_error = 0;            // relative L2 error against the reference (when checked)
  // The early cut (tuner/worker_protocol.h: EarlyCut): timed only for its first repeats, because their
  // median was already far above its task's best. The median is of those repeats.
  bool cut = false;
  bool ok() const { return error == MeasureError::kNone; }
};

}  // namespace agt::records

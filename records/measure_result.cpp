// Names of the measurement errors, as the tuning log writes them.
#include "records/measure_result.h"

#include <iterator>

namespace agt::records {

namespace {
constexpr std::string_view kErrorNames[] = {"none", "compile_error", "launch_error", "wrong_answer", "timeout", "no_device"};
}

std::string_view MeasureErrorName(MeasureError e) { return kErrorNames[static_cast<size_t>(e)]; }

std::optional<MeasureError> ParseMeasureError(std::string_view name) {
  for (size_t i = 0; i < std::size(kErrorNames); ++i) {
    if (kErrorNames[i] == name) return static_cast<MeasureError>(i);
  }
  return std::nullopt;
}

}  // namespace agt::records

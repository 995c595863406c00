// Durations on the command line: "20m", "90s", "1h30m", "1.5h", or plain seconds ("45").
#pragma once

#include <string_view>

#include "ir/status.h"

namespace agt::tuner {

// Seconds; an error for anything else (negative, empty, unknown unit).
Expected<double> ParseDuration(std::string_view text);

}  // namespace agt::tuner

// Parsing of --time-budget values (see duration.h).
#include "tuner/duration.h"

#include <cctype>
#include <cstdlib>
#include <string>

namespace agt::tuner {

Expected<double> ParseDuration(std::string_view text) {
  if (text.empty()) return Status::Error("empty duration");
  double total = 0;
  size_t i = 0;
  bool any = false;
  while (i < text.size()) {
    size_t j = i;
    while (j < text.size() && (std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == '.')) ++j;
    if (j == i) return Status::Errorf("bad duration '{}' (expected e.g. 20m, 90s, 1h30m)", text);
    std::string num(text.substr(i, j - i));
    char* end = nullptr;
    double v = std::strtod(num.c_str(), &end);
    if (end == num.c_str() || *end != '\0') return Status::Errorf("bad number in duration '{}'", text);
    double unit = 1;
    if (j < text.size()) {
      switch (text[j]) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        default: return Status::Errorf("bad unit '{}' in duration '{}' (s, m or h)", text[j], text);
      }
      ++j;
    } else if (any) {
      return Status::Errorf("missing unit after {} in duration '{}'", num, text);
    }
    total += v * unit;
    any = true;
    i = j;
  }
  return total;
}

}  // namespace agt::tuner

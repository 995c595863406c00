// Text helpers the expression emitter's two files share (expr_emitter.cpp: loaders of inputs,
// constants, element-wise and injective ops; expr_emitter_loops.cpp: loaders that loop over their
// operands). Internal to codegen.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ir/attrs.h"

namespace agt::codegen::expr_text {

inline std::string Join(const std::vector<std::string>& v, std::string_view sep = ", ") { return fmt::format("{}", fmt::join(v, sep)); }

inline std::vector<int64_t> Ints(const ir::Attrs& a, ir::AttrKey k) {
  const ir::AttrValue* v = a.find(k);
  if (v == nullptr) return {};
  if (const auto* i = std::get_if<std::vector<int64_t>>(v)) return *i;
  return {};
}

// A float literal that reads back as the same float (non-finite values as their bits).
inline std::string FloatLit(double d) {
  float f = static_cast<float>(d);
  if (std::isfinite(f)) {
    // "0f" or "2f" is no float literal in C++: keep a '.' or an exponent before the suffix.
    std::string s = fmt::format("{:.9g}", f);
    if (s.find_first_of(".en") == std::string::npos) s += ".0";
    return s + "f";
  }
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return fmt::format("__int_as_float(0x{:08x})", bits);
}

inline int64_t NormAxis(int64_t axis, size_t rank) { return axis < 0 ? axis + static_cast<int64_t>(rank) : axis; }

// The source coordinate (a double expression) of output index `o` along a dim resized from n_in to
// n_out, in ONNX Resize's coordinate-transformation mode `coord` (ir/ops/resize.cpp's SourceCoord).
inline std::string ResizeCoordExpr(const std::string& coord, const std::string& o, int64_t n_in, int64_t n_out) {
  const double scale = static_cast<double>(n_out) / static_cast<double>(n_in);
  const std::string x = fmt::format("(double){}", o);
  if (coord == "pytorch_half_pixel") return n_out > 1 ? fmt::format("({} + 0.5) / {} - 0.5", x, scale) : "0.0";
  if (coord == "align_corners") return n_out == 1 ? "0.0" : fmt::format("{} * {} / {}", x, n_in - 1, n_out - 1);
  if (coord == "asymmetric") return fmt::format("{} / {}", x, scale);
  if (coord == "tf_half_pixel_for_nearest") return fmt::format("({} + 0.5) / {}", x, scale);
  return fmt::format("({} + 0.5) / {} - 0.5", x, scale);
}

}  // namespace agt::codegen::expr_text

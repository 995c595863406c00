// Names and storage sizes of the precision modes.
#include "ir/precision.h"

#include <iterator>

namespace agt::ir {

namespace {
constexpr std::string_view kPrecisionNames[] = {"fp32", "tf32", "fp16", "bf16"};
}  // namespace

std::string_view PrecisionName(Precision p) {
  size_t i = static_cast<size_t>(p);
  return i < std::size(kPrecisionNames) ? kPrecisionNames[i] : "?";
}

std::optional<Precision> ParsePrecision(std::string_view name) {
  for (size_t i = 0; i < std::size(kPrecisionNames); ++i) {
    if (kPrecisionNames[i] == name) return static_cast<Precision>(i);
  }
  return std::nullopt;
}

bool UsesTensorCores(Precision p) { return p != Precision::kFP32; }

int FloatStorageBytes(Precision p) { return p == Precision::kFP16 || p == Precision::kBF16 ? 2 : 4; }

size_t StorageBytes(Precision p, DType dtype) {
  if (!IsFloat(dtype)) return DTypeSize(dtype);
  return static_cast<size_t>(FloatStorageBytes(p));
}

}  // namespace agt::ir

// Names and storage sizes of the precision modes.
#include "compiler/fusion/precision.h"

namespace agt::fusion {

std::string_view PrecisionName(Precision p) {
  switch (p) {
    case Precision::kFP32: return "fp32";
    case Precision::kTF32: return "tf32";
    case Precision::kFP16: return "fp16";
    case Precision::kBF16: return "bf16";
  }
  return "?";
}

std::optional<Precision> ParsePrecision(std::string_view name) {
  for (Precision p : {Precision::kFP32, Precision::kTF32, Precision::kFP16, Precision::kBF16}) {
    if (PrecisionName(p) == name) return p;
  }
  return std::nullopt;
}

size_t StorageBytes(Precision p, ir::DType dtype) {
  if (!ir::IsFloat(dtype)) return ir::DTypeSize(dtype);
  return (p == Precision::kFP16 || p == Precision::kBF16) ? 2 : 4;
}

bool UsesTensorCores(Precision p) { return p != Precision::kFP32; }

}  // namespace agt::fusion

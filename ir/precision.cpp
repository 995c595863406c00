// Names and storage sizes of the precision modes.
#include "ir/precision.h"

#include <iterator>

#include "ir/graph.h"

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

DType StorageDType(DType dtype, Precision p) {
  if (!IsFloat(dtype)) return dtype;
  switch (p) {
    case Precision::kFP16: return DType::kF16;
    case Precision::kBF16: return DType::kBF16;
    default: return DType::kF32;
  }
}

bool IsStatistics(const Value& v) {
  if (v.producer() != nullptr && v.producer()->op() == OpKind::kRowMoments) return true;
  for (const Use& u : v.uses()) {
    const OpKind k = u.node->op();
    if ((k == OpKind::kLayerNormMoments || k == OpKind::kLinearNormMoments) && u.operand == 1) return true;
  }
  return false;
}

DType StorageDType(const Value& v, Precision p) { return IsStatistics(v) ? DType::kF32 : StorageDType(v.dtype(), p); }

size_t StorageBytes(Precision p, DType dtype) { return DTypeSize(StorageDType(dtype, p)); }

int FloatStorageBytes(Precision p) { return static_cast<int>(StorageBytes(p, DType::kF32)); }

}  // namespace agt::ir

// Numeric precision of a compiled model: how matrix products run (tensor cores or SIMT) and how
// many bytes an activation or weight element occupies in device memory. DPOF prices groups with it;
// tasks carry it, because a group tuned in fp16 is a different tuning task from the same group in fp32.
#pragma once

#include <optional>
#include <string_view>

#include "ir/dtype.h"

namespace agt::fusion {

enum class Precision : uint8_t {
  kFP32,   // exact fp32 on SIMT cores (the paper's precision)
  kTF32,   // fp32 storage, tf32 tensor-core products
  kFP16,   // fp16 storage and products, fp32 accumulation
  kBF16,   // bf16 storage and products, fp32 accumulation
};

std::string_view PrecisionName(Precision p);                  // "fp32", "tf32", "fp16", "bf16"
std::optional<Precision> ParsePrecision(std::string_view name);
// Bytes one element of a floating value occupies at this precision (integer values keep their size).
size_t StorageBytes(Precision p, ir::DType dtype);
// Whether matrix products use tensor cores at this precision.
bool UsesTensorCores(Precision p);

}  // namespace agt::fusion

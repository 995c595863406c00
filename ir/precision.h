// Numeric precision of a compiled model: how floating tensors are stored and how matrix products run
// (tensor cores or SIMT). One definition for every stage: DPOF prices groups with it, tasks carry it
// (a group tuned in fp16 is a different tuning task from the same group in fp32), the sketches emit
// for it and the tuning log records it by name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "ir/dtype.h"

namespace agt::ir {

class Value;

enum class Precision : uint8_t {
  kFP32,   // fp32 storage, SIMT FMA (exact fp32, the paper's precision)
  kTF32,   // fp32 storage, tf32 tensor-core MMA
  kFP16,   // half storage, fp16 MMA, fp32 accumulation and statistics
  kBF16,   // bfloat16 storage, bf16 MMA, fp32 accumulation and statistics
};

std::string_view PrecisionName(Precision p);                  // "fp32", "tf32", "fp16", "bf16"
std::optional<Precision> ParsePrecision(std::string_view name);
// Whether matrix products use tensor cores at this precision.
bool UsesTensorCores(Precision p);
// The dtype a value of `dtype` has in device memory at `p`: every floating value is stored in the
// precision's float type (f32 for fp32/tf32, f16, bf16); integers and bools keep their own type.
// The one rule of device storage: DPOF's byte counts, the sketches and the weight packing read it.
DType StorageDType(DType dtype, Precision p);
// The same rule for a value of a graph, with its one exception: statistics stay f32 at every
// precision (IsStatistics). Where a value is at hand, this form is the one to call.
DType StorageDType(const Value& v, Precision p);
// Whether `v` holds LayerNorm statistics: row_moments' output, or the moments layer_norm_moments (or
// linear_norm_moments) reads
// (a task graph's input then). f32 pairs the Hopper core's epilogue writes and its next GEMM reads.
bool IsStatistics(const Value& v);
// Bytes one element of a value of `dtype` occupies in device memory at `p`.
size_t StorageBytes(Precision p, DType dtype);
// Bytes one floating element occupies in device memory at this precision.
int FloatStorageBytes(Precision p);

}  // namespace agt::ir

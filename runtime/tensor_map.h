// TMA tensor maps for the Hopper kernels: a 2-D tiled map (CUtensorMap, 128 opaque bytes) encoded by
// the driver's cuTensorMapEncodeTiled, reached through the dlopen'ed driver (runtime/cuda_driver.h).
// Maps are encoded once, when the addresses are known (the artifact's arena and weights at load, the
// tuner's buffers per measurement), and passed to kernels by value as `const __grid_constant__`
// parameters; nothing is encoded per run.
//
// ValidateTensorMap2D checks the driver's documented rules first, so that a shape TMA cannot take
// gets a message that names the rule instead of the driver's bare CUDA_ERROR_INVALID_VALUE; it needs
// no GPU, so the compiler can call it when it decides which operands go through TMA.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/cuda_driver.h"

namespace agt::runtime {

// The driver's CUtensorMap: 16 opaque 64-bit words, 64-byte aligned.
struct alignas(64) TensorMap {
  uint64_t opaque[16];
};
static_assert(sizeof(TensorMap) == 128, "CUtensorMap is 128 bytes");

// The element types the kernels use (values are CUtensorMapDataType's).
enum class TmaElement : int { kF16 = 6, kF32 = 7, kBF16 = 9, kTF32 = 11 };
// Shared-memory swizzle (values are CUtensorMapSwizzle's); the span bounds the box's inner bytes.
enum class TmaSwizzle : int { kNone = 0, k32B = 1, k64B = 2, k128B = 3 };

int TmaElementBytes(TmaElement e);
int TmaSwizzleSpan(TmaSwizzle s);   // bytes; 0 for kNone

// A row-major 2-D tensor: `rows` rows of `cols` elements, `row_stride_bytes` apart, read in boxes of
// box_cols x box_rows elements (box_cols innermost). Out-of-bounds box elements read as zeros.
struct TensorMap2DSpec {
  CUdeviceptr base = 0;
  TmaElement element = TmaElement::kF16;
  uint64_t rows = 0, cols = 0;
  uint64_t row_stride_bytes = 0;
  uint32_t box_rows = 0, box_cols = 0;
  TmaSwizzle swizzle = TmaSwizzle::k128B;
  // L2 promotion: 256-byte sectors suit whole-line tiles (CUtensorMapL2promotion 3); 0 for none.
  int l2_promotion = 3;
};

// The driver's rules for a tiled map (cuda.h, cuTensorMapEncodeTiled): base 16-byte aligned; sizes in
// [1, 2^32]; the row stride a multiple of 16 bytes, below 2^40 and at least a row; box sides in
// [1, 256]; the box's inner bytes a multiple of 16 and, when swizzled, within the swizzle span.
// InvalidArgument naming the rule otherwise.
Status ValidateTensorMap2D(const TensorMap2DSpec& spec);

// Validates, then encodes into `out` through the driver (encode once a context is current).
// AGT_ERROR_CUDA with the driver's code name when the driver refuses. (An out-parameter, not a
// Result: a 64-byte aligned type passed by value trips a GCC ABI note.)
Status EncodeTensorMap2D(const CudaDriver& driver, const TensorMap2DSpec& spec, TensorMap* out);

// Calls the driver without validating first: the [gpu] tests compare the driver's own verdicts.
CUresult EncodeTensorMap2DUnchecked(const CudaDriver& driver, const TensorMap2DSpec& spec, TensorMap* out);

}  // namespace agt::runtime

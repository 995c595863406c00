// Cast kernels at the model's edges. The user feeds and reads the ONNX dtypes (f32 usually), while
// the kernels keep floats in the precision's storage type (half at fp16, bfloat16 at bf16): where
// the two differ, an input is converted into an arena buffer before the first kernel that reads it,
// and an output is converted into its staging buffer after the last kernel. The kernels are one small
// module, emitted with the codegen's writer and prelude and compiled like every other kernel.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "codegen/program.h"
#include "ir/dtype.h"

namespace agt::driver {

using CastPair = std::pair<ir::DType, ir::DType>;   // from, to (floating dtypes)

// "agt_cast_f32_to_f16".
std::string CastKernelName(ir::DType from, ir::DType to);
// One module with a kernel `void NAME(const FROM* in, TO* out, long long n)` per pair.
std::string BoundaryCastSource(const std::vector<CastPair>& pairs, ir::Precision precision);

struct CastGeometry {
  std::array<uint32_t, 3> grid{1, 1, 1};
  std::array<uint32_t, 3> block{1, 1, 1};
};
// A grid-stride launch over n elements.
CastGeometry CastLaunchGeometry(int64_t n);

}  // namespace agt::driver

// How values are laid out in device memory at a precision, exactly as the generated kernels read
// and write them (codegen/expr_emitter.cpp, StorageType): every floating value (f32, f16, bf16) is
// stored in the precision's float type (float for fp32/tf32, half for fp16, bfloat16 for bf16);
// integers and bools keep their own type (bool as one byte). Weights are converted to this layout at
// compile time; the model's inputs and outputs keep their ONNX dtype, with cast kernels at the edges
// where the two differ (boundary_casts.h).
#pragma once

#include <cstdint>
#include <vector>

#include "codegen/program.h"
#include "ir/dtype.h"
#include "ir/tensor.h"
#include "runtime/include/autogtco/runtime.h"

namespace agt::driver {

using ir::StorageDType;   // the rule itself lives with the precision (ir/precision.h)
// Bytes of a value of `type` in device memory at `p`.
uint64_t StorageBytes(const ir::TensorType& type, ir::Precision p);
// The same for a value of the model (statistics stay f32: ir::StorageDType(const Value&, Precision)).
uint64_t StorageBytes(const ir::Value& v, ir::Precision p);
// A tensor's bytes in its storage dtype at `p` (floats rounded to nearest even).
std::vector<uint8_t> ToStorageBytes(const ir::Tensor& t, ir::Precision p);
// The C API's dtype for an IR dtype.
agt_dtype ApiDType(ir::DType dtype);

}  // namespace agt::driver

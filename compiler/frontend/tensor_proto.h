// ONNX TensorProto to ir::Tensor: the element-type mapping and the three places data can live
// (raw_data, the typed repeated fields, external files). Types the IR lacks are widened or
// narrowed to one it has, when every value survives: double -> f32 (the IR computes in f32),
// uint8/int16/uint16/uint32 -> i32, uint64 -> i64. Strings and complex numbers are refused.
#pragma once

#include <cstdint>
#include <string>

#include <onnx/onnx.pb.h>

#include "ir/dtype.h"
#include "ir/status.h"
#include "ir/tensor.h"

namespace agt::frontend {

// The IR type an ONNX element type maps to; an error names the ONNX type.
Expected<ir::DType> DTypeFromOnnx(int32_t elem_type);
// "FLOAT", "INT64", ... for messages.
std::string OnnxTypeName(int32_t elem_type);

// The most elements any tensor of an imported model may have (ir::kMaxTensorElements, 2^40, beyond
// any model a GPU holds). Shapes come from the file, so a bigger one, or one whose element count
// overflows, is an error before anything is allocated or multiplied further.
using ir::kMaxTensorElements;

// Checks that `shape` has no negative dim and at most kMaxTensorElements elements.
Status CheckShapeSize(const ir::Shape& shape);

// Decodes a tensor; `base_dir` resolves external data (empty: refused). The dims are checked with
// CheckShapeSize, and the data's size against them, before the tensor is allocated.
Expected<ir::Tensor> TensorFromProto(const onnx::TensorProto& t, const std::string& base_dir);

}  // namespace agt::frontend

// Device storage types and the conversion of host tensors to them.
#include "compiler/driver/storage.h"

#include <cstring>

#include "ir/graph.h"

namespace agt::driver {

uint64_t StorageBytes(const ir::TensorType& type, ir::Precision p) {
  ir::TensorType t{ir::StorageDType(type.dtype, p), type.shape};
  return t.size_bytes();
}

uint64_t StorageBytes(const ir::Value& v, ir::Precision p) {
  return ir::TensorType{ir::StorageDType(v, p), v.shape()}.size_bytes();
}

std::vector<uint8_t> ToStorageBytes(const ir::Tensor& t, ir::Precision p) {
  ir::DType to = ir::StorageDType(t.dtype(), p);
  if (to == t.dtype()) return std::vector<uint8_t>(t.raw(), t.raw() + t.size_bytes());
  int64_t n = t.num_elements();
  std::vector<uint8_t> out;
  if (to == ir::DType::kF32) {
    out.resize(static_cast<size_t>(n) * 4);
    for (int64_t i = 0; i < n; ++i) {
      float v = t.GetF32(i);
      std::memcpy(out.data() + 4 * i, &v, 4);
    }
    return out;
  }
  out.resize(static_cast<size_t>(n) * 2);
  for (int64_t i = 0; i < n; ++i) {
    float v = t.GetF32(i);
    uint16_t h = to == ir::DType::kF16 ? ir::FloatToHalf(v) : ir::FloatToBFloat16(v);
    std::memcpy(out.data() + 2 * i, &h, 2);
  }
  return out;
}

agt_dtype ApiDType(ir::DType dtype) {
  switch (dtype) {
    case ir::DType::kF32: return AGT_DTYPE_F32;
    case ir::DType::kF16: return AGT_DTYPE_F16;
    case ir::DType::kBF16: return AGT_DTYPE_BF16;
    case ir::DType::kI64: return AGT_DTYPE_I64;
    case ir::DType::kI32: return AGT_DTYPE_I32;
    case ir::DType::kI8: return AGT_DTYPE_I8;
    case ir::DType::kBool: return AGT_DTYPE_BOOL;
  }
  return AGT_DTYPE_F32;
}

}  // namespace agt::driver

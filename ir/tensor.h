// Host tensors: a TensorType plus its bytes in row-major order, stored in the tensor's own dtype.
// Constants in the graph and every value in the reference interpreter are Tensors. Numeric code
// reads floating tensors as f32 and integer/bool tensors as i64 through the conversion helpers.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "ir/dtype.h"

namespace agt::ir {

float HalfToFloat(uint16_t h);
uint16_t FloatToHalf(float f);        // round to nearest even; overflow gives inf
float BFloat16ToFloat(uint16_t h);
uint16_t FloatToBFloat16(float f);    // round to nearest even
// Rounds an f32 value to the precision of `t` (identity for f32 and integer types).
float RoundTo(DType t, float v);

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(TensorType type);                    // zero-filled
  Tensor(TensorType type, std::vector<uint8_t> bytes); // bytes.size() must equal type.size_bytes()

  static Tensor FromF32(DType dtype, Shape shape, std::span<const float> values);
  static Tensor FromI64(DType dtype, Shape shape, std::span<const int64_t> values);
  static Tensor ScalarF32(float v) { return FromF32(DType::kF32, {}, std::span<const float>(&v, 1)); }
  static Tensor ScalarI64(int64_t v) { return FromI64(DType::kI64, {}, std::span<const int64_t>(&v, 1)); }

  const TensorType& type() const { return type_; }
  DType dtype() const { return type_.dtype; }
  const Shape& shape() const { return type_.shape; }
  int64_t num_elements() const { return type_.num_elements(); }
  size_t size_bytes() const { return bytes_.size(); }

  const uint8_t* raw() const { return bytes_.data(); }
  uint8_t* raw() { return bytes_.data(); }
  template <typename T> const T* data() const { return reinterpret_cast<const T*>(bytes_.data()); }
  template <typename T> T* data() { return reinterpret_cast<T*>(bytes_.data()); }

  // Element i as f32 or i64, whatever the dtype (floats truncate toward zero when read as i64).
  float GetF32(int64_t i) const;
  int64_t GetI64(int64_t i) const;
  void SetF32(int64_t i, float v);   // rounds to the dtype
  void SetI64(int64_t i, int64_t v);

  std::vector<float> ToF32() const;
  std::vector<int64_t> ToI64() const;
  // Same values converted to another dtype (float->int truncates, bool is v != 0).
  Tensor CastTo(DType to) const;
  // Same bytes, another shape with the same element count.
  Tensor Reshaped(Shape shape) const;

  bool operator==(const Tensor& o) const { return type_ == o.type_ && bytes_ == o.bytes_; }

 private:
  TensorType type_;
  std::vector<uint8_t> bytes_;
};

}  // namespace agt::ir

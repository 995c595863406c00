// Host tensors and the f16/bf16 conversions.
#include "ir/tensor.h"

#include <bit>
#include <cmath>
#include <stdexcept>

namespace agt::ir {

float HalfToFloat(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      int e = -1;
      do { ++e; mant <<= 1; } while ((mant & 0x400) == 0);
      mant &= 0x3ff;
      bits = sign | (static_cast<uint32_t>(127 - 15 - e) << 23) | (mant << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  return std::bit_cast<float>(bits);
}

uint16_t FloatToHalf(float f) {
  uint32_t x = std::bit_cast<uint32_t>(f);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t absx = x & 0x7fffffffu;
  if (absx >= 0x7f800000u) {  // inf or nan
    return static_cast<uint16_t>(sign | 0x7c00u | (absx > 0x7f800000u ? 0x200u : 0u));
  }
  if (absx >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // rounds to >= 65520: inf
  if (absx < 0x38800000u) {  // below the smallest normal half: subnormal or zero
    // value = absx as float; half subnormal unit is 2^-24
    float a = std::bit_cast<float>(absx);
    float scaled = a * 16777216.0f;  // / 2^-24
    uint32_t m = static_cast<uint32_t>(std::nearbyint(scaled));  // default rounding: nearest even
    return static_cast<uint16_t>(sign | m);
  }
  uint32_t exp = ((absx >> 23) - 127 + 15);
  uint32_t mant = absx & 0x7fffffu;
  uint32_t h = (exp << 10) | (mant >> 13);
  uint32_t rest = mant & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;  // carries into the exponent correctly
  return static_cast<uint16_t>(sign | h);
}

float BFloat16ToFloat(uint16_t h) { return std::bit_cast<float>(static_cast<uint32_t>(h) << 16); }

uint16_t FloatToBFloat16(float f) {
  uint32_t x = std::bit_cast<uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);  // quiet nan
  uint32_t rounding = 0x7fffu + ((x >> 16) & 1u);
  return static_cast<uint16_t>((x + rounding) >> 16);
}

float RoundTo(DType t, float v) {
  switch (t) {
    case DType::kF16: return HalfToFloat(FloatToHalf(v));
    case DType::kBF16: return BFloat16ToFloat(FloatToBFloat16(v));
    default: return v;
  }
}

Tensor::Tensor(TensorType type) : type_(std::move(type)), bytes_(type_.size_bytes(), 0) {}

Tensor::Tensor(TensorType type, std::vector<uint8_t> bytes) : type_(std::move(type)), bytes_(std::move(bytes)) {
  if (bytes_.size() != type_.size_bytes()) throw std::invalid_argument("Tensor: byte size does not match type");
}

Tensor Tensor::FromF32(DType dtype, Shape shape, std::span<const float> values) {
  Tensor t(TensorType{dtype, std::move(shape)});
  if (static_cast<int64_t>(values.size()) != t.num_elements()) throw std::invalid_argument("Tensor::FromF32: count");
  if (dtype == DType::kF32) {
    if (!values.empty()) std::memcpy(t.raw(), values.data(), values.size() * 4);
  } else {
    for (size_t i = 0; i < values.size(); ++i) t.SetF32(static_cast<int64_t>(i), values[i]);
  }
  return t;
}

Tensor Tensor::FromI64(DType dtype, Shape shape, std::span<const int64_t> values) {
  Tensor t(TensorType{dtype, std::move(shape)});
  if (static_cast<int64_t>(values.size()) != t.num_elements()) throw std::invalid_argument("Tensor::FromI64: count");
  for (size_t i = 0; i < values.size(); ++i) t.SetI64(static_cast<int64_t>(i), values[i]);
  return t;
}

float Tensor::GetF32(int64_t i) const {
  switch (type_.dtype) {
    case DType::kF32: return data<float>()[i];
    case DType::kF16: return HalfToFloat(data<uint16_t>()[i]);
    case DType::kBF16: return BFloat16ToFloat(data<uint16_t>()[i]);
    case DType::kI64: return static_cast<float>(data<int64_t>()[i]);
    case DType::kI32: return static_cast<float>(data<int32_t>()[i]);
    case DType::kI8: return static_cast<float>(data<int8_t>()[i]);
    case DType::kBool: return data<uint8_t>()[i] ? 1.0f : 0.0f;
  }
  return 0.0f;
}

int64_t Tensor::GetI64(int64_t i) const {
  switch (type_.dtype) {
    case DType::kI64: return data<int64_t>()[i];
    case DType::kI32: return data<int32_t>()[i];
    case DType::kI8: return data<int8_t>()[i];
    case DType::kBool: return data<uint8_t>()[i] ? 1 : 0;
    default: {
      float f = GetF32(i);
      if (!std::isfinite(f)) return 0;
      return static_cast<int64_t>(f);
    }
  }
}

void Tensor::SetF32(int64_t i, float v) {
  switch (type_.dtype) {
    case DType::kF32: data<float>()[i] = v; break;
    case DType::kF16: data<uint16_t>()[i] = FloatToHalf(v); break;
    case DType::kBF16: data<uint16_t>()[i] = FloatToBFloat16(v); break;
    case DType::kBool: data<uint8_t>()[i] = v != 0.0f; break;
    default: SetI64(i, std::isfinite(v) ? static_cast<int64_t>(v) : 0); break;
  }
}

void Tensor::SetI64(int64_t i, int64_t v) {
  switch (type_.dtype) {
    case DType::kI64: data<int64_t>()[i] = v; break;
    case DType::kI32: data<int32_t>()[i] = static_cast<int32_t>(v); break;
    case DType::kI8: data<int8_t>()[i] = static_cast<int8_t>(v); break;
    case DType::kBool: data<uint8_t>()[i] = v != 0; break;
    default: SetF32(i, static_cast<float>(v)); break;
  }
}

std::vector<float> Tensor::ToF32() const {
  std::vector<float> out(static_cast<size_t>(num_elements()));
  if (type_.dtype == DType::kF32) {
    if (!out.empty()) std::memcpy(out.data(), raw(), out.size() * 4);
  } else {
    for (size_t i = 0; i < out.size(); ++i) out[i] = GetF32(static_cast<int64_t>(i));
  }
  return out;
}

std::vector<int64_t> Tensor::ToI64() const {
  std::vector<int64_t> out(static_cast<size_t>(num_elements()));
  for (size_t i = 0; i < out.size(); ++i) out[i] = GetI64(static_cast<int64_t>(i));
  return out;
}

Tensor Tensor::CastTo(DType to) const {
  Tensor t(TensorType{to, type_.shape});
  int64_t n = num_elements();
  bool src_float = IsFloat(type_.dtype);
  for (int64_t i = 0; i < n; ++i) {
    if (to == DType::kBool) {
      t.SetI64(i, src_float ? (GetF32(i) != 0.0f) : (GetI64(i) != 0));
    } else if (src_float) {
      t.SetF32(i, GetF32(i));
    } else {
      t.SetI64(i, GetI64(i));
    }
  }
  return t;
}

Tensor Tensor::Reshaped(Shape shape) const {
  if (NumElements(shape) != num_elements()) throw std::invalid_argument("Tensor::Reshaped: element count");
  Tensor t = *this;
  t.type_.shape = std::move(shape);
  return t;
}

}  // namespace agt::ir

// Element types and static tensor types of the IR.
#include "ir/dtype.h"

#include <fmt/format.h>

namespace agt::ir {

std::string_view DTypeName(DType t) {
  switch (t) {
    case DType::kF32: return "f32";
    case DType::kF16: return "f16";
    case DType::kBF16: return "bf16";
    case DType::kI64: return "i64";
    case DType::kI32: return "i32";
    case DType::kI8: return "i8";
    case DType::kBool: return "bool";
  }
  return "?";
}

std::optional<DType> ParseDType(std::string_view name) {
  for (DType t : {DType::kF32, DType::kF16, DType::kBF16, DType::kI64, DType::kI32, DType::kI8, DType::kBool}) {
    if (DTypeName(t) == name) return t;
  }
  return std::nullopt;
}

size_t DTypeSize(DType t) {
  switch (t) {
    case DType::kF32: return 4;
    case DType::kF16: return 2;
    case DType::kBF16: return 2;
    case DType::kI64: return 8;
    case DType::kI32: return 4;
    case DType::kI8: return 1;
    case DType::kBool: return 1;
  }
  return 0;
}

bool IsFloat(DType t) { return t == DType::kF32 || t == DType::kF16 || t == DType::kBF16; }
bool IsInteger(DType t) { return t == DType::kI64 || t == DType::kI32 || t == DType::kI8; }

int64_t NumElements(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

std::string ShapeBoundError(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) {
    if (d < 0) return fmt::format("shape {} has a negative dim", ShapeToString(s));
    if (d != 0 && n > kMaxTensorElements / d) return fmt::format("shape {} has more than 2^40 elements", ShapeToString(s));
    n *= d;
  }
  return {};
}

std::string ShapeToString(const Shape& s) { return fmt::format("[{}]", fmt::join(s, ",")); }

std::vector<int64_t> Strides(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (int64_t i = static_cast<int64_t>(s.size()) - 2; i >= 0; --i) st[i] = st[i + 1] * s[i + 1];
  return st;
}

std::string TensorType::ToString() const { return fmt::format("{}{}", DTypeName(dtype), ShapeToString(shape)); }

std::optional<int64_t> NormalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) {
    if (!(rank == 0 && (axis == 0 || axis == -1))) return std::nullopt;
    return 0;
  }
  return axis < 0 ? axis + rank : axis;
}

}  // namespace agt::ir

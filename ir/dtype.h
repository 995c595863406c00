// Element types and static tensor types of the IR.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agt::ir {

enum class DType : uint8_t { kF32, kF16, kBF16, kI64, kI32, kI8, kBool };

std::string_view DTypeName(DType t);                      // "f32", "f16", ...
std::optional<DType> ParseDType(std::string_view name);
size_t DTypeSize(DType t);
bool IsFloat(DType t);                                    // f32, f16, bf16
bool IsInteger(DType t);                                  // i64, i32, i8

// A static shape: every dimension is known. Rank 0 is a scalar.
using Shape = std::vector<int64_t>;

int64_t NumElements(const Shape& s);
// The most elements any tensor may have: past any device, and far enough from int64 overflow that
// the products, strides and sums computed from shapes stay exact.
inline constexpr int64_t kMaxTensorElements = int64_t{1} << 40;
// Why `s` is no valid static shape (a negative dim, or more than kMaxTensorElements elements: the
// product checked before each multiplication, so an overflowing one is refused, not wrapped); empty
// when it is one.
std::string ShapeBoundError(const Shape& s);
std::string ShapeToString(const Shape& s);                // "[1,3,224,224]"
// Row-major strides in elements.
std::vector<int64_t> Strides(const Shape& s);

struct TensorType {
  DType dtype = DType::kF32;
  Shape shape;

  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  int64_t num_elements() const { return NumElements(shape); }
  size_t size_bytes() const { return static_cast<size_t>(num_elements()) * DTypeSize(dtype); }
  std::string ToString() const;                           // "f32[1,197,768]"
  bool operator==(const TensorType&) const = default;
};

// Normalises a possibly negative axis against a rank; nullopt when out of range.
std::optional<int64_t> NormalizeAxis(int64_t axis, int64_t rank);

}  // namespace agt::ir

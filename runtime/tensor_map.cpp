// Encodes 2-D tiled TMA tensor maps through the dlopen'ed driver; see tensor_map.h.
#include "runtime/tensor_map.h"

#include <cstring>

namespace agt::runtime {

int TmaElementBytes(TmaElement e) {
  switch (e) {
    case TmaElement::kF16:
    case TmaElement::kBF16: return 2;
    case TmaElement::kF32:
    case TmaElement::kTF32: return 4;
  }
  return 0;
}

int TmaSwizzleSpan(TmaSwizzle s) {
  switch (s) {
    case TmaSwizzle::kNone: return 0;
    case TmaSwizzle::k32B: return 32;
    case TmaSwizzle::k64B: return 64;
    case TmaSwizzle::k128B: return 128;
  }
  return 0;
}

Status ValidateTensorMap2D(const TensorMap2DSpec& s) {
  const int eb = TmaElementBytes(s.element);
  auto bad = [&](const std::string& why) {
    return InvalidArgument("tensor map " + std::to_string(s.rows) + "x" + std::to_string(s.cols) + " (row stride " +
                           std::to_string(s.row_stride_bytes) + " B, box " + std::to_string(s.box_rows) + "x" +
                           std::to_string(s.box_cols) + "): " + why);
  };
  if (eb == 0) return bad("unknown element type");
  if (s.base % 16 != 0) return bad("the global address must be 16-byte aligned");
  constexpr uint64_t kMaxDim = uint64_t{1} << 32;
  if (s.rows == 0 || s.cols == 0 || s.rows > kMaxDim || s.cols > kMaxDim) return bad("sizes must be in [1, 2^32]");
  if (s.row_stride_bytes % 16 != 0) return bad("the row stride must be a multiple of 16 bytes");
  if (s.row_stride_bytes >= (uint64_t{1} << 40)) return bad("the row stride must be below 2^40 bytes");
  if (s.row_stride_bytes < s.cols * static_cast<uint64_t>(eb)) return bad("the row stride is shorter than a row");
  if (s.box_rows == 0 || s.box_cols == 0 || s.box_rows > 256 || s.box_cols > 256) return bad("box sides must be in [1, 256]");
  const uint64_t inner = static_cast<uint64_t>(s.box_cols) * static_cast<uint64_t>(eb);
  if (inner % 16 != 0) return bad("the box's inner extent must be a multiple of 16 bytes");
  const int span = TmaSwizzleSpan(s.swizzle);
  if (span > 0 && inner > static_cast<uint64_t>(span)) {
    return bad("the box's inner extent (" + std::to_string(inner) + " B) exceeds the " + std::to_string(span) +
               "-byte swizzle span");
  }
  if (s.l2_promotion < 0 || s.l2_promotion > 3) return bad("L2 promotion must be 0..3");
  return Status::Ok();
}

CUresult EncodeTensorMap2DUnchecked(const CudaDriver& d, const TensorMap2DSpec& s, TensorMap* out) {
  if (d.cuTensorMapEncodeTiled == nullptr) return kCudaErrorNotSupported;
  const unsigned long long dims[2] = {s.cols, s.rows};          // NOLINT: the driver's cuuint64_t; innermost first
  const unsigned long long strides[1] = {s.row_stride_bytes};   // NOLINT: dims 1.. only (dim 0 is contiguous)
  const unsigned box[2] = {s.box_cols, s.box_rows};
  const unsigned elem_strides[2] = {1, 1};
  std::memset(out, 0, sizeof(*out));
  return d.cuTensorMapEncodeTiled(out, static_cast<int>(s.element), 2, reinterpret_cast<void*>(s.base), dims, strides, box,
                                  elem_strides, /*interleave=*/0, static_cast<int>(s.swizzle), s.l2_promotion,
                                  /*oob_fill=*/0);
}

Status EncodeTensorMap2D(const CudaDriver& d, const TensorMap2DSpec& s, TensorMap* out) {
  AGT_RT_RETURN_IF_ERROR(ValidateTensorMap2D(s));
  if (d.cuTensorMapEncodeTiled == nullptr) {
    return Status::Error(AGT_ERROR_NO_DRIVER, "the CUDA driver lacks cuTensorMapEncodeTiled (CUDA 12 or newer is needed)");
  }
  return d.Check(EncodeTensorMap2DUnchecked(d, s, out), "cuTensorMapEncodeTiled");
}

}  // namespace agt::runtime

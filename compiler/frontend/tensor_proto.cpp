// ONNX TensorProto to ir::Tensor (see tensor_proto.h).
#include "compiler/frontend/tensor_proto.h"

#include <cstring>
#include <vector>

#include "compiler/frontend/external_data.h"

namespace agt::frontend {

using onnx::TensorProto;

namespace {

// Bytes per element as stored by ONNX (raw_data and external files), 0 when unsupported.
size_t OnnxElementSize(int32_t t) {
  switch (t) {
    case TensorProto::FLOAT: case TensorProto::INT32: case TensorProto::UINT32: return 4;
    case TensorProto::DOUBLE: case TensorProto::INT64: case TensorProto::UINT64: return 8;
    case TensorProto::FLOAT16: case TensorProto::BFLOAT16: case TensorProto::INT16: case TensorProto::UINT16: return 2;
    case TensorProto::INT8: case TensorProto::UINT8: case TensorProto::BOOL: return 1;
    default: return 0;
  }
}

// Whether ONNX's storage of `t` is byte-identical to the IR's, so bytes can be moved as they are.
bool SameLayout(int32_t t) {
  switch (t) {
    case TensorProto::FLOAT: case TensorProto::FLOAT16: case TensorProto::BFLOAT16: case TensorProto::INT64:
    case TensorProto::INT32: case TensorProto::INT8: case TensorProto::BOOL:
      return true;
    default:
      return false;
  }
}

template <typename T>
T Load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// Converts ONNX little-endian element bytes of a type without the same layout in the IR.
ir::Tensor ConvertBytes(int32_t t, const ir::TensorType& type, const std::vector<uint8_t>& bytes) {
  ir::Tensor out(type);
  int64_t n = type.num_elements();
  size_t es = OnnxElementSize(t);
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* p = bytes.data() + static_cast<size_t>(i) * es;
    switch (t) {
      case TensorProto::DOUBLE: out.SetF32(i, static_cast<float>(Load<double>(p))); break;
      case TensorProto::UINT8: out.SetI64(i, Load<uint8_t>(p)); break;
      case TensorProto::INT16: out.SetI64(i, Load<int16_t>(p)); break;
      case TensorProto::UINT16: out.SetI64(i, Load<uint16_t>(p)); break;
      case TensorProto::UINT32: out.SetI64(i, Load<uint32_t>(p)); break;
      case TensorProto::UINT64: out.SetI64(i, static_cast<int64_t>(Load<uint64_t>(p))); break;
      default: break;
    }
  }
  return out;
}

}  // namespace

std::string OnnxTypeName(int32_t elem_type) {
  if (TensorProto::DataType_IsValid(elem_type)) {
    return TensorProto::DataType_Name(static_cast<TensorProto::DataType>(elem_type));
  }
  return fmt::format("type {}", elem_type);
}

Expected<ir::DType> DTypeFromOnnx(int32_t elem_type) {
  switch (elem_type) {
    case TensorProto::FLOAT: case TensorProto::DOUBLE: return ir::DType::kF32;
    case TensorProto::FLOAT16: return ir::DType::kF16;
    case TensorProto::BFLOAT16: return ir::DType::kBF16;
    case TensorProto::INT64: case TensorProto::UINT64: return ir::DType::kI64;
    case TensorProto::INT32: case TensorProto::UINT32: case TensorProto::INT16: case TensorProto::UINT16:
    case TensorProto::UINT8:
      return ir::DType::kI32;
    case TensorProto::INT8: return ir::DType::kI8;
    case TensorProto::BOOL: return ir::DType::kBool;
    default: return Status::Errorf("element type {} is not supported", OnnxTypeName(elem_type));
  }
}

Status CheckShapeSize(const ir::Shape& shape) {
  std::string why = ir::ShapeBoundError(shape);
  return why.empty() ? Status::Ok() : Status::Error(why);
}

Expected<ir::Tensor> TensorFromProto(const TensorProto& t, const std::string& base_dir) {
  auto where = [&](const Status& s) { return s.WithContext(fmt::format("tensor '{}'", t.name())); };
  auto dt = DTypeFromOnnx(t.data_type());
  if (!dt.ok()) return where(dt.status());
  if (t.has_segment()) return where(Status::Error("segmented tensors are not supported"));
  ir::TensorType type{*dt, {}};
  for (int64_t d : t.dims()) {
    if (d < 0) return where(Status::Errorf("negative dim {}", d));
    type.shape.push_back(d);
  }
  if (Status st = CheckShapeSize(type.shape); !st.ok()) return where(st);
  int64_t n = type.num_elements();
  size_t onnx_bytes = static_cast<size_t>(n) * OnnxElementSize(t.data_type());

  // raw bytes (inline or external) first: the common case for weights.
  std::vector<uint8_t> raw;
  bool have_raw = false;
  if (t.data_location() == TensorProto::EXTERNAL) {
    auto bytes = ReadExternalData(t, base_dir, onnx_bytes);
    if (!bytes.ok()) return bytes.status();
    raw = std::move(bytes).value();
    have_raw = true;
  } else if (t.has_raw_data()) {
    if (t.raw_data().size() != onnx_bytes) {
      return where(Status::Errorf("raw_data has {} bytes but {} of {} need {}", t.raw_data().size(), n,
                                  OnnxTypeName(t.data_type()), onnx_bytes));
    }
    raw.assign(t.raw_data().begin(), t.raw_data().end());
    have_raw = true;
  }
  if (have_raw) {
    if (SameLayout(t.data_type())) return ir::Tensor(type, std::move(raw));
    return ConvertBytes(t.data_type(), type, raw);
  }

  // Typed fields. The count is checked first, so that dims without data allocate nothing.
  int64_t stored = 0;
  switch (t.data_type()) {
    case TensorProto::FLOAT: stored = t.float_data_size(); break;
    case TensorProto::DOUBLE: stored = t.double_data_size(); break;
    case TensorProto::INT64: stored = t.int64_data_size(); break;
    case TensorProto::UINT32: case TensorProto::UINT64: stored = t.uint64_data_size(); break;
    default: stored = t.int32_data_size(); break;
  }
  if (stored != n) {
    return where(Status::Errorf("holds {} values but its dims {} need {}", stored, ir::ShapeToString(type.shape), n));
  }
  ir::Tensor out(type);
  switch (t.data_type()) {
    case TensorProto::FLOAT:
      for (int64_t i = 0; i < n; ++i) out.SetF32(i, t.float_data(static_cast<int>(i)));
      break;
    case TensorProto::DOUBLE:
      for (int64_t i = 0; i < n; ++i) out.SetF32(i, static_cast<float>(t.double_data(static_cast<int>(i))));
      break;
    case TensorProto::INT64:
      for (int64_t i = 0; i < n; ++i) out.SetI64(i, t.int64_data(static_cast<int>(i)));
      break;
    case TensorProto::UINT32: case TensorProto::UINT64:
      for (int64_t i = 0; i < n; ++i) out.SetI64(i, static_cast<int64_t>(t.uint64_data(static_cast<int>(i))));
      break;
    case TensorProto::FLOAT16: case TensorProto::BFLOAT16: {
      // int32_data holds the 16-bit patterns.
      for (int64_t i = 0; i < n; ++i) {
        auto bits = static_cast<uint16_t>(t.int32_data(static_cast<int>(i)));
        std::memcpy(out.raw() + i * 2, &bits, 2);
      }
      break;
    }
    default:   // int32, int16, int8, uint16, uint8, bool: all in int32_data
      for (int64_t i = 0; i < n; ++i) out.SetI64(i, t.int32_data(static_cast<int>(i)));
      break;
  }
  return out;
}

}  // namespace agt::frontend

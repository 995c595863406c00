// Runs one op of the table outside any graph, the way the interpreter would: fill attribute
// defaults, infer output types, allocate, call the reference. For the op tests (test_ops_*.cpp),
// which compare against values computed in the test itself.
#pragma once

#include <cmath>
#include <initializer_list>
#include <vector>

#include <catch2/catch.hpp>

#include "ir/ops.h"
#include "ir/tensor.h"

namespace agt::test {

inline Expected<std::vector<ir::TensorType>> InferOp(ir::OpKind op, std::vector<ir::TensorType> in, ir::Attrs attrs = {}) {
  AGT_RETURN_IF_ERROR(ir::CheckAndFillAttrs(op, attrs));
  return ir::InferTypes(op, attrs, in);
}

inline Expected<std::vector<ir::Tensor>> RunOp(ir::OpKind op, const std::vector<ir::Tensor>& in, ir::Attrs attrs = {},
                                               int threads = 2) {
  AGT_RETURN_IF_ERROR(ir::CheckAndFillAttrs(op, attrs));
  std::vector<ir::TensorType> types;
  std::vector<const ir::Tensor*> ptrs;
  for (const auto& t : in) {
    types.push_back(t.type());
    ptrs.push_back(&t);
  }
  AGT_ASSIGN_OR_RETURN(std::vector<ir::TensorType> out_types, ir::InferTypes(op, attrs, types));
  std::vector<ir::Tensor> outs;
  for (auto& t : out_types) outs.emplace_back(t);
  ir::RefContext ctx;
  ctx.num_threads = threads;
  AGT_RETURN_IF_ERROR(ir::GetOpInfo(op).def.reference(attrs, ptrs, outs, ctx));
  return outs;
}

// Single-output convenience; an error becomes an empty f32 tensor and the message, so a test's
// REQUIRE on the message shows what failed.
struct OpResult {
  ir::Tensor out;
  std::string error;
};
inline OpResult Run1(ir::OpKind op, const std::vector<ir::Tensor>& in, ir::Attrs attrs = {}, int threads = 2) {
  auto r = RunOp(op, in, std::move(attrs), threads);
  if (!r.ok()) return {ir::Tensor(), r.status().message()};
  return {std::move((*r)[0]), ""};
}

inline ir::Tensor F32(ir::Shape shape, std::vector<float> v) { return ir::Tensor::FromF32(ir::DType::kF32, std::move(shape), v); }
inline ir::Tensor I64(ir::Shape shape, std::vector<int64_t> v) { return ir::Tensor::FromI64(ir::DType::kI64, std::move(shape), v); }
inline ir::Tensor Bool(ir::Shape shape, std::vector<int64_t> v) { return ir::Tensor::FromI64(ir::DType::kBool, std::move(shape), v); }

// Infer error message, or "" when inference succeeded.
inline std::string InferError(ir::OpKind op, std::vector<ir::TensorType> in, ir::Attrs attrs = {}) {
  auto r = InferOp(op, std::move(in), std::move(attrs));
  return r.ok() ? std::string() : r.status().message();
}

// Checks shape and every element against values the test computed (absolute + relative tolerance).
inline void RequireClose(const ir::Tensor& t, const ir::Shape& shape, const std::vector<double>& want,
                         double tol = 1e-6) {
  REQUIRE(t.shape() == shape);
  REQUIRE(t.num_elements() == static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("element " << i);
    if (std::isnan(want[i])) {
      CHECK(std::isnan(t.GetF32(static_cast<int64_t>(i))));
    } else {
      CHECK(t.GetF32(static_cast<int64_t>(i)) == Approx(want[i]).margin(tol).epsilon(tol));
    }
  }
}
inline void RequireInts(const ir::Tensor& t, const ir::Shape& shape, const std::vector<int64_t>& want) {
  REQUIRE(t.shape() == shape);
  CHECK(t.ToI64() == want);
}

inline ir::TensorType T(ir::DType d, ir::Shape s) { return ir::TensorType{d, std::move(s)}; }

}  // namespace agt::test

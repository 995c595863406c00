// What the fuser needs to know about single ops beyond their fusion pattern: the GEMM geometry of a
// matrix product or convolution (for FLOPs, tiles and waves), and the rows a reduction reduces (for
// fusing reductions together and with a GEMM). This is the one place where DPOF looks at op kinds;
// the legality rules themselves are written over patterns and these facts.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "ir/graph.h"

namespace agt::fusion {

// A product C[batch, M, N] = sum_K A[batch, M, K] * B[batch, K, N] (convolution as implicit GEMM).
struct GemmGeometry {
  int64_t batch = 1;
  int64_t m = 1;
  int64_t n = 1;
  int64_t k = 1;
  int64_t Flops() const { return 2 * batch * m * n * k; }
};

// For out-fusable ops (matmul, linear, conv2d); nullopt for any other op.
std::optional<GemmGeometry> GetGemmGeometry(const ir::Node& n);
// Whether the op contracts over the last axis of its first operand (matmul, linear; not conv2d):
// the condition for a last-axis normalisation (LayerNorm) to run as its prologue.
bool ContractsLastAxisOfFirstOperand(const ir::Node& n);
// Whether the op is a convolution (its group kind is conv rather than gemm).
bool IsConvolution(const ir::Node& n);
// Whether the op is the batched matrix product of two tensors that the attention rule looks for.
bool IsBatchedMatMul(const ir::Node& n);
// Whether the op is a softmax (the attention rule's middle op).
bool IsSoftmax(const ir::Node& n);

// The rows of a reduction (pattern kCommReduce): the shape of the reduced input and the reduced axes
// (ascending, non-negative). Softmax/LayerNorm normalise (output shape = input shape); reduce_* shrink.
struct ReductionRows {
  ir::Shape input_shape;
  std::vector<int64_t> axes;
  bool normalizing = false;
  bool operator==(const ReductionRows& o) const { return input_shape == o.input_shape && axes == o.axes; }
};
std::optional<ReductionRows> GetReductionRows(const ir::Node& n);
// Whether a reduction reduces only the last axis of its input.
bool ReducesLastAxisOnly(const ReductionRows& r);

// A rough count of floating-point operations per output element for SIMT ops (exp, erf and
// friends cost more than an add), used by the cost model.
double SimtFlopsPerElement(const ir::Node& n);

}  // namespace agt::fusion

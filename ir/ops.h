// The op table's interface: OpKind, OpPattern, and per-op information (arity, attribute schema,
// shape/type inference, reference implementation). Everything that needs to know about an op
// (printer, parser, verifier, interpreter, fuser legality) reads it from here.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "ir/attrs.h"
#include "ir/dtype.h"
#include "ir/status.h"
#include "ir/tensor.h"

namespace agt::ir {

enum class OpKind : uint16_t {
#define OP(Enum, name, pattern) k##Enum,
#include "ir/ops.def"
#undef OP
  kCount
};

// Fusion patterns, ordered as TVM orders OpPatternKind: a larger value is less fusable.
enum class OpPattern : uint8_t {
  kElemWise = 0,          // one output element from the same-index input elements
  kBroadcast = 1,         // element-wise with broadcasting of inputs
  kInjective = 2,         // each output element from one input element (reshape, transpose, ...)
  kCommReduce = 3,        // reductions (reduce_*, softmax, layer_norm)
  kOutEWiseFusable = 4,   // complex ops that take element-wise epilogues (matmul, conv)
  kOpaque = 8,            // stands alone
};
std::string_view OpPatternName(OpPattern p);

// row_moments(y) -> f32[rows, ceil(N / kMomentBlock), 2]: for each row of y (its last axis, N long)
// and each block of kMomentBlock columns (the last one shorter), the (mean, M2) of the block's values,
// M2 the sum of squared deviations from the block's mean. layer_norm_moments(y, m) {epsilon} is the
// affine-free LayerNorm of y's last axis with each row's mean and variance merged from m. Together
// they are one LayerNorm whose statistics a GEMM's epilogue writes and the next GEMM reads (the
// Hopper core's row_moments and norm_moments, codegen/hopper/norm_moments_sm90.h): 64 is the column
// granularity of every tile that core runs. linear_norm_moments(y, m, w, colsum[, b]) {epsilon} is
// that LayerNorm and the linear after it in one: rstd * (y w - mean * colsum) + b per row, which is
// layer_norm_moments(y, m) w + b when colsum[n] = sum_k w[k, n] (the pass computes colsum from w as
// the tensor cores will read it, rounded to its storage type).
inline constexpr int64_t kMomentBlock = 64;

// Everything the interpreter hands a reference implementation.
struct RefContext {
  int num_threads = 1;
};

using InferFn = Expected<std::vector<TensorType>> (*)(const Attrs& attrs, std::span<const TensorType> inputs);
// `outputs` arrive allocated with the node's output types; the implementation fills them.
using RefFn = Status (*)(const Attrs& attrs, std::span<const Tensor* const> inputs, std::span<Tensor> outputs,
                         const RefContext& ctx);

struct OpDef {
  int min_inputs = 1;
  int max_inputs = 1;               // -1: variadic
  std::vector<AttrSpec> attrs;      // the schema: keys, kinds, defaults
  InferFn infer = nullptr;
  RefFn reference = nullptr;
};

struct OpInfo {
  OpKind kind;
  std::string_view name;
  OpPattern pattern;
  OpDef def;
};

const OpInfo& GetOpInfo(OpKind kind);
std::string_view OpName(OpKind kind);
std::optional<OpKind> ParseOpKind(std::string_view name);

// Checks `attrs` against the op's schema (unknown keys, wrong kinds, values outside `choices`,
// missing required keys) and fills defaults. The error names the attribute and the problem; callers
// add the node.
Status CheckAndFillAttrs(OpKind kind, Attrs& attrs);
// Checks the input count against the op's arity, then runs its shape/type rule.
Expected<std::vector<TensorType>> InferTypes(OpKind kind, const Attrs& attrs, std::span<const TensorType> inputs);

// Each family file defines these.
#define OP(Enum, name, pattern) OpDef Describe##Enum();
#include "ir/ops.def"
#undef OP

}  // namespace agt::ir

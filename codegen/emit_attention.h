// What the two attention emitters share (emit_attention.cpp: SIMT FMA, exact fp32;
// emit_attention_mma.cpp: tensor cores, FlashAttention-2 style): the analysis of a BMM-softmax-BMM
// group into its two products, its softmax and the sizes, and the device functions generated from
// the group's IR (operand element loaders, the score path between QK^T and the softmax, and the
// epilogue after P V), so that both sketches fuse exactly the same graphs.
#pragma once

#include <optional>

#include "codegen/affine_view.h"
#include "codegen/expr_emitter.h"
#include "codegen/kernel_source.h"

namespace agt::codegen {

struct AttnPlan {
  const ir::Node* qk = nullptr;
  const ir::Node* pv = nullptr;
  const ir::Node* softmax = nullptr;
  ir::Shape batch_shape;
  int64_t batch = 1, mq = 0, nk = 0, d = 0, dv = 0;
  // where(is_nan(P), 0, P) between the softmax and P V (Hugging Face's guard): a row whose softmax is
  // NaN (every key masked, or a NaN score) gives zeros instead.
  bool nan_guard = false;
};

Expected<AttnPlan> PlanAttention(const ir::Graph& g);

// Emits, into `w`:
//   float attn_q(P, bz, r, c)     Q[bz][r][c]          (query r, head dim c)
//   float attn_kt(P, bz, r, c)    K^T[bz][r][c]        (head dim r, key c)
//   float attn_v(P, bz, r, c)     V[bz][r][c]          (key r, value dim c)
//   float attn_score(P, bz, q, key, s)   the score path from QK^T to the softmax input
//   void attn_epilogue(P, bz, q, c, acc) O's consumers and the stores of the group outputs
Status EmitAttentionDeviceFunctions(CudaWriter& w, ExprEmitter& e, const AttnPlan& p);

// An attention operand that is an affine view of a group input, read as rows of contiguous
// elements: element (bz, row, col) at in[base(bz) + row * row_stride + col].
struct AttnRowView {
  int input = 0;
  std::string base;          // expression of bz (elements)
  int64_t row_stride = 0;
  bool aligned16 = false;    // base, strides and row length keep 16-byte alignment
};
// `v`'s view with rows along dim `row_dim` (rank-2 or rank-1 of v) and unit stride along the other,
// or nothing when `v` is not such a view.
std::optional<AttnRowView> AttnRowViewOf(const ir::Graph& g, const ir::Value* v, const ir::Shape& batch_shape,
                                         bool rows_are_last_dim, int64_t row_len, int elem_bytes);

// The tensor-core sketch (emit_attention_mma.cpp).
Expected<KernelSource> EmitAttentionMma(const ir::Graph& g, const Program& prog, const AttnPlan& p);

}  // namespace agt::codegen

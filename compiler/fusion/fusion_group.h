// A fusion group: a set of operators that becomes one kernel, classified by the kernel kind that
// can run it (the codegen sketch family), with its anchor and its fused producers (prologue) and
// consumers (epilogue). In the paper's schedule S = {(V1, F1), ..., (Vk, Fk)}, `nodes` is Vi and
// the anchor/prologue/epilogue roles are Fi.
#pragma once

#include <string_view>
#include <vector>

#include "ir/graph.h"

namespace agt::fusion {

enum class GroupKind : uint8_t {
  kGemm,         // MatMul / Linear anchor (tiled matrix product), element-wise/injective prologue and epilogue
  kConv,         // Conv2d anchor (implicit GEMM)
  kAttention,    // matmul -> [element-wise] -> softmax -> [element-wise] -> matmul; scores stay on chip
  kReduction,    // row reductions (softmax, LayerNorm, reduce_*) with element-wise producers and consumers
  kElementwise,  // element-wise, broadcast and injective ops only
  kOpaque,       // an op that stands alone (max_pool, cumsum)
};
std::string_view GroupKindName(GroupKind k);   // "gemm", "conv", "attention", ...
// Kinds whose kernels can write several outputs: element-wise kernels (every output at its own
// index) and row-reduction kernels (every output row of the row they hold). Matrix-product,
// convolution and attention kernels write the one tile they compute.
bool KindWritesSeveralOutputs(GroupKind k);

struct FusionGroup {
  GroupKind kind = GroupKind::kElementwise;
  std::vector<int> ops;                        // OpGraph indices, ascending (graph order)
  std::vector<const ir::Node*> nodes;          // the same operators, in graph order
  const ir::Node* anchor = nullptr;            // gemm/conv: the product; attention: Q.K^T; reduction: the
                                               // first reduction; element-wise: the op with the largest output
  const ir::Node* anchor2 = nullptr;           // attention only: the probabilities-times-V product
  std::vector<const ir::Node*> prologue;       // fused producers of the anchor(s)
  std::vector<const ir::Node*> core;           // attention: the score path (scale, mask, softmax); reduction:
                                               // further reductions over the same rows
  std::vector<const ir::Node*> epilogue;       // fused consumers (and side ops evaluated in the epilogue)
  std::vector<const ir::Value*> inputs;        // values read from outside the group, distinct, first use first
  std::vector<const ir::Value*> outputs;       // values written for use outside the group (or graph outputs)
};

// A group of reshapes alone, reading one value that a kernel computes and writing one: the same bytes
// under another shape (tensors are contiguous), so it needs no kernel. DPOF prices it at 0, it is no
// task, and the launch list gives its result the buffer of its input.
bool IsAliasView(const FusionGroup& group);

}  // namespace agt::fusion

// Fusion legality: whether a set of operators can be one kernel, and of which kind. The rules are
// written over op patterns (ir/ops.def), plus the structural attention rule:
//   - element-wise, broadcast and injective ops fuse as prologue or epilogue of anything;
//   - a reduction fuses with element-wise/broadcast producers and consumers, and with other
//     reductions over the same rows (same input shape, same axes);
//   - an out-fusable op (matmul, linear, conv2d) is the anchor of its group: it absorbs element-wise
//     and injective consumers as epilogue (not growing its output) and element-wise/injective producers
//     as prologue (index maps); with `allow_norm_prologue`, also one last-axis normalisation
//     (LayerNorm) of its first operand, when it contracts over that axis;
//   - at most one out-fusable anchor per group, except attention: matmul -> [element-wise scale, mask,
//     bias] -> softmax over the key axis -> [element-wise] -> matmul (probabilities on the left), with
//     every score value used only on that path;
//   - opaque ops stand alone; a group is connected; it writes one output unless its kind can write
//     several (KindWritesSeveralOutputs); and no path leaves the group and re-enters it (a cycle).
// An illegal set comes back with the reason, which the fusion report shows.
#pragma once

#include <span>
#include <string>

#include "compiler/fusion/fusion_group.h"
#include "compiler/fusion/op_graph.h"

namespace agt::fusion {

struct LegalityOptions {
  int max_group_size = 24;
  // LayerNorm (any last-axis normalising reduction) as the prologue of the GEMM consuming it: each CTA
  // recomputes its rows' statistics. Off by default, for every user of DPOF (compile, tune, the fusion
  // report), because the GEMM sketch takes element-wise/injective prologues only: such a group falls
  // back to the generic sketch, measured at 75-98 ms for ViT-B's layer_norm+linear on an H200 against
  // about 20 us for the two kernels apart. Turn on to study the plan a norm-prologue GEMM would allow.
  bool allow_norm_prologue = false;
  // Outputs an element-wise or reduction kernel may write.
  int max_outputs = 4;
};

struct GroupCheck {
  bool legal = false;
  std::string reason;   // why not, when !legal
  FusionGroup group;    // when legal
};

// `members`: OpGraph indices, any order, no duplicates.
GroupCheck CheckGroup(const OpGraph& g, std::span<const int> members, const LegalityOptions& options = {});

}  // namespace agt::fusion

// Names of the group kinds and which of them may write several outputs.
#include "compiler/fusion/fusion_group.h"

#include <algorithm>

namespace agt::fusion {

std::string_view GroupKindName(GroupKind k) {
  switch (k) {
    case GroupKind::kGemm: return "gemm";
    case GroupKind::kConv: return "conv";
    case GroupKind::kAttention: return "attention";
    case GroupKind::kReduction: return "reduction";
    case GroupKind::kElementwise: return "elementwise";
    case GroupKind::kOpaque: return "opaque";
  }
  return "?";
}

bool KindWritesSeveralOutputs(GroupKind k) { return k == GroupKind::kReduction || k == GroupKind::kElementwise; }

bool IsAliasView(const FusionGroup& group) {
  if (group.nodes.empty() || group.inputs.size() != 1 || group.outputs.size() != 1) return false;
  if (group.inputs[0]->producer() == nullptr) return false;   // a model input or a weight: not an arena buffer a kernel wrote
  return std::all_of(group.nodes.begin(), group.nodes.end(), [](const ir::Node* n) { return n->op() == ir::OpKind::kReshape; });
}

}  // namespace agt::fusion

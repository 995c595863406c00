// Names of the group kinds and which of them may write several outputs.
#include "compiler/fusion/fusion_group.h"

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

}  // namespace agt::fusion

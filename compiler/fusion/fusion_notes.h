// "Not fused because": after DPOF, find the attention patterns (matmul -> element-wise -> softmax ->
// element-wise -> matmul) and the LayerNorms, and say for each whether it became one kernel (resp.
// a GEMM prologue) and, if not, why. Users of other compilers complain most that attention fusion
// silently fails; the fusion report prints these notes.
#pragma once

#include <vector>

#include "compiler/fusion/dpof.h"

namespace agt::fusion {

std::vector<FusionNote> ExplainFusion(const OpGraph& g, const FusionPlan& plan, const GroupCostModel& model,
                                      const FusionOptions& options);

}  // namespace agt::fusion

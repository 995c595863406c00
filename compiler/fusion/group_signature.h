// The canonical signature of a fusion group: the printed text (ir/text.h) of the group extracted as
// a standalone graph (ir/subgraph.h): ops, shapes, dtypes, attributes, small constants and the
// wiring inside the group, but no node names and no weight values. Two groups with the same text
// are the same tuning task; the id is a short hash of the text and the precision, the key under
// which the tuner stores measured times and MeasuredCostModel looks them up.
#pragma once

#include <string>
#include <string_view>

#include "compiler/fusion/cost_model.h"
#include "compiler/fusion/fusion_group.h"
#include "ir/graph.h"
#include "ir/status.h"

namespace agt::fusion {

// The printed text of an extracted group graph: the signature.
std::string SignatureOfExtracted(const ir::Graph& extracted);
Expected<std::string> GroupSignatureText(const ir::Graph& g, const FusionGroup& group);
// 16 lowercase hex digits: FNV-1a (64 bit) of the text, a separator and the precision name.
std::string SignatureId(std::string_view signature_text, ir::Precision precision);
// The key function for MeasuredCostModel over groups of `g` (empty key when extraction fails).
// It caches by member set, since the DP asks for the same runs over and over.
MeasuredCostModel::KeyFn TaskIdKeyFn(const ir::Graph& g);

}  // namespace agt::fusion

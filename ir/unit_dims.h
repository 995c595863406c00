// Unit dims dropped from a standalone group graph (ir/subgraph.h). A dim of extent 1 never changes
// where an element of a contiguous tensor sits, so a group over [T, 1, C] and one over [1, T, C] (a
// sequence-first and a batch-first transformer at batch 1) compute the same bytes from the same
// bytes: both are the group over [T, C]. Extraction drops the unit dims so that the two are one
// task, one kernel and one tuning-log key; the kernel compiled for the squeezed graph runs on the
// original buffers unchanged, since inputs and outputs keep their order and their byte sizes.
//
// Only ops whose meaning survives the drop are rewritten (element-wise and broadcasting ops with
// operands aligned as before, reshape, transpose, linear and matmul with their matrix dims whole,
// softmax / layer_norm / reductions off their unit axes). A graph with any other op, or with a
// drop that would change an op's meaning (a broadcast [6, 1] against [6, 64]), stays as it is.
#pragma once

#include <memory>

#include "ir/graph.h"

namespace agt::ir {

// The graph with every unit dim of every value dropped (inputs, constants, results), attributes
// rewritten to match, and the same names, inputs and outputs in the same order; null when the
// graph has no unit dim to drop or an op does not allow it.
std::unique_ptr<Graph> SqueezeUnitDims(const Graph& g);

}  // namespace agt::ir

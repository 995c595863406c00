// Evaluating one op on constant tensors with its reference implementation: the engine of constant
// folding, shared by the folding pass and by the ONNX frontend (which folds shape arithmetic while
// it imports).
#pragma once

#include <span>
#include <vector>

#include "ir/attrs.h"
#include "ir/ops.h"
#include "ir/status.h"
#include "ir/tensor.h"

namespace agt::passes {

// Checks `attrs` against the op's schema (filling defaults), infers the output types and runs the
// reference implementation single-threaded.
Expected<std::vector<ir::Tensor>> EvaluateOp(ir::OpKind op, ir::Attrs attrs, std::span<const ir::Tensor* const> inputs);

}  // namespace agt::passes

// The IR verifier: types consistent with the op table's shape rules, attributes within each op's
// schema, nodes in topological order, use lists exact. Runs after every pass in debug and test builds.
#pragma once

#include "ir/graph.h"
#include "ir/status.h"

namespace agt::ir {

Status Verify(const Graph& g);

}  // namespace agt::ir

// The textual form of the IR (docs/ir-text.md): a graph prints to text and parses back to an equal
// graph. Tests state their input and expected output as IR text, bug reports are a few lines of it,
// and the printed text of an extracted subgraph is the tuning-task signature (ir/subgraph.h), so the
// printer is deterministic and exact: constants print with the shortest text that reads back to the
// same bits.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ir/graph.h"
#include "ir/status.h"

namespace agt::ir {

struct PrintOptions {
  // Constants with more elements than this print as `constant f32[768,768] <elided>` (-1: never).
  // Elided text does not parse back unless ParseOptions::fill_elided_constants is set.
  int64_t elide_constants_over = -1;
  // Attributes equal to their op's default are left out (the parser fills defaults back in).
  bool print_default_attrs = false;
  // Node names (the ONNX node names) as `loc("...")`.
  bool print_locations = true;
};

struct ParseOptions {
  // Fill `<elided>` constants with seeded uniform random data (floats in [-1, 1), integers in [0, 9],
  // bools 0/1) instead of refusing them; for tests of big graphs.
  bool fill_elided_constants = false;
  uint64_t seed = 0;
};

std::string PrintGraph(const Graph& g, const PrintOptions& options = {});

// Errors read `filename:line:col: message`, naming the node and op when one is involved. The graph
// returned passes ir::Verify.
Expected<std::unique_ptr<Graph>> ParseGraph(std::string_view text, std::string_view filename = "<input>",
                                            const ParseOptions& options = {});

// `%name` or `%"quoted name"`, as the printer writes value references.
std::string ValueRefText(std::string_view name);

}  // namespace agt::ir

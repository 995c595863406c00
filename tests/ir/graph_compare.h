// Structural equality of two graphs for the IR tests, independent of the printer: same name, inputs,
// constants (bit-identical data), nodes in order (op, node name, attributes, operands and results by
// name and type) and outputs. Returns the first difference, or "" when the graphs are equal.
#pragma once

#include <string>

#include <fmt/format.h>

#include "ir/graph.h"

namespace agt::test {

inline std::string GraphDiff(const ir::Graph& a, const ir::Graph& b) {
  if (a.name() != b.name()) return fmt::format("graph name '{}' vs '{}'", a.name(), b.name());
  auto values_differ = [](const ir::Value* x, const ir::Value* y) {
    return x->name() != y->name() || x->type() != y->type() || x->kind() != y->kind();
  };
  if (a.inputs().size() != b.inputs().size()) return "number of inputs";
  for (size_t i = 0; i < a.inputs().size(); ++i) {
    if (values_differ(a.inputs()[i], b.inputs()[i])) return fmt::format("input {}", i);
  }
  auto ca = a.constants(), cb = b.constants();
  if (ca.size() != cb.size()) return fmt::format("{} constants vs {}", ca.size(), cb.size());
  for (size_t i = 0; i < ca.size(); ++i) {
    if (values_differ(ca[i], cb[i])) return fmt::format("constant {} ('{}' vs '{}')", i, ca[i]->name(), cb[i]->name());
    if (!(ca[i]->data() == cb[i]->data())) return fmt::format("data of constant '{}'", ca[i]->name());
  }
  if (a.num_nodes() != b.num_nodes()) return fmt::format("{} nodes vs {}", a.num_nodes(), b.num_nodes());
  auto ia = a.nodes().begin();
  auto ib = b.nodes().begin();
  for (size_t k = 0; ia != a.nodes().end(); ++ia, ++ib, ++k) {
    const ir::Node& x = **ia;
    const ir::Node& y = **ib;
    if (x.op() != y.op()) return fmt::format("node {}: op {} vs {}", k, x.op_name(), y.op_name());
    if (x.name() != y.name()) return fmt::format("node {}: name '{}' vs '{}'", k, x.name(), y.name());
    if (!(x.attrs() == y.attrs())) return fmt::format("node {}: attributes", k);
    if (x.num_inputs() != y.num_inputs() || x.num_outputs() != y.num_outputs()) return fmt::format("node {}: arity", k);
    for (size_t i = 0; i < x.num_inputs(); ++i) {
      if (values_differ(x.input(i), y.input(i))) return fmt::format("node {}: operand {}", k, i);
    }
    for (size_t i = 0; i < x.num_outputs(); ++i) {
      if (values_differ(x.output(i), y.output(i))) return fmt::format("node {}: result {}", k, i);
      if (x.output(i)->uses().size() != y.output(i)->uses().size()) return fmt::format("node {}: uses of result {}", k, i);
    }
  }
  if (a.outputs().size() != b.outputs().size()) return "number of outputs";
  for (size_t i = 0; i < a.outputs().size(); ++i) {
    if (values_differ(a.outputs()[i], b.outputs()[i])) return fmt::format("output {}", i);
  }
  return "";
}

}  // namespace agt::test

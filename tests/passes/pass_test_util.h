// Helpers for the pass tests: parse IR text, run one pass, read the op sequence of the result, and
// check numerical equivalence of the original and rewritten graphs through the reference
// interpreter on seeded random inputs (Glow's checkNumericalEquivalence).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "ir/interpreter.h"
#include "ir/verifier.h"
#include "tests/support/test_support.h"

namespace agt::test {

inline std::vector<std::string> OpSequence(const ir::Graph& g) {
  std::vector<std::string> ops;
  for (const auto& n : g.nodes()) ops.emplace_back(n->op_name());
  return ops;
}

inline int CountOps(const ir::Graph& g, ir::OpKind op) {
  int k = 0;
  for (const auto& n : g.nodes()) k += n->op() == op;
  return k;
}

inline const ir::Node* FirstNode(const ir::Graph& g, ir::OpKind op) {
  for (const auto& n : g.nodes()) {
    if (n->op() == op) return n.get();
  }
  return nullptr;
}

// Interprets both graphs on the same random inputs; every output must agree within `tol`.
inline void CheckEquivalent(const ir::Graph& before, const ir::Graph& after, double tol = 1e-5, uint64_t seed = 7) {
  REQUIRE(before.inputs().size() == after.inputs().size());
  REQUIRE(before.outputs().size() == after.outputs().size());
  std::vector<ir::Tensor> ins;
  for (size_t i = 0; i < before.inputs().size(); ++i) {
    ins.push_back(RandomTensor(before.inputs()[i]->type(), seed + i, -2.0f, 2.0f));
  }
  auto a = ir::Interpret(before, ins);
  auto b = ir::Interpret(after, ins);
  REQUIRE(a.ok());
  INFO(b.status().message());
  REQUIRE(b.ok());
  for (size_t i = 0; i < a->size(); ++i) {
    REQUIRE((*a)[i].type() == (*b)[i].type());
    CHECK(RelativeL2((*b)[i], (*a)[i]) < tol);
  }
}

// Parses `text`, runs `pass` on a copy, checks the copy verifies and computes the same as the
// original; returns the rewritten graph and whether the pass reported a change.
template <typename Pass>
std::pair<std::unique_ptr<ir::Graph>, bool> RunPassChecked(std::string_view text, Pass pass, double tol = 1e-5) {
  std::unique_ptr<ir::Graph> original = ParseIr(text);
  REQUIRE(original != nullptr);
  std::unique_ptr<ir::Graph> g = original->Clone();
  auto changed = pass(*g);
  INFO(changed.status().message());
  REQUIRE(changed.ok());
  Status st = ir::Verify(*g);
  INFO(st.message());
  REQUIRE(st.ok());
  CheckEquivalent(*original, *g, tol);
  return {std::move(g), *changed};
}

}  // namespace agt::test

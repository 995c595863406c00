// Helpers for the frontend tests: import a test model in memory, run it on the interpreter.
#pragma once

#include <memory>
#include <vector>

#include <catch2/catch.hpp>

#include "compiler/frontend/onnx_loader.h"
#include "ir/interpreter.h"
#include "ir/verifier.h"
#include "tests/frontend/onnx_test_model.h"

namespace agt::test {

inline Expected<std::unique_ptr<ir::Graph>> Import(OnnxTestModel& m, const frontend::FrontendOptions& o = {}) {
  return frontend::ImportModel(m.proto(), "", "model.onnx", o);
}

// Imports (which must succeed and verify) and runs on the given inputs.
inline std::vector<ir::Tensor> ImportAndRun(OnnxTestModel& m, std::vector<ir::Tensor> inputs,
                                            std::unique_ptr<ir::Graph>* keep = nullptr) {
  auto g = Import(m);
  INFO(g.status().message());
  REQUIRE(g.ok());
  REQUIRE(ir::Verify(**g).ok());
  auto out = ir::Interpret(**g, inputs);
  INFO(out.status().message());
  REQUIRE(out.ok());
  if (keep) *keep = std::move(*g);
  return *out;
}

inline ir::Tensor F32(ir::Shape s, std::vector<float> v) { return ir::Tensor::FromF32(ir::DType::kF32, s, v); }

inline int CountOps(const ir::Graph& g, ir::OpKind op) {
  int k = 0;
  for (const auto& n : g.nodes()) k += n->op() == op;
  return k;
}

}  // namespace agt::test

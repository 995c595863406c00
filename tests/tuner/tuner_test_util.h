// Small group graphs and programs for the tuner's tests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "codegen/compile.h"
#include "ir/graph.h"

namespace agt::test {

// y = x W + b, x f32[1,m,k], W f32[k,n] (graph inputs, as the extracted group of a Linear is).
inline std::unique_ptr<ir::Graph> LinearTaskGraph(int64_t m, int64_t k, int64_t n) {
  auto g = std::make_unique<ir::Graph>("group");
  ir::Value* x = g->AddInput("x", ir::TensorType{ir::DType::kF32, {1, m, k}});
  ir::Value* w = g->AddInput("w", ir::TensorType{ir::DType::kF32, {k, n}});
  ir::Value* b = g->AddInput("b", ir::TensorType{ir::DType::kF32, {n}});
  auto y = g->AddNode(ir::OpKind::kLinear, {x, w, b});
  REQUIRE(y.ok());
  g->SetOutputs({(*y)->output(0)});
  return g;
}

// A small model: Linear (weights as constants) -> GELU -> softmax.
inline std::unique_ptr<ir::Graph> SmallModelGraph() {
  auto g = std::make_unique<ir::Graph>("small");
  ir::Value* x = g->AddInput("x", ir::TensorType{ir::DType::kF32, {1, 32, 64}});
  ir::Value* w = g->AddConstant("w", ir::Tensor(ir::TensorType{ir::DType::kF32, {64, 128}}));
  ir::Value* b = g->AddConstant("b", ir::Tensor(ir::TensorType{ir::DType::kF32, {128}}));
  auto y = g->AddNode(ir::OpKind::kLinear, {x, w, b});
  REQUIRE(y.ok());
  auto z = g->AddNode(ir::OpKind::kGelu, {(*y)->output(0)});
  REQUIRE(z.ok());
  auto s = g->AddNode(ir::OpKind::kSoftmax, {(*z)->output(0)});
  REQUIRE(s.ok());
  g->SetOutputs({(*s)->output(0)});
  return g;
}

// A chain of `widths.size() - 1` Linear -> GELU layers of different shapes (weights as constants):
// as many distinct tasks, for tests that split a plan's tasks (tune --shard).
inline std::unique_ptr<ir::Graph> ChainModelGraph(const std::vector<int64_t>& widths) {
  auto g = std::make_unique<ir::Graph>("chain");
  ir::Value* h = g->AddInput("x", ir::TensorType{ir::DType::kF32, {1, 32, widths.front()}});
  for (size_t i = 1; i < widths.size(); ++i) {
    ir::Value* w = g->AddConstant("w" + std::to_string(i), ir::Tensor(ir::TensorType{ir::DType::kF32, {widths[i - 1], widths[i]}}));
    ir::Value* b = g->AddConstant("b" + std::to_string(i), ir::Tensor(ir::TensorType{ir::DType::kF32, {widths[i]}}));
    auto y = g->AddNode(ir::OpKind::kLinear, {h, w, b});
    REQUIRE(y.ok());
    auto z = g->AddNode(ir::OpKind::kGelu, {(*y)->output(0)});
    REQUIRE(z.ok());
    h = (*z)->output(0);
  }
  g->SetOutputs({h});
  return g;
}

// On sm_90 at fp16/bf16 the Hopper core's sketch takes it; on "sm_80" the mma.sync GEMM sketch.
inline codegen::TaskContext LinearTask(int64_t m, int64_t k, int64_t n, ir::Precision p = ir::Precision::kFP16,
                                       const std::string& arch = "sm_90") {
  auto g = LinearTaskGraph(m, k, n);
  auto t = codegen::MakeTaskContext(*g, p, arch);
  REQUIRE(t.ok());
  return std::move(t).value();
}

}  // namespace agt::test

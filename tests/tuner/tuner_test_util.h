// Small group graphs and programs for the tuner's tests.
#pragma once

#include <memory>

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

// On sm_90 at fp16/bf16 the Hopper core's sketch takes it; on "sm_80" the mma.sync GEMM sketch.
inline codegen::TaskContext LinearTask(int64_t m, int64_t k, int64_t n, ir::Precision p = ir::Precision::kFP16,
                                       const std::string& arch = "sm_90") {
  auto g = LinearTaskGraph(m, k, n);
  auto t = codegen::MakeTaskContext(*g, p, arch);
  REQUIRE(t.ok());
  return std::move(t).value();
}

}  // namespace agt::test

// Lowering a plan to the launch list (compiler/driver/launch_list.h), on a hand-made one-phase plan: a
// kernel launch is programmatic only where its launch spec is and every input the kernel reads before
// its grid wait is a weight; an activation there (the kernel before may still be writing it) keeps the
// launch fully serialized.
#include <catch2/catch.hpp>

#include "compiler/driver/launch_list.h"
#include "tests/support/test_support.h"

using namespace agt;

namespace {

// x @ w: group input 0 is the activation x (the model input's staging buffer, in the arena), input 1
// the weight w.
std::unique_ptr<ir::Graph> MatMulGraph() {
  return test::ParseIr(R"(graph g(%x: f32[2,2]) {
    %w = constant f32[2,2] [1, 2, 3, 4]
    %y = matmul(%x, %w)
    return %y
  })");
}

// The kernel launch of the one phase, lowered with `spec`.
Expected<runtime::Launch> LowerOnePhase(const ir::Graph& g, const codegen::LaunchSpec& spec) {
  fusion::FusionPlan plan;
  plan.phases.resize(1);
  for (const auto& n : g.nodes()) plan.phases[0].group.nodes.push_back(n.get());
  driver::LoweringInput in;
  in.graph = &g;
  in.plan = &plan;
  in.phase_task = {0};
  in.task_launch = {spec};
  in.precision = ir::Precision::kFP32;
  runtime::ArtifactContents contents;
  AGT_ASSIGN_OR_RETURN(driver::LaunchList list, driver::LowerPlan(in, contents));
  for (const runtime::Launch& l : list.launches) {
    if (l.kind == runtime::LaunchKind::kKernel && l.kernel == 0) return l;
  }
  return Status::Error("no launch of the phase's kernel");
}

codegen::LaunchSpec Spec(bool programmatic, std::vector<int> pre_wait_inputs) {
  codegen::LaunchSpec s;
  s.kernel_name = "matmul";
  s.num_inputs = 2;
  s.num_outputs = 1;
  s.programmatic = programmatic;
  s.pre_wait_inputs = std::move(pre_wait_inputs);
  return s;
}

}  // namespace

TEST_CASE("launch list: programmatic only where the kernel reads nothing but weights before its wait", "[driver]") {
  auto g = MatMulGraph();
  auto lowered = [&](bool programmatic, std::vector<int> pre_wait) {
    auto l = LowerOnePhase(*g, Spec(programmatic, std::move(pre_wait)));
    if (!l.ok()) FAIL(l.status().message());
    REQUIRE(l->args.size() == 3);
    CHECK(l->args[0].kind == runtime::ArgKind::kArena);     // x
    CHECK(l->args[1].kind == runtime::ArgKind::kWeights);   // w
    return l->programmatic;
  };
  CHECK(lowered(true, {1}));           // the weight before the wait
  CHECK_FALSE(lowered(true, {0}));     // the activation before the wait
  CHECK_FALSE(lowered(true, {1, 0}));
  CHECK(lowered(true, {}));            // nothing before the wait
  CHECK_FALSE(lowered(false, {1}));    // the kernel does not wait: never
  CHECK_FALSE(lowered(false, {}));
}

TEST_CASE("launch list: a pre-wait input the group does not have is an error", "[driver]") {
  auto g = MatMulGraph();
  auto l = LowerOnePhase(*g, Spec(true, {2}));
  REQUIRE_FALSE(l.ok());
  CHECK_THAT(l.status().message(), Catch::Contains("input 2 of 2 before its grid wait"));
}

// Tests of the frontend pass pipeline (compiler/passes/pipeline.cpp): the list runs in order,
// verifies between passes, dumps after a named pass, and turns an exporter-style block into its
// canonical ops.
#include "compiler/passes/pipeline.h"
#include "tests/passes/pass_test_util.h"

namespace agt {
namespace {

TEST_CASE("the pipeline canonicalises an exporter-style MLP block", "[passes][pipeline]") {
  auto original = test::ParseIr(R"(
graph main(%x: f32[1,4,3]) {
  %w = constant f32[2,3] [1, 2, 3, 4, 5, 6]
  %wt = transpose(%w) {perm = [1, 0]}
  %b = constant f32[2] [0.5, -0.5]
  %s2 = constant f32[] [1.4142135]
  %one = constant f32[] [1]
  %half = constant f32[] [0.5]
  %i = identity(%x)
  %m = matmul(%i, %wt)
  %h = add(%m, %b)
  %d = div(%h, %s2)
  %e = erf(%d)
  %a = add(%e, %one)
  %p = mul(%h, %a)
  %y = mul(%p, %half)
  return %y
}
)");
  auto g = original->Clone();
  std::vector<std::string> dumped;
  passes::PipelineOptions opts;
  opts.dump_after = "canonical-gelu";
  opts.dump = [&](std::string_view pass, const ir::Graph&) { dumped.emplace_back(pass); };
  auto records = passes::RunFrontendPipeline(*g, opts);
  INFO(records.status().message());
  REQUIRE(records.ok());
  CHECK(test::OpSequence(*g) == std::vector<std::string>{"linear", "gelu"});
  CHECK(dumped == std::vector<std::string>{"canonical-gelu"});
  CHECK(records->size() == passes::FrontendPasses().size());
  test::CheckEquivalent(*original, *g, 1e-6);

  // A pass name that does not exist is an error naming the known ones (was: silently never dumped).
  auto g2 = original->Clone();
  opts.dump_after = "canonical-gleu";
  auto bad = passes::RunFrontendPipeline(*g2, opts);
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::Contains("no pass named 'canonical-gleu'") && Catch::Contains("canonical-gelu"));
}

TEST_CASE("the pass list names each pass once", "[passes][pipeline]") {
  std::vector<std::string_view> names;
  for (const auto& p : passes::FrontendPasses()) {
    CHECK(std::find(names.begin(), names.end(), p.name) == names.end());
    names.push_back(p.name);
  }
  CHECK(names.size() >= 7);
}

}  // namespace
}  // namespace agt

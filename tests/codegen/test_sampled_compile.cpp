// At least 300 randomly sampled programs, across every sketch kind and all four precisions, at the
// shapes of the paper's models, emitted and compiled with NVRTC for sm_90. Two compile threads and
// the compiler's cache keep the run to a few minutes.
#include <map>
#include <random>

#include <catch2/catch.hpp>

#include "tests/codegen/codegen_test_graphs.h"
#include "tests/codegen/parallel_compile.h"

namespace agt::codegen {
namespace {

TEST_CASE("300+ sampled programs of every sketch kind compile for sm_90", "[codegen][nvrtc][slow]") {
  std::vector<test::NamedGroup> groups = test::ModelShapeGroups();
  std::vector<TaskContext> tasks;
  const Precision precisions[] = {Precision::kFP16, Precision::kFP32, Precision::kBF16, Precision::kTF32};
  tasks.reserve(groups.size() * 4);
  for (size_t i = 0; i < groups.size(); ++i) {
    for (Precision p : precisions) {
      auto t = MakeTaskContext(*groups[i].graph, p);
      REQUIRE(t.ok());
      tasks.push_back(std::move(t).value());
    }
  }
  std::mt19937_64 rng(2024);
  std::vector<test::CompileJob> jobs;
  // GEMM and attention spaces are the large ones: more samples there.
  for (const TaskContext& t : tasks) {
    SketchKind k = t.sketches.front().kind;
    int n = k == SketchKind::kGemm || k == SketchKind::kAttention ? 4 : 2;
    auto progs = SampleProgram(t, n, rng);
    REQUIRE(progs.ok());
    auto def = DefaultProgram(t);
    REQUIRE(def.ok());
    jobs.push_back({&t, *def});
    for (Program& p : *progs) jobs.push_back({&t, std::move(p)});
  }
  REQUIRE(jobs.size() >= 300);
  NvrtcCompiler nvrtc;
  auto results = test::CompileAll(jobs, nvrtc, 2);
  std::map<std::string, int> per_kind;
  int failed = 0;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const Program& p = jobs[i].program;
    std::string kind = std::string(SketchKindName(p.sketch.kind)) + (p.sketch.tensor_cores ? "+tc" : "");
    if (!results[i].ok()) {
      ++failed;
      UNSCOPED_INFO(kind << " " << PrecisionName(p.task.precision) << " " << p.annotation.ToString() << ": "
                         << results[i].status().message().substr(0, 2000));
      continue;
    }
    ++per_kind[kind];
    CHECK(results[i]->binary->cubin.size() > 1000);
  }
  for (const auto& [k, n] : per_kind) WARN(k << ": " << n << " programs compiled");
  WARN(jobs.size() << " programs, " << nvrtc.compiles() << " NVRTC compiles, " << nvrtc.cache_hits() << " cache hits");
  CHECK(failed == 0);
  for (const char* k : {"gemm+tc", "gemm", "attention+tc", "attention", "row_reduce", "elementwise", "generic"}) CHECK(per_kind[k] > 0);
}

}  // namespace
}  // namespace agt::codegen

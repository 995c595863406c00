// [gpu] Programmatic dependent launch (codegen/ptx/grid_dependency.h): two generated kernels, a
// long-row softmax and a pointwise op that reads its result, launched back to back with the second
// programmatic. With the grid-dependency wait the second never reads before the first has written
// (fresh random inputs, the buffer between them poisoned with NaN before every replay). The same pair
// with the wait's call taken out of the second kernel's source must read poison: that shows the test
// can fail, and that the launch really overlaps the two kernels (a driver that serialised them anyway
// would make the race vanish and this check fail).
#include <cmath>
#include <cstdio>
#include <string>

#include <catch2/catch.hpp>

#include "codegen/compile.h"
#include "ir/interpreter.h"
#include "ir/text.h"
#include "tests/codegen/gpu_harness.h"
#include "tests/support/test_support.h"

namespace agt::codegen {
namespace {

// 264 rows (two per SM of an H100 / H200) of 32768: one wave of the softmax, each row ~10 us of
// reads and writes, so every CTA of the first kernel is still running when the second could start.
constexpr const char* kFirst = R"(graph first(%x: f32[264,32768]) {
  %y = softmax(%x) {axis = -1} : f32[264,32768]
  return %y
})";
constexpr const char* kSecond = R"(graph second(%y: f32[264,32768]) {
  %c = constant f32[] [2]
  %z = mul(%y, %c) : f32[264,32768]
  return %z
})";

std::unique_ptr<ir::Graph> Parse(const char* text) {
  auto g = ir::ParseGraph(text);
  REQUIRE(g.ok());
  return std::move(g).value();
}

// Replays whose output is not finite or off the reference by more than fp16's tolerance.
int BadReplays(const std::vector<ir::Tensor>& outs, const ir::Tensor& ref) {
  int bad = 0;
  for (const ir::Tensor& o : outs) {
    bool finite = true;
    for (int64_t i = 0; i < o.num_elements() && finite; ++i) finite = std::isfinite(o.GetF32(i));
    bad += !finite || test::RelativeL2(o, ref) > test::Tolerance(Precision::kFP16) ? 1 : 0;
  }
  return bad;
}

TEST_CASE("programmatic dependent launch: a kernel never reads what the kernel before has not written", "[gpu][codegen]") {
  auto gpu = test::GpuHarnessOrSkip();
  if (!gpu) return;
  auto g1 = Parse(kFirst);
  auto g2 = Parse(kSecond);
  auto t1 = MakeTaskContext(*g1, Precision::kFP16);
  auto t2 = MakeTaskContext(*g2, Precision::kFP16);
  REQUIRE(t1.ok());
  REQUIRE(t2.ok());
  auto p1 = DefaultProgram(*t1);
  auto p2 = DefaultProgram(*t2);
  REQUIRE(p1.ok());
  REQUIRE(p2.ok());
  NvrtcCompiler nvrtc;
  auto first = CompileProgram(*t1, *p1, nvrtc);
  auto second = CompileProgram(*t2, *p2, nvrtc);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  REQUIRE(second->kernel.launch.programmatic);

  // The second kernel again, its wait's call removed (the wrapper's definition stays).
  CompiledProgram unguarded = *second;
  const std::string call = "agt_grid_wait();";
  size_t at = unguarded.kernel.source.find(call);
  REQUIRE(at != std::string::npos);
  unguarded.kernel.source.replace(at, call.size(), "/* wait removed */");
  REQUIRE(unguarded.kernel.source.find(call) == std::string::npos);
  auto bin = nvrtc.Compile(unguarded.kernel.source, second->program.task.arch, "unguarded.cu");
  REQUIRE(bin.ok());
  unguarded.binary = *bin;

  int bad = 0, bad_unguarded = 0, replays = 0;
  for (uint64_t seed : {11u, 12u, 13u}) {
    ir::Tensor x = test::RoundToStorage(test::RandomTensor(g1->inputs()[0]->type(), seed, -4.0f, 4.0f), Precision::kFP16);
    const std::vector<ir::Tensor> xs = {x};
    auto y = ir::Interpret(*g1, xs);
    REQUIRE(y.ok());
    const std::vector<ir::Tensor> ys = {test::RoundToStorage((*y)[0], Precision::kFP16)};
    auto z = ir::Interpret(*g2, ys);
    REQUIRE(z.ok());
    auto guarded = gpu->RunProgrammaticPair(*first, *g1, *second, *g2, {x}, 20);
    REQUIRE(guarded.ok());
    auto racing = gpu->RunProgrammaticPair(*first, *g1, unguarded, *g2, {x}, 20);
    REQUIRE(racing.ok());
    bad += BadReplays(*guarded, (*z)[0]);
    bad_unguarded += BadReplays(*racing, (*z)[0]);
    replays += 20;
  }
  std::printf("programmatic pair: %d of %d replays wrong with the wait, %d of %d without it\n", bad, replays, bad_unguarded, replays);
  CHECK(bad == 0);
  CHECK(bad_unguarded > 0);
}

}  // namespace
}  // namespace agt::codegen

// The measurer without a GPU: a clear "no CUDA driver" error, the worker protocol's round trip,
// parallel compiles with typed compile errors, and the worker refusing politely on a machine with
// no driver. ([gpu] measurement itself runs on the GPU machine: see scripts/gpu/remote.sh tune.)
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "tests/support/test_support.h"
#include "tests/tuner/tuner_test_util.h"
#include "tuner/measure_worker.h"
#include "tuner/measurer.h"
#include "tuner/worker_protocol.h"

namespace agt::tuner {
namespace {

TEST_CASE("without a CUDA driver the measurer says so", "[tuner][measurer]") {
  MeasurerOptions o;
  o.driver_library = "/nonexistent/libcuda.so.1";
  auto m = Measurer::Create(o);
  REQUIRE_FALSE(m.ok());
  CHECK_THAT(m.status().message(), Catch::StartsWith("no CUDA driver"));
  if (!test::HasGpuDriver()) {
    auto d = Measurer::Create();
    REQUIRE_FALSE(d.ok());
    CHECK_THAT(d.status().message(), Catch::StartsWith("no CUDA driver"));
  }
}

TEST_CASE("the worker says hello with the reason when there is no driver", "[tuner][measurer]") {
  if (test::HasGpuDriver()) {
    WARN("a GPU driver is present: the no-driver path of the worker is not exercised here");
    return;
  }
  int to[2], from[2];
  REQUIRE(::pipe(to) == 0);
  REQUIRE(::pipe(from) == 0);
  ::close(to[1]);
  int rc = RunMeasureWorker(to[0], from[1]);
  ::close(from[1]);
  char buf[4096] = {0};
  ssize_t n = ::read(from[0], buf, sizeof(buf) - 1);
  ::close(to[0]);
  ::close(from[0]);
  CHECK(rc != 0);
  REQUIRE(n > 0);
  std::string line(buf, static_cast<size_t>(n));
  auto hello = HelloFromLine(line.substr(0, line.find('\n')));
  REQUIRE(hello.ok());
  CHECK_FALSE(hello->ok);
  CHECK_THAT(hello->error, Catch::StartsWith("no CUDA driver"));
}

TEST_CASE("requests and responses survive the pipe format", "[tuner][measurer]") {
  MeasureRequest r;
  r.id = 42;
  r.graph_text = "graph g(%x: f32[4]) {\n  return %x\n}\n";
  r.precision = ir::Precision::kBF16;
  r.cubin = {0x7f, 'E', 'L', 'F', 0, 255, 16};
  r.launch.kernel_name = "k";
  r.launch.grid = {3, 2, 1};
  r.launch.block = {128, 1, 1};
  r.launch.dynamic_smem_bytes = 49152;
  r.launch.num_inputs = 2;
  r.launch.num_outputs = 1;
  r.launch.workspace_bytes = 1 << 20;
  r.repeats = 7;
  r.input_seed = 9;
  r.cut_us = 30.5;
  r.cut_after = 4;
  // An explicit parameter list with a tensor map (the Hopper core's kernels).
  r.launch.args = {{codegen::LaunchArgKind::kTensorMap, 0}, {codegen::LaunchArgKind::kInput, 1},
                   {codegen::LaunchArgKind::kNull, 0},      {codegen::LaunchArgKind::kOutput, 0},
                   {codegen::LaunchArgKind::kI32, -197},    {codegen::LaunchArgKind::kWorkspace, 0}};
  codegen::TensorMapOperand tm;
  tm.input = 1;
  tm.offset_bytes = 1536;
  tm.element = 9;
  tm.rows = 197;
  tm.cols = 768;
  tm.row_stride_bytes = 1536;
  tm.box_rows = 128;
  tm.box_cols = 64;
  tm.swizzle = 3;
  r.launch.tensor_maps = {tm};
  auto back = RequestFromLine(RequestToLine(r));
  REQUIRE(back.ok());
  CHECK(back->id == 42);
  CHECK(back->graph_text == r.graph_text);
  CHECK(back->precision == ir::Precision::kBF16);
  CHECK(back->cubin == r.cubin);
  CHECK(back->launch.grid == r.launch.grid);
  CHECK(back->launch.dynamic_smem_bytes == 49152);
  CHECK(back->launch.workspace_bytes == (1u << 20));
  CHECK(back->repeats == 7);
  CHECK(back->input_seed == 9);
  CHECK(back->cut_us == 30.5);
  CHECK(back->cut_after == 4);
  CHECK(back->launch.args == r.launch.args);
  CHECK(back->launch.tensor_maps == r.launch.tensor_maps);
  CHECK_FALSE(back->launch.programmatic);
  r.launch.programmatic = true;
  back = RequestFromLine(RequestToLine(r));
  REQUIRE(back.ok());
  CHECK(back->launch.programmatic);
  CHECK_FALSE(back->launch.co_resident);
  r.launch.co_resident = true;   // the worker refuses such a launch on a GPU with fewer SMs than its grid
  back = RequestFromLine(RequestToLine(r));
  REQUIRE(back.ok());
  CHECK(back->launch.co_resident);
  // An argument kind this build does not know is refused, not guessed.
  std::string bad = RequestToLine(r);
  const std::string kind0 = "\"args\":[[3,";
  REQUIRE(bad.find(kind0) != std::string::npos);
  bad.replace(bad.find(kind0), kind0.size(), "\"args\":[[9,");
  CHECK_FALSE(RequestFromLine(bad).ok());

  MeasureResponse resp;
  resp.id = 42;
  resp.result.error = records::MeasureError::kWrongAnswer;
  resp.result.message = "relative L2 error 0.5 exceeds 0.02";
  resp.result.rel_error = 0.5;
  resp.fatal = true;
  resp.result.cut = true;
  auto rb = ResponseFromLine(ResponseToLine(resp));
  REQUIRE(rb.ok());
  CHECK(rb->result.cut);
  CHECK(rb->result.error == records::MeasureError::kWrongAnswer);
  CHECK(rb->result.rel_error == 0.5);
  CHECK(rb->fatal);
  CHECK_FALSE(RequestFromLine("{\"id\": 1}").ok());
  CHECK(Tolerance(ir::Precision::kFP32) == 1e-4);
  CHECK(Tolerance(ir::Precision::kFP16) == 2e-2);
}

TEST_CASE("the early cut stops the repeats of a candidate far slower than its task's best", "[tuner][measurer]") {
  // cut_us = 3 x a best of 10 us, checked from the third repeat on.
  CHECK_FALSE(EarlyCut({400.0, 410.0}, 30.0, 3));          // too few repeats yet
  CHECK(EarlyCut({400.0, 410.0, 405.0}, 30.0, 3));          // median 405 > 30: stop
  CHECK_FALSE(EarlyCut({25.0, 400.0, 20.0}, 30.0, 3));     // median 25: one slow repeat is no reason
  CHECK(EarlyCut({25.0, 400.0, 31.0, 40.0}, 30.0, 3));     // median 35.5 once the fourth is in
  CHECK_FALSE(EarlyCut({400.0, 410.0, 405.0}, 0.0, 3));    // no reference: never
  CHECK_FALSE(EarlyCut({400.0, 410.0, 405.0}, 30.0, 0));   // disabled
  // A repeat loop that follows the rule runs 3 of 20 repeats for the slow candidate, 20 for a fast one.
  auto repeats_run = [](double us) {
    std::vector<double> t;
    for (int i = 0; i < 20; ++i) {
      t.push_back(us);
      if (static_cast<int>(t.size()) < 20 && EarlyCut(t, 30.0, 3)) break;
    }
    return t.size();
  };
  CHECK(repeats_run(500.0) == 3);
  CHECK(repeats_run(12.0) == 20);
}

TEST_CASE("candidates compile in parallel; an invalid one is a compile error", "[tuner][measurer]") {
  codegen::TaskContext t = test::LinearTask(32, 64, 64);
  auto good = codegen::DefaultProgram(t);
  REQUIRE(good.ok());
  codegen::Program bad = *good;
  bad.annotation.set(codegen::Knob::kBlockM, 48);   // outside the domain
  codegen::NvrtcCompiler nvrtc;
  auto out = CompileParallel(t, {*good, bad}, nvrtc, 2);
  REQUIRE(out.size() == 2);
  REQUIRE(out[0].ok());
  CHECK_FALSE(out[0]->binary->cubin.empty());
  CHECK(out[0]->kernel.launch.num_inputs == 3);
  REQUIRE_FALSE(out[1].ok());
  CHECK_THAT(out[1].status().message(), Catch::Contains("invalid annotation"));
}

}  // namespace
}  // namespace agt::tuner

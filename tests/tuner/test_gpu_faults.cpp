// Fault injection through the real measurement worker on the GPU (issue 16): the carried `autogtco
// tune-worker` process is sent kernels that trap, spin forever, write far out of bounds, or write a
// wrong answer, each between correct runs of the same task. Each fault must come back as its typed
// error (launch_error, timeout, launch_error, wrong_answer), the worker must be started again where
// it was killed or its context lost, and the correct program after it must still be measured. The
// table it prints (fault, what was recorded, workers started, the next program's time) is the
// issue's GPU fault-injection table. Without a GPU driver it says so and skips.
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <catch2/catch.hpp>

#include "codegen/compile.h"
#include "codegen/nvrtc.h"
#include "ir/graph.h"
#include "records/measure_result.h"
#include "tests/support/test_support.h"
#include "tuner/worker_process.h"
#include "tuner/worker_protocol.h"

namespace agt::tuner {
namespace {

namespace fs = std::filesystem;
using records::MeasureError;

// The `autogtco` beside this test binary (build/bin or the GPU machine's .carry/bin).
std::string AutogtcoBeside() { return (fs::read_symlink("/proc/self/exe").parent_path() / "autogtco").string(); }

// y = relu(x), x f32[1, 64, 1024]: one element-wise task, fp16 on the GPU.
codegen::TaskContext ReluTask() {
  ir::Graph g("group");
  ir::Value* x = g.AddInput("x", ir::TensorType{ir::DType::kF32, {1, 64, 1024}});
  auto y = g.AddNode(ir::OpKind::kRelu, {x});
  REQUIRE(y.ok());
  g.SetOutputs({(*y)->output(0)});
  auto t = codegen::MakeTaskContext(g, ir::Precision::kFP16, "sm_90");
  REQUIRE(t.ok());
  return std::move(t).value();
}

// A kernel with the element-wise kernel's name and parameters (const half* in0, half* out0) whose body
// is the fault.
std::string FaultSource(const std::string& name, const std::string& body) {
  return fmt::format("#include <cuda_fp16.h>\nextern \"C\" __global__ void {}(const __half* __restrict__ in0, "
                     "__half* __restrict__ out0) {{\n{}\n}}\n",
                     name, body);
}

struct Fault {
  const char* name;
  const char* body;              // empty: the correct program
  MeasureError expect;
};

TEST_CASE("tuner faults on the GPU: trap, spin, out-of-bounds and wrong answers through the real worker",
          "[gpu][tuner][faults]") {
  if (!test::HasGpuDriver()) {
    WARN("no GPU driver on this machine: skipping the GPU fault injection");
    return;
  }
  const std::string bin = AutogtcoBeside();
  REQUIRE(fs::exists(bin));
  codegen::TaskContext task = ReluTask();
  codegen::NvrtcCompiler nvrtc;
  auto prog = codegen::DefaultProgram(task);
  REQUIRE(prog.ok());
  auto good = codegen::CompileProgram(task, *prog, nvrtc);
  REQUIRE(good.ok());
  const codegen::LaunchSpec& launch = good->kernel.launch;
  const std::string kname = launch.kernel_name;

  const std::vector<Fault> faults = {
      {"correct", "", MeasureError::kNone},
      {"trap", "  asm volatile(\"trap;\");", MeasureError::kLaunchError},
      {"correct", "", MeasureError::kNone},
      // clock64 is volatile: the loop cannot be removed (a side-effect-free `while (go)` on a volatile local
      // was, on the first run: the kernel returned without writing and was recorded as a wrong answer).
      {"spin forever", "  const long long t0 = clock64();\n  while (clock64() - t0 < (1ll << 62)) {}", MeasureError::kTimeout},
      {"correct", "", MeasureError::kNone},
      {"write 1 TiB past the output", "  out0[(1ll << 39) + threadIdx.x] = in0[threadIdx.x];", MeasureError::kLaunchError},
      {"correct", "", MeasureError::kNone},
      {"wrong answer (ones)", "  const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;\n"
                              "  if (i < 65536) out0[i] = __float2half(1.0f);",
       MeasureError::kWrongAnswer},
      {"correct", "", MeasureError::kNone},
  };

  WorkerSpec spec;
  spec.command = {bin, "tune-worker"};
  spec.timeout_s = 3;
  spec.first_timeout_s = 60;
  WorkerProcess worker(spec);
  REQUIRE(worker.Start().ok());
  INFO("worker hello: " << worker.hello().gpu);

  std::string table = fmt::format("\nGPU fault injection through `autogtco tune-worker` on {}\n{:<30} {:<14} {:>9} {}\n",
                                  worker.hello().gpu, "injected", "recorded", "restarts", "time / message");
  int64_t id = 1;
  for (const Fault& f : faults) {
    MeasureRequest req;
    req.id = id++;
    req.graph_text = task.task.graph_text;
    req.precision = task.task.precision;
    req.launch = launch;
    req.warmup = 2;
    req.repeats = 5;
    req.check = true;
    if (f.body[0] == '\0') {
      req.cubin = good->binary->cubin;
    } else {
      auto out = nvrtc.Compile(FaultSource(kname, f.body), "sm_90", std::string("fault_") + std::to_string(req.id) + ".cu");
      INFO(f.name);
      REQUIRE(out.ok());
      req.cubin = out.value()->cubin;
    }
    bool lost = false;
    records::MeasureResult r = worker.Run(req, &lost);
    table += fmt::format("{:<30} {:<14} {:>9} {}\n", f.name, MeasureErrorName(r.error), worker.restarts(),
                         r.error == MeasureError::kNone ? fmt::format("{:.2f} us", r.median_us) : r.message.substr(0, 70));
    INFO(f.name << ": " << MeasureErrorName(r.error) << " " << r.message);
    CHECK(r.error == f.expect);
    if (f.expect == MeasureError::kNone) CHECK(r.median_us > 0);
  }
  WARN(table);
  // Every fault that took the worker or its context down was followed by a fresh worker.
  CHECK(worker.restarts() >= 2);
}

}  // namespace
}  // namespace agt::tuner

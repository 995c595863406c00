// Runs the Hopper GEMM core (codegen/hopper/gemm_sm90.h) on the GPU for the [gpu] tests and the
// benchmark (tests/codegen/bench/bench_gemm_sm90.cpp): compiles a configuration through NVRTC for
// sm_90a, loads it through the dlopen'ed driver, encodes the A and B tensor maps
// (runtime/tensor_map.h), uploads random operands in the input type, poisons the output (and a
// guard past its end) with NaN bytes, launches (with a zeroed split-K workspace, on a persistent grid
// of at most one CTA per SM, or fewer when a test asks), and reads the output back, once per launch
// (poisoned again in between, the workspace kept: so a counter left dirty shows); or times it inside
// a CUDA graph with the weight rotated among several copies so that L2 does not keep it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "codegen/hopper/gemm_sm90.h"
#include "codegen/nvrtc.h"
#include "runtime/cuda_driver.h"

namespace agt::test {

struct Sm90Problem {
  int64_t M = 0, N = 0, K = 0;
};

// Host operands as f32 values already rounded to the types the device stores: a [M, K]; b [K, N] or
// [N, K] per the configuration's layout; bias [N] (input type); residual [M, N] (output type). tf32
// stores f32, so its operands are unrounded: the kernel's tf32 truncation is part of its error.
struct Sm90Operands {
  std::vector<float> a, b, bias, residual;
};

Sm90Operands RandomSm90Operands(const codegen::hopper::GemmSm90Config& cfg, const Sm90Problem& p, uint64_t seed);
// Adds `by` to every value, rounded to the input type again (rows of a large common offset).
void ShiftSm90Values(codegen::hopper::GemmInput input, std::vector<float>& v, float by);
// The product and epilogue (bias, GELU, ReLU, residual, ReLU) in double precision, as f32 [M, N]
// (unrounded: the tolerance covers it).
std::vector<float> ReferenceSm90(const codegen::hopper::GemmSm90Config& cfg, const Sm90Problem& p, const Sm90Operands& ops);
double RelativeL2(const std::vector<float>& got, const std::vector<float>& want);

class Sm90GemmRunner {
 public:
  // Null, with `why_not` set, without a driver, a device, or a compute capability 9.0 device.
  static std::unique_ptr<Sm90GemmRunner> Create(std::string* why_not);
  ~Sm90GemmRunner();
  Sm90GemmRunner(const Sm90GemmRunner&) = delete;
  Sm90GemmRunner& operator=(const Sm90GemmRunner&) = delete;

  // Emits, compiles and loads a configuration; returns its handle.
  Expected<int> Load(const codegen::hopper::GemmSm90Config& cfg, codegen::NvrtcCompiler& nvrtc);

  struct RunOptions {
    int max_ctas = 0;   // grid cap (0: the SM count); a small cap makes each CTA walk many units
    int launches = 1;   // back to back on the same buffers and workspace, C poisoned before each
  };
  struct RunResult {
    std::vector<float> c;     // [M, N], the first launch
    bool guard_intact = true; // the poisoned elements past C's end are still poisoned (every launch)
    bool identical = true;    // every launch wrote the same bytes as the first (C, and the moments)
    unsigned grid = 0;        // CTAs launched
    // row_moments: [M, ceil(N / 64), 2] (mean, M2) of the first launch, poisoned (NaN) where unwritten.
    std::vector<float> moments;
  };
  Expected<RunResult> Run(int kernel, const Sm90Problem& p, const Sm90Operands& ops, const RunOptions& opt);
  Expected<RunResult> Run(int kernel, const Sm90Problem& p, const Sm90Operands& ops) { return Run(kernel, p, ops, RunOptions{}); }

  // Median microseconds per launch: a CUDA graph of `per_graph` launches cycling through `copies`
  // copies of the weight (each its own tensor map), replayed `samples` times after warm-up replays.
  Expected<double> Time(int kernel, const Sm90Problem& p, int copies = 4, int per_graph = 20, int samples = 60);

  std::string device_name() const { return name_; }
  int sm_count() const { return sms_; }
  const codegen::hopper::GemmSm90Config& config(int kernel) const;
  const runtime::CudaDriver& driver() const { return *d_; }

 private:
  Sm90GemmRunner() = default;
  Status Check(runtime::CUresult r, const char* what) const;
  struct Kernel;
  std::vector<std::unique_ptr<Kernel>> kernels_;
  const runtime::CudaDriver* d_ = nullptr;
  runtime::CUdevice dev_ = 0;
  runtime::CUcontext ctx_ = nullptr;
  std::string name_;
  int sms_ = 0;
  // Time()'s operands, kept while consecutive calls time the same problem and types.
  struct TimingBuffers;
  std::unique_ptr<TimingBuffers> timing_;
};

}  // namespace agt::test

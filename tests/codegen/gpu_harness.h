// Runs compiled programs on the GPU for the [gpu] tests and the benchmark: loads the cubin through
// the dlopen'd driver (runtime/cuda_driver.h), uploads inputs converted to the precision's storage
// type, poisons the outputs with NaN, launches with the program's launch spec, and reads the outputs
// back as f32 tensors. Also times a launch with CUDA events.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "codegen/compile.h"
#include "ir/tensor.h"
#include "runtime/cuda_driver.h"
#include "tuner/launch_params.h"

namespace agt::test {

class GpuHarness {
 public:
  // Null (with `error` set) when no driver or no device.
  static std::unique_ptr<GpuHarness> Create(std::string* error);
  ~GpuHarness();

  // Runs once on `inputs` (the group graph's types, any float precision); outputs in f32.
  Expected<std::vector<ir::Tensor>> Run(const codegen::CompiledProgram& c, const ir::Graph& g, const std::vector<ir::Tensor>& inputs);
  // Time per launch in microseconds: the median of 5 rounds of `reps` back-to-back launches, after
  // `warmup` launches, on random inputs. `graph`: the `reps` launches are captured once in a CUDA
  // graph and each round replays it, which takes the host's launch path out of microsecond kernels.
  Expected<double> Time(const codegen::CompiledProgram& c, const ir::Graph& g, int warmup = 5, int reps = 50, bool graph = false);
  // Programmatic dependent launch: `first` runs on `inputs`, then `second` on first's single output
  // (second's only input), launched right behind it on one stream with programmatic stream
  // serialization, `replays` times. Before each replay a memset on the stream sets the buffer between
  // them and second's output to NaN. Neither kernel may take a workspace. Second's output of each replay.
  Expected<std::vector<ir::Tensor>> RunProgrammaticPair(const codegen::CompiledProgram& first, const ir::Graph& g1,
                                                        const codegen::CompiledProgram& second, const ir::Graph& g2,
                                                        const std::vector<ir::Tensor>& inputs, int replays);
  std::string device_name() const { return name_; }

 private:
  struct Loaded;
  Expected<std::shared_ptr<Loaded>> Load(const codegen::CompiledProgram& c);
  Status Check(runtime::CUresult r, const char* what);
  // The kernel's parameters over `bufs` (inputs, outputs, then the workspace when it has one).
  Status BuildParams(const codegen::CompiledProgram& c, size_t num_inputs, const std::vector<runtime::CUdeviceptr>& bufs,
                     tuner::LaunchParams& params);

  const runtime::CudaDriver* d_ = nullptr;
  runtime::CUdevice dev_ = 0;
  runtime::CUcontext ctx_ = nullptr;
  std::string name_;
};

// Rounds a float tensor to what storage at `p` keeps (fp16 / bf16), for the reference's inputs.
ir::Tensor RoundToStorage(const ir::Tensor& t, ir::Precision p);
// Relative L2 tolerance of DESIGN.md for a precision.
double Tolerance(ir::Precision p);

// The harness, or null after a Catch WARN that says why (no GPU driver here, or no usable GPU): a
// [gpu] test returns then, so that it passes as skipped on machines without a GPU.
std::unique_ptr<GpuHarness> GpuHarnessOrSkip();

}  // namespace agt::test

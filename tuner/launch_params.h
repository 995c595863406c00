// The parameter array of one launch of a compiled program (codegen::LaunchSpec) over device buffers,
// for the tuner's worker and the GPU test harness: device pointers of the group's inputs, outputs
// and workspace, TMA tensor maps encoded over those buffers (runtime/tensor_map.h), 32-bit scalars
// and null pointers, in the order the spec lists them (codegen::LaunchArgs). The artifact's executor
// does the same from the artifact's own argument list (runtime/executor.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "codegen/kernel_source.h"
#include "ir/status.h"
#include "runtime/cuda_driver.h"
#include "runtime/tensor_map.h"

namespace agt::tuner {

class LaunchParams {
 public:
  // Encodes the tensor maps (a context must be current) and lays out the values; `workspace` is 0
  // when the spec sizes none.
  Status Build(const runtime::CudaDriver& driver, const codegen::LaunchSpec& spec, const std::vector<runtime::CUdeviceptr>& inputs,
               const std::vector<runtime::CUdeviceptr>& outputs, runtime::CUdeviceptr workspace);
  // What cuLaunchKernel takes as kernelParams; valid while this object lives.
  void** data() { return params_.data(); }

 private:
  std::unique_ptr<runtime::TensorMap[]> maps_;   // fixed addresses: the params point into them
  std::vector<uint64_t> values_;                 // pointers and scalars, one slot per argument
  std::vector<void*> params_;
};

}  // namespace agt::tuner

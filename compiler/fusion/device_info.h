// The GPU as data: the numbers the fuser's cost model (and later the sampler and the tuner's
// features) need, so that none of them needs a GPU to run. A canned H100 serves tests and the
// default compile; a measured description can replace it field by field.
#pragma once

#include <string>

#include "compiler/fusion/precision.h"

namespace agt::fusion {

struct DeviceInfo {
  std::string name;
  int sm_count = 0;
  int shared_memory_per_sm = 0;        // bytes
  int shared_memory_per_block = 0;     // bytes, opt-in maximum
  int registers_per_sm = 0;            // 32-bit registers
  int max_threads_per_sm = 0;
  double dram_bandwidth = 0;           // bytes per second, measured device-to-device copy rate
  int64_t l2_bytes = 0;
  double clock_ghz = 0;
  // Dense arithmetic rates in FLOP/s (an FMA counts as two).
  double fp32_simt_flops = 0;
  double fp16_tensor_flops = 0;
  double bf16_tensor_flops = 0;
  double tf32_tensor_flops = 0;
  // Fixed cost of one kernel: launched one by one from the host, and replayed from a CUDA graph.
  double launch_us = 0;
  double graph_launch_us = 0;

  // The matrix-product rate at a precision: tensor cores, or SIMT for exact fp32.
  double MatrixFlops(Precision p) const;
};

// One H100 SXM (80 GB HBM3): 132 SMs, 3.0 TB/s measured copy bandwidth (BASELINES.md), 800 TFLOP/s
// dense fp16/bf16, about 400 tf32, 67 fp32 SIMT; launches about 2.5 us alone, 1 us in a CUDA graph.
DeviceInfo H100();

}  // namespace agt::fusion

// The target GPU as data: what DPOF's prices, the sketches' validity checks and the tuner's features
// need, so that none of them needs a GPU. One description per `--arch`: canned sm_80 (A100), sm_89
// (L40S) and sm_90 (H100) descriptions keep artifacts deterministic and buildable anywhere; a GPU's
// own properties enter only through an explicit `--arch native` (compiler/planner/native_device.h),
// which starts from the canned description of the GPU's architecture.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ir/precision.h"
#include "ir/status.h"

namespace agt::ir {

struct DeviceInfo {
  std::string name;                    // the card the numbers describe
  std::string arch;                    // the compile target: "sm_90"
  int sm = 0;                          // compute capability as a number: 90
  int sm_count = 0;
  int shared_memory_per_sm = 0;        // bytes
  int shared_memory_per_block = 0;     // bytes, opt-in maximum for dynamic shared memory
  int registers_per_sm = 0;            // 32-bit registers
  int registers_per_thread = 255;
  int max_threads_per_sm = 0;
  int max_threads_per_block = 1024;
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

// The canned description of a compile target: sm_90, sm_89 or sm_80; an error naming them otherwise.
Expected<DeviceInfo> DeviceForArch(std::string_view arch);
// The targets DeviceForArch knows, in order.
std::vector<std::string> KnownArchs();

// One H100 SXM (80 GB HBM3): 132 SMs, 3.0 TB/s measured copy bandwidth (BASELINES.md), 800 TFLOP/s
// dense fp16/bf16, about 400 tf32, 67 fp32 SIMT; launches about 2.5 us alone, 1 us in a CUDA graph.
DeviceInfo H100();
// One A100 SXM (80 GB): 108 SMs, about 1.7 TB/s copy bandwidth, 312 TFLOP/s dense fp16/bf16.
DeviceInfo A100();
// One L40S (Ada): 142 SMs, about 0.75 TB/s copy bandwidth, 362 TFLOP/s dense fp16/bf16.
DeviceInfo L40S();

}  // namespace agt::ir

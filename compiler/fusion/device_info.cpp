// The canned device descriptions.
#include "compiler/fusion/device_info.h"

namespace agt::fusion {

double DeviceInfo::MatrixFlops(Precision p) const {
  switch (p) {
    case Precision::kFP32: return fp32_simt_flops;
    case Precision::kTF32: return tf32_tensor_flops;
    case Precision::kFP16: return fp16_tensor_flops;
    case Precision::kBF16: return bf16_tensor_flops;
  }
  return fp32_simt_flops;
}

DeviceInfo H100() {
  DeviceInfo d;
  d.name = "NVIDIA H100 80GB HBM3";
  d.sm_count = 132;
  d.shared_memory_per_sm = 228 * 1024;
  d.shared_memory_per_block = 227 * 1024;
  d.registers_per_sm = 65536;
  d.max_threads_per_sm = 2048;
  d.dram_bandwidth = 3.0e12;
  d.l2_bytes = 50LL * 1024 * 1024;
  d.clock_ghz = 1.755;
  d.fp32_simt_flops = 67e12;
  d.fp16_tensor_flops = 800e12;
  d.bf16_tensor_flops = 800e12;
  d.tf32_tensor_flops = 400e12;
  d.launch_us = 2.5;
  d.graph_launch_us = 1.0;
  return d;
}

}  // namespace agt::fusion

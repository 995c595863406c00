// The canned device descriptions. Peak rates are the vendors' dense figures; bandwidths are copy
// rates (what a streaming kernel sees), below the data-sheet peaks.
#include "ir/device.h"

namespace agt::ir {

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
  d.arch = "sm_90";
  d.sm = 90;
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

DeviceInfo A100() {
  DeviceInfo d;
  d.name = "NVIDIA A100-SXM4-80GB";
  d.arch = "sm_80";
  d.sm = 80;
  d.sm_count = 108;
  d.shared_memory_per_sm = 164 * 1024;
  d.shared_memory_per_block = 163 * 1024;
  d.registers_per_sm = 65536;
  d.max_threads_per_sm = 2048;
  d.dram_bandwidth = 1.7e12;
  d.l2_bytes = 40LL * 1024 * 1024;
  d.clock_ghz = 1.41;
  d.fp32_simt_flops = 19.5e12;
  d.fp16_tensor_flops = 312e12;
  d.bf16_tensor_flops = 312e12;
  d.tf32_tensor_flops = 156e12;
  d.launch_us = 2.5;
  d.graph_launch_us = 1.0;
  return d;
}

DeviceInfo L40S() {
  DeviceInfo d;
  d.name = "NVIDIA L40S";
  d.arch = "sm_89";
  d.sm = 89;
  d.sm_count = 142;
  d.shared_memory_per_sm = 100 * 1024;
  d.shared_memory_per_block = 99 * 1024;
  d.registers_per_sm = 65536;
  d.max_threads_per_sm = 1536;
  d.dram_bandwidth = 0.75e12;
  d.l2_bytes = 96LL * 1024 * 1024;
  d.clock_ghz = 2.52;
  d.fp32_simt_flops = 91.6e12;
  d.fp16_tensor_flops = 362e12;
  d.bf16_tensor_flops = 362e12;
  d.tf32_tensor_flops = 183e12;
  d.launch_us = 2.5;
  d.graph_launch_us = 1.0;
  return d;
}

std::vector<std::string> KnownArchs() { return {"sm_90", "sm_89", "sm_80"}; }

Expected<DeviceInfo> DeviceForArch(std::string_view arch) {
  if (arch == "sm_90") return H100();
  if (arch == "sm_89") return L40S();
  if (arch == "sm_80") return A100();
  return Status::Errorf("unsupported arch '{}' (expected sm_90, sm_89, sm_80 or native)", arch);
}

}  // namespace agt::ir

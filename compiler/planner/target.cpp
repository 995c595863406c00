// --arch to a device description (see target.h).
#include "compiler/planner/target.h"

#include <fmt/format.h>

#include "runtime/cuda_driver.h"

namespace agt::planner {

namespace {

// CUdevice_attribute values (cuda.h), restated as the runtime restates the driver's types.
constexpr int kAttrClockRateKHz = 13;
constexpr int kAttrMemoryClockKHz = 36;
constexpr int kAttrGlobalMemoryBusWidth = 37;
constexpr int kAttrL2CacheSize = 38;
constexpr int kAttrMaxThreadsPerSm = 39;
constexpr int kAttrSharedMemoryPerSm = 81;
constexpr int kAttrRegistersPerSm = 82;
constexpr int kAttrSharedMemoryPerBlockOptin = 97;
// A streaming copy reaches about 90% of the memory's peak (H100 SXM: 3.0 of 3.35 TB/s).
constexpr double kCopyEfficiency = 0.9;

Expected<ir::DeviceInfo> NativeDevice() {
  auto drv = runtime::GetCudaDriver();
  if (!drv.ok()) return Status::Errorf("native needs a GPU: {}", drv.status().message());
  const runtime::CudaDriver& d = *drv.value();
  runtime::CUdevice dev = 0;
  if (d.cuDeviceGet(&dev, 0) != runtime::kCudaSuccess) return Status::Error("native: no CUDA device 0");
  auto attr = [&](int a) {
    int v = 0;
    return d.cuDeviceGetAttribute(&v, a, dev) == runtime::kCudaSuccess ? v : 0;
  };
  int major = attr(runtime::kAttrComputeCapabilityMajor), minor = attr(runtime::kAttrComputeCapabilityMinor);
  std::string arch = fmt::format("sm_{}{}", major, minor);
  auto canned = ir::DeviceForArch(arch);
  if (!canned.ok()) return Status::Errorf("native: this GPU is {}, which has no description ({})", arch, canned.status().message());
  ir::DeviceInfo out = *canned;
  char name[256] = {};
  if (d.cuDeviceGetName(name, sizeof(name) - 1, dev) == runtime::kCudaSuccess) out.name = name;
  double old_rate = out.sm_count * out.clock_ghz;
  if (int v = attr(runtime::kAttrMultiprocessorCount); v > 0) out.sm_count = v;
  if (int v = attr(kAttrClockRateKHz); v > 0) out.clock_ghz = v / 1e6;
  if (int v = attr(kAttrSharedMemoryPerSm); v > 0) out.shared_memory_per_sm = v;
  if (int v = attr(kAttrSharedMemoryPerBlockOptin); v > 0) out.shared_memory_per_block = v;
  if (int v = attr(kAttrRegistersPerSm); v > 0) out.registers_per_sm = v;
  if (int v = attr(kAttrMaxThreadsPerSm); v > 0) out.max_threads_per_sm = v;
  if (int v = attr(kAttrL2CacheSize); v > 0) out.l2_bytes = v;
  int mem_khz = attr(kAttrMemoryClockKHz), bus_bits = attr(kAttrGlobalMemoryBusWidth);
  if (mem_khz > 0 && bus_bits > 0) out.dram_bandwidth = kCopyEfficiency * 2.0 * mem_khz * 1e3 * bus_bits / 8.0;
  double scale = old_rate > 0 ? out.sm_count * out.clock_ghz / old_rate : 1.0;
  out.fp32_simt_flops *= scale;
  out.fp16_tensor_flops *= scale;
  out.bf16_tensor_flops *= scale;
  out.tf32_tensor_flops *= scale;
  return out;
}

}  // namespace

Expected<ir::DeviceInfo> ResolveArch(std::string_view arch_flag) {
  if (arch_flag == "native") return NativeDevice();
  return ir::DeviceForArch(arch_flag);
}

}  // namespace agt::planner

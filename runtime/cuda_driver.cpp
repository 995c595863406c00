// Loads the CUDA driver with dlopen and resolves its entry points; see cuda_driver.h.
#include "runtime/cuda_driver.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <utility>

namespace agt::runtime {
namespace {

// Resolves the first of the candidate names that the library exports (newer ABI versions first).
template <typename Fn>
bool Resolve(void* lib, Fn* slot, std::initializer_list<const char*> names, std::string* missing) {
  for (const char* name : names) {
    if (void* sym = dlsym(lib, name)) {
      *slot = reinterpret_cast<Fn>(sym);
      return true;
    }
  }
  *missing = *names.begin();
  return false;
}

Result<std::unique_ptr<CudaDriver>> Load(const std::string& library) {
  void* lib = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = dlerror();
    return Status::Error(AGT_ERROR_NO_DRIVER, "CUDA driver not found: cannot load " + library + " (" +
                                                  (why ? why : "unknown reason") +
                                                  "); this machine has no NVIDIA driver or GPU");
  }
  auto d = std::make_unique<CudaDriver>();
  std::string missing;
  bool ok = Resolve(lib, &d->cuInit, {"cuInit"}, &missing) &&
            Resolve(lib, &d->cuDriverGetVersion, {"cuDriverGetVersion"}, &missing) &&
            Resolve(lib, &d->cuGetErrorName, {"cuGetErrorName"}, &missing) &&
            Resolve(lib, &d->cuGetErrorString, {"cuGetErrorString"}, &missing) &&
            Resolve(lib, &d->cuDeviceGetCount, {"cuDeviceGetCount"}, &missing) &&
            Resolve(lib, &d->cuDeviceGet, {"cuDeviceGet"}, &missing) &&
            Resolve(lib, &d->cuDeviceGetAttribute, {"cuDeviceGetAttribute"}, &missing) &&
            Resolve(lib, &d->cuDeviceGetName, {"cuDeviceGetName"}, &missing) &&
            Resolve(lib, &d->cuDevicePrimaryCtxRetain, {"cuDevicePrimaryCtxRetain"}, &missing) &&
            Resolve(lib, &d->cuDevicePrimaryCtxRelease, {"cuDevicePrimaryCtxRelease_v2", "cuDevicePrimaryCtxRelease"}, &missing) &&
            Resolve(lib, &d->cuCtxSetCurrent, {"cuCtxSetCurrent"}, &missing) &&
            Resolve(lib, &d->cuCtxGetCurrent, {"cuCtxGetCurrent"}, &missing) &&
            Resolve(lib, &d->cuModuleLoadData, {"cuModuleLoadData"}, &missing) &&
            Resolve(lib, &d->cuModuleUnload, {"cuModuleUnload"}, &missing) &&
            Resolve(lib, &d->cuModuleGetFunction, {"cuModuleGetFunction"}, &missing) &&
            Resolve(lib, &d->cuFuncSetAttribute, {"cuFuncSetAttribute"}, &missing) &&
            Resolve(lib, &d->cuLaunchKernel, {"cuLaunchKernel"}, &missing) &&
            Resolve(lib, &d->cuMemAlloc, {"cuMemAlloc_v2"}, &missing) &&
            Resolve(lib, &d->cuMemFree, {"cuMemFree_v2"}, &missing) &&
            Resolve(lib, &d->cuMemGetInfo, {"cuMemGetInfo_v2"}, &missing) &&
            Resolve(lib, &d->cuMemcpyHtoD, {"cuMemcpyHtoD_v2"}, &missing) &&
            Resolve(lib, &d->cuMemcpyDtoH, {"cuMemcpyDtoH_v2"}, &missing) &&
            Resolve(lib, &d->cuMemcpyHtoDAsync, {"cuMemcpyHtoDAsync_v2"}, &missing) &&
            Resolve(lib, &d->cuMemcpyDtoHAsync, {"cuMemcpyDtoHAsync_v2"}, &missing) &&
            Resolve(lib, &d->cuMemcpyDtoDAsync, {"cuMemcpyDtoDAsync_v2"}, &missing) &&
            Resolve(lib, &d->cuMemsetD8Async, {"cuMemsetD8Async"}, &missing) &&
            Resolve(lib, &d->cuStreamCreate, {"cuStreamCreate"}, &missing) &&
            Resolve(lib, &d->cuStreamDestroy, {"cuStreamDestroy_v2"}, &missing) &&
            Resolve(lib, &d->cuStreamSynchronize, {"cuStreamSynchronize"}, &missing) &&
            Resolve(lib, &d->cuStreamWaitEvent, {"cuStreamWaitEvent"}, &missing) &&
            Resolve(lib, &d->cuEventCreate, {"cuEventCreate"}, &missing) &&
            Resolve(lib, &d->cuEventDestroy, {"cuEventDestroy_v2"}, &missing) &&
            Resolve(lib, &d->cuEventRecord, {"cuEventRecord"}, &missing) &&
            Resolve(lib, &d->cuEventSynchronize, {"cuEventSynchronize"}, &missing) &&
            Resolve(lib, &d->cuEventElapsedTime, {"cuEventElapsedTime_v2", "cuEventElapsedTime"}, &missing) &&
            Resolve(lib, &d->cuStreamBeginCapture, {"cuStreamBeginCapture_v2"}, &missing) &&
            Resolve(lib, &d->cuStreamEndCapture, {"cuStreamEndCapture"}, &missing) &&
            Resolve(lib, &d->cuGraphInstantiateWithFlags, {"cuGraphInstantiateWithFlags"}, &missing) &&
            Resolve(lib, &d->cuGraphLaunch, {"cuGraphLaunch"}, &missing) &&
            Resolve(lib, &d->cuGraphExecDestroy, {"cuGraphExecDestroy"}, &missing) &&
            Resolve(lib, &d->cuGraphDestroy, {"cuGraphDestroy"}, &missing);
  if (!ok) {
    dlclose(lib);
    return Status::Error(AGT_ERROR_NO_DRIVER, "the CUDA driver in " + library + " lacks " + missing +
                                                  " (driver too old; CUDA 12 or newer is needed)");
  }
  // Optional entry points: an artifact without sm_90 kernels must still load on a driver that lacks them.
  d->cuTensorMapEncodeTiled = reinterpret_cast<decltype(d->cuTensorMapEncodeTiled)>(dlsym(lib, "cuTensorMapEncodeTiled"));
  d->cuLaunchKernelEx = reinterpret_cast<decltype(d->cuLaunchKernelEx)>(dlsym(lib, "cuLaunchKernelEx"));
  d->cuFuncGetAttribute = reinterpret_cast<decltype(d->cuFuncGetAttribute)>(dlsym(lib, "cuFuncGetAttribute"));
  // The library stays loaded for the life of the process: unloading a driver is never safe.
  CUresult r = d->cuInit(0);
  if (r != kCudaSuccess) {
    Status s = d->Check(r, "cuInit");
    return Status::Error(r == kCudaErrorNoDevice ? AGT_ERROR_NO_DEVICE : AGT_ERROR_NO_DRIVER, s.message());
  }
  return d;
}

}  // namespace

Status CudaDriver::Check(CUresult result, const char* what) const {
  if (result == kCudaSuccess) return Status::Ok();
  const char* name = nullptr;
  const char* text = nullptr;
  if (cuGetErrorName == nullptr || cuGetErrorName(result, &name) != kCudaSuccess) name = nullptr;
  if (cuGetErrorString == nullptr || cuGetErrorString(result, &text) != kCudaSuccess) text = nullptr;
  std::string msg = std::string(what) + " failed: " + (name ? name : "CUDA error " + std::to_string(result)) +
                    (text ? std::string(" (") + text + ")" : "");
  agt_status code = AGT_ERROR_CUDA;
  if (result == kCudaErrorOutOfMemory) code = AGT_ERROR_OUT_OF_MEMORY;
  if (result == kCudaErrorNoDevice || result == kCudaErrorInvalidDevice) code = AGT_ERROR_NO_DEVICE;
  if (result == kCudaErrorNoBinaryForGpu || result == kCudaErrorInvalidPtx ||
      result == kCudaErrorUnsupportedPtxVersion) {
    code = AGT_ERROR_WRONG_ARCH;
  }
  return Status::Error(code, msg);
}

CUresult LaunchKernel(const CudaDriver& d, const KernelLaunch& l) {
  if (l.co_resident && d.cuLaunchKernelEx == nullptr) return kCudaErrorNotSupported;
  if ((!l.programmatic && !l.co_resident) || d.cuLaunchKernelEx == nullptr) {
    return d.cuLaunchKernel(l.fn, l.grid[0], l.grid[1], l.grid[2], l.block[0], l.block[1], l.block[2], l.smem, l.stream,
                            l.params, nullptr);
  }
  CUlaunchAttribute attrs[2]{};
  unsigned n = 0;
  if (l.programmatic) {
    attrs[n].id = kLaunchAttributeProgrammaticStreamSerialization;
    attrs[n++].value.programmaticStreamSerializationAllowed = 1;
  }
  if (l.co_resident) {
    attrs[n].id = kLaunchAttributeCooperative;
    attrs[n++].value.cooperative = 1;
  }
  CUlaunchConfig config{};
  config.gridDimX = l.grid[0];
  config.gridDimY = l.grid[1];
  config.gridDimZ = l.grid[2];
  config.blockDimX = l.block[0];
  config.blockDimY = l.block[1];
  config.blockDimZ = l.block[2];
  config.sharedMemBytes = l.smem;
  config.hStream = l.stream;
  config.attrs = attrs;
  config.numAttrs = n;
  return d.cuLaunchKernelEx(&config, l.fn, l.params, nullptr);
}

Status CoResidentFits(const std::array<uint32_t, 3>& grid, int sm_count, const std::string& kernel) {
  const uint64_t ctas = uint64_t{grid[0]} * grid[1] * grid[2];
  if (sm_count > 0 && ctas <= static_cast<uint64_t>(sm_count)) return Status::Ok();
  return Status::Error(AGT_ERROR_WRONG_ARCH, "kernel " + kernel + " needs its " + std::to_string(ctas) +
                                                 " CTAs resident at once (one per SM: split-K reduced by every split) "
                                                 "and this GPU has " + std::to_string(sm_count) +
                                                 " SMs; recompile on it with --arch native");
}

Result<SmSharedMemory> QuerySmSharedMemory(const CudaDriver& d, CUdevice device) {
  SmSharedMemory sm;
  const std::pair<int*, int> attrs[] = {{&sm.sm_count, kAttrMultiprocessorCount},
                                        {&sm.per_sm, kAttrMaxSharedMemoryPerMultiprocessor},
                                        {&sm.reserved_per_block, kAttrReservedSharedMemoryPerBlock},
                                        {&sm.optin_per_block, kAttrMaxSharedMemoryPerBlockOptin}};
  for (const auto& [value, attr] : attrs) {
    AGT_RT_RETURN_IF_ERROR(d.Check(d.cuDeviceGetAttribute(value, attr, device), "cuDeviceGetAttribute"));
  }
  return sm;
}

unsigned SpreadSharedBytes(const SmSharedMemory& sm, uint64_t ctas, unsigned static_bytes, unsigned dynamic) {
  if (sm.sm_count <= 0 || sm.per_sm <= 0 || ctas > static_cast<uint64_t>(sm.sm_count)) return dynamic;
  // Two CTAs fit on one SM while 2 * (static + dynamic + reserved) <= per_sm.
  const int64_t half = sm.per_sm / 2 + 1 - static_cast<int64_t>(static_bytes) - sm.reserved_per_block;
  const int64_t need = (half + 127) / 128 * 128;
  if (need <= static_cast<int64_t>(dynamic)) return dynamic;
  if (need + static_cast<int64_t>(static_bytes) > sm.optin_per_block) return dynamic;
  return static_cast<unsigned>(need);
}

Result<unsigned> SpreadLaunchSharedBytes(const CudaDriver& d, const SmSharedMemory& sm, CUfunction fn,
                                         const std::array<unsigned, 3>& grid, unsigned dynamic) {
  if (d.cuFuncGetAttribute == nullptr) return dynamic;
  int static_bytes = 0, limit = 0;
  AGT_RT_RETURN_IF_ERROR(d.Check(d.cuFuncGetAttribute(&static_bytes, kFuncAttrSharedSizeBytes, fn), "cuFuncGetAttribute"));
  AGT_RT_RETURN_IF_ERROR(
      d.Check(d.cuFuncGetAttribute(&limit, kFuncAttrMaxDynamicSharedSizeBytes, fn), "cuFuncGetAttribute"));
  const uint64_t ctas = uint64_t{grid[0]} * grid[1] * grid[2];
  const unsigned bytes = SpreadSharedBytes(sm, ctas, static_cast<unsigned>(static_bytes), dynamic);
  if (bytes > static_cast<unsigned>(limit)) {
    AGT_RT_RETURN_IF_ERROR(d.Check(d.cuFuncSetAttribute(fn, kFuncAttrMaxDynamicSharedSizeBytes, static_cast<int>(bytes)),
                                   "cuFuncSetAttribute(max dynamic shared memory)"));
  }
  return bytes;
}

bool EnvironmentFlag(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && std::strcmp(value, "1") == 0;
}

bool PdlEnabledByEnvironment() {
  const char* value = std::getenv("AGT_PDL");
  return value == nullptr || std::strcmp(value, "0") != 0;
}

bool SpreadEnabledByEnvironment() { return EnvironmentFlag("AGT_PDL_SPREAD"); }

Result<const CudaDriver*> GetCudaDriver() {
  static std::mutex mu;
  static std::unique_ptr<CudaDriver> driver;
  static Status failure;
  static bool tried = false;
  std::lock_guard<std::mutex> lock(mu);
  if (!tried) {
    tried = true;
    const char* env = std::getenv("AGT_CUDA_DRIVER");
    auto loaded = Load(env != nullptr && *env != '\0' ? env : "libcuda.so.1");
    if (loaded.ok()) {
      driver = std::move(loaded).value();
    } else {
      failure = loaded.status();
    }
  }
  if (driver == nullptr) return failure;
  return static_cast<const CudaDriver*>(driver.get());
}

Result<const CudaDriver*> LoadCudaDriverForTest(const std::string& library) {
  AGT_RT_ASSIGN_OR_RETURN(std::unique_ptr<CudaDriver> d, Load(library));
  return static_cast<const CudaDriver*>(d.release());  // leaked on purpose, like the process-wide one
}

}  // namespace agt::runtime

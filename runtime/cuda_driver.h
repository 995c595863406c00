// The CUDA driver API, loaded at run time with dlopen("libcuda.so.1") and dlsym: an artifact must load
// on a machine without a GPU (to print its metadata), so it never links libcuda. Only the entry points
// the executor uses are declared, with the driver's ABI types restated here (the CUDA headers are not
// needed to build the runtime). Names are the versioned symbols libcuda exports (cuMemAlloc_v2, ...),
// which is what cuda.h maps the plain names to.
//
// The driver is loaded and cuInit'ed once per process under a mutex; a failure is remembered and every
// later call gets the same clear error (AGT_ERROR_NO_DRIVER), never a crash.
//
// LaunchKernel is the one place a kernel is launched (the executor, the tuner's worker, the GPU test
// harnesses): a programmatic launch (Hopper's programmatic dependent launch) goes through
// cuLaunchKernelEx with programmatic stream serialization allowed, every other one through
// cuLaunchKernel.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/runtime_status.h"

namespace agt::runtime {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;   // NOLINT: the driver's own type
using CUcontext = struct CUctx_st*;
using CUmodule = struct CUmod_st*;
using CUfunction = struct CUfunc_st*;
using CUstream = struct CUstream_st*;
using CUevent = struct CUevent_st*;
using CUgraph = struct CUgraph_st*;
using CUgraphExec = struct CUgraphExec_st*;

inline constexpr CUresult kCudaSuccess = 0;
inline constexpr CUresult kCudaErrorOutOfMemory = 2;
inline constexpr CUresult kCudaErrorNoDevice = 100;
inline constexpr CUresult kCudaErrorInvalidDevice = 101;
inline constexpr CUresult kCudaErrorNoBinaryForGpu = 209;
inline constexpr CUresult kCudaErrorInvalidPtx = 218;
inline constexpr CUresult kCudaErrorUnsupportedPtxVersion = 222;
inline constexpr CUresult kCudaErrorInvalidValue = 1;
inline constexpr CUresult kCudaErrorNotSupported = 801;
inline constexpr int kAttrComputeCapabilityMajor = 75;
inline constexpr int kAttrComputeCapabilityMinor = 76;
inline constexpr int kAttrMultiprocessorCount = 16;
inline constexpr int kAttrMaxSharedMemoryPerMultiprocessor = 81;
inline constexpr int kAttrMaxSharedMemoryPerBlockOptin = 97;
inline constexpr int kAttrReservedSharedMemoryPerBlock = 111;
inline constexpr int kFuncAttrSharedSizeBytes = 1;
inline constexpr int kFuncAttrMaxDynamicSharedSizeBytes = 8;
inline constexpr unsigned kStreamNonBlocking = 1;
inline constexpr unsigned kEventDefault = 0;
inline constexpr unsigned kEventDisableTiming = 2;
inline constexpr int kStreamCaptureModeThreadLocal = 1;
inline constexpr int kLaunchAttributeProgrammaticStreamSerialization = 6;
inline constexpr int kLaunchAttributeCooperative = 2;

// cuLaunchKernelEx's configuration, as cuda.h lays it out (tests/runtime/test_launch_kernel.cpp checks
// the layout against cuda.h). Only the attributes the runtime sets are named in the value union.
union CUlaunchAttributeValue {
  char pad[64];
  int programmaticStreamSerializationAllowed;   // kLaunchAttributeProgrammaticStreamSerialization
  int cooperative;                              // kLaunchAttributeCooperative
  void* align;                                  // the driver's union holds pointers: 8-byte aligned
};
struct CUlaunchAttribute {
  int id;   // CUlaunchAttributeID
  char pad[4];
  CUlaunchAttributeValue value;
};
struct CUlaunchConfig {
  unsigned gridDimX, gridDimY, gridDimZ;
  unsigned blockDimX, blockDimY, blockDimZ;
  unsigned sharedMemBytes;
  CUstream hStream;
  CUlaunchAttribute* attrs;
  unsigned numAttrs;
};

struct CudaDriver {
  CUresult (*cuInit)(unsigned flags);
  CUresult (*cuDriverGetVersion)(int* version);
  CUresult (*cuGetErrorName)(CUresult error, const char** str);
  CUresult (*cuGetErrorString)(CUresult error, const char** str);
  CUresult (*cuDeviceGetCount)(int* count);
  CUresult (*cuDeviceGet)(CUdevice* device, int ordinal);
  CUresult (*cuDeviceGetAttribute)(int* value, int attribute, CUdevice device);
  CUresult (*cuDeviceGetName)(char* name, int len, CUdevice device);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext* ctx, CUdevice device);
  CUresult (*cuDevicePrimaryCtxRelease)(CUdevice device);
  CUresult (*cuCtxSetCurrent)(CUcontext ctx);
  CUresult (*cuCtxGetCurrent)(CUcontext* ctx);
  CUresult (*cuModuleLoadData)(CUmodule* module, const void* image);
  CUresult (*cuModuleUnload)(CUmodule module);
  CUresult (*cuModuleGetFunction)(CUfunction* fn, CUmodule module, const char* name);
  CUresult (*cuFuncSetAttribute)(CUfunction fn, int attribute, int value);
  CUresult (*cuLaunchKernel)(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                             unsigned bz, unsigned smem, CUstream stream, void** params, void** extra);
  CUresult (*cuMemAlloc)(CUdeviceptr* ptr, size_t bytes);
  CUresult (*cuMemFree)(CUdeviceptr ptr);
  CUresult (*cuMemGetInfo)(size_t* free_bytes, size_t* total_bytes);
  CUresult (*cuMemcpyHtoD)(CUdeviceptr dst, const void* src, size_t bytes);
  CUresult (*cuMemcpyDtoH)(void* dst, CUdeviceptr src, size_t bytes);
  CUresult (*cuMemcpyHtoDAsync)(CUdeviceptr dst, const void* src, size_t bytes, CUstream stream);
  CUresult (*cuMemcpyDtoHAsync)(void* dst, CUdeviceptr src, size_t bytes, CUstream stream);
  CUresult (*cuMemcpyDtoDAsync)(CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream stream);
  CUresult (*cuMemsetD8Async)(CUdeviceptr dst, unsigned char value, size_t count, CUstream stream);
  CUresult (*cuStreamCreate)(CUstream* stream, unsigned flags);
  CUresult (*cuStreamDestroy)(CUstream stream);
  CUresult (*cuStreamSynchronize)(CUstream stream);
  CUresult (*cuStreamWaitEvent)(CUstream stream, CUevent event, unsigned flags);
  CUresult (*cuEventCreate)(CUevent* event, unsigned flags);
  CUresult (*cuEventDestroy)(CUevent event);
  CUresult (*cuEventRecord)(CUevent event, CUstream stream);
  CUresult (*cuEventSynchronize)(CUevent event);
  CUresult (*cuEventElapsedTime)(float* ms, CUevent start, CUevent end);
  CUresult (*cuStreamBeginCapture)(CUstream stream, int mode);
  CUresult (*cuStreamEndCapture)(CUstream stream, CUgraph* graph);
  CUresult (*cuGraphInstantiateWithFlags)(CUgraphExec* exec, CUgraph graph, unsigned long long flags);  // NOLINT
  CUresult (*cuGraphLaunch)(CUgraphExec exec, CUstream stream);
  CUresult (*cuGraphExecDestroy)(CUgraphExec exec);
  CUresult (*cuGraphDestroy)(CUgraph graph);
  // Optional (null when the driver lacks it): TMA tensor maps for the sm_90 kernels
  // (runtime/tensor_map.h). `map` is a CUtensorMap (128 bytes); enums are passed as their int values.
  CUresult (*cuTensorMapEncodeTiled)(void* map, int data_type, unsigned rank, void* global_address,
                                     const unsigned long long* global_dim, const unsigned long long* global_strides,  // NOLINT
                                     const unsigned* box_dim, const unsigned* element_strides, int interleave,
                                     int swizzle, int l2_promotion, int oob_fill);
  // Optional (null when the driver lacks it): launches with attributes (programmatic dependent launch).
  CUresult (*cuLaunchKernelEx)(const CUlaunchConfig* config, CUfunction f, void** params, void** extra);
  // Optional: a kernel's static shared bytes (SpreadSharedBytes).
  CUresult (*cuFuncGetAttribute)(int* value, int attribute, CUfunction fn);

  // "cuMemAlloc failed: CUDA_ERROR_OUT_OF_MEMORY (out of memory)" with a status code that keeps the
  // category: out of memory, no device, wrong arch (no binary for this GPU), or a CUDA error.
  Status Check(CUresult result, const char* what) const;
};

// One kernel launch. `programmatic`: the kernel waits on its grid dependency (griddepcontrol.wait)
// before it touches memory the launch before it in the stream writes, so it may be launched with
// programmatic stream serialization and start while that launch finishes.
struct KernelLaunch {
  CUfunction fn = nullptr;
  std::array<unsigned, 3> grid = {1, 1, 1};
  std::array<unsigned, 3> block = {1, 1, 1};
  unsigned smem = 0;                 // dynamic shared memory bytes
  CUstream stream = nullptr;
  void** params = nullptr;           // cuLaunchKernel's kernelParams
  bool programmatic = false;
  // The kernel's CTAs wait on each other (co_resident): launched cooperative, so that the driver
  // keeps the whole grid resident at once, even beside other streams' kernels, or refuses the launch.
  bool co_resident = false;
};

// Whether a kernel whose CTAs wait on each other (co_resident: the Hopper core's reduce-scatter split-K,
// one CTA per SM) can run on a GPU of `sm_count` SMs: its whole grid resident at once. Otherwise an
// error that names `kernel` and says to recompile for this GPU, instead of a hang.
Status CoResidentFits(const std::array<uint32_t, 3>& grid, int sm_count, const std::string& kernel);

// A GPU's shared memory, as SpreadSharedBytes needs it (the device attributes of the same names).
struct SmSharedMemory {
  int sm_count = 0;
  int per_sm = 0;               // bytes one SM holds for all its CTAs
  int reserved_per_block = 0;   // bytes the system takes of each CTA's share
  int optin_per_block = 0;      // the most one CTA may ask for
};
Result<SmSharedMemory> QuerySmSharedMemory(const CudaDriver& d, CUdevice device);

// The dynamic shared bytes to launch a programmatic kernel of `ctas` CTAs with, so that no SM takes
// two of them. A dependent launched early finds most SMs still busy with the kernel before it; a CTA
// small enough to fit several times beside nothing then piles up on the few idle SMs (four attention
// CTAs of 48 KB on one SM while the rest of the grid waits), and the kernel runs at the pace of its
// most crowded SM: ViT-H ran 15% slower with programmatic launches than without (2.100 against 1.817
// ms, H100, docs/perf-notes.md). A single-wave grid (at most one CTA per SM intended) asks for more
// than half an SM's shared memory instead; a larger grid, or one that cannot ask for that much, keeps
// `dynamic`.
unsigned SpreadSharedBytes(const SmSharedMemory& sm, uint64_t ctas, unsigned static_bytes, unsigned dynamic);
// SpreadSharedBytes for launching `fn` (its static bytes from the driver), raising the function's
// dynamic shared memory limit where the result needs it (never lowering it: other launches of `fn`
// may ask for more). `dynamic` unchanged on a driver without cuFuncGetAttribute.
Result<unsigned> SpreadLaunchSharedBytes(const CudaDriver& d, const SmSharedMemory& sm, CUfunction fn,
                                         const std::array<unsigned, 3>& grid, unsigned dynamic);

// cuLaunchKernelEx with programmatic stream serialization where `l.programmatic` and the driver has
// it, and with the cooperative attribute where `l.co_resident`; cuLaunchKernel otherwise (a driver
// without cuLaunchKernelEx runs the kernel fully serialized, which is correct, only slower; a
// co-resident launch then fails with kCudaErrorNotSupported rather than risk a hang).
CUresult LaunchKernel(const CudaDriver& d, const KernelLaunch& l);

// Whether environment variable `name` is set to exactly "1" (AGT_NO_GRAPH).
bool EnvironmentFlag(const char* name);
// Launches the compiler marked programmatic are launched so unless AGT_PDL=0 (on by default since the
// [gpu] ordering tests, tests/codegen/test_grid_dependency_gpu.cpp and tests/runtime/test_executor_gpu.cpp,
// passed on an H100, 2026-12-07; docs/perf-notes.md); the kernels wait on their grid dependency either
// way, which is a no-op without the attribute. Read once where launches are set up (the executor's
// creation, the tuner worker's start).
bool PdlEnabledByEnvironment();
// Whether programmatic launches of single-wave grids are spread one CTA per SM (SpreadSharedBytes):
// only with AGT_PDL_SPREAD=1 until it has been timed on a GPU (built in a session whose device time
// ran out; docs/perf-notes.md says what it is predicted to buy).
bool SpreadEnabledByEnvironment();

// The process-wide driver, loaded and initialised on first use. Thread-safe.
// The library is libcuda.so.1 (never the toolkit's link-time stub libcuda.so), or $AGT_CUDA_DRIVER if set.
Result<const CudaDriver*> GetCudaDriver();

// Loads a driver from a given file without caching it (tests of the failure path).
Result<const CudaDriver*> LoadCudaDriverForTest(const std::string& library);

}  // namespace agt::runtime

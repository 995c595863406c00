// The executor on a real GPU ([gpu]: skipped where no driver is found). A tiny artifact built here from
// NVRTC-compiled kernels (axpy into an arena scratch buffer; bias add from the weights with a 64 KB
// dynamic shared-memory staging, so the large-smem attribute path runs; a memset and a copy launch)
// is run through the C API with and without CUDA graphs, with host and device buffers, and compared
// with the same arithmetic done here in plain C++; on sm_90+ again with kernels that wait on their grid
// dependency and launches marked programmatic. A second one passes two TMA tensor maps by value
// (`const __grid_constant__`) to a kernel that copies their bytes out, compared with the same maps
// encoded here.
#include <catch2/catch.hpp>

#include <dlfcn.h>
#include <nvrtc.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "runtime/artifact_reader.h"
#include "runtime/cuda_driver.h"
#include "runtime/include/autogtco/runtime.h"
#include "runtime/pack.h"
#include "runtime/tensor_map.h"
#include "tests/runtime/sample_artifact.h"
#include "tests/support/test_support.h"

using namespace agt::runtime;
using agt::runtime::test::TempDir;

namespace {

constexpr int kN = 1000;
constexpr int kBiasLen = 64;
constexpr float kAlpha = 0.75f;
constexpr uint32_t kSmem = 64 * 1024;

// With AGT_TEST_PDL defined (sm_90+), each kernel waits on its grid dependency before it touches
// memory, as a kernel the compiler marks programmatic does.
const char* kSource = R"(
#if defined(AGT_TEST_PDL)
#define GRID_WAIT() asm volatile("griddepcontrol.wait;" ::: "memory"); asm volatile("griddepcontrol.launch_dependents;")
#else
#define GRID_WAIT()
#endif
extern "C" __global__ void axpy(const float* a, const float* b, float* t, float alpha, int n) {
  GRID_WAIT();
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) t[i] = a[i] + alpha * b[i];
}
extern "C" __global__ void add_bias(const float* t, const float* w, float* c, long long period, int n) {
  extern __shared__ float staged[];   // 64 KB: needs the raised dynamic shared-memory limit
  GRID_WAIT();
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  staged[threadIdx.x * 64] = i < n ? t[i] : 0.0f;
  __syncthreads();
  if (i < n) c[i] = staged[threadIdx.x * 64] + w[i % period];
}
)";

bool GpuAvailable() {
  if (!agt::test::HasGpuDriver()) {
    WARN("no CUDA driver on this machine: [gpu] test skipped");
    return false;
  }
  return true;
}

std::pair<int, int> DeviceCapability() {
  auto drv = GetCudaDriver();
  REQUIRE(drv.ok());
  CUdevice dev = 0;
  int major = 0, minor = 0;
  REQUIRE(drv.value()->cuDeviceGet(&dev, 0) == kCudaSuccess);
  drv.value()->cuDeviceGetAttribute(&major, kAttrComputeCapabilityMajor, dev);
  drv.value()->cuDeviceGetAttribute(&minor, kAttrComputeCapabilityMinor, dev);
  return {major, minor};
}

// Two tensor maps by value (the struct is CUtensorMap's layout: cuda.h is not on NVRTC's path): their
// 128 bytes each are copied out as the kernel received them, with the arena and weights addresses, so
// that the test can encode the same maps on the host and compare.
const char* kTensorMapSource = R"(
struct __align__(64) TensorMap { unsigned long long opaque[16]; };
extern "C" __global__ void copy_maps(const __grid_constant__ TensorMap a, const __grid_constant__ TensorMap w,
                                     unsigned long long* maps, unsigned long long* where, const void* arena,
                                     const void* weights) {
  int i = threadIdx.x;
  if (i < 16) {
    maps[i] = a.opaque[i];
    maps[16 + i] = w.opaque[i];
  }
  if (i == 0) {
    where[0] = reinterpret_cast<unsigned long long>(arena);
    where[1] = reinterpret_cast<unsigned long long>(weights);
  }
}
)";

// Compiles `source` to PTX (cubin = false, for compute_XY) or a cubin (for sm_XY).
std::vector<uint8_t> Compile(const std::string& arch, bool cubin, const char* source = kSource) {
  nvrtcProgram prog;
  REQUIRE(nvrtcCreateProgram(&prog, source, "runtime_test.cu", 0, nullptr, nullptr) == NVRTC_SUCCESS);
  std::string flag = "--gpu-architecture=" + std::string(cubin ? "sm_" : "compute_") + arch;
  const char* opts[] = {flag.c_str()};
  nvrtcResult r = nvrtcCompileProgram(prog, 1, opts);
  if (r != NVRTC_SUCCESS) {
    size_t n = 0;
    nvrtcGetProgramLogSize(prog, &n);
    std::string log(n, '\0');
    nvrtcGetProgramLog(prog, log.data());
    FAIL("NVRTC: " << log);
  }
  size_t size = 0;
  std::vector<uint8_t> image;
  if (cubin) {
    REQUIRE(nvrtcGetCUBINSize(prog, &size) == NVRTC_SUCCESS);
    image.resize(size);
    REQUIRE(nvrtcGetCUBIN(prog, reinterpret_cast<char*>(image.data())) == NVRTC_SUCCESS);
  } else {
    REQUIRE(nvrtcGetPTXSize(prog, &size) == NVRTC_SUCCESS);
    image.resize(size);
    REQUIRE(nvrtcGetPTX(prog, reinterpret_cast<char*>(image.data())) == NVRTC_SUCCESS);
  }
  nvrtcDestroyProgram(&prog);
  return image;
}

// Arena: a@0, b@4096, t@8192, c@12288, t_copy@16384.
ArtifactContents AddArtifact(const std::string& arch, ImageKind kind, std::vector<uint8_t> image) {
  ArtifactContents c;
  c.metadata.model_name = "add";
  c.metadata.compiler_version = "test";
  c.metadata.precision = "fp32";
  c.metadata.arch = arch;
  c.metadata.arena_bytes = 20480;
  c.inputs = {{"a", AGT_DTYPE_F32, {kN}, 0}, {"b", AGT_DTYPE_F32, {kN}, 4096}};
  c.outputs = {{"c", AGT_DTYPE_F32, {kN}, 12288}, {"t", AGT_DTYPE_F32, {kN}, 16384}};
  c.modules = {{"kernels", kind, std::move(image)}};
  c.kernels = {{0, "axpy", 0}, {0, "add_bias", kSmem}};
  std::vector<float> pad(3, 99.0f), bias(kBiasLen);
  for (int i = 0; i < kBiasLen; ++i) bias[static_cast<size_t>(i)] = 0.01f * static_cast<float>(i * i);
  AddWeights(c, pad.data(), pad.size() * 4);   // so the bias does not start at offset 0
  uint64_t w = AddWeights(c, bias.data(), bias.size() * 4);
  Launch memset;
  memset.kind = LaunchKind::kMemset;
  memset.dst = 8192;
  memset.bytes = kN * 4;
  memset.value = 0xff;
  Launch axpy;
  axpy.kernel = 0;
  axpy.grid = {(kN + 127) / 128, 1, 1};
  axpy.block = {128, 1, 1};
  axpy.args = {KernelArg::Input(0), KernelArg::Input(1), KernelArg::Arena(8192), KernelArg::F32(kAlpha), KernelArg::I32(kN)};
  Launch bias_add;
  bias_add.kernel = 1;
  bias_add.grid = {(kN + 255) / 256, 1, 1};
  bias_add.block = {256, 1, 1};
  bias_add.dynamic_smem = kSmem;
  bias_add.args = {KernelArg::Arena(8192), KernelArg::Weights(w), KernelArg::Output(0), KernelArg::I64(kBiasLen),
                   KernelArg::I32(kN)};
  Launch copy;
  copy.kind = LaunchKind::kCopy;
  copy.dst = 16384;
  copy.src = 8192;
  copy.bytes = kN * 4;
  c.launches = {memset, axpy, bias_add, copy};
  return c;
}

// Arena: the copied maps @0 (2 x 128 bytes), the reported addresses @256, an f16 64x64 tensor @4096
// (map #0, 128-byte swizzle). Weights: an f32 32x32 tensor @64 (map #1, unswizzled 16x8 boxes).
ArtifactContents TensorMapArtifact(const std::string& arch, ImageKind kind, std::vector<uint8_t> image) {
  ArtifactContents c;
  c.metadata.model_name = "tensor_maps";
  c.metadata.compiler_version = "test";
  c.metadata.precision = "fp16";
  c.metadata.arch = arch;
  c.metadata.arena_bytes = 4096 + 8192;
  c.outputs = {{"maps", AGT_DTYPE_I64, {32}, 0}, {"where", AGT_DTYPE_I64, {2}, 256}};
  c.modules = {{"maps", kind, std::move(image)}};
  c.kernels = {{0, "copy_maps", 0}};
  std::vector<float> pad(3, 1.0f), tensor(32 * 32, 0.5f);
  AddWeights(c, pad.data(), pad.size() * 4);
  const uint64_t w = AddWeights(c, tensor.data(), tensor.size() * 4);
  TensorMapDesc a;
  a.base_offset = 4096;
  a.rows = 64;
  a.cols = 64;
  a.row_stride_bytes = 128;
  a.box_rows = 64;
  a.box_cols = 64;
  TensorMapDesc b;
  b.base_kind = ArgKind::kWeights;
  b.base_offset = w;
  b.element = static_cast<uint8_t>(TmaElement::kF32);
  b.rows = 32;
  b.cols = 32;
  b.row_stride_bytes = 128;
  b.box_rows = 8;
  b.box_cols = 16;
  b.swizzle = static_cast<uint8_t>(TmaSwizzle::kNone);
  b.l2_promotion = 0;
  c.tensor_maps = {a, b};
  Launch l;
  l.kernel = 0;
  l.block = {32, 1, 1};
  l.args = {KernelArg::TensorMap(0), KernelArg::TensorMap(1), KernelArg::Output(0), KernelArg::Output(1),
            KernelArg::Arena(0), KernelArg::Weights(0)};
  c.launches = {l};
  return c;
}

struct Expected {
  std::vector<float> a, b, c, t;
};

Expected MakeCase(unsigned seed) {
  Expected e;
  std::srand(seed);
  for (int i = 0; i < kN; ++i) {
    float a = static_cast<float>(std::rand() % 2001 - 1000) / 1000.0f;
    float b = static_cast<float>(std::rand() % 2001 - 1000) / 1000.0f;
    e.a.push_back(a);
    e.b.push_back(b);
    e.t.push_back(a + kAlpha * b);
    e.c.push_back(a + kAlpha * b + 0.01f * static_cast<float>((i % kBiasLen) * (i % kBiasLen)));
  }
  return e;
}

void CheckClose(const std::vector<float>& got, const std::vector<float>& want) {
  REQUIRE(got.size() == want.size());
  int bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::fabs(got[i] - want[i]) > 1e-5f * (1.0f + std::fabs(want[i]))) ++bad;
  }
  CHECK(bad == 0);
}

void RunHostAndCheck(agt_model* m, unsigned seed) {
  Expected e = MakeCase(seed);
  std::vector<float> c(kN, -1.0f), t(kN, -1.0f);
  const void* in[] = {e.a.data(), e.b.data()};
  void* out[] = {c.data(), t.data()};
  INFO(agt_last_error());
  REQUIRE(agt_model_run_host(m, in, out) == AGT_OK);
  CheckClose(c, e.c);
  CheckClose(t, e.t);
}

// Device buffers through the driver; a new set each call, so that changing pointers are exercised.
void RunDeviceAndCheck(agt_model* m, unsigned seed) {
  const CudaDriver* d = GetCudaDriver().value();
  CUdevice dev = 0;
  CUcontext ctx = nullptr;
  REQUIRE(d->cuDeviceGet(&dev, 0) == kCudaSuccess);
  REQUIRE(d->cuDevicePrimaryCtxRetain(&ctx, dev) == kCudaSuccess);
  REQUIRE(d->cuCtxSetCurrent(ctx) == kCudaSuccess);
  CUdeviceptr buf[4] = {};
  for (CUdeviceptr& p : buf) REQUIRE(d->cuMemAlloc(&p, kN * 4) == kCudaSuccess);
  CUstream stream = nullptr;
  REQUIRE(d->cuStreamCreate(&stream, kStreamNonBlocking) == kCudaSuccess);
  Expected e = MakeCase(seed);
  REQUIRE(d->cuMemcpyHtoD(buf[0], e.a.data(), kN * 4) == kCudaSuccess);
  REQUIRE(d->cuMemcpyHtoD(buf[1], e.b.data(), kN * 4) == kCudaSuccess);
  const void* in[] = {reinterpret_cast<void*>(buf[0]), reinterpret_cast<void*>(buf[1])};
  void* out[] = {reinterpret_cast<void*>(buf[2]), reinterpret_cast<void*>(buf[3])};
  INFO(agt_last_error());
  REQUIRE(agt_model_run(m, stream, in, out) == AGT_OK);
  REQUIRE(d->cuStreamSynchronize(stream) == kCudaSuccess);
  std::vector<float> c(kN), t(kN);
  REQUIRE(d->cuMemcpyDtoH(c.data(), buf[2], kN * 4) == kCudaSuccess);
  REQUIRE(d->cuMemcpyDtoH(t.data(), buf[3], kN * 4) == kCudaSuccess);
  CheckClose(c, e.c);
  CheckClose(t, e.t);
  // The legacy default stream (NULL) works too: the graph is captured on the model's own stream.
  REQUIRE(agt_model_run(m, nullptr, in, out) == AGT_OK);
  REQUIRE(d->cuStreamSynchronize(nullptr) == kCudaSuccess);
  d->cuStreamDestroy(stream);
  for (CUdeviceptr p : buf) d->cuMemFree(p);
  d->cuDevicePrimaryCtxRelease(dev);
}

std::string PackTo(const TempDir& dir, const ArtifactContents& c, const std::string& name) {
  auto stub = FindArtifactStub();
  REQUIRE(stub.ok());
  std::string path = dir.path + "/" + name;
  REQUIRE(PackArtifact(stub.value(), c, path, WeightsMode::kEmbedded).ok());
  return path;
}

}  // namespace

TEST_CASE("gpu: a PTX artifact runs with and without CUDA graphs", "[gpu][runtime]") {
  if (!GpuAvailable()) return;
  TempDir dir;
  std::string so = PackTo(dir, AddArtifact("sm_75", ImageKind::kPtx, Compile("75", false)), "ptx.so");
  for (bool graphs : {true, false}) {
    INFO("graphs " << graphs);
    if (graphs) {
      unsetenv("AGT_NO_GRAPH");
    } else {
      setenv("AGT_NO_GRAPH", "1", 1);
    }
    agt_model* m = nullptr;
    REQUIRE(agt_model_open_file(so.c_str(), &m) == AGT_OK);
    INFO(agt_last_error());
    REQUIRE(agt_model_load(m, 0) == AGT_OK);
    for (unsigned seed = 1; seed <= 3; ++seed) RunHostAndCheck(m, seed);   // the first run captures, the rest replay
    RunDeviceAndCheck(m, 7);
    RunDeviceAndCheck(m, 8);
    RunHostAndCheck(m, 9);
    float times[10] = {};
    REQUIRE(agt_model_bench(m, 2, 10, times) == AGT_OK);
    for (float t : times) CHECK(t > 0.0f);
    agt_model_destroy(m);
  }
  unsetenv("AGT_NO_GRAPH");
}

TEST_CASE("gpu: a cubin artifact for this GPU runs through the dlopen'ed .so", "[gpu][runtime]") {
  if (!GpuAvailable()) return;
  auto [major, minor] = DeviceCapability();
  std::string arch = std::to_string(major) + std::to_string(minor);
  TempDir dir;
  std::string so = PackTo(dir, AddArtifact("sm_" + arch, ImageKind::kCubin, Compile(arch, true)), "cubin.so");
  if (const char* keep = std::getenv("AGT_TEST_ARTIFACT_OUT")) {
    // For trying the examples on a real artifact: AGT_TEST_ARTIFACT_OUT=/tmp/add.so test_runtime [gpu]
    std::filesystem::copy_file(so, keep, std::filesystem::copy_options::overwrite_existing);
  }
  void* lib = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  REQUIRE(lib != nullptr);
  auto create = reinterpret_cast<agt_model_create_fn>(dlsym(lib, "agt_model_create"));
  auto run_host = reinterpret_cast<agt_model_run_host_fn>(dlsym(lib, "agt_model_run_host"));
  auto destroy = reinterpret_cast<agt_model_destroy_fn>(dlsym(lib, "agt_model_destroy"));
  auto last_error = reinterpret_cast<agt_last_error_fn>(dlsym(lib, "agt_last_error"));
  agt_model* m = nullptr;
  INFO(last_error());
  REQUIRE(create(&m, 0) == AGT_OK);
  Expected e = MakeCase(42);
  std::vector<float> c(kN), t(kN);
  const void* in[] = {e.a.data(), e.b.data()};
  void* out[] = {c.data(), t.data()};
  for (int rep = 0; rep < 3; ++rep) {
    REQUIRE(run_host(m, in, out) == AGT_OK);
    CheckClose(c, e.c);
    CheckClose(t, e.t);
  }
  // A bad device ordinal and null buffers are clean errors.
  agt_model* none = nullptr;
  CHECK(create(&none, 999) == AGT_ERROR_NO_DEVICE);
  CHECK(none == nullptr);
  const void* null_in[] = {e.a.data(), nullptr};
  CHECK(run_host(m, null_in, out) == AGT_ERROR_INVALID_ARGUMENT);
  destroy(m);
  dlclose(lib);
}

TEST_CASE("gpu: an artifact for another architecture is refused", "[gpu][runtime]") {
  if (!GpuAvailable()) return;
  auto [major, minor] = DeviceCapability();
  TempDir dir;
  // Declared for a newer GPU than this one.
  std::string arch = std::to_string(major + 1) + "0";
  std::string so = PackTo(dir, AddArtifact("sm_" + arch, ImageKind::kCubin, Compile("75", true)), "newer.so");
  agt_model* m = nullptr;
  REQUIRE(agt_model_open_file(so.c_str(), &m) == AGT_OK);
  CHECK(agt_model_load(m, 0) == AGT_ERROR_WRONG_ARCH);
  CHECK_THAT(std::string(agt_last_error()), Catch::Contains("compiled for sm_" + arch));
  CHECK(agt_model_run_host(m, nullptr, nullptr) == AGT_ERROR_NOT_LOADED);
  agt_model_destroy(m);
  // A real cubin for an older major version (sm_75) on this GPU: refused by the runtime's check.
  if (major > 7) {
    so = PackTo(dir, AddArtifact("sm_75", ImageKind::kCubin, Compile("75", true)), "older.so");
    REQUIRE(agt_model_open_file(so.c_str(), &m) == AGT_OK);
    CHECK(agt_model_load(m, 0) == AGT_ERROR_WRONG_ARCH);
    agt_model_destroy(m);
  }
}

TEST_CASE("gpu: a co-resident launch whose grid this GPU cannot hold at once is refused at load, not hung", "[gpu][runtime]") {
  if (!GpuAvailable()) return;
  auto [major, minor] = DeviceCapability();
  const std::string arch = std::to_string(major) + std::to_string(minor);
  TempDir dir;
  const std::string pdl_source = std::string("#define AGT_TEST_PDL 1\n") + kSource;
  for (uint32_t ctas : {0u, 100000u}) {
    ArtifactContents c = AddArtifact("sm_" + arch, ImageKind::kCubin, Compile(arch, true, pdl_source.c_str()));
    // add_bias launched cooperatively (the kernel itself never waits on other CTAs) and, where PDL is
    // on (sm_90), programmatically after axpy: both attributes on one launch. 0: its own grid, which runs.
    c.launches[2].co_resident = true;
    c.launches[2].programmatic = major >= 9;
    if (ctas > 0) c.launches[2].grid = {ctas, 1, 1};
    const std::string so = PackTo(dir, c, "co" + std::to_string(ctas) + ".so");
    agt_model* m = nullptr;
    REQUIRE(agt_model_open_file(so.c_str(), &m) == AGT_OK);
    if (ctas == 0) {
      // Runs right with and without graphs (a cooperative kernel captured into a CUDA graph).
      REQUIRE(agt_model_load(m, 0) == AGT_OK);
      for (bool graphs : {true, false}) {
        if (graphs) {
          unsetenv("AGT_NO_GRAPH");
        } else {
          setenv("AGT_NO_GRAPH", "1", 1);
        }
        agt_model_destroy(m);
        m = nullptr;
        REQUIRE(agt_model_open_file(so.c_str(), &m) == AGT_OK);
        REQUIRE(agt_model_load(m, 0) == AGT_OK);
        INFO("graphs " << graphs << ": " << agt_last_error());
        for (unsigned seed = 1; seed <= 2; ++seed) RunHostAndCheck(m, seed);
      }
      unsetenv("AGT_NO_GRAPH");
    } else {
      CHECK(agt_model_load(m, 0) == AGT_ERROR_WRONG_ARCH);
      CHECK_THAT(std::string(agt_last_error()), Catch::Contains("100000 CTAs") && Catch::Contains("launch #2"));
    }
    agt_model_destroy(m);
  }
}

TEST_CASE("gpu: models created, run and destroyed from several threads", "[gpu][runtime]") {
  if (!GpuAvailable()) return;
  TempDir dir;
  std::string so = PackTo(dir, AddArtifact("sm_75", ImageKind::kPtx, Compile("75", false)), "threads.so");
  std::vector<int> failures(6, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 3; ++rep) {
        agt_model* m = nullptr;
        if (agt_model_open_file(so.c_str(), &m) != AGT_OK || agt_model_load(m, 0) != AGT_OK) {
          ++failures[static_cast<size_t>(t)];
          agt_model_destroy(m);
          continue;
        }
        Expected e = MakeCase(static_cast<unsigned>(100 + t));
        std::vector<float> c(kN), tt(kN);
        const void* in[] = {e.a.data(), e.b.data()};
        void* out[] = {c.data(), tt.data()};
        if (agt_model_run_host(m, in, out) != AGT_OK) ++failures[static_cast<size_t>(t)];
        for (int i = 0; i < kN; ++i) {
          if (std::fabs(c[static_cast<size_t>(i)] - e.c[static_cast<size_t>(i)]) > 1e-4f) {
            ++failures[static_cast<size_t>(t)];
            break;
          }
        }
        agt_model_destroy(m);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) CHECK(f == 0);
}

TEST_CASE("gpu: tensor maps are encoded at load and reach the kernel by value", "[gpu][runtime]") {
  if (!GpuAvailable()) return;
  auto [major, minor] = DeviceCapability();
  if (major < 9) {
    WARN("TMA tensor maps need sm_90 or newer: [gpu] test skipped");
    return;
  }
  const std::string arch = std::to_string(major) + std::to_string(minor);
  const ArtifactContents contents = TensorMapArtifact("sm_" + arch, ImageKind::kCubin, Compile(arch, true, kTensorMapSource));
  REQUIRE(ValidateContents(contents).ok());
  TempDir dir;
  const std::string so = PackTo(dir, contents, "maps.so");
  const CudaDriver* d = GetCudaDriver().value();
  for (bool graphs : {true, false}) {
    INFO("graphs " << graphs);
    if (graphs) {
      unsetenv("AGT_NO_GRAPH");
    } else {
      setenv("AGT_NO_GRAPH", "1", 1);
    }
    agt_model* m = nullptr;
    REQUIRE(agt_model_open_file(so.c_str(), &m) == AGT_OK);
    INFO(agt_last_error());
    REQUIRE(agt_model_load(m, 0) == AGT_OK);
    for (int rep = 0; rep < 2; ++rep) {   // the first run captures the graph, the second replays it
      std::vector<uint64_t> maps(32, 0), where(2, 0);
      void* out[] = {maps.data(), where.data()};
      REQUIRE(agt_model_run_host(m, nullptr, out) == AGT_OK);
      REQUIRE(where[0] != 0);
      REQUIRE(where[1] != 0);
      // The same maps encoded here at the addresses the kernel saw (encoding is a pure function of the
      // spec), so a launch that passed anything but the encoded map (the index, a pointer) differs.
      CUdevice dev = 0;
      CUcontext ctx = nullptr;
      REQUIRE(d->cuDeviceGet(&dev, 0) == kCudaSuccess);
      REQUIRE(d->cuDevicePrimaryCtxRetain(&ctx, dev) == kCudaSuccess);
      REQUIRE(d->cuCtxSetCurrent(ctx) == kCudaSuccess);
      for (size_t i = 0; i < 2; ++i) {
        const TensorMapDesc& desc = contents.tensor_maps[i];
        TensorMap want;
        Status s = EncodeTensorMap2D(*d, TensorMapSpec(desc, desc.base_kind == ArgKind::kWeights ? where[1] : where[0]), &want);
        REQUIRE(s.ok());
        CHECK(std::memcmp(maps.data() + 16 * i, want.opaque, sizeof want) == 0);
      }
      CHECK(std::memcmp(maps.data(), maps.data() + 16, 128) != 0);
      d->cuDevicePrimaryCtxRelease(dev);
    }
    agt_model_destroy(m);
  }
  unsetenv("AGT_NO_GRAPH");
}

TEST_CASE("gpu: programmatic launches run right with and without graphs and AGT_PDL", "[gpu][runtime]") {
  if (!GpuAvailable()) return;
  auto [major, minor] = DeviceCapability();
  if (major < 9) {
    WARN("programmatic dependent launch needs sm_90 or newer: [gpu] test skipped");
    return;
  }
  const std::string arch = std::to_string(major) + std::to_string(minor);
  const std::string source = std::string("#define AGT_TEST_PDL 1\n") + kSource;
  ArtifactContents c = AddArtifact("sm_" + arch, ImageKind::kCubin, Compile(arch, true, source.c_str()));
  c.launches[1].programmatic = true;   // axpy after the memset: launched plainly
  c.launches[2].programmatic = true;   // add_bias after axpy: overlaps its tail, waits for its results
  TempDir dir;
  const std::string so = PackTo(dir, c, "pdl.so");
  for (bool graphs : {true, false}) {
    for (bool pdl : {true, false}) {
      INFO("graphs " << graphs << ", pdl " << pdl);
      if (graphs) {
        unsetenv("AGT_NO_GRAPH");
      } else {
        setenv("AGT_NO_GRAPH", "1", 1);
      }
      if (pdl) {
        unsetenv("AGT_PDL");   // the default
      } else {
        setenv("AGT_PDL", "0", 1);
      }
      agt_model* m = nullptr;
      REQUIRE(agt_model_open_file(so.c_str(), &m) == AGT_OK);
      INFO(agt_last_error());
      REQUIRE(agt_model_load(m, 0) == AGT_OK);
      for (unsigned seed = 1; seed <= 3; ++seed) RunHostAndCheck(m, seed);
      RunDeviceAndCheck(m, 7);
      float times[10] = {};
      REQUIRE(agt_model_bench(m, 2, 10, times) == AGT_OK);
      RunHostAndCheck(m, 9);
      agt_model_destroy(m);
    }
  }
  unsetenv("AGT_NO_GRAPH");
  unsetenv("AGT_PDL");
}

// Hidden (run with "[large]"): a payload past 2 GB, where 32-bit offsets would break. Without a GPU it
// checks the streamed read-back; with one it loads the model and copies the blob's last bytes out.
TEST_CASE("large: weights past 2 GB are packed, read and uploaded", "[.][large][runtime]") {
  const uint64_t kBig = (uint64_t{2} << 30) + 4096 * 3 + 64;
  ArtifactContents c;
  c.metadata.model_name = "big";
  c.metadata.compiler_version = "test";
  c.metadata.precision = "fp32";
  c.metadata.arch = "sm_75";
  c.metadata.arena_bytes = 4096;
  c.outputs = {{"tail", AGT_DTYPE_U8, {256}, 0}};
  c.weights.resize(kBig);
  for (uint64_t i = 0; i < kBig; i += 4096) c.weights[i] = static_cast<uint8_t>(i / 4096 * 31 + 7);
  for (uint64_t i = kBig - 256; i < kBig; ++i) c.weights[i] = static_cast<uint8_t>(i * 13);
  c.metadata.weight_bytes = kBig;
  Launch copy;
  copy.kind = LaunchKind::kCopy;
  copy.dst = 0;
  copy.src = kBig - 256;
  copy.src_is_weights = true;
  copy.bytes = 256;
  c.launches = {copy};
  TempDir dir;
  auto stub = FindArtifactStub();
  REQUIRE(stub.ok());
  for (WeightsMode mode : {WeightsMode::kEmbedded, WeightsMode::kExternal}) {
    std::string so = dir.path + (mode == WeightsMode::kEmbedded ? "/big.so" : "/big_ext.so");
    REQUIRE(PackArtifact(stub.value(), c, so, mode).ok());
    auto opened = OpenArtifactFile(so);
    REQUIRE(opened.ok());
    CHECK(opened->contents.metadata.weight_bytes == kBig);
    uint64_t seen = 0;
    bool same = true;
    Status s = ReadWeights(opened.value(), [&](const uint8_t* data, uint64_t size, uint64_t offset) {
      same = same && std::memcmp(data, c.weights.data() + offset, size) == 0;
      seen += size;
      return Status::Ok();
    });
    CHECK(s.ok());
    CHECK(seen == kBig);
    CHECK(same);
    if (!agt::test::HasGpuDriver()) continue;
    agt_model* m = nullptr;
    REQUIRE(agt_model_open_file(so.c_str(), &m) == AGT_OK);
    INFO(agt_last_error());
    REQUIRE(agt_model_load(m, 0) == AGT_OK);
    std::vector<uint8_t> tail(256);
    void* out[] = {tail.data()};
    REQUIRE(agt_model_run_host(m, nullptr, out) == AGT_OK);
    CHECK(std::memcmp(tail.data(), c.weights.data() + kBig - 256, 256) == 0);
    agt_model_destroy(m);
    std::filesystem::remove(so);
  }
}

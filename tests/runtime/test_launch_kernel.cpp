// How a kernel is launched, without a GPU: the restated cuLaunchKernelEx types have cuda.h's layout;
// LaunchKernel sends a programmatic launch through cuLaunchKernelEx with the one attribute and every
// other launch (or any launch on a driver without cuLaunchKernelEx) through cuLaunchKernel, with the
// same grid, block, shared memory, stream and parameters; the executor makes a launch programmatic
// only after a kernel launch; AGT_PDL and AGT_NO_GRAPH are read as "1" or not.
#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdlib>

#include "runtime/cuda_driver.h"
#include "runtime/executor.h"

// After the runtime's headers: their types live in agt::runtime, cuda.h's in the global namespace.
#include <cuda.h>

namespace rt = agt::runtime;

static_assert(sizeof(rt::CUlaunchAttributeValue) == sizeof(::CUlaunchAttributeValue));
static_assert(alignof(rt::CUlaunchAttributeValue) == alignof(::CUlaunchAttributeValue));
static_assert(sizeof(rt::CUlaunchAttribute) == sizeof(::CUlaunchAttribute));
static_assert(offsetof(rt::CUlaunchAttribute, id) == offsetof(::CUlaunchAttribute, id));
static_assert(offsetof(rt::CUlaunchAttribute, value) == offsetof(::CUlaunchAttribute, value));
static_assert(offsetof(rt::CUlaunchAttribute, value) + offsetof(rt::CUlaunchAttributeValue, programmaticStreamSerializationAllowed) ==
              offsetof(::CUlaunchAttribute, value.programmaticStreamSerializationAllowed));
static_assert(sizeof(rt::CUlaunchConfig) == sizeof(::CUlaunchConfig));
static_assert(offsetof(rt::CUlaunchConfig, gridDimX) == offsetof(::CUlaunchConfig, gridDimX));
static_assert(offsetof(rt::CUlaunchConfig, blockDimZ) == offsetof(::CUlaunchConfig, blockDimZ));
static_assert(offsetof(rt::CUlaunchConfig, sharedMemBytes) == offsetof(::CUlaunchConfig, sharedMemBytes));
static_assert(offsetof(rt::CUlaunchConfig, hStream) == offsetof(::CUlaunchConfig, hStream));
static_assert(offsetof(rt::CUlaunchConfig, attrs) == offsetof(::CUlaunchConfig, attrs));
static_assert(offsetof(rt::CUlaunchConfig, numAttrs) == offsetof(::CUlaunchConfig, numAttrs));
static_assert(rt::kLaunchAttributeProgrammaticStreamSerialization == CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION);
static_assert(offsetof(rt::CUlaunchAttribute, value) + offsetof(rt::CUlaunchAttributeValue, cooperative) ==
              offsetof(::CUlaunchAttribute, value.cooperative));
static_assert(rt::kLaunchAttributeCooperative == CU_LAUNCH_ATTRIBUTE_COOPERATIVE);
static_assert(rt::kAttrMaxSharedMemoryPerMultiprocessor == CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR);
static_assert(rt::kAttrMaxSharedMemoryPerBlockOptin == CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
static_assert(rt::kAttrReservedSharedMemoryPerBlock == CU_DEVICE_ATTRIBUTE_RESERVED_SHARED_MEMORY_PER_BLOCK);
static_assert(rt::kFuncAttrSharedSizeBytes == CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES);
static_assert(rt::kFuncAttrMaxDynamicSharedSizeBytes == CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES);

namespace {

// What the fake driver was called with.
struct Calls {
  int plain = 0, ex = 0;
  rt::CUfunction fn = nullptr;
  unsigned grid[3] = {}, block[3] = {}, smem = 0;
  rt::CUstream stream = nullptr;
  void** params = nullptr;
  void** extra = nullptr;
  unsigned num_attrs = 0;
  rt::CUlaunchAttribute attr{}, attr2{};   // the first two
};
Calls calls;

rt::CUresult FakeLaunch(rt::CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned smem, rt::CUstream stream, void** params, void** extra) {
  ++calls.plain;
  calls = {calls.plain, calls.ex, f, {gx, gy, gz}, {bx, by, bz}, smem, stream, params, extra, 0, {}, {}};
  return rt::kCudaSuccess;
}

rt::CUresult FakeLaunchEx(const rt::CUlaunchConfig* c, rt::CUfunction f, void** params, void** extra) {
  ++calls.ex;
  calls = {calls.plain, calls.ex, f, {c->gridDimX, c->gridDimY, c->gridDimZ}, {c->blockDimX, c->blockDimY, c->blockDimZ},
           c->sharedMemBytes, c->hStream, params, extra, c->numAttrs, c->numAttrs > 0 ? c->attrs[0] : rt::CUlaunchAttribute{},
           c->numAttrs > 1 ? c->attrs[1] : rt::CUlaunchAttribute{}};
  return rt::kCudaSuccess;
}

rt::KernelLaunch SampleLaunch(bool programmatic) {
  static void* params[2] = {};
  return {.fn = reinterpret_cast<rt::CUfunction>(0x1000), .grid = {7, 2, 1}, .block = {128, 2, 1}, .smem = 4096,
          .stream = reinterpret_cast<rt::CUstream>(0x2000), .params = params, .programmatic = programmatic};
}

void CheckForwarded(const rt::KernelLaunch& l) {
  CHECK(calls.fn == l.fn);
  CHECK((calls.grid[0] == 7 && calls.grid[1] == 2 && calls.grid[2] == 1));
  CHECK((calls.block[0] == 128 && calls.block[1] == 2 && calls.block[2] == 1));
  CHECK(calls.smem == 4096);
  CHECK(calls.stream == l.stream);
  CHECK(calls.params == l.params);
  CHECK(calls.extra == nullptr);
}

rt::Launch KernelLaunchOf(bool programmatic) {
  rt::Launch l;
  l.programmatic = programmatic;
  return l;
}

rt::Launch Memset() {
  rt::Launch l;
  l.kind = rt::LaunchKind::kMemset;
  l.programmatic = true;   // meaningless on a memset: never honoured
  return l;
}

}  // namespace

TEST_CASE("launch: a programmatic launch goes through cuLaunchKernelEx with the one attribute", "[runtime]") {
  rt::CudaDriver d{};
  d.cuLaunchKernel = FakeLaunch;
  d.cuLaunchKernelEx = FakeLaunchEx;
  calls = {};
  const rt::KernelLaunch l = SampleLaunch(true);
  REQUIRE(rt::LaunchKernel(d, l) == rt::kCudaSuccess);
  CHECK(calls.ex == 1);
  CHECK(calls.plain == 0);
  CheckForwarded(l);
  REQUIRE(calls.num_attrs == 1);
  CHECK(calls.attr.id == CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION);
  CHECK(calls.attr.value.programmaticStreamSerializationAllowed == 1);
}

TEST_CASE("launch: a co-resident launch is cooperative (beside the programmatic attribute when both), never plain",
          "[runtime]") {
  rt::CudaDriver d{};
  d.cuLaunchKernel = FakeLaunch;
  d.cuLaunchKernelEx = FakeLaunchEx;
  for (bool programmatic : {false, true}) {
    INFO("programmatic " << programmatic);
    calls = {};
    rt::KernelLaunch l = SampleLaunch(programmatic);
    l.co_resident = true;
    REQUIRE(rt::LaunchKernel(d, l) == rt::kCudaSuccess);
    CHECK((calls.ex == 1 && calls.plain == 0));
    CheckForwarded(l);
    REQUIRE(calls.num_attrs == (programmatic ? 2u : 1u));
    const rt::CUlaunchAttribute& coop = programmatic ? calls.attr2 : calls.attr;
    CHECK(coop.id == CU_LAUNCH_ATTRIBUTE_COOPERATIVE);
    CHECK(coop.value.cooperative == 1);
    if (programmatic) {
      CHECK(calls.attr.id == CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION);
      CHECK(calls.attr.value.programmaticStreamSerializationAllowed == 1);
    }
  }
  // Without cuLaunchKernelEx it cannot be made cooperative: refused, not launched plainly (it could hang).
  d.cuLaunchKernelEx = nullptr;
  calls = {};
  rt::KernelLaunch l = SampleLaunch(false);
  l.co_resident = true;
  CHECK(rt::LaunchKernel(d, l) == rt::kCudaErrorNotSupported);
  CHECK((calls.plain == 0 && calls.ex == 0));
}

TEST_CASE("launch: other launches, and any on a driver without cuLaunchKernelEx, go through cuLaunchKernel",
          "[runtime]") {
  rt::CudaDriver d{};
  d.cuLaunchKernel = FakeLaunch;
  d.cuLaunchKernelEx = FakeLaunchEx;
  calls = {};
  REQUIRE(rt::LaunchKernel(d, SampleLaunch(false)) == rt::kCudaSuccess);
  CHECK((calls.plain == 1 && calls.ex == 0));
  CheckForwarded(SampleLaunch(false));
  d.cuLaunchKernelEx = nullptr;
  calls = {};
  REQUIRE(rt::LaunchKernel(d, SampleLaunch(true)) == rt::kCudaSuccess);
  CHECK((calls.plain == 1 && calls.ex == 0));
  CheckForwarded(SampleLaunch(true));
}

TEST_CASE("launch: the executor makes a flagged kernel launch programmatic only after a kernel launch", "[runtime]") {
  const std::vector<rt::Launch> launches = {KernelLaunchOf(true),  Memset(),           KernelLaunchOf(true),
                                            KernelLaunchOf(true),  KernelLaunchOf(false), KernelLaunchOf(true),
                                            Memset()};
  CHECK_FALSE(rt::MayLaunchProgrammatic(launches, 0));   // the first launch: nothing to overlap with
  CHECK_FALSE(rt::MayLaunchProgrammatic(launches, 1));   // a memset
  CHECK_FALSE(rt::MayLaunchProgrammatic(launches, 2));   // after a memset
  CHECK(rt::MayLaunchProgrammatic(launches, 3));
  CHECK_FALSE(rt::MayLaunchProgrammatic(launches, 4));   // not flagged by the compiler
  CHECK(rt::MayLaunchProgrammatic(launches, 5));         // after an unflagged kernel: still a kernel
  CHECK_FALSE(rt::MayLaunchProgrammatic(launches, 6));
}

namespace {
// A switch read from environment variable `name`: `by_default` when unset or empty, on for "1", off
// for "0"; the variable's value is restored afterwards.
void CheckSwitch(const char* name, bool (*read)(), bool by_default) {
  const char* saved = std::getenv(name);
  const std::string keep = saved != nullptr ? saved : "";
  unsetenv(name);
  CHECK(read() == by_default);
  setenv(name, "1", 1);
  CHECK(read());
  setenv(name, "0", 1);
  CHECK_FALSE(read());
  setenv(name, "", 1);
  CHECK(read() == by_default);
  if (saved != nullptr) {
    setenv(name, keep.c_str(), 1);
  } else {
    unsetenv(name);
  }
}
}  // namespace

TEST_CASE("launch: AGT_PDL is on unless set to 0", "[runtime]") { CheckSwitch("AGT_PDL", rt::PdlEnabledByEnvironment, true); }

// An H100's shared memory (the device attributes an H100 80GB HBM3 reports).
constexpr rt::SmSharedMemory kH100{.sm_count = 132, .per_sm = 233472, .reserved_per_block = 1024, .optin_per_block = 232448};

// How many CTAs of a kernel fit on one SM by shared memory alone.
int CtasPerSm(const rt::SmSharedMemory& sm, unsigned static_bytes, unsigned dynamic) {
  return sm.per_sm / static_cast<int>(static_bytes + dynamic + sm.reserved_per_block);
}

TEST_CASE("launch: a single-wave programmatic grid asks for one CTA per SM, no more", "[runtime]") {
  // ViT-H's attention: 96 CTAs of 48 KB, four to an idle SM as they come.
  const unsigned attention = rt::SpreadSharedBytes(kH100, 96, 0, 48 * 1024);
  CHECK(CtasPerSm(kH100, 0, 48 * 1024) == 4);
  CHECK(CtasPerSm(kH100, 0, attention) == 1);
  CHECK(attention <= 233472 / 2 + 128);   // no more than it takes
  CHECK(attention % 128 == 0);
  // Static bytes count: 100000 static + a little dynamic.
  const unsigned mixed = rt::SpreadSharedBytes(kH100, 32, 100000, 0);
  CHECK(CtasPerSm(kH100, 100000, 0) == 2);
  CHECK(CtasPerSm(kH100, 100000, mixed) == 1);
  CHECK(mixed < 20000);
  // Exactly the SM count still spreads; one more CTA is a second wave, left alone.
  CHECK(rt::SpreadSharedBytes(kH100, 132, 0, 1024) > 1024);
  CHECK(rt::SpreadSharedBytes(kH100, 133, 0, 1024) == 1024);
  // Already one per SM: unchanged (a GEMM stage ring of 150 KB).
  CHECK(rt::SpreadSharedBytes(kH100, 120, 0, 150000) == 150000);
  // A CTA that may not ask for half an SM, or a GPU not described: unchanged.
  rt::SmSharedMemory small = kH100;
  small.optin_per_block = 100000;
  CHECK(rt::SpreadSharedBytes(small, 96, 0, 4096) == 4096);
  CHECK(rt::SpreadSharedBytes(rt::SmSharedMemory{}, 96, 0, 4096) == 4096);
}

TEST_CASE("launch: AGT_PDL_SPREAD is off unless set to 1", "[runtime]") {
  CheckSwitch("AGT_PDL_SPREAD", rt::SpreadEnabledByEnvironment, false);   // until timed on a GPU
}

namespace {
int fake_static = 0, fake_limit = 0, set_calls = 0, set_value = 0;
rt::CUresult FakeFuncGet(int* value, int attribute, rt::CUfunction) {
  if (attribute == rt::kFuncAttrSharedSizeBytes) *value = fake_static;
  else if (attribute == rt::kFuncAttrMaxDynamicSharedSizeBytes) *value = fake_limit;
  else return rt::kCudaErrorInvalidValue;
  return rt::kCudaSuccess;
}
rt::CUresult FakeFuncSet(rt::CUfunction, int attribute, int value) {
  if (attribute != rt::kFuncAttrMaxDynamicSharedSizeBytes) return rt::kCudaErrorInvalidValue;
  ++set_calls;
  set_value = value;
  fake_limit = value;
  return rt::kCudaSuccess;
}
}  // namespace

TEST_CASE("launch: spreading raises the kernel's shared memory limit, never lowers it", "[runtime]") {
  rt::CudaDriver d{};
  d.cuFuncSetAttribute = FakeFuncSet;
  auto fn = reinterpret_cast<rt::CUfunction>(0x1000);
  // No cuFuncGetAttribute: the launch's own bytes.
  auto none = rt::SpreadLaunchSharedBytes(d, kH100, fn, {96, 1, 1}, 4096);
  REQUIRE(none.ok());
  CHECK(none.value() == 4096);
  d.cuFuncGetAttribute = FakeFuncGet;
  fake_static = 2048, fake_limit = 4096, set_calls = 0;
  auto spread = rt::SpreadLaunchSharedBytes(d, kH100, fn, {16, 6, 1}, 4096);
  REQUIRE(spread.ok());
  CHECK(CtasPerSm(kH100, 2048, spread.value()) == 1);
  CHECK(set_calls == 1);
  CHECK(set_value == static_cast<int>(spread.value()));
  // A second launch of the same kernel that needs less leaves the raised limit alone.
  auto again = rt::SpreadLaunchSharedBytes(d, kH100, fn, {300, 1, 1}, 4096);
  REQUIRE(again.ok());
  CHECK(again.value() == 4096);
  CHECK(set_calls == 1);
  CHECK(fake_limit == static_cast<int>(spread.value()));
}

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

TEST_CASE("launch: AGT_PDL is on unless set to 0", "[runtime]") {
  const char* saved = std::getenv("AGT_PDL");
  const std::string keep = saved != nullptr ? saved : "";
  unsetenv("AGT_PDL");
  CHECK(rt::PdlEnabledByEnvironment());   // on by default
  setenv("AGT_PDL", "1", 1);
  CHECK(rt::PdlEnabledByEnvironment());
  setenv("AGT_PDL", "0", 1);
  CHECK_FALSE(rt::PdlEnabledByEnvironment());   // only "0" turns it off
  setenv("AGT_PDL", "", 1);
  CHECK(rt::PdlEnabledByEnvironment());
  if (saved != nullptr) {
    setenv("AGT_PDL", keep.c_str(), 1);
  } else {
    unsetenv("AGT_PDL");
  }
}

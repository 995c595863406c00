// The Hopper GEMM core on the GPU ([gpu]): the kernels against a double-precision CPU reference
// (relative L2 < 2e-2) at M = 1, 7, 197, 257, 577, 1050 and N, K off the tile, every epilogue (staged
// through shared memory, and the register path), outputs poisoned with NaN and a guard past their
// end; split-K 1..4 (with empty k-ranges too) launched twice on one workspace and on a grid of a few
// CTAs, every launch bit-identical to the first; swapped products likewise; tf32 products (f32
// operands, tf32 wgmma) within DESIGN.md's 5e-3, swapped too, and 16-bit swapped products with f32
// outputs; and tensor maps checked against the real driver's return codes. The configurations are gemm_sm90_test_configs.h's, whose
// cubins the CPU tests (test_gemm_sm90.cpp) leave in the NVRTC cache.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "codegen/hopper/gemm_sm90.h"
#include "codegen/hopper/tile_scheduler_sm90.h"
#include "codegen/nvrtc.h"
#include "runtime/tensor_map.h"
#include "tests/codegen/gemm_sm90_runner.h"
#include "tests/codegen/gemm_sm90_test_configs.h"
#include "tests/codegen/gpu_harness.h"
#include "tests/support/test_support.h"

namespace agt::codegen::hopper {
namespace {

using namespace sm90_test;

// The runner with `cfgs` compiled and loaded (their handles in order), or null, with a warning that
// names `what`, where there is no driver or no sm_90 GPU.
std::unique_ptr<test::Sm90GemmRunner> LoadedRunner(const std::vector<GemmSm90Config>& cfgs, std::vector<int>* handle,
                                                   const char* what) {
  if (!test::HasGpuDriver()) {
    WARN(what);
    return nullptr;
  }
  std::string why;
  auto gpu = test::Sm90GemmRunner::Create(&why);
  if (!gpu) {
    WARN("no usable sm_90 GPU (" << why << "): skipping");
    return nullptr;
  }
  NvrtcCompiler nvrtc(CacheDir());
  for (const auto& c : cfgs) {
    auto h = gpu->Load(c, nvrtc);
    INFO(c.Describe());
    REQUIRE(h.ok());
    handle->push_back(h.value());
  }
  return gpu;
}

// One kernel on fresh inputs: launched twice (C poisoned before each: the same bytes both times) and
// on 3 CTAs walking many units (the same bytes again), within `tol` of the fp32 reference, the guard
// around C intact. Prints a table row (`width`: the config column).
void CheckRunsAndGrids(test::Sm90GemmRunner& gpu, int handle, const GemmSm90Config& c, const test::Sm90Problem& p,
                       const test::Sm90Operands& ops, double tol, int width) {
  std::printf("%-*s %6lld %6lld %6lld ", width, c.Describe().c_str(), static_cast<long long>(p.M),
              static_cast<long long>(p.N), static_cast<long long>(p.K));
  std::fflush(stdout);
  INFO(c.Describe() << " M=" << p.M << " N=" << p.N << " K=" << p.K);
  test::Sm90GemmRunner::RunOptions twice;
  twice.launches = 2;
  auto r = gpu.Run(handle, p, ops, twice);
  if (!r.ok()) std::printf("FAILED: %s\n", r.status().message().c_str());
  REQUIRE(r.ok());
  test::Sm90GemmRunner::RunOptions few;
  few.max_ctas = 3;
  auto r3 = gpu.Run(handle, p, ops, few);
  if (!r3.ok()) std::printf("FAILED on 3 CTAs: %s\n", r3.status().message().c_str());
  REQUIRE(r3.ok());
  const bool same_grids = r->c.size() == r3->c.size() && std::memcmp(r->c.data(), r3->c.data(), r->c.size() * sizeof(float)) == 0;
  double err = test::RelativeL2(r->c, test::ReferenceSm90(c, p, ops));
  std::printf("%10.2e %s, %s, %s\n", err, r->guard_intact && r3->guard_intact ? "ok" : "OVERWRITTEN",
              r->identical ? "identical" : "DIFFER", same_grids ? "identical" : "DIFFER");
  CHECK(err < tol);
  CHECK(r->guard_intact);
  CHECK(r3->guard_intact);
  CHECK(r->identical);
  CHECK(same_grids);
}
void CheckRunsAndGrids(test::Sm90GemmRunner& gpu, int handle, const GemmSm90Config& c, const test::Sm90Problem& p,
                       uint64_t seed, double tol, int width) {
  CheckRunsAndGrids(gpu, handle, c, p, test::RandomSm90Operands(c, p, seed), tol, width);
}

struct GpuCase {
  int cfg;
  test::Sm90Problem p;
};

TEST_CASE("sm90 gemm: kernels match the fp32 reference", "[gpu][codegen][sm90]") {
  std::vector<GemmSm90Config> cfgs = GpuConfigs();
  std::vector<int> handle;
  auto gpu = LoadedRunner(cfgs, &handle, "no GPU driver on this machine: skipping the sm90 GEMM numerics");
  if (!gpu) return;
  // M = 1, 7, 197, 257, 577, 1050; N and K off the tile (K % 64 != 0 with K % 8 == 0; N = 150 needs
  // the [N, K] layout, N = 152 is the [K, N] layout's nearest legal width).
  // Simplest first (one consumer, K-major B, no setmaxnreg), so that if one kernel traps (its
  // watchdog, or a bad access) and poisons the context, the lines printed before it still tell.
  const std::vector<GpuCase> cases = {
      {5, {7, 150, 776}},    {5, {257, 1000, 1280}},
      {7, {1050, 150, 256}}, {7, {197, 2304, 776}},
      {4, {197, 150, 776}},  {4, {1, 150, 776}},     {4, {577, 1024, 264}},
      {8, {197, 152, 776}},  {8, {1050, 768, 8}},
      {1, {257, 1280, 512}}, {1, {577, 1024, 1024}}, {1, {7, 152, 776}},
      {0, {197, 768, 768}},  {0, {1, 768, 768}},     {0, {7, 2304, 768}},    {0, {1050, 256, 256}},
      {6, {577, 1152, 384}}, {6, {197, 200, 200}},
      {2, {197, 768, 3072}}, {2, {1050, 256, 2048}}, {2, {1, 320, 72}},
      {3, {1050, 2048, 256}}, {3, {100, 256, 2048}}, {3, {257, 152, 776}},
  };
  std::printf("\nsm90 GEMM numerics on %s\n%-48s %6s %6s %6s %10s %s\n", gpu->device_name().c_str(), "config", "M",
              "N", "K", "rel_l2", "guard");
  uint64_t seed = 1;
  for (const GpuCase& gc : cases) {
    const GemmSm90Config& c = cfgs[static_cast<size_t>(gc.cfg)];
    test::Sm90Operands ops = test::RandomSm90Operands(c, gc.p, seed++);
    std::printf("%-48s %6lld %6lld %6lld ", c.Describe().c_str(), static_cast<long long>(gc.p.M),
                static_cast<long long>(gc.p.N), static_cast<long long>(gc.p.K));
    std::fflush(stdout);
    auto r = gpu->Run(handle[static_cast<size_t>(gc.cfg)], gc.p, ops);
    if (!r.ok()) std::printf("FAILED: %s\n", r.status().message().c_str());
    INFO(c.Describe() << " M=" << gc.p.M << " N=" << gc.p.N << " K=" << gc.p.K);
    REQUIRE(r.ok());
    double err = test::RelativeL2(r->c, test::ReferenceSm90(c, gc.p, ops));
    std::printf("%10.2e %s\n", err, r->guard_intact ? "ok" : "OVERWRITTEN");
    CHECK(err < 2e-2);
    CHECK(r->guard_intact);
  }
}

TEST_CASE("sm90 gemm: split-K and the persistent schedule match the reference, bit for bit across runs and grids",
          "[gpu][codegen][sm90]") {
  std::vector<GemmSm90Config> cfgs = SplitConfigs();
  std::vector<int> handle;
  auto gpu = LoadedRunner(cfgs, &handle, "no GPU driver on this machine: skipping the sm90 split-K numerics");
  if (!gpu) return;
  // M = 1, 7, 197, 257, 577, 1050; N, K off the tile ([K, N] needs N % 8 == 0; [N, K] takes N = 150).
  // K = 72 and 136 are 2 and 3 k-blocks: splits 3 and 4 then have empty ranges, whose partial is zero.
  const std::vector<GpuCase> cases = {
      {0, {197, 2304, 776}},  {0, {1050, 1000, 264}}, {0, {1, 152, 776}},
      {1, {197, 768, 776}},   {1, {7, 2304, 1288}},   {1, {577, 1000, 72}},   {1, {1050, 256, 264}},
      {2, {257, 1280, 776}},  {2, {1, 200, 136}},     {2, {197, 152, 3080}},
      {3, {197, 768, 3080}},  {3, {1050, 1000, 776}}, {3, {7, 256, 72}},
      {4, {197, 150, 776}},   {4, {257, 1000, 1288}}, {4, {1, 150, 264}},
      {5, {577, 1000, 776}},  {5, {197, 2304, 136}},  {5, {7, 768, 1288}},
      {6, {197, 768, 1288}},  {6, {1050, 1280, 264}}, {6, {257, 152, 72}},
      {7, {577, 150, 776}},   {7, {1, 1000, 1288}},   {7, {197, 2304, 264}},
  };
  std::printf("\nsm90 GEMM split-K / persistent numerics on %s (%d SMs)\n%-44s %6s %6s %6s %5s %10s %s\n",
              gpu->device_name().c_str(), gpu->sm_count(), "config", "M", "N", "K", "grid", "rel_l2", "guard, runs, grids");
  uint64_t seed = 1000;
  for (const GpuCase& gc : cases) {
    const GemmSm90Config& c = cfgs[static_cast<size_t>(gc.cfg)];
    test::Sm90Operands ops = test::RandomSm90Operands(c, gc.p, seed++);   // fresh inputs per case
    std::printf("%-44s %6lld %6lld %6lld ", c.Describe().c_str(), static_cast<long long>(gc.p.M),
                static_cast<long long>(gc.p.N), static_cast<long long>(gc.p.K));
    std::fflush(stdout);
    INFO(c.Describe() << " M=" << gc.p.M << " N=" << gc.p.N << " K=" << gc.p.K);
    // Twice on one workspace (the second launch finds the counters the first left), full grid.
    test::Sm90GemmRunner::RunOptions full;
    full.launches = 2;
    auto r = gpu->Run(handle[static_cast<size_t>(gc.cfg)], gc.p, ops, full);
    if (!r.ok()) std::printf("FAILED: %s\n", r.status().message().c_str());
    REQUIRE(r.ok());
    // And on 5 CTAs, each walking many units: the same bytes.
    test::Sm90GemmRunner::RunOptions few;
    few.max_ctas = 5;
    auto r5 = gpu->Run(handle[static_cast<size_t>(gc.cfg)], gc.p, ops, few);
    if (!r5.ok()) std::printf("FAILED on 5 CTAs: %s\n", r5.status().message().c_str());
    REQUIRE(r5.ok());
    const bool same_grids = r->c.size() == r5->c.size() &&
                            std::memcmp(r->c.data(), r5->c.data(), r->c.size() * sizeof(float)) == 0;
    double err = test::RelativeL2(r->c, test::ReferenceSm90(c, gc.p, ops));
    std::printf("%5u %10.2e %s, %s, %s\n", r->grid, err, r->guard_intact && r5->guard_intact ? "ok" : "OVERWRITTEN",
                r->identical ? "identical" : "DIFFER", same_grids ? "identical" : "DIFFER");
    CHECK(err < 2e-2);
    CHECK(r->guard_intact);
    CHECK(r5->guard_intact);
    CHECK(r->identical);
    CHECK(same_grids);
  }
}

TEST_CASE("sm90 gemm: every epilogue through shared memory matches the reference at odd shapes", "[gpu][codegen][sm90]") {
  std::vector<GemmSm90Config> cfgs = EpilogueConfigs();
  std::vector<int> handle;
  auto gpu = LoadedRunner(cfgs, &handle, "no GPU driver on this machine: skipping the sm90 epilogue numerics");
  if (!gpu) return;
  // Every kernel at M = 1, 7, 197, 257, 577, 1050, N and K off the tile: [K, N] widths are multiples
  // of 8 (16-byte stores inside the row, a ragged last tile); [N, K] widths odd or not a multiple of
  // 8 too (the element-by-element path: no 16-byte row stride); K = 72 .. 776, not multiples of 64.
  const int64_t ms[] = {1, 7, 197, 257, 577, 1050};
  const int64_t n_kn[] = {152, 200, 392, 520, 264, 328};
  const int64_t n_nk[] = {150, 203, 389, 517, 264, 333};
  const int64_t ks[] = {72, 136, 200, 264, 776, 328};
  std::printf("\nsm90 GEMM epilogue numerics on %s\n%-52s %6s %6s %6s %10s %s\n", gpu->device_name().c_str(), "config", "M",
              "N", "K", "rel_l2", "guard, runs");
  uint64_t seed = 5000;
  for (size_t ci = 0; ci < cfgs.size(); ++ci) {
    const GemmSm90Config& c = cfgs[ci];
    for (int mi = 0; mi < 6; ++mi) {
      const int64_t n = (c.b_layout == BLayout::kKN ? n_kn : n_nk)[(mi + ci) % 6];
      const test::Sm90Problem p{ms[mi], n, ks[(mi + 2 * ci) % 6]};
      test::Sm90Operands ops = test::RandomSm90Operands(c, p, seed++);   // fresh inputs per case
      std::printf("%-52s %6lld %6lld %6lld ", c.Describe().c_str(), static_cast<long long>(p.M),
                  static_cast<long long>(p.N), static_cast<long long>(p.K));
      std::fflush(stdout);
      INFO(c.Describe() << " M=" << p.M << " N=" << p.N << " K=" << p.K);
      test::Sm90GemmRunner::RunOptions twice;   // C poisoned before each launch; the same bytes both times
      twice.launches = 2;
      auto r = gpu->Run(handle[ci], p, ops, twice);
      if (!r.ok()) std::printf("FAILED: %s\n", r.status().message().c_str());
      REQUIRE(r.ok());
      double err = test::RelativeL2(r->c, test::ReferenceSm90(c, p, ops));
      std::printf("%10.2e %s, %s\n", err, r->guard_intact ? "ok" : "OVERWRITTEN", r->identical ? "identical" : "DIFFER");
      CHECK(err < 2e-2);
      CHECK(r->guard_intact);
      CHECK(r->identical);
    }
  }
}

TEST_CASE("sm90 gemm: swapped products match the reference at every epilogue, bit for bit across runs and grids",
          "[gpu][codegen][sm90]") {
  std::vector<GemmSm90Config> cfgs = SwappedConfigs();
  std::vector<int> handle;
  auto gpu = LoadedRunner(cfgs, &handle, "no GPU driver on this machine: skipping the swapped sm90 numerics");
  if (!gpu) return;
  // Every kernel at M = 1, 7, 100, 197, 257, 577, 1050 (rows off the tile: ragged last tiles, rows past
  // M zero-filled by TMA), N off the 64-wide slabs ([K, N]: multiples of 8; [N, K]: odd widths too, the
  // element-by-element stores), K not a multiple of 64.
  const int64_t ms[] = {1, 7, 100, 197, 257, 577, 1050};
  const int64_t n_kn[] = {152, 200, 2304, 520, 264, 328, 768};
  const int64_t n_nk[] = {150, 203, 389, 517, 264, 333, 1000};
  const int64_t ks[] = {72, 136, 200, 264, 776, 328, 1288};
  std::printf("\nsm90 GEMM swapped numerics on %s\n%-56s %6s %6s %6s %10s %s\n", gpu->device_name().c_str(), "config", "M",
              "N", "K", "rel_l2", "guard, runs, grids");
  uint64_t seed = 9000;
  for (size_t ci = 0; ci < cfgs.size(); ++ci) {
    const GemmSm90Config& c = cfgs[ci];
    for (int mi = 0; mi < 7; ++mi) {
      const int64_t n = (c.b_layout == BLayout::kKN ? n_kn : n_nk)[(mi + ci) % 7];
      const test::Sm90Problem p{ms[mi], n, ks[(mi + 3 * ci) % 7]};
      CheckRunsAndGrids(*gpu, handle[ci], c, p, seed++, 2e-2, 56);
    }
  }
}

TEST_CASE("sm90 gemm: clustered products (weight boxes multicast to CTA pairs) match the reference, bit for bit across "
          "runs and grids", "[gpu][codegen][sm90]") {
  std::vector<GemmSm90Config> cfgs = ClusterConfigs();
  std::vector<int> handle;
  auto gpu = LoadedRunner(cfgs, &handle, "no GPU driver on this machine: skipping the clustered sm90 numerics");
  if (!gpu) return;
  // Token counts whose paired side has an odd tile count (a padding tile: 257 and 1050 at 64 or 128
  // rows, 577 at 128, 197 at 152 swapped) and an even one, N off the 64-wide boxes (a pair's last
  // column tile with fewer boxes), K not a multiple of 64. Every kernel on 2 CTAs too (one cluster).
  const int64_t ms[] = {197, 257, 577, 1050, 7, 100};
  const int64_t ns[] = {768, 2304, 520, 152, 1024, 200};
  const int64_t ks[] = {3072, 776, 264, 1280, 136, 1024};
  std::printf("\nsm90 GEMM clustered numerics on %s\n%-56s %6s %6s %6s %10s %s\n", gpu->device_name().c_str(), "config", "M",
              "N", "K", "rel_l2", "guard, runs, grids");
  uint64_t seed = 12000;
  for (size_t ci = 0; ci < cfgs.size(); ++ci) {
    for (int mi = 0; mi < 6; ++mi) {
      const test::Sm90Problem p{ms[mi], ns[(mi + ci) % 6], ks[(mi + 2 * ci) % 6]};
      CheckRunsAndGrids(*gpu, handle[ci], cfgs[ci], p, seed++, 2e-2, 56);
    }
  }
}

TEST_CASE("sm90 gemm: reduce-scatter split-K matches the reference and its last-arrival twin, bit for bit across runs "
          "and grids", "[gpu][codegen][sm90]") {
  // Each kernel and its twin (the same configuration reduced by the last split): loaded in pairs.
  std::vector<GemmSm90Config> cfgs;
  for (const GemmSm90Config& c : ScatterConfigs()) {
    cfgs.push_back(c);
    GemmSm90Config twin = c;
    twin.split_scatter = false;
    cfgs.push_back(twin);
  }
  std::vector<int> handle;
  auto gpu = LoadedRunner(cfgs, &handle, "no GPU driver on this machine: skipping the reduce-scatter sm90 numerics");
  if (!gpu) return;
  // M = 1 .. 1050 (ragged last tiles), N off the tile ([K, N]: multiples of 8; [N, K]: odd widths), K
  // from a few k-blocks (split 6 with empty ranges at K = 136) to 3072. CheckRunsAndGrids launches twice
  // on one workspace (the counters the first launch reset) and on 3 CTAs (rounded up to whole rounds of
  // splits, each CTA walking many units); then the twin once on the same operands: the same bytes.
  const int64_t ms[] = {197, 1050, 1, 577, 257, 7};
  const int64_t n_kn[] = {768, 2048, 152, 1024, 520, 200};
  const int64_t n_nk[] = {768, 2051, 150, 1000, 517, 203};
  const int64_t ks[] = {3072, 256, 776, 1288, 136, 1024};
  std::printf("\nsm90 GEMM reduce-scatter numerics on %s\n%-56s %6s %6s %6s %10s %s\n", gpu->device_name().c_str(), "config",
              "M", "N", "K", "rel_l2", "guard, runs, grids");
  uint64_t seed = 15000;
  for (size_t ci = 0; ci < cfgs.size(); ci += 2) {
    const GemmSm90Config& c = cfgs[ci];
    for (int mi = 0; mi < 3; ++mi) {
      const int pick = static_cast<int>((mi * 2 + ci / 2) % 6);
      const test::Sm90Problem p{ms[pick], (c.b_layout == BLayout::kKN ? n_kn : n_nk)[(pick + mi) % 6], ks[(pick + ci / 2) % 6]};
      const uint64_t s = seed++;
      CheckRunsAndGrids(*gpu, handle[ci], c, p, s, 2e-2, 56);
      test::Sm90Operands ops = test::RandomSm90Operands(c, p, s);   // the same operands again
      auto mine = gpu->Run(handle[ci], p, ops);
      auto twin = gpu->Run(handle[ci + 1], p, ops);
      REQUIRE(mine.ok());
      REQUIRE(twin.ok());
      const bool same = mine->c.size() == twin->c.size() &&
                        std::memcmp(mine->c.data(), twin->c.data(), mine->c.size() * sizeof(float)) == 0;
      std::printf("%-56s   the last-arrival twin: %s\n", "", same ? "identical" : "DIFFER");
      CHECK(same);
    }
  }
}

// The (mean, M2) of each 64-column block of each row of `c` [M, N], in double: what row_moments writes.
std::vector<double> ReferenceMoments(const std::vector<float>& c, int64_t M, int64_t N) {
  const int64_t blocks = (N + 63) / 64;
  std::vector<double> m(static_cast<size_t>(M * blocks * 2));
  for (int64_t r = 0; r < M; ++r) {
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t c0 = 64 * b, c1 = std::min<int64_t>(N, c0 + 64);
      double s = 0, q = 0;
      for (int64_t j = c0; j < c1; ++j) s += c[static_cast<size_t>(r * N + j)];
      const double mean = s / static_cast<double>(c1 - c0);
      for (int64_t j = c0; j < c1; ++j) q += (c[static_cast<size_t>(r * N + j)] - mean) * (c[static_cast<size_t>(r * N + j)] - mean);
      m[static_cast<size_t>((r * blocks + b) * 2)] = mean;
      m[static_cast<size_t>((r * blocks + b) * 2 + 1)] = q;
    }
  }
  return m;
}

// The worst errors of a run's row moments against ReferenceMoments of its own output (relative to the
// block's scale), and whether every entry was written.
struct MomentErrors {
  double mean = 0, m2 = 0;
  bool all_written = true;
};
MomentErrors MomentErrorsOf(const test::Sm90GemmRunner::RunResult& r, const test::Sm90Problem& p) {
  const std::vector<double> want = ReferenceMoments(r.c, p.M, p.N);
  MomentErrors e;
  e.all_written = r.moments.size() == want.size();
  for (size_t i = 0; e.all_written && i < want.size(); i += 2) {
    const double mean = r.moments[i], m2 = r.moments[i + 1];
    if (!std::isfinite(mean) || !std::isfinite(m2)) e.all_written = false;
    e.mean = std::max(e.mean, std::abs(mean - want[i]) / (std::abs(want[i]) + 1.0));
    e.m2 = std::max(e.m2, std::abs(m2 - want[i + 1]) / (want[i + 1] + 1e-2));
  }
  return e;
}

TEST_CASE("sm90 gemm: row moments (a LayerNorm's statistics per 64-column block) match the stored outputs, bit for bit "
          "across runs and grids", "[gpu][codegen][sm90]") {
  std::vector<GemmSm90Config> cfgs = MomentConfigs();
  std::vector<int> handle;
  auto gpu = LoadedRunner(cfgs, &handle, "no GPU driver on this machine: skipping the sm90 row-moment numerics");
  if (!gpu) return;
  // M = 1 .. 1050; N a multiple of 64 and not ([K, N]: 8-multiples such as 200, a 8-wide last block;
  // [N, K]: odd widths); the residual shifted by +100 in every other case (rows of mean ~100 and
  // variance ~1: the statistics must not cancel). The moments are checked against the kernel's own
  // rounded outputs (C itself against the fp32 reference as everywhere).
  const int64_t ms[] = {197, 1050, 1, 577, 257, 7};
  const int64_t n_kn[] = {768, 200, 2304, 1024, 264, 72};
  const int64_t n_nk[] = {768, 203, 1000, 1024, 261, 77};
  const int64_t ks[] = {3072, 256, 776, 1024, 136, 768};
  std::printf("\nsm90 GEMM row moments on %s\n%-56s %6s %6s %6s %10s %10s %10s %s\n", gpu->device_name().c_str(), "config", "M",
              "N", "K", "rel_l2", "mean_err", "m2_err", "runs, grids");
  uint64_t seed = 17000;
  for (size_t ci = 0; ci < cfgs.size(); ++ci) {
    const GemmSm90Config& c = cfgs[ci];
    for (int mi = 0; mi < 3; ++mi) {
      const int pick = static_cast<int>((2 * mi + ci) % 6);
      const test::Sm90Problem p{ms[pick], (c.b_layout == BLayout::kKN ? n_kn : n_nk)[(pick + ci) % 6], ks[(pick + mi) % 6]};
      test::Sm90Operands ops = test::RandomSm90Operands(c, p, seed++);
      const bool shifted = c.residual && (mi % 2 == 0);
      if (shifted) {
        for (float& v : ops.residual) v += 100.0f;
      }
      INFO(c.Describe() << " M=" << p.M << " N=" << p.N << " K=" << p.K << (shifted ? " (+100)" : ""));
      std::printf("%-56s %6lld %6lld %6lld ", (c.Describe() + (shifted ? " +100" : "")).c_str(), static_cast<long long>(p.M),
                  static_cast<long long>(p.N), static_cast<long long>(p.K));
      std::fflush(stdout);
      test::Sm90GemmRunner::RunOptions twice;
      twice.launches = 2;
      auto r = gpu->Run(handle[ci], p, ops, twice);
      if (!r.ok()) std::printf("FAILED: %s\n", r.status().message().c_str());
      REQUIRE(r.ok());
      test::Sm90GemmRunner::RunOptions few;
      few.max_ctas = 3;
      auto r3 = gpu->Run(handle[ci], p, ops, few);
      REQUIRE(r3.ok());
      const double err = test::RelativeL2(r->c, test::ReferenceSm90(c, p, ops));
      const MomentErrors me = MomentErrorsOf(*r, p);
      const bool same = r->moments == r3->moments && r->c == r3->c;
      std::printf("%10.2e %10.2e %10.2e %s, %s\n", err, me.mean, me.m2, r->identical ? "identical" : "DIFFER",
                  same ? "identical" : "DIFFER");
      CHECK(err < 2e-2);
      CHECK(me.all_written);
      CHECK(me.mean < 1e-5);
      CHECK(me.m2 < 1e-4);
      CHECK(r->guard_intact);
      CHECK(r->identical);
      CHECK(same);
    }
  }
}

TEST_CASE("sm90 gemm: LayerNorm from row moments matches a normalise-then-multiply reference, bit for bit across runs "
          "and grids", "[gpu][codegen][sm90]") {
  std::vector<GemmSm90Config> cfgs = NormMomentConfigs();
  std::vector<int> handle;
  auto gpu = LoadedRunner(cfgs, &handle, "no GPU driver on this machine: skipping the sm90 norm-from-moments numerics");
  if (!gpu) return;
  // Rows as RandomSm90Operands makes them for a LayerNorm (offsets up to 8x the spread, a few large
  // features, one constant row), and every other case shifted by +100 (mean 100, spread ~1-3); K a
  // multiple of 64 and not (a partial last block of moments); M = 1 .. 1050; the runner passes A's
  // block moments and B's column sums as a producer and the compiler would. Launched twice (the
  // statistics hand-off's barriers across units) and on 3 CTAs (each CTA many units).
  const int64_t ms[] = {197, 1050, 7, 577, 257, 1};
  const int64_t n_kn[] = {2304, 3072, 200, 1024, 520, 768};
  const int64_t n_nk[] = {2304, 3075, 203, 1000, 517, 768};
  const int64_t ks[] = {768, 1024, 1280, 776, 264, 136};
  std::printf("\nsm90 GEMM LayerNorm from moments on %s\n%-56s %6s %6s %6s %10s %s\n", gpu->device_name().c_str(), "config", "M",
              "N", "K", "rel_l2", "guard, runs, grids");
  uint64_t seed = 19000;
  for (size_t ci = 0; ci < cfgs.size(); ++ci) {
    const GemmSm90Config& c = cfgs[ci];
    for (int mi = 0; mi < 3; ++mi) {
      const int pick = static_cast<int>((2 * mi + ci) % 6);
      const test::Sm90Problem p{ms[pick], (c.b_layout == BLayout::kKN ? n_kn : n_nk)[(pick + ci) % 6], ks[(pick + mi + ci) % 6]};
      test::Sm90Operands ops = test::RandomSm90Operands(c, p, seed++);
      INFO("rows shifted by +100: " << (mi % 2 == 0));
      if (mi % 2 == 0) test::ShiftSm90Values(c.input, ops.a, 100.0f);
      CheckRunsAndGrids(*gpu, handle[ci], c, p, ops, 2e-2, 56);
      if (c.row_moments) {   // a kernel that also writes its own output's moments: those too
        auto r = gpu->Run(handle[ci], p, ops);
        REQUIRE(r.ok());
        const MomentErrors me = MomentErrorsOf(*r, p);
        std::printf("%-56s   its row moments: mean %.2e, M2 %.2e%s\n", "", me.mean, me.m2, me.all_written ? "" : ", NOT ALL WRITTEN");
        CHECK(me.all_written);
        CHECK(me.mean < 1e-5);
        CHECK(me.m2 < 1e-4);
      }
    }
  }
}

TEST_CASE("sm90 gemm: the LayerNorm prologue matches a normalise-then-multiply reference, bit for bit across runs and grids",
          "[gpu][codegen][sm90]") {
  std::vector<GemmSm90Config> cfgs = NormConfigs();
  std::vector<int> handle;
  auto gpu = LoadedRunner(cfgs, &handle, "no GPU driver on this machine: skipping the LayerNorm-prologue numerics");
  if (!gpu) return;
  // Rows offset by up to 8x their spread with a few 6x features (RandomSm90Operands), at token counts
  // 1 .. 577 (ragged last tiles, rows past M zero-filled), K whole k-blocks (768: ViT-B; 1024, 1280: L, H).
  const int64_t ms[] = {1, 7, 100, 197, 257, 577};
  const int64_t ns[] = {2304, 3072, 152, 520, 768, 200};
  const int64_t ks[] = {768, 64, 1024, 192, 1280, 320};
  std::printf("\nsm90 GEMM LayerNorm prologue on %s\n%-60s %6s %6s %6s %10s %s\n", gpu->device_name().c_str(), "config", "M",
              "N", "K", "rel_l2", "guard, runs, grids");
  uint64_t seed = 11000;
  for (size_t ci = 0; ci < cfgs.size(); ++ci) {
    for (int mi = 0; mi < 6; ++mi) {
      const test::Sm90Problem p{ms[mi], ns[(mi + ci) % 6], ks[(mi + 2 * ci) % 6]};
      CheckRunsAndGrids(*gpu, handle[ci], cfgs[ci], p, seed++, 2e-2, 60);
    }
  }
}

TEST_CASE("sm90 gemm: tf32 products (and f32-output swapped ones) match the reference at odd shapes, bit for bit across "
          "runs and grids", "[gpu][codegen][sm90]") {
  std::vector<GemmSm90Config> cfgs = Tf32Configs();
  for (const auto& c : SwappedF32Configs()) cfgs.push_back(c);
  std::vector<int> handle;
  auto gpu = LoadedRunner(cfgs, &handle, "no GPU driver on this machine: skipping the tf32 sm90 numerics");
  if (!gpu) return;
  // Every kernel at M = 1, 7, 197, 257, 577, 1050: [N, K] widths odd or off the 8s (element-by-element
  // stores at the row ends, no 16-byte row stride for C), K a multiple of 4 (16-byte f32 rows) but not
  // of 32 (a partial last k-block) and mostly not of 8; [K, N] (the f16 swapped kernel) multiples of 8.
  const int64_t ms[] = {1, 7, 197, 257, 577, 1050};
  const int64_t n_nk[] = {150, 203, 389, 517, 264, 1000};
  const int64_t n_kn[] = {152, 200, 392, 520, 264, 328};
  const int64_t ks[] = {76, 132, 204, 260, 772, 1292};
  const int64_t ks16[] = {72, 136, 200, 264, 776, 1288};
  std::printf("\nsm90 GEMM tf32 / f32-output numerics on %s\n%-60s %6s %6s %6s %10s %s\n", gpu->device_name().c_str(),
              "config", "M", "N", "K", "rel_l2", "guard, runs, grids");
  uint64_t seed = 13000;
  for (size_t ci = 0; ci < cfgs.size(); ++ci) {
    const GemmSm90Config& c = cfgs[ci];
    const bool tf32 = c.input == GemmInput::kTF32;
    const double tol = tf32 ? test::Tolerance(ir::Precision::kTF32) : 2e-2;
    for (int mi = 0; mi < 6; ++mi) {
      const int64_t n = (c.b_layout == BLayout::kKN ? n_kn : n_nk)[(mi + ci) % 6];
      const test::Sm90Problem p{ms[mi], n, (tf32 ? ks : ks16)[(mi + 2 * ci) % 6]};
      CheckRunsAndGrids(*gpu, handle[ci], c, p, seed++, tol, 60);
    }
  }
}

TEST_CASE("tensor maps: the driver agrees with the validator", "[gpu][runtime][sm90]") {
  if (!test::HasGpuDriver()) {
    WARN("no GPU driver on this machine: skipping");
    return;
  }
  std::string why;
  auto gpu = test::Sm90GemmRunner::Create(&why);   // a current context on the first device
  if (!gpu) {
    WARN("no usable sm_90 GPU (" << why << "): skipping");
    return;
  }
  const runtime::CudaDriver& d = gpu->driver();
  runtime::CUdeviceptr base = 0;
  REQUIRE(d.cuMemAlloc(&base, 64 << 20) == runtime::kCudaSuccess);
  // Every Linear of the nine models, as the core maps them: A [M, K] in {64, 128} boxes, B [K, N] in
  // {64, 64} boxes and B [N, K] in {64, 256} boxes.
  struct Shape {
    int64_t M, K, N;
  };
  std::vector<Shape> shapes;
  for (int64_t m : {197, 257, 577, 1050, 100}) {
    for (auto [k, n] : std::vector<std::pair<int64_t, int64_t>>{{768, 2304}, {768, 768}, {768, 3072}, {3072, 768},
                                                                 {1024, 3072}, {1024, 1024}, {1024, 4096}, {4096, 1024},
                                                                 {1280, 3840}, {1280, 1280}, {1280, 5120}, {5120, 1280},
                                                                 {256, 768}, {256, 256}, {256, 2048}, {2048, 256}}) {
      shapes.push_back({m, k, n});
    }
  }
  // Tensors smaller than a box, which the kernels rely on for M = 1 and K = 8 (the box's rest reads as
  // zeros): A [1, 768] in {64, 128} boxes, A [1050, 8] and B [8, 768] in 64-wide boxes.
  shapes.push_back({1, 768, 768});
  shapes.push_back({1050, 8, 768});
  int checked = 0;
  for (const Shape& s : shapes) {
    for (int which = 0; which < 3; ++which) {
      runtime::TensorMap2DSpec spec;
      spec.base = base;
      spec.rows = static_cast<uint64_t>(which == 0 ? s.M : which == 1 ? s.K : s.N);
      spec.cols = static_cast<uint64_t>(which == 0 ? s.K : which == 1 ? s.N : s.K);
      spec.row_stride_bytes = spec.cols * 2;
      spec.box_cols = 64;
      spec.box_rows = which == 0 ? 128 : which == 1 ? 64 : 256;
      runtime::TensorMap m;
      INFO("M=" << s.M << " K=" << s.K << " N=" << s.N << " map " << which);
      CHECK(runtime::ValidateTensorMap2D(spec).ok());
      CHECK(runtime::EncodeTensorMap2DUnchecked(d, spec, &m) == runtime::kCudaSuccess);
      ++checked;
    }
  }
  for (auto [rule, spec] : BadSpecs()) {
    spec.base += base;
    runtime::TensorMap m;
    runtime::CUresult rc = runtime::EncodeTensorMap2DUnchecked(d, spec, &m);
    INFO(rule << ": the driver returned " << rc);
    CHECK_FALSE(runtime::ValidateTensorMap2D(spec).ok());
    CHECK(rc != runtime::kCudaSuccess);
    CHECK_FALSE(runtime::EncodeTensorMap2D(d, spec, &m).ok());
  }
  std::printf("tensor maps: %d valid maps encoded by the driver, %zu invalid ones refused by both\n", checked,
              BadSpecs().size());
  d.cuMemFree(base);
}

}  // namespace
}  // namespace agt::codegen::hopper

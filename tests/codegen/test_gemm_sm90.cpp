// The Hopper GEMM core (codegen/hopper/, runtime/tensor_map.h). CPU: the emitted kernels compile
// through NVRTC for sm_90a across tiles, stages, warpgroups, epilogues and both input types; the
// configuration, problem and tensor-map validators refuse what the kernel or TMA cannot take.
// Split-K and the persistent schedule (tile_scheduler_sm90.h): kernels sampled across tiles, splits,
// rasters and epilogues compile; the grid, workspace and default configuration follow the shape.
// [gpu]: the kernels against a double-precision CPU reference (relative L2 < 2e-2) at M = 1, 7, 197,
// 257, 577, 1050 and N, K off the tile, every epilogue (staged through shared memory, and the
// register path), outputs poisoned with NaN and a guard past their end; split-K 1..4 (with empty k-ranges too) launched twice on one workspace and on a grid of
// a few CTAs, every launch bit-identical to the first; and tensor maps checked against the real
// driver's return codes.
//
// The NVRTC cache lives in the build folder (nvrtc-cache-sm90, or $AGT_NVRTC_CACHE), so the GPU
// machine, given that folder, reuses what the CPU run compiled.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <thread>

#include <catch2/catch.hpp>

#include "codegen/hopper/gemm_sm90.h"
#include "codegen/hopper/ptx_sm90.h"
#include "codegen/hopper/tile_scheduler_sm90.h"
#include "codegen/nvrtc.h"
#include "runtime/tensor_map.h"
#include "tests/codegen/gemm_sm90_runner.h"
#include "tests/support/test_support.h"

namespace agt::codegen::hopper {
namespace {

// $AGT_NVRTC_CACHE when set (the GPU machine's copy, e.g. .carry/nvrtc-cache-sm90), else the build folder's.
std::string CacheDir() {
  const char* env = std::getenv("AGT_NVRTC_CACHE");
  return env != nullptr && *env != '\0' ? std::string(env) : std::string(AGT_BINARY_DIR "/nvrtc-cache-sm90");
}

GemmSm90Config Cfg(GemmInput in, BLayout b, int tm, int tn, int stages, int consumers, bool bias, bool gelu, bool res,
                   bool out_f32 = false, int split = 1, Raster raster = Raster::kAlongM) {
  GemmSm90Config c;
  c.input = in;
  c.b_layout = b;
  c.tile_m = tm;
  c.tile_n = tn;
  c.stages = stages;
  c.consumers = consumers;
  c.bias = bias;
  c.gelu = gelu;
  c.residual = res;
  c.out_f32 = out_f32;
  c.split_k = split;
  c.raster = raster;
  return c;
}

constexpr GemmInput kH = GemmInput::kF16, kB = GemmInput::kBF16;
constexpr BLayout kKN = BLayout::kKN, kNK = BLayout::kNK;
constexpr Raster kRM = Raster::kAlongM, kRN = Raster::kAlongN;

// The kernels the [gpu] test runs; the CPU test compiles the same ones (and so fills the cache).
std::vector<GemmSm90Config> GpuConfigs() {
  return {
      Cfg(kH, kKN, 128, 128, 4, 2, true, false, false),   // 0: ViT-B-like default
      Cfg(kH, kKN, 64, 256, 4, 1, true, true, false),     // 1: fc1 (+gelu), one consumer
      Cfg(kH, kKN, 128, 256, 3, 2, true, false, true),    // 2: fc2 / proj (+residual), widest tile
      Cfg(kB, kKN, 128, 128, 4, 2, true, false, false),   // 3: bf16
      Cfg(kB, kNK, 128, 128, 4, 1, true, true, true),     // 4: [N, K] weight, two slabs, all epilogues
      Cfg(kH, kNK, 64, 64, 6, 1, false, false, false, true),  // 5: no bias, f32 out, deep ring
      Cfg(kH, kKN, 128, 192, 4, 2, true, false, false),   // 6: n192
      Cfg(kH, kNK, 64, 144, 2, 1, true, false, true),     // 7: n144 (kNK allows multiples of 16), 2 stages
      Cfg(kB, kKN, 64, 128, 2, 1, false, true, false, true),  // 8: bf16 gelu -> f32
  };
}

// The split-K / persistent kernels the [gpu] test runs: split 1..4, both rasters, every tile family.
std::vector<GemmSm90Config> SplitConfigs() {
  return {
      Cfg(kH, kKN, 128, 128, 4, 2, true, false, false, false, 1, kRN),    // 0: persistent only, along N
      Cfg(kH, kKN, 128, 128, 4, 2, true, false, false, false, 2),         // 1
      Cfg(kH, kKN, 64, 64, 6, 1, true, false, false, false, 3, kRN),      // 2
      Cfg(kH, kKN, 128, 64, 6, 2, true, false, false, false, 4),          // 3
      Cfg(kB, kNK, 128, 128, 4, 1, true, true, true, false, 2),           // 4: two slabs, all epilogues
      Cfg(kH, kKN, 64, 256, 4, 1, true, false, true, false, 3),           // 5: 128 accumulators + residual
      Cfg(kH, kKN, 128, 256, 3, 2, true, false, false, false, 4, kRN),    // 6: widest tile
      Cfg(kH, kNK, 64, 144, 2, 1, false, false, false, true, 2),          // 7: f32 out, 2 stages, n144
  };
}

GemmSm90Config RegisterStores(GemmSm90Config c) {
  c.staged_epilogue = false;
  return c;
}

// The epilogue kernels the [gpu] epilogue test runs at M = 1 .. 1050: every epilogue (bias, GELU,
// residual, f32 out) through the staged path, across chunk counts (64-wide to 256-wide tiles, f32's
// 32-column chunks, n144's partial last chunk), both layouts and input types, with split-K, and the
// register path kept for rings too deep for the staging buffer.
std::vector<GemmSm90Config> EpilogueConfigs() {
  return {
      Cfg(kH, kKN, 128, 128, 4, 2, true, false, false),                  // 0: bias (the default's)
      Cfg(kH, kKN, 64, 64, 6, 1, true, true, false),                     // 1: bias + GELU, one chunk
      Cfg(kH, kKN, 128, 64, 8, 2, true, false, true),                    // 2: bias + residual, 8 stages
      Cfg(kB, kNK, 64, 144, 2, 1, true, true, true),                     // 3: everything, partial chunk, bf16
      Cfg(kH, kKN, 128, 256, 3, 2, false, true, true, true),             // 4: GELU + residual -> f32, 8 chunks
      Cfg(kB, kKN, 64, 128, 8, 1, true, false, true, false, 2),          // 5: residual with split-K
      Cfg(kH, kNK, 128, 128, 4, 1, false, false, true, true, 1, kRN),    // 6: two slabs per warpgroup, f32
      RegisterStores(Cfg(kH, kKN, 128, 192, 5, 2, true, true, true)),    // 7: the register path (5 stages)
  };
}

GemmSm90Config Swapped(GemmSm90Config c) {
  c.swap_ab = true;
  return c;
}

// The swapped kernels (C^T = B^T A^T) the [gpu] test runs: tile_n the activation rows (multiples of 8:
// 200 = 197 in one tile, 136 = 257 in two, 104, 88, 56, 8), both weight layouts (the [K, N] weight
// read MN-major with wgmma's transpose bit for A), both input types, every epilogue, one and two
// consumers, two slabs per consumer, split-K, and the register path.
std::vector<GemmSm90Config> SwappedConfigs() {
  return {
      Swapped(Cfg(kH, kKN, 64, 200, 6, 1, true, false, false)),              // 0: ViT-B rows in one tile
      Swapped(Cfg(kH, kKN, 128, 136, 5, 2, true, true, false)),               // 1: 257 rows in two, GELU
      Swapped(Cfg(kB, kNK, 64, 104, 8, 1, true, false, true)),               // 2: [N, K] weight, residual, bf16
      Swapped(Cfg(kH, kKN, 64, 88, 8, 1, true, false, true, false, 3)),      // 3: split 3 + residual
      Swapped(Cfg(kB, kKN, 128, 56, 8, 1, false, true, true, false, 2, kRN)),  // 4: two slabs per consumer, along N
      Swapped(Cfg(kH, kNK, 128, 256, 3, 2, true, true, true)),               // 5: widest, all epilogues
      RegisterStores(Swapped(Cfg(kH, kKN, 64, 200, 6, 1, true, true, true))),  // 6: the register path
      Swapped(Cfg(kH, kKN, 64, 8, 8, 1, true, false, false, false, 2)),      // 7: n8, split 2
  };
}

// Configurations drawn across the space (seeded): tile family, stages, split 2..8, raster,
// epilogue, input type and B layout; the invalid draws are dropped.
std::vector<GemmSm90Config> SampledSplitConfigs(int n) {
  std::mt19937 rng(13);
  std::vector<GemmSm90Config> v;
  const int tiles[][3] = {{64, 64, 1}, {64, 128, 1}, {64, 256, 1}, {128, 64, 2}, {128, 128, 2}, {128, 192, 2}, {128, 128, 1}};
  while (static_cast<int>(v.size()) < n) {
    const auto& t = tiles[rng() % 7];
    GemmSm90Config c = Cfg(rng() % 2 ? kH : kB, rng() % 3 ? kKN : kNK, t[0], t[1], 2 + static_cast<int>(rng() % 5), t[2],
                           rng() % 2 == 0, rng() % 3 == 0, rng() % 3 == 0, rng() % 4 == 0, 2 + static_cast<int>(rng() % 7),
                           rng() % 2 ? kRM : kRN);
    if (ValidateGemmSm90(c).ok()) v.push_back(c);
  }
  return v;
}

TEST_CASE("sm90 gemm: emitted kernels compile through NVRTC for sm_90a", "[codegen][sm90]") {
  std::vector<GemmSm90Config> cfgs = GpuConfigs();
  // And a few more corners of the space: 6 stages at 128x128, one consumer with two slabs, bf16 n64.
  cfgs.push_back(Cfg(kH, kKN, 128, 128, 6, 2, true, true, true));
  cfgs.push_back(Cfg(kH, kKN, 128, 64, 5, 1, true, false, false));
  cfgs.push_back(Cfg(kB, kNK, 128, 256, 4, 2, true, false, false));
  // Split-K and persistent ones: the [gpu] test's, and a seeded sample across the space.
  for (const auto& c : SplitConfigs()) cfgs.push_back(c);
  for (const auto& c : SampledSplitConfigs(6)) cfgs.push_back(c);
  // The epilogue test's kernels, and the register path at a few corners.
  for (const auto& c : EpilogueConfigs()) cfgs.push_back(c);
  cfgs.push_back(RegisterStores(Cfg(kH, kKN, 128, 128, 4, 2, true, false, true)));
  cfgs.push_back(RegisterStores(Cfg(kB, kNK, 64, 144, 2, 1, false, true, false, true, 3)));
  for (const auto& c : SwappedConfigs()) cfgs.push_back(c);
  NvrtcCompiler nvrtc(CacheDir());
  std::vector<std::string> errors(cfgs.size());
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < 2; ++t) {
    pool.emplace_back([&]() {
      for (size_t i = next++; i < cfgs.size(); i = next++) {
        auto k = EmitGemmSm90(cfgs[i]);
        if (!k.ok()) {
          errors[i] = k.status().message();
          continue;
        }
        auto out = nvrtc.Compile(k->source, "sm_90a", k->kernel_name + ".cu");
        if (!out.ok()) {
          errors[i] = out.status().message();
        } else if (out.value()->log.find("C7508") != std::string::npos ||
                   out.value()->log.find("serializ") != std::string::npos) {
          errors[i] = "ptxas ignored setmaxnreg or serialised wgmma: " + out.value()->log;
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  for (size_t i = 0; i < cfgs.size(); ++i) {
    INFO(cfgs[i].Describe());
    CHECK(errors[i] == "");
  }
}

TEST_CASE("sm90 gemm: plain sm_90 rejects wgmma, which is why the core compiles for sm_90a", "[codegen][sm90]") {
  auto k = EmitGemmSm90(Cfg(kH, kKN, 64, 64, 2, 1, false, false, false));
  REQUIRE(k.ok());
  NvrtcCompiler nvrtc;
  CHECK_FALSE(nvrtc.Compile(k->source, "sm_90", "plain.cu").ok());
  CHECK_FALSE(nvrtc.Compile(k->source, "sm_91", "bad.cu").ok());
}

TEST_CASE("sm90 gemm: the configuration validator", "[codegen][sm90]") {
  CHECK(ValidateGemmSm90(GemmSm90Config{}).ok());
  auto bad = [](auto mutate) {
    GemmSm90Config c;
    mutate(c);
    return ValidateGemmSm90(c);
  };
  CHECK_FALSE(bad([](GemmSm90Config& c) { c.consumers = 3; }).ok());
  CHECK_FALSE(bad([](GemmSm90Config& c) { c.tile_m = 96; }).ok());
  CHECK_FALSE(bad([](GemmSm90Config& c) { c.tile_m = 64; }).ok());               // 64 rows over 2 consumers
  CHECK_FALSE(bad([](GemmSm90Config& c) { c.tile_k = 128; }).ok());
  CHECK_FALSE(bad([](GemmSm90Config& c) { c.tile_n = 96; }).ok());               // kKN: multiples of 64
  CHECK(bad([](GemmSm90Config& c) { c.tile_n = 96; c.b_layout = BLayout::kNK; }).ok());
  CHECK_FALSE(bad([](GemmSm90Config& c) { c.tile_n = 320; }).ok());
  CHECK_FALSE(bad([](GemmSm90Config& c) { c.stages = 1; }).ok());
  CHECK_FALSE(bad([](GemmSm90Config& c) { c.stages = 9; }).ok());
  CHECK(bad([](GemmSm90Config& c) { c.stages = 8; c.tile_n = 64; }).ok());
  CHECK_FALSE(bad([](GemmSm90Config& c) { c.split_k = 0; }).ok());
  CHECK_FALSE(bad([](GemmSm90Config& c) { c.split_k = 17; }).ok());
  CHECK(bad([](GemmSm90Config& c) { c.split_k = 16; c.raster = Raster::kAlongN; }).ok());
  // 128x256 on one consumer: 256 accumulators per thread.
  Status regs = bad([](GemmSm90Config& c) { c.consumers = 1; c.tile_n = 256; });
  CHECK_THAT(regs.message(), Catch::Contains("accumulators"));
  // 128x256, 6 stages: 288 KiB of shared memory.
  Status smem = bad([](GemmSm90Config& c) { c.tile_n = 256; c.stages = 6; });
  CHECK_THAT(smem.message(), Catch::Contains("shared memory"));
  GemmSm90Config nine;
  nine.stages = 9;
  CHECK_FALSE(EmitGemmSm90(nine).ok());
  // The staging buffer (2 x 8 KiB per consumer warpgroup) fits beside every default tile choice ...
  for (const GemmSm90TileChoice& t : GemmSm90TileChoices()) {
    GemmSm90Config c = WithTile(GemmSm90Config{}, t);
    c.out_f32 = true;
    c.split_k = 4;
    INFO(c.Describe());
    CHECK(ValidateGemmSm90(c).ok());
  }
  // ... but not beside a 5-stage 128x192 ring (200 KiB), which keeps the register path.
  Status staged = bad([](GemmSm90Config& c) { c.tile_n = 192; c.stages = 5; });
  CHECK_THAT(staged.message(), Catch::Contains("staged_epilogue"));
  CHECK(bad([](GemmSm90Config& c) { c.tile_n = 192; c.stages = 5; c.staged_epilogue = false; }).ok());
}

TEST_CASE("sm90 gemm: the staged epilogue stages through shared memory and stores 16 bytes", "[codegen][sm90]") {
  GemmSm90Config staged = Cfg(kH, kKN, 128, 128, 4, 2, true, true, true);
  GemmSm90Config regs = RegisterStores(staged);
  CHECK(staged.KernelName() != regs.KernelName());
  CHECK_THAT(regs.Describe(), Catch::Contains(" rs"));
  auto ks = EmitGemmSm90(staged);
  auto kr = EmitGemmSm90(regs);
  REQUIRE(ks.ok());
  REQUIRE(kr.ok());
  CHECK(ks->smem_bytes == kr->smem_bytes + 2 * 2 * 8192);
  // Staged: fragments into the buffer, one barrier per warpgroup and chunk, 16-byte reads and stores,
  // the residual loaded 16 bytes at a time; no 4-byte global stores from the fragments.
  CHECK_THAT(ks->source, Catch::Contains("agt_sts2(buf"));
  CHECK_THAT(ks->source, Catch::Contains("named_barrier_sync(2 + cw, 128)"));
  CHECK_THAT(ks->source, Catch::Contains("ld_shared_v4_b32(buf"));
  CHECK_THAT(ks->source, Catch::Contains("*reinterpret_cast<uint4*>(dst) = v"));
  CHECK_THAT(ks->source, Catch::Contains("__ldg(reinterpret_cast<const uint4*>(residual"));
  CHECK_THAT(ks->source, Catch::Contains("agt_store_tail("));
  CHECK_THAT(ks->source, !Catch::Contains("agt_st2(p, v0, v1)"));
  CHECK_THAT(kr->source, Catch::Contains("agt_st2(p, v0, v1)"));
  CHECK_THAT(kr->source, !Catch::Contains("ld_shared_v4_b32(buf"));
  // Chunks are 128 bytes of a row: 64 16-bit columns, 32 f32 ones; a 144-wide tile has a partial last chunk.
  CHECK_THAT(ks->source, Catch::Contains("kChunkCols = 64, kChunksN = 2;"));
  auto kf = EmitGemmSm90(Cfg(kH, kNK, 64, 144, 2, 1, true, false, false, true));
  REQUIRE(kf.ok());
  CHECK_THAT(kf->source, Catch::Contains("kChunkCols = 32, kChunksN = 5;"));
  CHECK_THAT(kf->source, Catch::Contains("constexpr int kVec = 4;"));
}

TEST_CASE("sm90 gemm: problems must keep TMA's 16-byte strides", "[codegen][sm90]") {
  GemmSm90Config kn;
  GemmSm90Config nk;
  nk.b_layout = BLayout::kNK;
  CHECK(ValidateGemmSm90Problem(kn, 197, 768, 768).ok());
  CHECK(ValidateGemmSm90Problem(kn, 1, 152, 776).ok());
  CHECK_THAT(ValidateGemmSm90Problem(kn, 197, 150, 776).message(), Catch::Contains("N % 8"));
  CHECK(ValidateGemmSm90Problem(nk, 197, 150, 776).ok());          // [N, K]: only K's stride matters
  CHECK_THAT(ValidateGemmSm90Problem(nk, 197, 150, 770).message(), Catch::Contains("K % 8"));
  CHECK_FALSE(ValidateGemmSm90Problem(kn, 0, 64, 64).ok());
  // Persistent grid: min(units, SMs), one dimension.
  auto grid = GemmSm90Grid(kn, 197, 2304, 768, 132);
  CHECK(grid[0] == 36);   // 2 x 18 tiles of 128 x 128
  CHECK(grid[1] == 1);
  GemmSm90Config k3 = kn;
  k3.split_k = 3;
  CHECK(GemmSm90Grid(k3, 197, 2304, 768, 132)[0] == 108);
  CHECK(GemmSm90Grid(k3, 1050, 2304, 768, 132)[0] == 132);   // 9 x 18 x 3 = 486 units on 132 CTAs
  CHECK(GemmSm90Grid(k3, 1, 8, 8, 132)[0] == 3);
}

TEST_CASE("sm90 gemm: PTX wrappers are defined once and wgmma wrappers list N/2 accumulators", "[codegen][sm90]") {
  std::string h(PtxSm90Header());
  auto count = [&](const std::string& s, const std::string& what) {
    size_t n = 0;
    for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
    return n;
  };
  for (const char* insn : {"wgmma.fence.sync.aligned", "wgmma.commit_group", "wgmma.wait_group", "fence.proxy.async",
                           "mbarrier.init", "mbarrier.try_wait.parity", "mbarrier.arrive.expect_tx",
                           "cp.async.bulk.tensor.2d.shared::cluster.global", "cp.async.bulk.tensor.2d.global.shared::cta",
                           "setmaxnreg.inc", "setmaxnreg.dec", "elect.sync", "void st_global_cg_v4(",
                           "float4 ld_global_cg_v4(", "atom.relaxed.gpu.global.add", "red.release.gpu.global.add",
                           "ld.acquire.gpu.global", "st.relaxed.gpu.global", "fence.acq_rel.gpu"}) {
    INFO(insn);
    CHECK(count(h, insn) == 1);
  }
  std::string w = WgmmaWrapper(256, WgmmaInput::kBF16);
  CHECK(count(w, "\"+f\"(d[") == 128);
  CHECK_THAT(w, Catch::Contains("m64n256k16.f32.bf16.bf16"));
  CHECK_THAT(w, Catch::Contains("%127}, %128, %129, p, 1, 1, %131, %132;"));
  CHECK(WgmmaWrapperName(64, WgmmaInput::kF16) == "agt_sm90::wgmma_m64n64k16_f16");
  // The emitted kernels compose the wrappers and write no asm of their own (split-K's too).
  GemmSm90Config split;
  split.split_k = 3;
  for (const GemmSm90Config& c : {GemmSm90Config{}, split}) {
    auto k = EmitGemmSm90(c);
    REQUIRE(k.ok());
    std::string body = k->source.substr(k->source.find("namespace agt_gemm"));
    CHECK(body.find("asm") == std::string::npos);
  }
}

TEST_CASE("sm90 gemm: split-K is emitted only when asked, and once per tile", "[codegen][sm90]") {
  auto count = [](const std::string& s, const std::string& what) {
    size_t n = 0;
    for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
    return n;
  };
  auto one = EmitGemmSm90(GemmSm90Config{});
  REQUIRE(one.ok());
  std::string body1 = one->source.substr(one->source.find("extern \"C\""));
  for (const char* call : {"atom_add_relaxed_gpu(", "red_add_release_gpu(", "st_global_cg_v4(", "wait_count_high("}) {
    INFO(call);
    CHECK(count(body1, call) == 0);
  }
  GemmSm90Config c;
  c.split_k = 4;
  auto four = EmitGemmSm90(c);
  REQUIRE(four.ok());
  std::string body4 = four->source.substr(four->source.find("extern \"C\""));
  CHECK(count(body4, "atom_add_relaxed_gpu(") == 1);
  CHECK(count(body4, "red_add_release_gpu(") == 1);
  CHECK(count(body4, "wait_count_high(") == 1);
  CHECK(count(body4, "st_relaxed_gpu(counter, 0u)") == 1);   // the counter is left zeroed
  CHECK_THAT(body4, Catch::Contains("kSplits = 4"));
  // Both roles walk the same persistent unit loop.
  CHECK(count(body4, "for (int unit = blockIdx.x; unit < units; unit += gridDim.x)") == 2);
  CHECK(count(body1, "for (int unit = blockIdx.x; unit < units; unit += gridDim.x)") == 2);
  // The barriers are initialised once, before the loops.
  CHECK(count(body4, "mbar_init(full_bar(s)") == 1);
  CHECK(body4.find("mbar_init(") < body4.find("for (int unit"));
  CHECK(c.KernelName() == "agt_gemm_sm90_f16_kn_128x128x64_s4_c2_k4_bias");
  c.raster = Raster::kAlongN;
  CHECK(c.Describe() == "f16 kn 128x128x64 s4 c2 k4 rn +bias");
}

TEST_CASE("sm90 gemm: work units, grid and workspace follow the shape", "[codegen][sm90]") {
  GemmSm90Config c;   // 128 x 128
  GemmSm90Schedule s = ScheduleGemmSm90(c, 197, 2304, 768);
  CHECK(s.tiles_m == 2);
  CHECK(s.tiles_n == 18);
  CHECK(s.k_blocks == 12);
  CHECK(s.units == 36);
  CHECK(GemmSm90WorkspaceBytes(c, 197, 2304) == 0);
  c.split_k = 3;
  CHECK(ScheduleGemmSm90(c, 197, 2304, 776).k_blocks == 13);
  CHECK(ScheduleGemmSm90(c, 197, 2304, 776).units == 108);
  // 36 tiles x 3 partial tiles of 128 x 128 fp32, then 36 counters.
  CHECK(GemmSm90WorkspaceBytes(c, 197, 2304) == 36 * 3 * 128 * 128 * 4 + 36 * 4);
  CHECK(GemmSm90Grid(c, 1050, 4096, 1024, 132)[0] == 132);
  CHECK(GemmSm90Grid(c, 1050, 4096, 1024, 7)[0] == 7);
}

TEST_CASE("sm90 gemm: the default configuration is the cost model's best and splits only long k-loops", "[codegen][sm90]") {
  GemmSm90Config epi;
  epi.bias = true;
  struct Shape {
    int64_t M, N, K;
  };
  // Every Linear of the nine models: the default is valid, keeps the request's epilogue and layout,
  // and no candidate (tile choice x split 1..4, each range at least two k-blocks) is estimated faster.
  std::vector<Shape> shapes;
  for (int64_t m : {197, 257, 577, 1050, 100}) {
    for (auto [k, n] : std::vector<std::pair<int64_t, int64_t>>{{768, 2304}, {768, 768}, {768, 3072}, {3072, 768},
                                                                 {1024, 3072}, {1024, 4096}, {4096, 1024}, {1280, 3840},
                                                                 {1280, 5120}, {5120, 1280}, {256, 768}, {2048, 256}}) {
      shapes.push_back({m, n, k});
    }
  }
  for (const Shape& sh : shapes) {
    GemmSm90Config d = DefaultGemmSm90Config(sh.M, sh.N, sh.K, 132, epi);
    INFO(sh.M << "x" << sh.N << "x" << sh.K << ": " << d.Describe());
    CHECK(ValidateGemmSm90(d).ok());
    CHECK(d.bias);
    CHECK(d.b_layout == BLayout::kKN);
    CHECK(d.split_k * 2 <= ScheduleGemmSm90(d, sh.M, sh.N, sh.K).k_blocks + (d.split_k == 1 ? 2 : 0));
    const double best = GemmSm90EstimateCycles(d, sh.M, sh.N, sh.K, 132);
    std::vector<std::pair<GemmSm90TileChoice, bool>> tiles;   // (tile, swapped)
    for (const GemmSm90TileChoice& t : GemmSm90TileChoices()) tiles.push_back({t, false});
    for (const GemmSm90TileChoice& t : GemmSm90SwappedTileChoices(sh.M)) tiles.push_back({t, true});
    for (const auto& [t, swapped] : tiles) {
      for (int split = 1; split <= 4; ++split) {
        GemmSm90Config c = WithTile(epi, t);
        c.swap_ab = swapped;
        c.split_k = split;
        if (split > 1 && ScheduleGemmSm90(c, sh.M, sh.N, sh.K).k_blocks < 2 * split) continue;
        CHECK(best <= GemmSm90EstimateCycles(c, sh.M, sh.N, sh.K, 132) * 1.001);
      }
    }
  }
  // Measured on an H200 (docs/perf-notes.md): split-K's store / publish / poll / reload chain costs
  // ~2-3 us, more than the 12-block k-loops of ViT-B's qkv / proj / fc1 save; it pays at fc2's 48.
  CHECK(DefaultGemmSm90Config(197, 2304, 768, 132, epi).split_k == 1);
  CHECK(DefaultGemmSm90Config(197, 768, 768, 132, epi).split_k == 1);
  CHECK(DefaultGemmSm90Config(197, 768, 3072, 132, epi).split_k > 1);
  // Rows that fill no 64- or 128-row tile take the swapped product (measured on an H100, 2026-12-06:
  // ViT-H qkv 257x3840x1280 8.43 us swapped 64x136 against 9.98 for the best unswapped tile; ViT-L fc2
  // 9.64 against 10.77), with its rows in whole multiples of 8: 257 -> two tiles of 136.
  GemmSm90Config h_qkv = DefaultGemmSm90Config(257, 3840, 1280, 132, epi);
  CHECK(h_qkv.swap_ab);
  CHECK(h_qkv.tile_n == 136);
  CHECK(h_qkv.staged_epilogue);
  CHECK(DefaultGemmSm90Config(197, 1024, 4096, 132, epi).swap_ab);
  // Large row counts stay unswapped (DETR's encoder: 1050 rows do not fit 4 swapped tiles of <= 256).
  CHECK_FALSE(DefaultGemmSm90Config(1050, 2048, 256, 132, epi).swap_ab);
  // An f32 output cannot be swapped (the transposing stores are 16-bit).
  GemmSm90Config f32 = epi;
  f32.out_f32 = true;
  CHECK_FALSE(DefaultGemmSm90Config(257, 3840, 1280, 132, f32).swap_ab);
  // ViT-B qkv: at least stage b's 72 CTAs.
  GemmSm90Config qkv = DefaultGemmSm90Config(197, 2304, 768, 132, epi);
  CHECK(ScheduleGemmSm90(qkv, 197, 2304, 768).units >= 72);
  // A large product needs no split; the epilogue and layout of the request are kept.
  GemmSm90Config gelu = epi;
  gelu.gelu = true;
  gelu.b_layout = BLayout::kNK;
  GemmSm90Config big = DefaultGemmSm90Config(4096, 4096, 4096, 132, gelu);
  CHECK(big.split_k == 1);
  CHECK(big.gelu);
  CHECK(big.b_layout == BLayout::kNK);
  // Fewer SMs, no more splits.
  CHECK(DefaultGemmSm90Config(197, 768, 3072, 16, epi).split_k <= DefaultGemmSm90Config(197, 768, 3072, 132, epi).split_k);
  // Each split keeps at least two k-blocks.
  CHECK(DefaultGemmSm90Config(100, 256, 128, 132, epi).split_k == 1);
}

// docs/hopper/ holds one emitted kernel for reviewers; this keeps it in step with the emitter.
TEST_CASE("sm90 gemm: the example kernels in docs/hopper are current", "[codegen][sm90]") {
  GemmSm90Config split;   // a split-K kernel: 128 x 128 tiles, split 3
  split.split_k = 3;
  for (const GemmSm90Config& c : {GemmSm90Config{}, split}) {
    auto k = EmitGemmSm90(c);
    REQUIRE(k.ok());
    const std::string path = std::string(AGT_TEST_DATA_DIR) + "/../../docs/hopper/" + k->kernel_name + ".cu";
    if (std::getenv("AGT_UPDATE_GOLDEN") != nullptr) {
      std::ofstream(path) << k->source;
    }
    std::ifstream f(path);
    std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    INFO(path << ": regenerate with: AGT_UPDATE_GOLDEN=1 build/bin/test_codegen \"sm90 gemm: the example kernels in docs/hopper are current\"");
    CHECK(text == k->source);
  }
}

runtime::TensorMap2DSpec GoodSpec() {
  runtime::TensorMap2DSpec s;
  s.base = 0x10000;
  s.rows = 197;
  s.cols = 768;
  s.row_stride_bytes = 768 * 2;
  s.box_rows = 128;
  s.box_cols = 64;
  return s;
}

// Specs TMA must refuse, with the rule each breaks; shared by the CPU and [gpu] tests.
std::vector<std::pair<const char*, runtime::TensorMap2DSpec>> BadSpecs() {
  std::vector<std::pair<const char*, runtime::TensorMap2DSpec>> v;
  auto add = [&](const char* rule, auto mutate) {
    runtime::TensorMap2DSpec s = GoodSpec();
    mutate(s);
    v.emplace_back(rule, s);
  };
  add("16-byte aligned", [](auto& s) { s.base += 8; });
  add("multiple of 16 bytes", [](auto& s) { s.cols = 150; s.row_stride_bytes = 300; });
  add("[1, 256]", [](auto& s) { s.box_rows = 512; });
  add("[1, 256]", [](auto& s) { s.box_rows = 0; });
  add("swizzle span", [](auto& s) { s.box_cols = 128; });                     // 256 B inner, 128 B swizzle
  add("swizzle span", [](auto& s) { s.box_cols = 64; s.swizzle = runtime::TmaSwizzle::k64B; });
  add("inner extent must be a multiple of 16", [](auto& s) { s.box_cols = 4; });
  add("[1, 2^32]", [](auto& s) { s.rows = 0; });
  return v;
}

TEST_CASE("tensor maps: the validator applies TMA's rules before the driver sees them", "[runtime][sm90]") {
  CHECK(runtime::ValidateTensorMap2D(GoodSpec()).ok());
  runtime::TensorMap2DSpec f32 = GoodSpec();
  f32.element = runtime::TmaElement::kF32;
  f32.row_stride_bytes = 768 * 4;
  f32.box_cols = 32;   // 128 bytes
  CHECK(runtime::ValidateTensorMap2D(f32).ok());
  for (const auto& [rule, spec] : BadSpecs()) {
    runtime::Status st = runtime::ValidateTensorMap2D(spec);
    INFO(rule);
    REQUIRE_FALSE(st.ok());
    CHECK(st.code() == AGT_ERROR_INVALID_ARGUMENT);
    CHECK_THAT(st.message(), Catch::Contains(rule));
  }
  runtime::TensorMap2DSpec short_stride = GoodSpec();
  short_stride.row_stride_bytes = 512;
  CHECK_THAT(runtime::ValidateTensorMap2D(short_stride).message(), Catch::Contains("shorter than a row"));
}

// ---- [gpu] ----

struct GpuCase {
  int cfg;
  test::Sm90Problem p;
};

TEST_CASE("sm90 gemm: kernels match the fp32 reference", "[gpu][codegen][sm90]") {
  if (!test::HasGpuDriver()) {
    WARN("no GPU driver on this machine: skipping the sm90 GEMM numerics");
    return;
  }
  std::string why;
  auto gpu = test::Sm90GemmRunner::Create(&why);
  if (!gpu) {
    WARN("no usable sm_90 GPU (" << why << "): skipping");
    return;
  }
  std::vector<GemmSm90Config> cfgs = GpuConfigs();
  NvrtcCompiler nvrtc(CacheDir());
  std::vector<int> handle;
  for (const auto& c : cfgs) {
    auto h = gpu->Load(c, nvrtc);
    INFO(c.Describe());
    REQUIRE(h.ok());
    handle.push_back(h.value());
  }
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
  if (!test::HasGpuDriver()) {
    WARN("no GPU driver on this machine: skipping the sm90 split-K numerics");
    return;
  }
  std::string why;
  auto gpu = test::Sm90GemmRunner::Create(&why);
  if (!gpu) {
    WARN("no usable sm_90 GPU (" << why << "): skipping");
    return;
  }
  std::vector<GemmSm90Config> cfgs = SplitConfigs();
  NvrtcCompiler nvrtc(CacheDir());
  std::vector<int> handle;
  for (const auto& c : cfgs) {
    auto h = gpu->Load(c, nvrtc);
    INFO(c.Describe());
    REQUIRE(h.ok());
    handle.push_back(h.value());
  }
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
  if (!test::HasGpuDriver()) {
    WARN("no GPU driver on this machine: skipping the sm90 epilogue numerics");
    return;
  }
  std::string why;
  auto gpu = test::Sm90GemmRunner::Create(&why);
  if (!gpu) {
    WARN("no usable sm_90 GPU (" << why << "): skipping");
    return;
  }
  std::vector<GemmSm90Config> cfgs = EpilogueConfigs();
  NvrtcCompiler nvrtc(CacheDir());
  std::vector<int> handle;
  for (const auto& c : cfgs) {
    auto h = gpu->Load(c, nvrtc);
    INFO(c.Describe());
    REQUIRE(h.ok());
    handle.push_back(h.value());
  }
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
  if (!test::HasGpuDriver()) {
    WARN("no GPU driver on this machine: skipping the swapped sm90 numerics");
    return;
  }
  std::string why;
  auto gpu = test::Sm90GemmRunner::Create(&why);
  if (!gpu) {
    WARN("no usable sm_90 GPU (" << why << "): skipping");
    return;
  }
  std::vector<GemmSm90Config> cfgs = SwappedConfigs();
  NvrtcCompiler nvrtc(CacheDir());
  std::vector<int> handle;
  for (const auto& c : cfgs) {
    auto h = gpu->Load(c, nvrtc);
    INFO(c.Describe());
    REQUIRE(h.ok());
    handle.push_back(h.value());
  }
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
      test::Sm90Operands ops = test::RandomSm90Operands(c, p, seed++);   // fresh inputs per case
      std::printf("%-56s %6lld %6lld %6lld ", c.Describe().c_str(), static_cast<long long>(p.M),
                  static_cast<long long>(p.N), static_cast<long long>(p.K));
      std::fflush(stdout);
      INFO(c.Describe() << " M=" << p.M << " N=" << p.N << " K=" << p.K);
      test::Sm90GemmRunner::RunOptions twice;   // C poisoned before each launch; the same bytes both times
      twice.launches = 2;
      auto r = gpu->Run(handle[ci], p, ops, twice);
      if (!r.ok()) std::printf("FAILED: %s\n", r.status().message().c_str());
      REQUIRE(r.ok());
      test::Sm90GemmRunner::RunOptions few;   // 3 CTAs, each walking many units: the same bytes
      few.max_ctas = 3;
      auto r3 = gpu->Run(handle[ci], p, ops, few);
      if (!r3.ok()) std::printf("FAILED on 3 CTAs: %s\n", r3.status().message().c_str());
      REQUIRE(r3.ok());
      const bool same_grids = r->c.size() == r3->c.size() &&
                              std::memcmp(r->c.data(), r3->c.data(), r->c.size() * sizeof(float)) == 0;
      double err = test::RelativeL2(r->c, test::ReferenceSm90(c, p, ops));
      std::printf("%10.2e %s, %s, %s\n", err, r->guard_intact && r3->guard_intact ? "ok" : "OVERWRITTEN",
                  r->identical ? "identical" : "DIFFER", same_grids ? "identical" : "DIFFER");
      CHECK(err < 2e-2);
      CHECK(r->guard_intact);
      CHECK(r3->guard_intact);
      CHECK(r->identical);
      CHECK(same_grids);
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

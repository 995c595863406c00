// The Hopper GEMM core (codegen/hopper/, runtime/tensor_map.h). CPU: the emitted kernels compile
// through NVRTC for sm_90a across tiles, stages, warpgroups, epilogues and the three input types
// (fp16, bf16, tf32); the configuration, problem and tensor-map validators refuse what the kernel or
// TMA cannot take (tf32: a [K, N] weight).
// Split-K and the persistent schedule (tile_scheduler_sm90.h): kernels sampled across tiles, splits,
// rasters and epilogues compile; the grid, workspace and default configuration follow the shape.
// The [gpu] numerics of the same kernels are in test_gemm_sm90_gpu.cpp; the configurations both run
// are in gemm_sm90_test_configs.h.
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
#include "tests/codegen/gemm_sm90_test_configs.h"
#include "tests/support/test_support.h"

namespace agt::codegen::hopper {
namespace {

using namespace sm90_test;


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
  for (const auto& c : ClusterConfigs()) cfgs.push_back(c);
  for (const auto& c : ScatterConfigs()) {   // and each one's last-arrival twin, which the [gpu] test compares
    cfgs.push_back(c);
    GemmSm90Config twin = c;
    twin.split_scatter = false;
    cfgs.push_back(twin);
  }
  for (const auto& c : NormConfigs()) cfgs.push_back(c);
  for (const auto& c : MomentConfigs()) cfgs.push_back(c);
  for (const auto& c : NormMomentConfigs()) cfgs.push_back(c);
  // tf32: the [gpu] test's kernels (swapped ones and 16-bit -> f32 swapped too) and a seeded sample.
  for (const auto& c : Tf32Configs()) cfgs.push_back(c);
  for (const auto& c : SwappedF32Configs()) cfgs.push_back(c);
  for (const auto& c : SampledTf32Configs(12)) cfgs.push_back(c);
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

TEST_CASE("sm90 gemm: the LayerNorm prologue's rules and what it emits", "[codegen][sm90]") {
  const GemmSm90Config ok = NormConfigs()[0];
  CHECK(ValidateGemmSm90(ok).ok());
  auto bad = [&](auto mutate) {
    GemmSm90Config c = ok;
    mutate(c);
    return ValidateGemmSm90(c);
  };
  CHECK_THAT(bad([](GemmSm90Config& c) { c.swap_ab = false; c.tile_n = 192; }).message(), Catch::Contains("swapped"));
  CHECK_THAT(bad([](GemmSm90Config& c) { c.split_k = 2; }).message(), Catch::Contains("split_k 1"));
  CHECK_THAT(bad([](GemmSm90Config& c) { c.b_layout = BLayout::kNK; }).message(), Catch::Contains("[K, N]"));
  CHECK_FALSE(bad([](GemmSm90Config& c) { c.input = GemmInput::kTF32; c.tile_k = 32; c.b_layout = BLayout::kNK; }).ok());
  CHECK_FALSE(bad([](GemmSm90Config& c) { c.norm_eps = -1.0f; }).ok());
  // Whole k-blocks only: a partial block's zero fill would count in the row sums.
  CHECK(ValidateGemmSm90Problem(ok, 197, 2304, 768).ok());
  CHECK_THAT(ValidateGemmSm90Problem(ok, 197, 2304, 776).message(), Catch::Contains("k-blocks"));
  GemmSm90Config plain = ok;
  plain.norm = false;
  // The statistics' shared memory: 200 (mean, rstd) pairs and 4 warps x 64 column sums per consumer.
  CHECK(GemmSm90SmemBytes(ok) - GemmSm90SmemBytes(plain) == 200 * 8 + 4 * 64 * 4);
  auto k = EmitGemmSm90(ok);
  REQUIRE(k.ok());
  auto p = EmitGemmSm90(plain);
  REQUIRE(p.ok());
  CHECK(k->kernel_name == p->kernel_name + "_ln");
  // The epsilon is the configuration's, the correction applied before the bias, the stage released after
  // the warp's own reads, and nothing of it in the plain kernel.
  CHECK_THAT(k->source, Catch::Contains("rsqrtf(var + 9.99999997e-07f) : 0.0f"));
  // Whole-number epsilons print as float literals too.
  GemmSm90Config zero = ok;
  zero.norm_eps = 0.0f;
  auto kz = EmitGemmSm90(zero);
  REQUIRE(kz.ok());
  CHECK_THAT(kz->source, Catch::Contains("rsqrtf(var + 0.00000000f)"));
  // The row reads follow the swizzle, so that a quarter warp's 8 rows touch 8 distinct 16-byte groups.
  CHECK_THAT(k->source, Catch::Contains("ld_shared_v4_b32(row + ((p ^ (r & 7)) << 4))"));
  CHECK_THAT(k->source, Catch::Contains("v = ns.y * (v - ns.x * norm_csum[t][h]); }\n"));
  CHECK(k->source.find("v = ns.y") < k->source.find("v += h == 0 ? b_lo : b_hi;"));
  CHECK_THAT(k->source, Catch::Contains("__syncwarp();"));
  CHECK(p->source.find("norm_") == std::string::npos);
  CHECK(p->source.find("__syncwarp") == std::string::npos);
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

TEST_CASE("sm90 gemm: tf32 takes a K-major weight, 32-deep k-blocks and f32 outputs", "[codegen][sm90]") {
  GemmSm90Config t = Cfg(kT, kNK, 128, 128, 4, 2, true, false, false);
  CHECK(ValidateGemmSm90(t).ok());
  CHECK(t.tile_k == 32);
  CHECK(t.f32_out());
  CHECK(t.Describe() == "tf32 nk 128x128x32 s4 c2 +bias");
  CHECK(t.KernelName() == "agt_gemm_sm90_tf32_nk_128x128x32_s4_c2_bias");
  auto bad = [&](auto mutate) {
    GemmSm90Config c = t;
    mutate(c);
    return ValidateGemmSm90(c);
  };
  // wgmma transposes only 16-bit types: a [K, N] weight is refused, swapped or not.
  Status kn = bad([](GemmSm90Config& c) { c.b_layout = BLayout::kKN; c.tile_n = 128; });
  CHECK_THAT(kn.message(), Catch::Contains("tf32 needs the weight K-major, as [N, K]"));
  CHECK_THAT(bad([](GemmSm90Config& c) { c.b_layout = BLayout::kKN; c.swap_ab = true; }).message(),
             Catch::Contains("tf32 needs the weight K-major"));
  CHECK_THAT(bad([](GemmSm90Config& c) { c.tile_k = 64; }).message(), Catch::Contains("tile_k must be 32"));
  CHECK_THAT(bad([](GemmSm90Config& c) { c.out_f32 = true; }).message(), Catch::Contains("f32 outputs already"));
  CHECK_THAT(bad([](GemmSm90Config& c) { c.conv = true; }).message(), Catch::Contains("no tf32 convolutions"));
  // 16-bit configurations keep their 64-deep k-blocks.
  CHECK(ValidateGemmSm90(Cfg(kH, kNK, 128, 128, 4, 2, true, false, false)).ok());
  GemmSm90Config h32 = Cfg(kH, kNK, 128, 128, 4, 2, true, false, false);
  h32.tile_k = 32;
  CHECK_THAT(ValidateGemmSm90(h32).message(), Catch::Contains("tile_k must be 64"));
  // Swapped products take f32 outputs (tf32, or 16-bit inputs with out_f32), staged transposed.
  CHECK(bad([](GemmSm90Config& c) { c.swap_ab = true; c.tile_n = 200; c.tile_m = 64; c.consumers = 1; c.stages = 6; }).ok());
  CHECK(ValidateGemmSm90(Swapped(Cfg(kH, kKN, 64, 136, 6, 1, true, false, false, true))).ok());
  // The budgets: a stage is 128 bytes per tile row for every input type, so tf32 tiles fit where the
  // 16-bit ones do, and the accumulators are the same.
  for (const GemmSm90TileChoice& tc : GemmSm90TileChoices()) {
    GemmSm90Config c16 = WithTile(Cfg(kH, kNK, 128, 128, 4, 2, true, false, false), tc);
    GemmSm90Config c32 = WithTile(t, tc);
    INFO(c32.Describe());
    CHECK(ValidateGemmSm90(c32).ok());
    CHECK(GemmSm90SmemBytes(c32) == GemmSm90SmemBytes(c16));
  }
  CHECK_THAT(bad([](GemmSm90Config& c) { c.tile_n = 256; c.stages = 6; }).message(), Catch::Contains("shared memory"));
  CHECK_THAT(bad([](GemmSm90Config& c) { c.consumers = 1; c.tile_n = 256; }).message(), Catch::Contains("accumulators"));
  // TMA's 16-byte rows: 4 f32 values, so K % 4 == 0; any N with the [N, K] weight.
  CHECK(ValidateGemmSm90Problem(t, 197, 150, 772).ok());
  CHECK_THAT(ValidateGemmSm90Problem(t, 197, 150, 770).message(), Catch::Contains("K % 4"));
}

TEST_CASE("sm90 gemm: tf32 kernels issue m64nNk8 wgmmas over f32 tiles of 32-deep k-blocks", "[codegen][sm90]") {
  GemmSm90Config t = Cfg(kT, kNK, 128, 128, 4, 2, true, true, true);
  auto k = EmitGemmSm90(t);
  REQUIRE(k.ok());
  GemmSm90Config h = Cfg(kH, kNK, 128, 128, 4, 2, true, true, true);
  auto kh = EmitGemmSm90(h);
  REQUIRE(kh.ok());
  CHECK(k->smem_bytes == kh->smem_bytes);
  // TMA boxes of 32 f32 values (128 bytes) along K.
  CHECK(k->a_box == std::array<uint32_t, 2>{32, 128});
  CHECK(k->b_box == std::array<uint32_t, 2>{32, 128});
  const std::string& src = k->source;
  CHECK_THAT(src, Catch::Contains("wgmma.mma_async.sync.aligned.m64n128k8.f32.tf32.tf32"));
  CHECK_THAT(src, Catch::Contains("agt_sm90::wgmma_m64n128k8_tf32<0, 0>(acc[t], da, db, 1);"));
  CHECK_THAT(src, Catch::Contains("for (int kk = 0; kk < kBK / 8; ++kk)"));
  CHECK_THAT(src, Catch::Contains("constexpr int kBM = 128, kBN = 128, kBK = 32,"));
  CHECK_THAT(src, Catch::Contains("kStageBytesA = kBM * kBK * 4, kStageBytesB = kBN * kBK * 4;"));
  CHECK_THAT(src, Catch::Contains("typedef float InT;"));
  CHECK_THAT(src, Catch::Contains("typedef float OutT;"));
  CHECK_THAT(src, Catch::Contains("float2 bias_pk[kBN / 8];"));
  CHECK_THAT(src, Catch::Contains("kChunkCols = 32, kChunksN = 4;"));
  CHECK_THAT(src, Catch::Contains("constexpr int kVec = 4;"));
  CHECK_THAT(src, !Catch::Contains("k16"));
  // The 16-bit kernel of the same tile keeps its k16 wgmmas.
  CHECK_THAT(kh->source, Catch::Contains("agt_sm90::wgmma_m64n128k16_f16<0, 0>(acc[t], da, db, 1);"));
  CHECK_THAT(kh->source, Catch::Contains("for (int kk = 0; kk < kBK / 16; ++kk)"));
  // Swapped, f32 outputs: 4-byte transposing stores, 32 of the slab's columns per chunk (200 rows:
  // 4 row chunks x 2 column halves), written by the two warps whose accumulator rows they are.
  auto sw = EmitGemmSm90(Swapped(Cfg(kT, kNK, 64, 200, 6, 1, true, false, true)));
  REQUIRE(sw.ok());
  CHECK(sw->a_box == std::array<uint32_t, 2>{32, 200});
  CHECK(sw->b_box == std::array<uint32_t, 2>{32, 64});
  CHECK_THAT(sw->source, Catch::Contains("kChunkCols = 32, kChunksN = 8;"));
  CHECK_THAT(sw->source, Catch::Contains("if ((warp >> 1) == (cc & 1))"));
  CHECK_THAT(sw->source, Catch::Contains("st_shared_b32(buf"));
  CHECK_THAT(sw->source, Catch::Contains("float2 bias_pk[kSlabs];"));
  CHECK_THAT(sw->source, !Catch::Contains("st_shared_b16(buf"));
  auto sw16 = EmitGemmSm90(Swapped(Cfg(kH, kKN, 64, 200, 6, 1, true, false, true)));
  REQUIRE(sw16.ok());
  CHECK_THAT(sw16->source, Catch::Contains("kChunkCols = 64, kChunksN = 4;"));
  CHECK_THAT(sw16->source, Catch::Contains("st_shared_b16(buf"));
}

TEST_CASE("sm90 gemm: tf32 defaults keep the input, layout and epilogue and are valid", "[codegen][sm90]") {
  GemmSm90Config epi = Cfg(kT, kNK, 128, 128, 4, 2, true, false, false);
  for (int64_t m : {1, 7, 197, 257, 577, 1050}) {
    for (auto [k, n] : std::vector<std::pair<int64_t, int64_t>>{{768, 2304}, {768, 3072}, {3072, 768}, {1280, 3840}, {256, 2048}}) {
      GemmSm90Config d = DefaultGemmSm90Config(m, n, k, 132, epi);
      INFO(m << "x" << n << "x" << k << ": " << d.Describe());
      CHECK(ValidateGemmSm90(d).ok());
      CHECK(d.input == GemmInput::kTF32);
      CHECK(d.b_layout == BLayout::kNK);
      CHECK(d.tile_k == 32);
      CHECK(d.bias);
      CHECK(ValidateGemmSm90Problem(d, m, n, k).ok());
    }
  }
  // The same k-block count as a 16-bit product of half the K (32-deep blocks), and twice its wgmma time.
  GemmSm90Config h = Cfg(kH, kNK, 128, 128, 4, 2, true, false, false);
  CHECK(ScheduleGemmSm90(epi, 197, 768, 768).k_blocks == 24);
  CHECK(GemmSm90EstimateCycles(epi, 4096, 4096, 4096, 132) > GemmSm90EstimateCycles(h, 4096, 4096, 4096, 132));
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
                           "cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes [",
                           "complete_tx::bytes.multicast::cluster [", "mapa.shared::cluster", "barrier.cluster.arrive",
                           "mov.u32 %0, %%cluster_ctarank", "cp.async.bulk.tensor.2d.global.shared::cta",
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
  // tf32: k8, no transpose operands (both operands K-major), the same accumulator list.
  std::string t = WgmmaWrapper(256, WgmmaInput::kTF32);
  CHECK(count(t, "\"+f\"(d[") == 128);
  CHECK_THAT(t, Catch::Contains("m64n256k8.f32.tf32.tf32"));
  CHECK_THAT(t, Catch::Contains("%127}, %128, %129, p, 1, 1;"));
  CHECK_THAT(t, Catch::Contains("static_assert(kTransA == 0 && kTransB == 0"));
  CHECK(WgmmaWrapperName(64, WgmmaInput::kTF32) == "agt_sm90::wgmma_m64n64k8_tf32");
  CHECK(WgmmaK(WgmmaInput::kTF32) == 8);
  CHECK(WgmmaK(WgmmaInput::kBF16) == 16);
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
  CHECK(count(body4, "for (int unit = unit0; unit < units; unit += unit_step)") == 2);
  CHECK(count(body1, "for (int unit = unit0; unit < units; unit += unit_step)") == 2);
  // The barriers are initialised once, before the loops.
  CHECK(count(body4, "mbar_init(full_bar(s)") == 1);
  CHECK(body4.find("mbar_init(") < body4.find("for (int unit"));
  CHECK(c.KernelName() == "agt_gemm_sm90_f16_kn_128x128x64_s4_c2_k4_bias");
  c.raster = Raster::kAlongN;
  CHECK(c.Describe() == "f16 kn 128x128x64 s4 c2 k4 rn +bias");
}

TEST_CASE("sm90 gemm: reduce-scatter split-K: its rules, its grid of whole rounds, and what it emits", "[codegen][sm90]") {
  auto count = [](const std::string& s, const std::string& what) {
    size_t n = 0;
    for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
    return n;
  };
  GemmSm90Config c;
  c.split_k = 4;
  c.split_scatter = true;
  CHECK(ValidateGemmSm90(c).ok());
  CHECK(c.KernelName() == "agt_gemm_sm90_f16_kn_128x128x64_s4_c2_k4s_bias");
  CHECK(c.Describe() == "f16 kn 128x128x64 s4 c2 k4s +bias");
  // Refused: without a split, clustered, or with fewer 8-column groups than splits.
  GemmSm90Config bad = c;
  bad.split_k = 1;
  CHECK_THAT(ValidateGemmSm90(bad).message(), Catch::Contains("split_k >= 2"));
  bad = c;
  bad.tile_m = 64;
  bad.tile_n = 128;
  bad.consumers = 1;
  bad.stages = 8;
  bad.cluster = 2;
  CHECK_FALSE(ValidateGemmSm90(bad).ok());
  bad = c;
  bad.swap_ab = true;
  bad.tile_m = 64;
  bad.consumers = 1;
  bad.tile_n = 24;   // 3 groups over 4 splits
  CHECK_THAT(ValidateGemmSm90(bad).message(), Catch::Contains("3"));
  bad.tile_n = 32;   // 4 groups: one each
  CHECK(ValidateGemmSm90(bad).ok());
  // The grid: whole rounds of the tile's splits (a multiple of S), at most the SMs and the units.
  CHECK(GemmSm90Grid(c, 577, 768, 3072, 132)[0] == 120);   // 5 x 6 tiles x 4 = 120 units
  CHECK(GemmSm90Grid(c, 1050, 4096, 1024, 132)[0] == 132);
  CHECK(GemmSm90Grid(c, 1050, 4096, 1024, 130)[0] == 128);  // not 130: a round would split a tile's splits
  CHECK(GemmSm90Grid(c, 1050, 4096, 1024, 5)[0] == 4);
  CHECK(GemmSm90Grid(c, 1050, 4096, 1024, 3)[0] == 4);      // at least one tile's splits
  CHECK(GemmSm90Grid(c, 64, 128, 1024, 132)[0] == 4);       // one tile
  c.split_k = 3;
  CHECK(GemmSm90Grid(c, 1050, 4096, 1024, 131)[0] == 129);
  // Its workspace is the last-arrival one's.
  GemmSm90Config twin = c;
  twin.split_scatter = false;
  CHECK(GemmSm90WorkspaceBytes(c, 577, 768) == GemmSm90WorkspaceBytes(twin, 577, 768));
  // The kernel: each split stores the groups it does not own, waits for all (no early exit), resets the
  // counter once it and every other split are past the wait, and runs the epilogue on its own groups.
  c.split_k = 4;
  auto k = EmitGemmSm90(c);
  REQUIRE(k.ok());
  const std::string body = k->source.substr(k->source.find("extern \"C\""));
  CHECK(count(body, "red_add_release_gpu(counter, 1u << 16)") == 1);
  CHECK(count(body, "wait_count_high(counter, kSplits)") == 1);
  CHECK(count(body, "atom_add_relaxed_gpu(counter, 1u)") == 1);
  CHECK(count(body, "st_relaxed_gpu(counter, 0u)") == 1);
  CHECK(count(body, "continue;   // another split's groups") == 1);
  CHECK(body.find("if (!last)") == std::string::npos);
  CHECK(body.find("wait_count_high") < body.find("ld_global_cg_v4"));
  CHECK(body.find("ld_global_cg_v4") < body.find("named_barrier_sync(2 + cw, 128)"));
  CHECK(body.find("named_barrier_sync(2 + cw, 128)") < body.find("st_relaxed_gpu(counter, 0u)"));
  // Every other kernel's text is untouched by the option's existence: the last-arrival twin has none of it.
  auto t = EmitGemmSm90(twin);
  REQUIRE(t.ok());
  CHECK(t->source.find("own_jb") == std::string::npos);
}

TEST_CASE("sm90 gemm: row moments: their rules, the extra parameter, and one store per row block", "[codegen][sm90]") {
  GemmSm90Config c;
  c.residual = true;
  c.row_moments = true;
  REQUIRE(ValidateGemmSm90(c).ok());
  CHECK(c.KernelName() == "agt_gemm_sm90_f16_kn_128x128x64_s4_c2_bias_res_mom");
  CHECK(c.Describe() == "f16 kn 128x128x64 s4 c2 +bias +residual +moments");
  auto k = EmitGemmSm90(c);
  REQUIRE(k.ok());
  CHECK_THAT(k->source, Catch::Contains("float* __restrict__ workspace, float* __restrict__ moments) {"));
  // The shuffles run on every lane (no `continue` in the store loop), and lane 0 of a row's 8 stores.
  const std::string body = k->source.substr(k->source.find("extern \"C\""));
  CHECK(body.find("agt_moments_merge(m_cnt, m_mean, m_m2, 4);") != std::string::npos);
  CHECK(body.find("if (g == 0 && m_cnt > 0.0f)") != std::string::npos);
  const size_t loop = body.find("for (int p = 0; p < 4; ++p)", body.find("named_barrier_sync(2 + cw, 128)"));
  REQUIRE(loop != std::string::npos);
  CHECK(body.find("continue;", loop) == std::string::npos);
  // Without it: no parameter, no moments.
  GemmSm90Config plain = c;
  plain.row_moments = false;
  auto kp = EmitGemmSm90(plain);
  REQUIRE(kp.ok());
  CHECK(kp->source.find("moments") == std::string::npos);
  // Refused: f32 outputs, the register path, a tile not made of 64-column blocks, reduce-scatter.
  GemmSm90Config bad = c;
  bad.out_f32 = true;
  CHECK_FALSE(ValidateGemmSm90(bad).ok());
  bad = c;
  bad.staged_epilogue = false;
  CHECK_FALSE(ValidateGemmSm90(bad).ok());
  bad = c;
  bad.b_layout = BLayout::kNK;
  bad.tile_n = 144;
  CHECK_THAT(ValidateGemmSm90(bad).message(), Catch::Contains("64-column"));
  bad = c;
  bad.split_k = 2;
  bad.split_scatter = true;
  CHECK_FALSE(ValidateGemmSm90(bad).ok());
  bad.split_scatter = false;   // the last-arrival split stores whole blocks
  CHECK(ValidateGemmSm90(bad).ok());
  // Swapped: the output-column side is the weight's tile_m (64 or 128), always whole blocks.
  GemmSm90Config sw = c;
  sw.swap_ab = true;
  sw.tile_m = 64;
  sw.consumers = 1;
  sw.tile_n = 200;
  sw.stages = 6;
  CHECK(ValidateGemmSm90(sw).ok());
}

TEST_CASE("sm90 gemm: LayerNorm from row moments: its rules, parameters and the statistics hand-off", "[codegen][sm90]") {
  auto count = [](const std::string& s, const std::string& what) {
    size_t n = 0;
    for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
    return n;
  };
  GemmSm90Config c;
  c.norm_moments = true;
  c.split_k = 2;
  REQUIRE(ValidateGemmSm90(c).ok());
  CHECK(c.KernelName() == "agt_gemm_sm90_f16_kn_128x128x64_s4_c2_k2_bias_lnm");
  CHECK(c.Describe() == "f16 kn 128x128x64 s4 c2 k2 lnm1e-05 +bias");
  auto k = EmitGemmSm90(c);
  REQUIRE(k.ok());
  CHECK_THAT(k->source, Catch::Contains("const float* __restrict__ moments_in, const float* __restrict__ colsum) {"));
  const std::string body = k->source.substr(k->source.find("extern \"C\""));
  // The hand-off: warps 1-3 of the producer warpgroup arrive "full" once per unit and sync on "empty"
  // before the next and after the last; the consumers sync on "full" after every k-loop and arrive
  // "empty" at the unit's end and before a split-K partial's `continue`.
  CHECK(count(body, "named_barrier_arrive(6, 96 + kConsumerThreads)") == 1);
  CHECK(count(body, "named_barrier_sync(6, 96 + kConsumerThreads)") == 1);
  CHECK(count(body, "named_barrier_sync(7, 96 + kConsumerThreads)") == 2);
  CHECK(count(body, "named_barrier_arrive(7, 96 + kConsumerThreads)") == 2);
  const size_t partial = body.find("if (!last)");
  REQUIRE(partial != std::string::npos);
  CHECK(body.find("named_barrier_arrive(7", partial) < body.find("continue;", partial));
  CHECK(body.find("agt_grid_wait();   // the moments") != std::string::npos);
  // Applied before the bias, to every accumulator the epilogue stores.
  CHECK(body.find("ns.y * (v0 - ns.x *") < body.find("v0 += b0"));
  // The shared memory: (mean, rstd) per activation row and colsum per output column, beside the rest.
  GemmSm90Config plain = c;
  plain.norm_moments = false;
  CHECK(GemmSm90SmemBytes(c) == GemmSm90SmemBytes(plain) + 128 * 8 + 128 * 4);
  auto kp = EmitGemmSm90(plain);
  REQUIRE(kp.ok());
  CHECK(kp->source.find("moments_in") == std::string::npos);
  // Refused: with the LayerNorm prologue, tf32, clusters.
  GemmSm90Config bad = c;
  bad.norm = true;
  bad.swap_ab = true;
  bad.split_k = 1;
  CHECK_THAT(ValidateGemmSm90(bad).message(), Catch::Contains("not both"));
  bad = c;
  bad.input = GemmInput::kTF32;
  bad.tile_k = 32;
  bad.b_layout = BLayout::kNK;
  CHECK_FALSE(ValidateGemmSm90(bad).ok());
  bad = c;
  bad.cluster = 2;
  bad.split_k = 1;
  CHECK_FALSE(ValidateGemmSm90(bad).ok());
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

TEST_CASE("sm90 gemm: clusters pair tiles that read the same weight columns and multicast its boxes", "[codegen][sm90]") {
  GemmSm90Config c = Clustered(Cfg(kH, kKN, 64, 128, 8, 1, true, false, false));
  // Unswapped, pairs along M: 577 rows are 10 tiles of 64 (even), 257 are 5 (padded to 6).
  CHECK(ScheduleGemmSm90(c, 577, 768, 3072).tiles_m == 10);
  CHECK(ScheduleGemmSm90(c, 257, 768, 3072).tiles_m == 6);
  CHECK(ScheduleGemmSm90(c, 257, 768, 3072).tiles_n == 6);
  // Whole clusters: 60 units (30 pairs) on 30 clusters; 132 SMs cap at 66 clusters; 3 SMs give one.
  CHECK(GemmSm90Grid(c, 577, 768, 3072, 132)[0] == 60);
  c.split_k = 3;
  CHECK(GemmSm90Grid(c, 577, 768, 3072, 132)[0] == 132);
  CHECK(GemmSm90Grid(c, 577, 768, 3072, 3)[0] == 2);
  // Split-K's slots and counters cover the padding tiles too: 6 x 6 tiles.
  CHECK(GemmSm90WorkspaceBytes(c, 257, 768) == 36 * 3 * 64 * 128 * 4 + 36 * 4);
  // Swapped, pairs along the token tiles: 197 rows in tiles of 104 are 2; 257 in 136 are 2; 577 in 152 are 4.
  GemmSm90Config sw = Clustered(Swapped(Cfg(kH, kKN, 64, 104, 8, 1, true, false, false)));
  CHECK(ScheduleGemmSm90(sw, 197, 768, 768).tiles_n == 2);
  CHECK(ScheduleGemmSm90(sw, 7, 768, 768).tiles_n == 2);   // one real tile and its padding
  CHECK(ScheduleGemmSm90(sw, 197, 768, 768).tiles_m == 12);

  auto k = EmitGemmSm90(Clustered(Cfg(kH, kKN, 128, 192, 4, 2, true, true, false)));
  REQUIRE(k.ok());
  CHECK(k->source.find("__cluster_dims__(2, 1, 1)") != std::string::npos);
  CHECK(k->source.find("tma_load_2d_multicast(sB") != std::string::npos);
  CHECK(k->source.find("j = crank; j < w_boxes; j += 2") != std::string::npos);
  CHECK(k->source.find("mbar_init(empty_bar(s), 16)") != std::string::npos);   // 8 consumer warps, both CTAs
  CHECK(k->source.find("mbar_arrive_cluster(empty_bar(") != std::string::npos);
  CHECK(k->source.find("mbar_arrive(empty_bar(") == std::string::npos);
  auto plain = EmitGemmSm90(Cfg(kH, kKN, 128, 192, 4, 2, true, true, false));
  REQUIRE(plain.ok());
  CHECK(plain->source.find("__cluster_dims__") == std::string::npos);
  CHECK(plain->source.find("mbar_init(empty_bar(s), 8)") != std::string::npos);
  CHECK(plain->source.find("tma_load_2d_multicast(s") == std::string::npos);

  // What a cluster cannot take: a [N, K] weight (one box of tile_n rows), a convolution, 3 CTAs.
  CHECK_FALSE(ValidateGemmSm90(Clustered(Cfg(kH, kNK, 128, 128, 4, 2, true, false, false))).ok());
  GemmSm90Config three = Clustered(Cfg(kH, kKN, 128, 128, 4, 2, true, false, false));
  three.cluster = 3;
  CHECK_FALSE(ValidateGemmSm90(three).ok());
  CHECK(ValidateGemmSm90(Clustered(Cfg(kH, kKN, 128, 128, 4, 2, true, false, false))).ok());
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
  // 16-bit products with f32 outputs keep unswapped defaults (they can be swapped, but the model's
  // swapped epilogue was fitted to 2-byte stores).
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
  GemmSm90Config pair;    // a cluster of 2 multicasting the weight: 64 x 128 tiles, one consumer, 8 stages
  pair.tile_m = 64;
  pair.consumers = 1;
  pair.stages = 8;
  pair.cluster = 2;
  for (const GemmSm90Config& c : {GemmSm90Config{}, split, pair}) {
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

}  // namespace
}  // namespace agt::codegen::hopper

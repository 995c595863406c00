// The Hopper GEMM core's test configurations, shared by the CPU tests (test_gemm_sm90.cpp, whose
// NVRTC compiles fill the cache the GPU machine reuses) and the [gpu] numerics
// (test_gemm_sm90_gpu.cpp), so that both name the same kernels; and the tensor-map specs both the
// validator's test and the driver's check.
#pragma once

#include <cstdlib>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "codegen/hopper/gemm_sm90.h"
#include "runtime/tensor_map.h"

namespace agt::codegen::hopper::sm90_test {

// $AGT_NVRTC_CACHE when set (the GPU machine's copy, e.g. .carry/nvrtc-cache-sm90), else the build folder's.
inline std::string CacheDir() {
  const char* env = std::getenv("AGT_NVRTC_CACHE");
  return env != nullptr && *env != '\0' ? std::string(env) : std::string(AGT_BINARY_DIR "/nvrtc-cache-sm90");
}

inline GemmSm90Config Cfg(GemmInput in, BLayout b, int tm, int tn, int stages, int consumers, bool bias, bool gelu, bool res,
                          bool out_f32 = false, int split = 1, Raster raster = Raster::kAlongM) {
  GemmSm90Config c;
  c.input = in;
  c.tile_k = GemmSm90TileK(in);
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

inline constexpr GemmInput kH = GemmInput::kF16, kB = GemmInput::kBF16, kT = GemmInput::kTF32;
inline constexpr BLayout kKN = BLayout::kKN, kNK = BLayout::kNK;
inline constexpr Raster kRM = Raster::kAlongM, kRN = Raster::kAlongN;

// The kernels the [gpu] test runs; the CPU test compiles the same ones (and so fills the cache).
inline std::vector<GemmSm90Config> GpuConfigs() {
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
inline std::vector<GemmSm90Config> SplitConfigs() {
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

inline GemmSm90Config RegisterStores(GemmSm90Config c) {
  c.staged_epilogue = false;
  return c;
}

// The epilogue kernels the [gpu] epilogue test runs at M = 1 .. 1050: every epilogue (bias, GELU,
// residual, f32 out) through the staged path, across chunk counts (64-wide to 256-wide tiles, f32's
// 32-column chunks, n144's partial last chunk), both layouts and input types, with split-K, and the
// register path kept for rings too deep for the staging buffer.
inline std::vector<GemmSm90Config> EpilogueConfigs() {
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

inline GemmSm90Config Swapped(GemmSm90Config c) {
  c.swap_ab = true;
  return c;
}

// The swapped kernels (C^T = B^T A^T) the [gpu] test runs: tile_n the activation rows (multiples of 8:
// 200 = 197 in one tile, 136 = 257 in two, 104, 88, 56, 8), both weight layouts (the [K, N] weight
// read MN-major with wgmma's transpose bit for A), both input types, every epilogue, one and two
// consumers, two slabs per consumer, split-K, and the register path.
inline std::vector<GemmSm90Config> SwappedConfigs() {
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

inline GemmSm90Config Scattered(GemmSm90Config c) {
  c.split_scatter = true;
  return c;
}

// The reduce-scatter split-K kernels the [gpu] test runs (each beside its last-arrival twin): split 2
// to 4 and 6 over 64- to 256-wide tiles (owned ranges from 8 groups down to 2, ranges that cut a staging
// chunk, uneven ranges: 24 groups over 4 splits, 25 over 2), every epilogue, f32 outputs (4-group chunks),
// both layouts and all three input types, swapped (f32 outputs too), along N, and the register path.
inline std::vector<GemmSm90Config> ScatterConfigs() {
  return {
      Scattered(Cfg(kH, kKN, 128, 128, 4, 2, true, false, false, false, 4)),              // 0: SETR-B fc2's
      Scattered(Cfg(kH, kKN, 128, 192, 4, 2, true, true, false, false, 2)),               // 1: DETR fc1 + GELU
      Scattered(Cfg(kH, kKN, 64, 256, 4, 1, true, false, true, false, 3)),                // 2: residual, 32 groups / 3
      Scattered(Cfg(kB, kNK, 128, 128, 4, 1, true, true, true, true, 2, kRN)),            // 3: two slabs, f32, along N
      Scattered(Cfg(kH, kKN, 64, 64, 6, 1, true, true, false, false, 4)),                 // 4: 2 groups a split
      Scattered(Cfg(kH, kKN, 128, 192, 4, 2, true, false, true, false, 4)),               // 5: 24 groups / 4
      RegisterStores(Scattered(Cfg(kH, kKN, 128, 128, 4, 2, true, true, true, false, 3))),  // 6: register path
      Scattered(Swapped(Cfg(kH, kKN, 64, 200, 6, 1, true, false, false, false, 2))),      // 7: swapped, 25 groups / 2
      Scattered(Swapped(Cfg(kH, kKN, 128, 136, 5, 2, true, true, true, false, 3))),       // 8: swapped, all epilogues
      Scattered(Swapped(Cfg(kH, kKN, 64, 88, 8, 1, true, false, false, true, 2))),        // 9: swapped, f32 out
      RegisterStores(Scattered(Swapped(Cfg(kB, kKN, 64, 104, 8, 1, true, false, true, false, 4)))),  // 10: swapped registers
      Scattered(Cfg(kH, kKN, 128, 64, 6, 2, true, false, false, false, 6)),               // 11: split 6, 8 groups (1 or 2 a split)
      Scattered(Cfg(kT, kNK, 128, 128, 4, 2, true, true, false, false, 2)),               // 12: tf32 (f32 bias pairs, 4-group chunks)
  };
}

inline GemmSm90Config Clustered(GemmSm90Config c) {
  c.cluster = 2;
  return c;
}

// The clustered kernels (CTA pairs sharing the weight's boxes by TMA multicast) the [gpu] test runs:
// pairs along M unswapped (64- to 256-wide weight tiles: 1 to 4 boxes, so one CTA of a pair may load
// none), along the token tiles swapped (one box or two), both rasters, split-K (a pair's units share
// their k-range), every epilogue, one and two consumers, bf16, and the register path.
inline std::vector<GemmSm90Config> ClusterConfigs() {
  return {
      Clustered(Cfg(kH, kKN, 64, 128, 8, 1, true, false, false)),                      // 0: SETR-B fc2's tile
      Clustered(Cfg(kH, kKN, 128, 192, 4, 2, true, true, false)),                      // 1: 3 boxes, GELU
      Clustered(Cfg(kH, kKN, 64, 64, 6, 1, true, false, true, false, 2)),              // 2: 1 box, split 2, residual
      Clustered(Cfg(kB, kKN, 128, 256, 3, 2, true, false, true, false, 1, kRN)),       // 3: 4 boxes, along N, bf16
      Clustered(Swapped(Cfg(kH, kKN, 64, 152, 7, 1, true, false, true, false, 2))),    // 4: swapped, split 2
      Clustered(Swapped(Cfg(kH, kKN, 128, 104, 5, 2, true, true, false, false, 1, kRN))),  // 5: swapped, 2 boxes, along N
      RegisterStores(Clustered(Cfg(kH, kKN, 128, 128, 4, 2, true, true, true, true))), // 6: register path, f32 out
  };
}

inline GemmSm90Config Norm(GemmSm90Config c, float eps = 1e-6f) {
  c.norm = true;
  c.norm_eps = eps;
  return c;
}

// The LayerNorm-prologue kernels (norm_prologue_sm90.h) the [gpu] test runs: ViT-B's qkv and fc1 tiles
// (197 rows in one 200-row tile; 257 in two 136-row ones with GELU on two consumers), two slabs per
// consumer in bf16 with a residual and no bias, the register path, the widest tile (two rows per
// consumer thread, 128 accumulators) and an 8-row tile.
inline std::vector<GemmSm90Config> NormConfigs() {
  return {
      Norm(Swapped(Cfg(kH, kKN, 64, 200, 6, 1, true, false, false))),                  // 0: qkv
      Norm(Swapped(Cfg(kH, kKN, 128, 136, 5, 2, true, true, false)), 1e-5f),          // 1: fc1 + GELU, two consumers
      Norm(Swapped(Cfg(kB, kKN, 128, 56, 8, 1, false, true, true))),                 // 2: two slabs, bf16, residual
      Norm(RegisterStores(Swapped(Cfg(kH, kKN, 64, 200, 6, 1, true, false, true)))),  // 3: register path
      Norm(Swapped(Cfg(kH, kKN, 128, 256, 3, 2, true, false, false))),                // 4: widest: two rows per thread
      Norm(Swapped(Cfg(kH, kKN, 64, 8, 8, 1, true, false, false)), 1e-12f),           // 5: n8, HF's epsilon
  };
}

inline GemmSm90Config WithRelu(GemmSm90Config c, bool relu_out) {
  c.relu = !c.gelu;
  c.relu_out = relu_out && c.residual;
  return c;
}

// The tf32 kernels (f32 storage, m64nNk8 wgmmas, 32-deep k-blocks, [N, K] weight) the [gpu] test runs:
// every tile family, ring depths 2..8, one and two consumers (two slabs per consumer too), split-K
// 1..4 along M and N, every epilogue (bias, GELU, ReLU, residual, ReLU after it) staged through
// 32-column f32 chunks (n144: a partial last chunk), and the register path.
inline std::vector<GemmSm90Config> Tf32Configs() {
  return {
      Cfg(kT, kNK, 128, 128, 4, 2, true, false, false),                  // 0: the default tile, bias
      Cfg(kT, kNK, 64, 256, 4, 1, true, true, false),                    // 1: fc1 (+gelu), 128 accumulators
      Cfg(kT, kNK, 128, 256, 3, 2, true, false, true),                   // 2: widest tile, +residual
      Cfg(kT, kNK, 128, 128, 4, 1, true, true, true),                    // 3: two slabs per consumer, all epilogues
      Cfg(kT, kNK, 64, 64, 6, 1, false, false, false),                   // 4: no bias, deep ring
      Cfg(kT, kNK, 64, 144, 2, 1, true, false, true),                    // 5: n144 (partial chunk), 2 stages
      WithRelu(Cfg(kT, kNK, 128, 64, 8, 2, true, false, true), true),    // 6: 8 stages, relu + residual + relu
      Cfg(kT, kNK, 128, 128, 4, 2, true, false, false, false, 3),        // 7: split 3
      Cfg(kT, kNK, 64, 64, 6, 1, true, true, false, false, 4, kRN),      // 8: split 4 along N
      Cfg(kT, kNK, 128, 192, 4, 2, true, false, true, false, 2),         // 9: n192, split 2 + residual
      RegisterStores(Cfg(kT, kNK, 128, 192, 5, 2, true, true, true)),    // 10: the register path
  };
}

// The swapped tf32 kernels (the [N, K] weight as wgmma's K-major A, the activation rows as its B; f32
// outputs staged transposed, 32 of a slab's 64 output columns per chunk), and 16-bit products with
// f32 outputs through the same transposed f32 staging.
inline std::vector<GemmSm90Config> SwappedF32Configs() {
  return {
      Swapped(Cfg(kT, kNK, 64, 200, 6, 1, true, false, false)),                // 0: ViT-B rows in one tile
      Swapped(Cfg(kT, kNK, 128, 136, 5, 2, true, true, false)),                // 1: 257 rows in two, GELU
      Swapped(Cfg(kT, kNK, 64, 104, 8, 1, true, false, true)),                 // 2: residual
      Swapped(Cfg(kT, kNK, 64, 88, 8, 1, true, false, true, false, 3)),        // 3: split 3 + residual
      Swapped(Cfg(kT, kNK, 128, 56, 8, 1, false, true, true, false, 2, kRN)),  // 4: two slabs per consumer, along N
      Swapped(Cfg(kT, kNK, 128, 256, 3, 2, true, true, true)),                 // 5: widest, all epilogues
      RegisterStores(Swapped(Cfg(kT, kNK, 64, 200, 6, 1, true, true, true))),  // 6: the register path
      Swapped(WithRelu(Cfg(kT, kNK, 64, 8, 8, 1, true, false, true, false, 2), true)),  // 7: n8, split 2, relus
      Swapped(Cfg(kH, kKN, 64, 136, 6, 1, true, true, true, true)),            // 8: f16 -> f32, [K, N] weight
      Swapped(Cfg(kB, kNK, 128, 104, 6, 2, true, false, true, true, 2)),       // 9: bf16 -> f32, split 2
  };
}

// Configurations drawn across the space (seeded): tile family, stages, split 2..8, raster,
// epilogue, input type and B layout; the invalid draws are dropped.
inline std::vector<GemmSm90Config> SampledSplitConfigs(int n) {
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

// tf32 configurations drawn across the space (seeded): tile family (swapped too, any multiple of 8
// rows), stages, split 1..8, raster, epilogue and register stores; the invalid draws are dropped.
inline std::vector<GemmSm90Config> SampledTf32Configs(int n) {
  std::mt19937 rng(32);
  std::vector<GemmSm90Config> v;
  const int tiles[][3] = {{64, 64, 1}, {64, 128, 1}, {64, 256, 1}, {128, 64, 2}, {128, 128, 2}, {128, 192, 2}, {128, 128, 1}, {64, 96, 1}};
  while (static_cast<int>(v.size()) < n) {
    const auto& t = tiles[rng() % 8];
    GemmSm90Config c = Cfg(kT, kNK, t[0], t[1], 2 + static_cast<int>(rng() % 7), t[2], rng() % 2 == 0, rng() % 3 == 0,
                           rng() % 3 == 0, false, 1 + static_cast<int>(rng() % 8), rng() % 2 ? kRM : kRN);
    c.swap_ab = rng() % 3 == 0;
    if (c.swap_ab) c.tile_n = 8 * (1 + static_cast<int>(rng() % 32));
    c.staged_epilogue = rng() % 5 != 0;
    if (!c.gelu && rng() % 3 == 0) c = WithRelu(c, rng() % 2 == 0);
    if (ValidateGemmSm90(c).ok()) v.push_back(c);
  }
  return v;
}

inline runtime::TensorMap2DSpec GoodSpec() {
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
inline std::vector<std::pair<const char*, runtime::TensorMap2DSpec>> BadSpecs() {
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

inline GemmSm90Config WithMoments(GemmSm90Config c) {
  c.row_moments = true;
  return c;
}

// The kernels whose epilogue also writes each row's 64-column (mean, M2) (row_moments, the LayerNorm
// statistics for the next GEMM): the residual GEMMs' tiles unswapped and swapped (ViT-B's 64x200),
// split-K by the last arrival, both layouts and 16-bit types, relu_out, a cluster, one and two slabs.
inline std::vector<GemmSm90Config> MomentConfigs() {
  return {
      WithMoments(Cfg(kH, kKN, 128, 128, 4, 2, true, false, true)),                          // 0: proj / fc2 default tile
      WithMoments(Swapped(Cfg(kH, kKN, 64, 200, 6, 1, true, false, true, false, 3))),        // 1: ViT-B fc2 swapped, split 3
      WithMoments(Cfg(kB, kKN, 64, 256, 4, 1, true, false, true, false, 2)),                  // 2: bf16, 4 blocks a tile, split 2
      WithMoments(Swapped(Cfg(kH, kKN, 128, 136, 5, 2, true, true, false))),                  // 3: two slabs swapped, GELU, no residual
      WithMoments(Cfg(kB, kNK, 128, 128, 4, 1, false, false, true, false, 1, kRN)),           // 4: [N, K], two slabs a consumer, along N
      WithMoments(WithRelu(Cfg(kH, kKN, 64, 64, 6, 1, true, false, true), true)),             // 5: relu_out, one block a tile
      WithMoments(Clustered(Cfg(kH, kKN, 64, 128, 8, 1, true, false, true))),                 // 6: clustered (padding tiles)
  };
}

inline GemmSm90Config FromMoments(GemmSm90Config c) {
  c.norm_moments = true;
  return c;
}

// The kernels that layer-normalise A from a producer's row moments (norm_moments): the consumers of
// a LayerNorm (qkv, fc1 + GELU) unswapped and swapped, split-K (last arrival and reduce-scatter, whose
// partial splits release the statistics early), both layouts and 16-bit types, the register path, one
// consumer with two slabs, and a tile of both moment kinds (its own statistics in, its row moments out).
inline std::vector<GemmSm90Config> NormMomentConfigs() {
  GemmSm90Config both = FromMoments(WithMoments(Cfg(kH, kKN, 128, 128, 4, 2, true, false, true)));
  GemmSm90Config scatter = FromMoments(Cfg(kH, kKN, 128, 128, 4, 2, true, true, false, false, 4));
  scatter.split_scatter = true;
  return {
      FromMoments(Cfg(kH, kKN, 128, 128, 4, 2, true, false, false)),                        // 0: qkv's default tile
      FromMoments(Swapped(Cfg(kH, kKN, 64, 200, 6, 1, true, true, false))),                 // 1: ViT-B fc1 swapped, GELU
      FromMoments(Swapped(Cfg(kB, kKN, 128, 136, 5, 2, true, false, false, false, 2))),     // 2: bf16, swapped, split 2
      FromMoments(Cfg(kH, kKN, 64, 256, 4, 1, true, true, false, false, 3)),                // 3: split 3 (last arrival)
      scatter,                                                                              // 4: reduce-scatter split 4
      FromMoments(Cfg(kB, kNK, 128, 128, 4, 1, true, false, false, false, 1, kRN)),         // 5: [N, K], two slabs
      RegisterStores(FromMoments(Cfg(kH, kKN, 128, 192, 5, 2, true, true, false))),         // 6: the register path
      RegisterStores(FromMoments(Swapped(Cfg(kH, kKN, 64, 200, 6, 1, true, false, true)))), // 7: swapped registers
      both,                                                                                 // 8: in and out
  };
}

}  // namespace agt::codegen::hopper::sm90_test

// Emits the warp-specialised TMA + wgmma GEMM (see gemm_sm90.h). The synchronisation, in order:
//   1. thread 0 initialises 2*stages mbarriers, fence.mbarrier_init, __syncthreads (the only CTA-wide
//      barrier: after it the warpgroups take their roles and never meet again).
//   2. producer, k-block kb in stage s = kb % stages, use u = kb / stages: for u >= 1 wait empty[s] at
//      parity (u-1)&1 (the consumers released the previous use), arrive.expect_tx(full[s], bytes of
//      the boxes it is about to issue), issue the boxes; TMA completes the bytes on full[s].
//   3. consumer, same kb: wait full[s] at parity u&1 (acquire: the TMA bytes are visible),
//      wgmma.fence, tile_k/16 (tf32: tile_k/8) wgmmas per m64 slab, commit; wait_group 1 (the group
//      of kb-1 has read its stage) and lane 0 of each warp arrives on empty[(kb-1) % stages].
//   4. after a unit's last k-block: wait_group 0, release that stage too, (split-K: the reduction of
//      tile_scheduler_sm90.cpp) then the epilogue reads the accumulators (fence_operand pins those
//      reads after the wait), stages the cast tile through shared memory in 128-byte column chunks
//      (a named barrier per consumer warpgroup and chunk) and stores 16-byte row segments.
// Steps 2 and 3 are mainloop_sm90.cpp's; the epilogue is emitted here.
// Both roles loop over the same work units (persistent grid) and count k-blocks across them, so the
// ring's stages and phases run on from one unit to the next; the barriers are initialised once.
// Shared memory: [stages x A tile][stages x B tile][epilogue staging: 2 x 8 KiB per consumer
// warpgroup][LayerNorm prologue's statistics (sN), or norm_moments' rows and colsum (sS, sC)]
// [full bars][empty bars], from a 1024-byte aligned
// base (128-byte swizzle atoms are 8 rows x 128 bytes, and the descriptors carry base offset 0).
#include "codegen/hopper/gemm_sm90.h"

#include <fmt/format.h>

#include "codegen/cuda_writer.h"
#include "codegen/hopper/epilogue_sm90.h"
#include "codegen/hopper/implicit_gemm_sm90.h"
#include "codegen/hopper/mainloop_sm90.h"
#include "codegen/hopper/norm_moments_sm90.h"
#include "codegen/hopper/norm_prologue_sm90.h"
#include "codegen/hopper/ptx_sm90.h"
#include "codegen/hopper/tile_scheduler_sm90.h"
#include "codegen/ptx/grid_dependency.h"

namespace agt::codegen::hopper {

namespace {

// 227 KiB: the most dynamic shared memory one block may opt into on sm_90.
constexpr int64_t kMaxSmemBytes = 232448;
int MSlabs(const GemmSm90Config& c) { return c.tile_m / (64 * c.consumers); }  // m64 slabs per consumer

const char* InType(const GemmSm90Config& c) {
  return c.input == GemmInput::kF16 ? "__half" : c.input == GemmInput::kBF16 ? "__nv_bfloat16" : "float";
}
const char* OutType(const GemmSm90Config& c) { return c.f32_out() ? "float" : InType(c); }

// tile_k is one 128-byte swizzle span of the input type, so a stage is 128 bytes per row either way.
int64_t StageBytes(const GemmSm90Config& c) {
  return static_cast<int64_t>(c.tile_m + c.tile_n) * c.tile_k * GemmInputBytes(c.input);
}
// The staged epilogue's buffer: per consumer warpgroup two chunks of 64 rows x 128 bytes (double
// buffered: one barrier per chunk).
constexpr int64_t kEpilogueChunkBytes = 64 * 128;
int64_t EpilogueBytes(const GemmSm90Config& c) { return c.staged_epilogue ? c.consumers * 2 * kEpilogueChunkBytes : 0; }
// Dynamic shared memory: ring, epilogue staging, the LayerNorm statistics (prologue or moments), barriers, 1 KiB
// for alignment.
int64_t SmemBytes(const GemmSm90Config& c) {
  return c.stages * StageBytes(c) + EpilogueBytes(c) + NormPrologueBytes(c) + NormMomentsBytes(c) + 16 * c.stages + 1024;
}
// Static shared memory beside it: split-K's ticket.
int64_t StaticSmemBytes(const GemmSm90Config& c) { return c.split_k > 1 && !c.split_scatter ? 16 : 0; }

}  // namespace

const char* GemmInputName(GemmInput in) {
  return in == GemmInput::kF16 ? "f16" : in == GemmInput::kBF16 ? "bf16" : "tf32";
}
int GemmInputBytes(GemmInput in) { return in == GemmInput::kTF32 ? 4 : 2; }
int GemmSm90TileK(GemmInput in) { return 128 / GemmInputBytes(in); }

std::string DescribeConv(const ConvGeometry2d& g) {
  return fmt::format("{}x{}x{} {}x{} s{}{} p{}{}{}", g.H, g.W, g.C, g.KH, g.KW, g.sh, g.sh == g.sw ? "" : fmt::format("x{}", g.sw),
                     g.pt, g.pt == g.pl ? "" : fmt::format("x{}", g.pl),
                     g.dh == 1 && g.dw == 1 ? "" : fmt::format(" d{}x{}", g.dh, g.dw));
}

std::string GemmSm90Config::Describe() const {
  std::string epi;
  if (norm) epi += fmt::format(" ln{:g}", norm_eps);
  if (norm_moments) epi += fmt::format(" lnm{:g}", norm_eps);
  if (conv) epi += " conv " + DescribeConv(geom);
  if (bias) epi += " +bias";
  if (gelu) epi += " gelu";
  if (relu) epi += " relu";
  if (residual) epi += " +residual";
  if (relu_out) epi += " relu";
  if (out_f32) epi += " ->f32";
  if (row_moments) epi += " +moments";
  std::string sched;
  if (split_k > 1) sched += fmt::format(" k{}{}", split_k, split_scatter ? "s" : "");
  if (raster == Raster::kAlongN) sched += " rn";
  if (!staged_epilogue) sched += " rs";
  if (swap_ab) sched += " sw";
  if (cluster > 1) sched += fmt::format(" x{}", cluster);
  return fmt::format("{} {} {}x{}x{} s{} c{}{}{}", GemmInputName(input),
                     b_layout == BLayout::kKN ? "kn" : "nk", tile_m, tile_n, tile_k, stages, consumers, sched, epi);
}

std::string GemmSm90Config::KernelName() const {
  return fmt::format("agt_gemm_sm90_{}_{}_{}x{}x{}_s{}_c{}{}{}{}{}{}{}{}{}", GemmInputName(input),
                     b_layout == BLayout::kKN ? "kn" : "nk", tile_m, tile_n, tile_k, stages, consumers,
                     split_k > 1 ? fmt::format("_k{}{}", split_k, split_scatter ? "s" : "") : std::string(), raster == Raster::kAlongN ? "_rn" : "",
                     staged_epilogue ? "" : "_rs", swap_ab ? "_sw" : "", bias ? "_bias" : "", gelu ? "_gelu" : "", residual ? "_res" : "", out_f32 ? "_of32" : "") +
         (relu ? "_relu" : "") + (relu_out ? "_rrelu" : "") + (norm ? "_ln" : "") + (norm_moments ? "_lnm" : "") + (row_moments ? "_mom" : "") + (cluster > 1 ? fmt::format("_cl{}", cluster) : "") +
         (conv ? fmt::format("_conv{}x{}x{}_{}x{}_s{}x{}_p{}x{}_d{}x{}_o{}x{}", geom.H, geom.W, geom.C, geom.KH, geom.KW, geom.sh, geom.sw,
                             geom.pt, geom.pl, geom.dh, geom.dw, geom.OH, geom.OW)
               : std::string());
}

namespace {

// The input type's rules: the k-block is one swizzle span; tf32 reads both operands K-major, writes
// f32 without being asked, and has no convolution mode.
Status ValidateInput(const GemmSm90Config& c) {
  const int tile_k = GemmSm90TileK(c.input);
  if (c.tile_k != tile_k) {
    return Status::Errorf("tile_k must be {} (one 128-byte swizzle row of {} values), not {}", tile_k,
                          c.input == GemmInput::kTF32 ? "f32" : "16-bit", c.tile_k);
  }
  if (c.input != GemmInput::kTF32) return Status::Ok();
  if (c.b_layout != BLayout::kNK) {
    return Status::Error("tf32 needs the weight K-major, as [N, K] (BLayout::kNK): wgmma transposes only 16-bit "
                         "types from shared memory, so it cannot read a [K, N] weight");
  }
  if (c.out_f32) return Status::Error("a tf32 product writes f32 outputs already (out_f32 is for 16-bit inputs)");
  if (c.conv) return Status::Error("the convolution mode gathers 16-bit channels: no tf32 convolutions");
  return Status::Ok();
}

}  // namespace

Status ValidateGemmSm90(const GemmSm90Config& c) {
  if (c.consumers != 1 && c.consumers != 2) return Status::Errorf("consumers must be 1 or 2, not {}", c.consumers);
  if (c.tile_m != 64 && c.tile_m != 128) return Status::Errorf("tile_m must be 64 or 128, not {}", c.tile_m);
  if (c.tile_m % (64 * c.consumers) != 0) {
    return Status::Errorf("tile_m {} does not split into m64 slabs over {} consumer warpgroups", c.tile_m, c.consumers);
  }
  AGT_RETURN_IF_ERROR(ValidateInput(c));
  // Swapped, tile_n counts activation rows: wgmma's N (a multiple of 8), one K-major TMA box.
  int n_step = c.swap_ab ? 8 : c.b_layout == BLayout::kKN ? 64 : 16;
  int n_min = c.swap_ab ? 8 : std::max(n_step, 16);
  if (c.tile_n < n_min || c.tile_n > 256 || c.tile_n % n_step != 0) {
    return Status::Errorf("tile_n must be a multiple of {} in [{}, 256] for this B layout{}, not {}", n_step, n_min,
                          c.swap_ab ? " (swapped)" : "", c.tile_n);
  }
  if (c.gelu && c.relu) return Status::Error("one activation before the residual: gelu or relu");
  if (c.relu_out && !c.residual) return Status::Error("relu_out follows the residual add (without one, use relu)");
  if (c.conv && (c.swap_ab || c.b_layout != BLayout::kNK)) return Status::Error("a convolution is unswapped with a [N, K] weight");
  if (c.stages < 2 || c.stages > 8) return Status::Errorf("stages must be in [2, 8], not {}", c.stages);
  AGT_RETURN_IF_ERROR(ValidateNormPrologue(c));
  AGT_RETURN_IF_ERROR(ValidateNormMoments(c));
  if (c.cluster != 1 && c.cluster != 2) return Status::Errorf("cluster must be 1 or 2 CTAs, not {}", c.cluster);
  if (c.row_moments) {
    if (!c.staged_epilogue || c.f32_out()) return Status::Error("row_moments reads the staged epilogue's 16-bit outputs");
    if (!c.swap_ab && c.tile_n % 64 != 0) return Status::Errorf("row_moments needs 64-column blocks inside a tile: tile_n {}", c.tile_n);
    if (c.split_scatter) return Status::Error("row_moments with reduce-scatter: its splits each store part of a 64-column block");
  }
  if (c.cluster == 2 && (c.b_layout != BLayout::kKN || c.conv || c.norm)) {
    return Status::Error("a cluster of 2 multicasts a [K, N] weight's 64-column boxes: no [N, K] weight, convolution or LayerNorm prologue");
  }
  // The ticket counter keeps arrivals in 16 bits; 16 ranges is already far past what pays.
  if (c.split_k < 1 || c.split_k > 16) return Status::Errorf("split_k must be in [1, 16], not {}", c.split_k);
  if (c.split_scatter) {
    if (c.split_k < 2) return Status::Error("split_scatter reduces split-K partials: it needs split_k >= 2");
    if (c.cluster != 1) return Status::Error("split_scatter runs unclustered (its splits wait on each other, not on a peer's ring)");
    if (c.tile_n / 8 < c.split_k) {
      return Status::Errorf("split_scatter gives each of {} splits whole 8-column groups: tile_n {} has {}", c.split_k, c.tile_n,
                            c.tile_n / 8);
    }
  }
  // Accumulators per consumer thread: slabs * tile_n / 2 floats; beyond 128 they do not fit beside
  // the addresses and epilogue temporaries in the consumers' 232 registers (mainloop_sm90.cpp).
  int acc = MSlabs(c) * c.tile_n / 2;
  if (acc > 128) {
    return Status::Errorf("{} f32 accumulators per consumer thread (tile {}x{} over {} warpgroups): at most 128", acc,
                          c.tile_m, c.tile_n, c.consumers);
  }
  if (SmemBytes(c) + StaticSmemBytes(c) > kMaxSmemBytes) {
    return Status::Errorf("{} bytes of shared memory ({} stages of {} bytes{}): at most {}{}", SmemBytes(c), c.stages,
                          StageBytes(c),
                          c.staged_epilogue ? fmt::format(", {} of epilogue staging", EpilogueBytes(c)) : std::string(),
                          kMaxSmemBytes, c.staged_epilogue ? " (fewer stages, or staged_epilogue = false)" : "");
  }
  return Status::Ok();
}

Status ValidateGemmSm90Problem(const GemmSm90Config& c, int64_t M, int64_t N, int64_t K) {
  if (M <= 0 || N <= 0 || K <= 0) return Status::Errorf("empty product {}x{}x{}", M, N, K);
  // TMA: every row stride a multiple of 16 bytes (8 16-bit or 4 f32 elements).
  const int vec = 16 / GemmInputBytes(c.input);
  if (K % vec != 0) {
    return Status::Errorf("K = {}: A's rows (and B's in [N, K] layout) need 16-byte strides, K % {} == 0", K, vec);
  }
  if (c.b_layout == BLayout::kKN && N % 8 != 0) {
    return Status::Errorf("N = {}: a [K, N] weight needs 16-byte row strides, N % 8 == 0 (or pack it as [N, K])", N);
  }
  if (M > (int64_t{1} << 31) - 1 || N > (int64_t{1} << 31) - 1 || K > (int64_t{1} << 31) - 1) {
    return Status::Errorf("product {}x{}x{} exceeds 32-bit coordinates", M, N, K);
  }
  return ValidateNormProblem(c, K);
}

namespace {

void EmitHelpers(CudaWriter& w, const GemmSm90Config& c) {
  const char* t = InType(c);
  w.Line("namespace agt_gemm {");
  w.Line("__device__ __forceinline__ float agt_ld(__half x) { return __half2float(x); }");
  w.Line("__device__ __forceinline__ float agt_ld(__nv_bfloat16 x) { return __bfloat162float(x); }");
  w.Line("__device__ __forceinline__ float agt_ld(float x) { return x; }");
  w.Line("__device__ __forceinline__ void agt_st(__half* p, float v) { *p = __float2half_rn(v); }");
  w.Line("__device__ __forceinline__ void agt_st(__nv_bfloat16* p, float v) { *p = __float2bfloat16_rn(v); }");
  w.Line("__device__ __forceinline__ void agt_st(float* p, float v) { *p = v; }");
  w.Line("// Two adjacent outputs in one store (the caller checked alignment).");
  w.Line("__device__ __forceinline__ void agt_st2(__half* p, float a, float b) { *reinterpret_cast<__half2*>(p) = __floats2half2_rn(a, b); }");
  w.Line("__device__ __forceinline__ void agt_st2(__nv_bfloat16* p, float a, float b) { *reinterpret_cast<__nv_bfloat162*>(p) = __floats2bfloat162_rn(a, b); }");
  w.Line("__device__ __forceinline__ void agt_st2(float* p, float a, float b) { *reinterpret_cast<float2*>(p) = make_float2(a, b); }");
  if (c.gelu) {
    // GELU (erf form) as x * sigmoid(p(x)), p an odd degree-5 polynomial fitted to the logit of the
    // normal CDF on [-5.5, 5.5] (x clamped there inside p; the sigmoid is within 3e-8 of 0 or 1
    // beyond): within 3e-5 of 0.5 x (1 + erf(x / sqrt 2)) for |x| <= 1000, below half an fp16 ulp
    // wherever |GELU(x)| >= 0.06, in about 10 instructions (2 special-function) where erff took ~27:
    // the epilogue of a GELU tile was issue-bound on it (docs/perf-notes.md).
    w.Line("__device__ __forceinline__ float agt_gelu(float x) {");
    w.Line("  const float c = fminf(fmaxf(x, -5.5f), 5.5f), c2 = c * c;");
    w.Line("  return __fdividef(x, 1.0f + __expf(c * fmaf(c2, fmaf(c2, 7.17765137e-4f, -7.41022331e-2f), -1.59491548f)));");
    w.Line("}");
  }
  w.Linef("typedef {} InT;", t);
  w.Linef("typedef {} OutT;", OutType(c));
  EmitEpilogueHelpers(w, c);
  EmitNormHelpers(w, c);
  EmitNormMomentsHelpers(w, c);
  EmitWorkUnitDecode(w, c);
  w.Line("}  // namespace agt_gemm");
  w.Line("using namespace agt_gemm;");
  w.Blank();
}

// The kernel's compile-time constants and its shared-memory layout (sA, sB, sE, the barriers).
void EmitKernelConstants(CudaWriter& w, const GemmSm90Config& c) {
  w.Linef("constexpr int kBM = {}, kBN = {}, kBK = {}, kStages = {}, kSlabs = {}, kSplits = {};", c.tile_m, c.tile_n,
          c.tile_k, c.stages, MSlabs(c), c.split_k);
  if (c.split_k > 1 || c.norm_moments) w.Linef("constexpr int kConsumerThreads = {};", 128 * c.consumers);
  if (c.staged_epilogue) {
    const int chunk_cols = c.f32_out() ? 32 : 64;
    // Swapped, a chunk's rows are 64 output rows; with f32 outputs each holds half the slab's columns.
    const int chunks = c.swap_ab ? (c.tile_n + 63) / 64 * (64 / chunk_cols) : (c.tile_n + chunk_cols - 1) / chunk_cols;
    w.Linef("constexpr int kChunkCols = {}, kChunksN = {};   // epilogue chunks: 128 bytes of a row", chunk_cols, chunks);
    w.Linef("constexpr u32 kChunkBytes = {};                  // 64 rows x 128 bytes", kEpilogueChunkBytes);
  }
  w.Linef("constexpr u32 kStageBytesA = kBM * kBK * {0}, kStageBytesB = kBN * kBK * {0};", GemmInputBytes(c.input));
  w.Line("extern __shared__ unsigned char smem_raw[];");
  w.Comment("Swizzle atoms and descriptors need 1024-byte alignment; the launch asks for 1 KiB extra.");
  w.Line("const u32 sA = (smem_u32(smem_raw) + 1023u) & ~1023u;");
  w.Line("const u32 sB = sA + kStages * kStageBytesA;");
  std::string after = "sB + kStages * kStageBytesB";
  if (c.staged_epilogue) {
    w.Line("const u32 sE = sB + kStages * kStageBytesB;          // epilogue staging: 2 chunks per consumer warpgroup");
    after = fmt::format("sE + {} * kChunkBytes", 2 * c.consumers);
  }
  if (c.norm) {
    w.Linef("constexpr int kNormRows = (kBN + 127) / 128;       // LayerNorm prologue: rows per consumer thread");
    w.Linef("constexpr u32 kNormBytes = {};                     // its statistics per consumer warpgroup", NormPrologueBytes(c) / c.consumers);
    w.Linef("const u32 sN = {};", after);
    after = fmt::format("sN + {} * kNormBytes", c.consumers);
  }
  if (c.norm_moments) {
    w.Linef("const u32 sS = {};   // LayerNorm from moments: (mean, rstd) per activation row of the unit", after);
    w.Linef("const u32 sC = sS + {} * 8;   // and colsum per output column", c.swap_ab ? "kBN" : "kBM");
    after = fmt::format("sC + {} * 4", c.swap_ab ? "kBM" : "kBN");
  }
  w.Linef("const u32 bars = {};", after);
  w.Line("auto full_bar = [&](int s) { return bars + 8u * s; };");
  w.Line("auto empty_bar = [&](int s) { return bars + 8u * (kStages + s); };");
  w.Blank();
}

// The work-unit count of the persistent schedule, then the barriers' initialisation by thread 0.
void EmitScheduleAndBarriers(CudaWriter& w, const GemmSm90Config& c) {
  w.Comment("Tile schedule (tile_scheduler_sm90.h): a persistent grid walks the work units (tile, k-range).");
  if (c.swap_ab) {
    w.Comment("Swapped: the tiles' M side walks C's columns (the weight's N), their N side C's rows.");
    w.Line("const int GM = N, GN = M;");
  } else {
    w.Line("const int GM = M, GN = N;   // the tiled product's sides (swapped products exchange them)");
  }
  if (c.cluster == 1) {
    w.Line("const int tiles_m = (GM + kBM - 1) / kBM, tiles_n = (GN + kBN - 1) / kBN;");
  } else {
    w.Comment(fmt::format("Clusters of 2 CTAs pair tiles along {} (the same weight columns); that side's count is even.",
                          c.swap_ab ? "N" : "M"));
    w.Line(c.swap_ab ? "const int tiles_m = (GM + kBM - 1) / kBM, tiles_n = ((GN + kBN - 1) / kBN + 1) & ~1;"
                     : "const int tiles_m = ((GM + kBM - 1) / kBM + 1) & ~1, tiles_n = (GN + kBN - 1) / kBN;");
  }
  w.Line("const int k_blocks = (K + kBK - 1) / kBK;");
  if (c.cluster == 1) {
    w.Line("const int units = tiles_m * tiles_n * kSplits;");
    w.Line("const int unit0 = blockIdx.x, unit_step = gridDim.x, crank = 0;   // this CTA's units: unit0, +unit_step, ..");
  } else {
    w.Line("const int units = tiles_m * tiles_n * kSplits / 2;   // units of a cluster (a pair of tiles each)");
    w.Line("const int unit0 = blockIdx.x / 2, unit_step = gridDim.x / 2;   // this cluster's units: unit0, +unit_step, ..");
    w.Line("const int crank = static_cast<int>(cluster_ctarank());   // which tile of each pair is this CTA's");
  }
  if (c.split_k > 1 && !c.split_scatter) w.Line("__shared__ unsigned split_ticket;   // the consumers' view of this unit's ticket");
  else w.Line("(void)workspace;   // split_k 1: no workspace");
  w.Line("const int wg = warpgroup_index();");
  w.Blank();
  {
    auto init = w.Block("if (threadIdx.x == 0)");
    w.Line("for (int s = 0; s < kStages; ++s) {");
    if (c.conv) {
      w.Line("  mbar_init(full_bar(s), 129);                     // the B arrive.expect_tx + 128 producer threads' cp.async arrivals");
    } else {
      w.Line("  mbar_init(full_bar(s), 1);                       // the producer's arrive.expect_tx");
    }
    if (c.cluster == 1) {
      w.Linef("  mbar_init(empty_bar(s), {});                      // lane 0 of each consumer warp", 4 * c.consumers);
    } else {
      w.Linef("  mbar_init(empty_bar(s), {});                      // each consumer warp of both CTAs", 8 * c.consumers);
    }
    w.Line("}");
    w.Line("fence_barrier_init();");
  }
  w.Line("__syncthreads();");
  if (c.cluster > 1) w.Line("cluster_sync();   // the peer's barriers are initialised before anything is multicast into it");
  w.Blank();
}

}  // namespace

int64_t GemmSm90SmemBytes(const GemmSm90Config& c) { return SmemBytes(c); }

Expected<GemmSm90Kernel> EmitGemmSm90(const GemmSm90Config& c) {
  AGT_RETURN_IF_ERROR(ValidateGemmSm90(c));
  if (c.conv) AGT_RETURN_IF_ERROR(ValidateConvGeometry(c));
  GemmSm90Kernel k;
  k.kernel_name = c.KernelName();
  k.threads = 128 * (1 + c.consumers);
  k.smem_bytes = GemmSm90SmemBytes(c);
  // Swapped, the activation rows are the tile's N side and the weight's rows of N its M side.
  const uint32_t act_rows = static_cast<uint32_t>(c.swap_ab ? c.tile_n : c.tile_m);
  const uint32_t w_rows = static_cast<uint32_t>(c.swap_ab ? c.tile_m : c.tile_n);
  k.a_box = {static_cast<uint32_t>(c.tile_k), act_rows};
  k.b_box = c.b_layout == BLayout::kKN ? std::array<uint32_t, 2>{64u, static_cast<uint32_t>(c.tile_k)}
                                       : std::array<uint32_t, 2>{static_cast<uint32_t>(c.tile_k), w_rows};
  CudaWriter w;
  w.Comment(fmt::format(
      "AutoGTCO Hopper GEMM core (codegen/hopper/gemm_sm90.cpp), compiled for sm_90a.\n"
      "config: {}\n"
      "C[M,N] = A[M,K] (row-major) * B ({}){}{}{}{}; {} consumer warpgroup(s) + 1 producer warpgroup,\n"
      "{} threads, {} bytes of dynamic shared memory, TMA boxes A {{{}, {}}} B {{{}, {}}};\n"
      "epilogue {}.",
      c.Describe(), c.b_layout == BLayout::kKN ? "[K, N], N contiguous" : "[N, K], K contiguous",
      c.bias ? " + bias[N]" : "", c.gelu ? " -> gelu" : "", c.residual ? " + residual[M, N]" : "",
      c.swap_ab ? ", computed swapped (C^T = B^T A^T: the weight is wgmma's A)" : "", c.consumers,
      k.threads, k.smem_bytes, k.a_box[0], k.a_box[1], k.b_box[0], k.b_box[1],
      c.staged_epilogue ? "staged through shared memory, 16-byte row stores" : "4-byte stores from registers"));
  w.Raw(PtxSm90Header());
  w.Raw(GridDependencyWrappers());
  w.Raw(WgmmaWrapper(c.tile_n, WgmmaInputOf(c.input)));
  w.Blank();
  EmitHelpers(w, c);
  w.Linef("extern \"C\" __global__ void {}__launch_bounds__({}, 1) {}(",
          c.cluster > 1 ? fmt::format("__cluster_dims__({}, 1, 1) ", c.cluster) : "", k.threads, k.kernel_name);
  w.Linef("    {}, const __grid_constant__ agt_sm90::TensorMap tm_b,",
          c.conv ? "const InT* __restrict__ x" : "const __grid_constant__ agt_sm90::TensorMap tm_a");
  w.Line("    const InT* __restrict__ bias, const OutT* __restrict__ residual, OutT* __restrict__ c,");
  w.Linef("    int M, int N, int K, int ldc, float* __restrict__ workspace{}{}) {{", c.row_moments ? ", float* __restrict__ moments" : "",
          c.norm_moments ? ", const float* __restrict__ moments_in, const float* __restrict__ colsum" : "");
  w.Indent();
  w.Line("using namespace agt_sm90;");
  EmitKernelConstants(w, c);
  EmitScheduleAndBarriers(w, c);
  w.Open("if (wg == 0)");
  EmitProducer(w, c);   // its scopes close when it returns
  EmitNormMomentsStatsWarps(w, c);
  w.Dedent();
  w.Line("} else {");
  w.Indent();
  EmitConsumerUnitStart(w, c);
  EmitBiasPrefetch(w, c);
  EmitNormUnitStart(w, c);
  EmitConsumerKLoop(w, c);
  EmitNormMomentsReady(w, c);
  w.Blank();
  EmitSplitKReduce(w, c);
  EmitNormFinish(w, c);
  EmitEpilogue(w, c);
  EmitSplitKFinish(w, c);
  EmitNormMomentsRelease(w, c);
  w.Close();   // unit loop
  w.Close();   // else
  if (c.cluster > 1) {
    w.Comment("No CTA leaves while its peer may still arrive on its barriers.");
    w.Line("cluster_sync();");
  }
  w.Close();   // kernel
  k.source = w.str();
  return k;
}

}  // namespace agt::codegen::hopper

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

// row_moments: the final outputs of a ragged group (the residual added and rounded as agt_store_tail
// does), an exact (count, mean, M2) of a 16-byte group's first n outputs, and the merge of two such
// triples across lanes (agt_merge_moments, norm_moments_sm90.cpp).
void EmitMomentHelpers(CudaWriter& w, const GemmSm90Config& c) {
  w.Line("__device__ __forceinline__ uint4 agt_tail_final(const uint4& v, const OutT* r, int n) {");
  w.Line("  uint4 out = make_uint4(0u, 0u, 0u, 0u);");
  w.Line("  const OutT* e = reinterpret_cast<const OutT*>(&v);");
  w.Line("  OutT* o = reinterpret_cast<OutT*>(&out);");
  w.Line("  #pragma unroll");
  w.Line("  for (int q = 0; q < kVec; ++q) {");
  w.Line("    if (q < n) {");
  w.Line("      float x = agt_ld(e[q]);");
  w.Line(c.relu_out ? "      if (r != nullptr) x = fmaxf(x + agt_ld(r[q]), 0.0f);" : "      if (r != nullptr) x += agt_ld(r[q]);");
  w.Line("      agt_st(o + q, x);");
  w.Line("    }");
  w.Line("  }");
  w.Line("  return out;");
  w.Line("}");
  w.Line("__device__ __forceinline__ void agt_moments8(const uint4& v, int n, float& cnt, float& mean, float& m2) {");
  w.Line("  const OutT* e = reinterpret_cast<const OutT*>(&v);");
  w.Line("  float s = 0.0f;");
  w.Line("  #pragma unroll");
  w.Line("  for (int q = 0; q < kVec; ++q) s += q < n ? agt_ld(e[q]) : 0.0f;");
  w.Line("  cnt = static_cast<float>(n);");
  w.Line("  mean = n > 0 ? s / cnt : 0.0f;");
  w.Line("  m2 = 0.0f;");
  w.Line("  #pragma unroll");
  w.Line("  for (int q = 0; q < kVec; ++q) {");
  w.Line("    const float d = q < n ? agt_ld(e[q]) - mean : 0.0f;");
  w.Line("    m2 = fmaf(d, d, m2);");
  w.Line("  }");
  w.Line("}");
  w.Line("__device__ __forceinline__ void agt_moments_merge(float& cnt, float& mean, float& m2, int lanes) {");
  w.Line("  const float cb = __shfl_xor_sync(0xffffffffu, cnt, lanes), mb = __shfl_xor_sync(0xffffffffu, mean, lanes),");
  w.Line("              qb = __shfl_xor_sync(0xffffffffu, m2, lanes);");
  w.Line("  agt_merge_moments(cnt, mean, m2, cb, mb, qb);");
  w.Line("}");
}

// The staged epilogue's element helpers: two adjacent outputs into the staging buffer, the residual
// added to 16 bytes of outputs, and the element-by-element store of a row's ragged end.
void EmitStagingHelpers(CudaWriter& w, const GemmSm90Config& c) {
  w.Linef("constexpr int kVec = {};   // outputs per 16-byte store", c.f32_out() ? 4 : 8);
  w.Line("// Outputs (a, b) after the cast, adjacent, into the staging buffer: 4 bytes (16-bit) or 8 (f32).");
  if (c.f32_out()) {
    w.Line("__device__ __forceinline__ void agt_sts2(unsigned addr, float a, float b) { agt_sm90::st_shared_v2_b32(addr, __float_as_uint(a), __float_as_uint(b)); }");
  } else {
    const char* pair = c.input == GemmInput::kF16 ? "__floats2half2_rn" : "__floats2bfloat162_rn";
    w.Linef("__device__ __forceinline__ void agt_sts2(unsigned addr, float a, float b) {{ const auto p = {}(a, b); agt_sm90::st_shared_b32(addr, *reinterpret_cast<const unsigned*>(&p)); }}", pair);
  }
  if (c.residual) {
    w.Line("// 16 bytes of rounded outputs plus 16 bytes of the residual, added in f32 and rounded (as the unfused Add does).");
    // relu_out: ReLU on the sum before it is rounded.
    auto post = [&](const std::string& x) { return c.relu_out ? fmt::format("fmaxf({}, 0.0f)", x) : x; };
    w.Line("__device__ __forceinline__ unsigned agt_add2(unsigned v, unsigned r) {");
    if (c.f32_out()) {
      w.Linef("  return __float_as_uint({});", post("__uint_as_float(v) + __uint_as_float(r)"));
    } else if (c.input == GemmInput::kF16) {
      w.Line("  const float2 a = __half22float2(*reinterpret_cast<const __half2*>(&v)), b = __half22float2(*reinterpret_cast<const __half2*>(&r));");
      w.Linef("  const __half2 s = __floats2half2_rn({}, {});", post("a.x + b.x"), post("a.y + b.y"));
      w.Line("  return *reinterpret_cast<const unsigned*>(&s);");
    } else {
      w.Line("  const float2 a = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(&v)), b = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(&r));");
      w.Linef("  const __nv_bfloat162 s = __floats2bfloat162_rn({}, {});", post("a.x + b.x"), post("a.y + b.y"));
      w.Line("  return *reinterpret_cast<const unsigned*>(&s);");
    }
    w.Line("}");
    w.Line("__device__ __forceinline__ uint4 agt_add_res(uint4 v, uint4 r) {");
    w.Line("  return make_uint4(agt_add2(v.x, r.x), agt_add2(v.y, r.y), agt_add2(v.z, r.z), agt_add2(v.w, r.w));");
    w.Line("}");
  }
  if (c.row_moments) EmitMomentHelpers(w, c);
  w.Line("// Outputs q < n of a 16-byte group (plus the residual's when r is not null), one by one: a row's ragged");
  w.Line("// end, or a row stride / base that 16-byte stores cannot take.");
  w.Line("__device__ __forceinline__ void agt_store_tail(OutT* g, const OutT* r, const uint4& v, int n) {");
  w.Line("  const OutT* e = reinterpret_cast<const OutT*>(&v);");
  w.Line("  #pragma unroll");
  w.Line("  for (int q = 0; q < kVec; ++q) {");
  w.Line("    if (q < n) {");
  w.Line("      float x = agt_ld(e[q]);");
  w.Line(c.relu_out ? "      if (r != nullptr) x = fmaxf(x + agt_ld(r[q]), 0.0f);" : "      if (r != nullptr) x += agt_ld(r[q]);");
  w.Line("      agt_st(g + q, x);");
  w.Line("    }");
  w.Line("  }");
  w.Line("}");
}

// The bias loads (agt_bias_pair, or agt_bias_at swapped) and agt_lo / agt_hi, which read the two
// values a thread keeps per column pair: packed in an unsigned (16-bit inputs) or a float2 (tf32).
void EmitBiasHelpers(CudaWriter& w, const GemmSm90Config& c) {
  if (c.input == GemmInput::kTF32) {
    w.Line("// Two f32 bias values (column col in .x), zero past N: loaded at the start of a unit, read in its epilogue.");
    if (c.swap_ab) {
      w.Line("__device__ __forceinline__ float agt_bias_at(const InT* b, int col, int N) { return col < N ? __ldg(b + col) : 0.0f; }");
    } else {
      w.Line("__device__ __forceinline__ float2 agt_bias_pair(const InT* b, int col, int N) {");
      w.Line("  return make_float2(col < N ? __ldg(b + col) : 0.0f, col + 1 < N ? __ldg(b + col + 1) : 0.0f);");
      w.Line("}");
    }
    w.Line("__device__ __forceinline__ float agt_lo(float2 p) { return p.x; }");
    w.Line("__device__ __forceinline__ float agt_hi(float2 p) { return p.y; }");
    return;
  }
  w.Line("// Two consecutive 16-bit bias values (column col in the low half), zero past N: loaded at the start of a");
  w.Line("// unit, converted in its epilogue.");
  if (c.swap_ab) {
    w.Line("__device__ __forceinline__ unsigned agt_bias_at(const InT* b, int col, int N) {");
    w.Line("  return col < N ? __ldg(reinterpret_cast<const unsigned short*>(b) + col) : 0u;");
    w.Line("}");
  } else {
    w.Line("__device__ __forceinline__ unsigned agt_bias_pair(const InT* b, int col, int N) {");
    w.Line("  const unsigned short* raw = reinterpret_cast<const unsigned short*>(b);");
    w.Line("  const unsigned lo = col < N ? __ldg(raw + col) : 0u;");
    w.Line("  const unsigned hi = col + 1 < N ? __ldg(raw + col + 1) : 0u;");
    w.Line("  return lo | (hi << 16);");
    w.Line("}");
  }
  if (c.input == GemmInput::kF16) {
    w.Line("__device__ __forceinline__ float agt_lo(unsigned p) { return __half2float(__ushort_as_half(static_cast<unsigned short>(p & 0xFFFFu))); }");
    w.Line("__device__ __forceinline__ float agt_hi(unsigned p) { return __half2float(__ushort_as_half(static_cast<unsigned short>(p >> 16))); }");
  } else {
    w.Line("__device__ __forceinline__ float agt_lo(unsigned p) { return __uint_as_float(p << 16); }");
    w.Line("__device__ __forceinline__ float agt_hi(unsigned p) { return __uint_as_float(p & 0xFFFF0000u); }");
  }
}

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
  if (c.bias) EmitBiasHelpers(w, c);
  if (c.row_moments || c.norm_moments) EmitMomentMergeHelper(w);
  if (c.staged_epilogue) EmitStagingHelpers(w, c);
  EmitNormHelpers(w, c);
  EmitNormMomentsHelpers(w, c);
  EmitWorkUnitDecode(w, c);
  w.Line("}  // namespace agt_gemm");
  w.Line("using namespace agt_gemm;");
  w.Blank();
}

// The register path (staged_epilogue = false): 4-byte stores straight from the fragments.
void EmitRegisterEpilogue(CudaWriter& w, const GemmSm90Config& c) {
  w.Comment("Epilogue from registers. Accumulator layout of m64nN: warp w of the warpgroup holds rows\n"
            "16w + lane/4 (+8), columns 8j + 2*(lane%4) (+1) in acc[4j + 2h + {0,1}], h = the +8 row half.");
  w.Line("const int row0 = m0 + cw * (kSlabs * 64) + warp * 16 + lane / 4;");
  w.Line("const int col0 = n0 + 2 * (lane % 4);");
  w.Line("const bool vec_ok = (ldc % 2) == 0 && (reinterpret_cast<unsigned long long>(c) % (2 * sizeof(OutT))) == 0;");
  w.Line("#pragma unroll");
  auto j = w.Block("for (int j = 0; j < kBN / 8; ++j)");
  w.Line("const int col = col0 + 8 * j;");
  w.Line("if (col >= N) continue;");
  if (c.split_scatter) w.Line("if (j < own_jb || j >= own_je) continue;   // another split's columns");
  w.Line("const bool pair = col + 1 < N;");
  if (c.bias) {
    w.Line("const float b0 = agt_lo(bias_pk[j]), b1 = agt_hi(bias_pk[j]);");
  }
  w.Line("#pragma unroll");
  auto t = w.Block("for (int t = 0; t < kSlabs; ++t)");
  w.Line("#pragma unroll");
  auto h = w.Block("for (int h = 0; h < 2; ++h)");
  w.Line("const int row = row0 + t * 64 + h * 8;");
  w.Line("if (row >= M) continue;");
  w.Line("float v0 = acc[t][4 * j + 2 * h], v1 = acc[t][4 * j + 2 * h + 1];");
  if (c.norm_moments) w.Line(NormMomentsApplyPair());
  if (c.bias) w.Line("v0 += b0; v1 += b1;");
  if (c.gelu) w.Line("v0 = agt_gelu(v0); v1 = agt_gelu(v1);");
  if (c.relu) w.Line("v0 = fmaxf(v0, 0.0f); v1 = fmaxf(v1, 0.0f);");
  w.Line("OutT* p = c + static_cast<long long>(row) * ldc + col;");
  if (c.residual) {
    w.Line("const OutT* r = residual + static_cast<long long>(row) * ldc + col;");
    w.Line("v0 += agt_ld(r[0]);");
    w.Line("if (pair) v1 += agt_ld(r[1]);");
    if (c.relu_out) w.Line("v0 = fmaxf(v0, 0.0f); v1 = fmaxf(v1, 0.0f);");
  }
  w.Line("if (pair && vec_ok) {");
  w.Line("  agt_st2(p, v0, v1);");
  w.Line("} else {");
  w.Line("  agt_st(p, v0);");
  w.Line("  if (pair) agt_st(p + 1, v1);");
  w.Line("}");
}

// The swapped product's register path: accumulator row = output column (the weight's), accumulator
// column = output row; element stores (a fallback for rings too deep for the staging buffer).
void EmitSwappedRegisterEpilogue(CudaWriter& w, const GemmSm90Config& c) {
  w.Comment("Epilogue from registers, swapped: acc[t][4j + 2h + e] is output row n0 + 8j + 2 * (lane % 4) + e,\n"
            "output column m0 + 64t + 16 * warp + lane / 4 + 8h (of this consumer's slabs).");
  w.Line("const int fcol0 = m0 + cw * (kSlabs * 64) + warp * 16 + lane / 4;");
  w.Line("#pragma unroll");
  auto t = w.Block("for (int t = 0; t < kSlabs; ++t)");
  w.Line("#pragma unroll");
  auto h = w.Block("for (int h = 0; h < 2; ++h)");
  w.Line("const int col = fcol0 + t * 64 + 8 * h;");
  w.Line("if (col >= N) continue;");
  if (c.bias) w.Line("const float bv = h == 0 ? agt_lo(bias_pk[t]) : agt_hi(bias_pk[t]);");
  w.Line("#pragma unroll");
  auto j = w.Block("for (int j = 0; j < kBN / 8; ++j)");
  if (c.split_scatter) w.Line("if (j < own_jb || j >= own_je) continue;   // another split's rows");
  w.Line("#pragma unroll");
  auto e = w.Block("for (int e = 0; e < 2; ++e)");
  w.Line("const int row = n0 + 8 * j + 2 * (lane % 4) + e;");
  w.Line("if (row >= M) continue;");
  w.Line("float v = acc[t][4 * j + 2 * h + e];");
  if (c.norm) w.Line(NormApplyLine("8 * j + 2 * (lane % 4) + e"));
  if (c.norm_moments) w.Line(NormMomentsApplySwapped());
  if (c.bias) w.Line("v += bv;");
  if (c.gelu) w.Line("v = agt_gelu(v);");
  if (c.relu) w.Line("v = fmaxf(v, 0.0f);");
  w.Line("const long long at = static_cast<long long>(row) * ldc + col;");
  if (c.residual) w.Line("v += agt_ld(residual[at]);");
  if (c.relu_out) w.Line("v = fmaxf(v, 0.0f);");
  w.Line("agt_st(c + at, v);");
}

// The staged path. Per m64 slab and 128-byte chunk (unswapped: 64 16-bit or 32 f32 output columns
// of the slab's 64 rows; swapped: 64 output rows of the slab's 64 16-bit output columns, or of 32 of
// its f32 ones), each consumer warpgroup: (1) issues its residual loads for the chunk (16 bytes per
// thread and row segment, coalesced), (2) adds the bias, applies GELU, casts, and writes its fragments
// into one of its two chunk buffers (64 rows x 128 bytes; swapped, transposed: 2-byte stores, a warp
// instruction covering 4 rows x 16 bytes at distinct swizzled groups; f32: EmitSwappedF32Fragments),
// (3) meets its own warps at a named barrier, (4) reads
// the chunk back 16 bytes per thread (8 threads per row: a warp covers 4 full 128-byte rows) and stores
// it, adding the residual. The 16-byte column group g of row r sits at g ^ (r % 8): a fragment write
// (8 rows x 16 bytes per warp) and a row read (8 groups of one row per quarter warp) both touch 32
// distinct banks. Two buffers, alternating across chunks and units (ep), need one barrier per chunk: a
// buffer is rewritten only after the barrier of the chunk between, which every thread passes after its
// reads of that buffer. The buffer is the warpgroup's own, beside the ring, so the producer's prefetch
// of the next unit's stages never touches it.

// In the chunk loops below: `i`, `r` (the chunk row) and `g` (its 16-byte group) set, this defines
// `in_tile` (the chunk's position along the tile's N side, bounded by kBN), `row` and `col` (of C).
void EmitChunkPosition(CudaWriter& w, const GemmSm90Config& c) {
  if (c.swap_ab && c.f32_out()) {
    w.Line("const int in_tile = (cc >> 1) * 64 + r;   // swapped: chunk rows are output rows, the tile's N side");
    w.Line("const int row = n0 + in_tile, col = col_base + t * 64 + (cc & 1) * 32 + g * kVec;   // f32: half the slab's columns");
  } else if (c.swap_ab) {
    w.Line("const int in_tile = cc * 64 + r;   // swapped: chunk rows are output rows, the tile's N side");
    w.Line("const int row = n0 + in_tile, col = col_base + t * 64 + g * kVec;");
  } else {
    w.Line("const int in_tile = cc * kChunkCols + g * kVec;");
    w.Line("const int row = row_base + t * 64 + r, col = n0 + in_tile;");
  }
}

// The bias, GELU and ReLU of one accumulator value v in the swapped fragment loops (h its row half).
void EmitSwappedValue(CudaWriter& w, const GemmSm90Config& c) {
  w.Line("float v = acc[t][4 * j + 2 * h + e];");
  if (c.norm) w.Line(NormApplyLine("8 * j + 2 * (lane % 4) + e"));
  if (c.norm_moments) w.Line(NormMomentsApplySwapped());
  if (c.bias) w.Line("v += h == 0 ? b_lo : b_hi;");
  if (c.gelu) w.Line("v = agt_gelu(v);");
  if (c.relu) w.Line("v = fmaxf(v, 0.0f);");
}

// Swapped, f32 outputs: a chunk row (128 bytes) holds 32 of the slab's 64 output columns, so chunk
// cc is output rows 64 (cc >> 1).. and columns 32 (cc & 1)..: the accumulator rows of warps
// 2 (cc & 1) and 2 (cc & 1) + 1, which write it with 4-byte stores (a warp instruction: 4 rows x
// 32 bytes, 8 distinct swizzled groups) while the other two warps wait at the barrier. The warp
// instructions per output are the 16-bit path's, spread over twice the chunks.
void EmitSwappedF32Fragments(CudaWriter& w, const GemmSm90Config& c) {
  auto mine = w.Block("if ((warp >> 1) == (cc & 1))");
  w.Line("#pragma unroll");
  auto jj = w.Block("for (int jj = 0; jj < 8; ++jj)");
  w.Line("const int j = (cc >> 1) * 8 + jj;");
  w.Line("if (j >= kBN / 8) break;   // a tile_n that is not a multiple of 64: its last chunks are partial");
  if (c.split_scatter) w.Line("if (j < own_jb || j >= own_je) continue;   // another split's rows");
  w.Line("#pragma unroll");
  auto h = w.Block("for (int h = 0; h < 2; ++h)");
  w.Line("const int byte = ((warp & 1) * 16 + lane / 4 + 8 * h) * 4;   // this output column in the chunk's row");
  w.Line("#pragma unroll");
  auto e = w.Block("for (int e = 0; e < 2; ++e)");
  EmitSwappedValue(w, c);
  w.Line("const int r = jj * 8 + 2 * (lane % 4) + e;   // the output row in the chunk");
  w.Line("st_shared_b32(buf + r * 128 + ((((byte >> 4) ^ (r & 7)) << 4) | (byte & 15)), __float_as_uint(v));");
}

// The fragments of slab t, chunk cc, into the buffer `buf` (bias, GELU, cast on the way).
void EmitChunkFragments(CudaWriter& w, const GemmSm90Config& c) {
  if (c.swap_ab && c.f32_out()) {
    EmitSwappedF32Fragments(w, c);
    return;
  }
  w.Line("#pragma unroll");
  auto jj = w.Block(c.swap_ab ? "for (int jj = 0; jj < 8; ++jj)" : "for (int jj = 0; jj < kChunkCols / 8; ++jj)");
  w.Line(c.swap_ab ? "const int j = cc * 8 + jj;" : "const int j = cc * (kChunkCols / 8) + jj;");
  w.Line("if (j >= kBN / 8) break;   // a tile_n that is not a multiple of the chunk: its last chunk is partial");
  if (c.split_scatter) w.Line("if (j < own_jb || j >= own_je) continue;   // another split's groups");
  if (c.bias && !c.swap_ab) w.Line("const float b0 = agt_lo(bias_pk[j]), b1 = agt_hi(bias_pk[j]);");
  w.Line("#pragma unroll");
  auto h = w.Block("for (int h = 0; h < 2; ++h)");
  if (c.swap_ab) {
    w.Line("const int byte = (warp * 16 + lane / 4 + 8 * h) * 2;   // this output column in the chunk's row");
    w.Line("#pragma unroll");
    auto e = w.Block("for (int e = 0; e < 2; ++e)");
    EmitSwappedValue(w, c);
    w.Line("const int r = jj * 8 + 2 * (lane % 4) + e;   // the output row in the chunk");
    w.Line("OutT o;");
    w.Line("agt_st(&o, v);");
    w.Line("st_shared_b16(buf + r * 128 + ((((byte >> 4) ^ (r & 7)) << 4) | (byte & 15)), *reinterpret_cast<const unsigned short*>(&o));");
    return;
  }
  w.Line("const int r = warp * 16 + lane / 4 + 8 * h;");
  w.Line("float v0 = acc[t][4 * j + 2 * h], v1 = acc[t][4 * j + 2 * h + 1];");
  if (c.norm_moments) w.Line(NormMomentsApplyPair());
  if (c.bias) w.Line("v0 += b0; v1 += b1;");
  if (c.gelu) w.Line("v0 = agt_gelu(v0); v1 = agt_gelu(v1);");
  if (c.relu) w.Line("v0 = fmaxf(v0, 0.0f); v1 = fmaxf(v1, 0.0f);");
  w.Line("const int byte = (jj * 8 + 2 * (lane % 4)) * static_cast<int>(sizeof(OutT));");
  w.Line("agt_sts2(buf + r * 128 + ((((byte >> 4) ^ (r & 7)) << 4) | (byte & 15)), v0, v1);");
}


void EmitChunkStores(CudaWriter& w, const GemmSm90Config& c);
void EmitChunkStoresWithMoments(CudaWriter& w, const GemmSm90Config& c);

void EmitStagedEpilogue(CudaWriter& w, const GemmSm90Config& c) {
  w.Comment(c.swap_ab ? "Epilogue through shared memory, swapped (see EmitStagedEpilogue in gemm_sm90.cpp):\n"
                        "acc[t][4j + 2h + e] is output row n0 + 8j + 2 * (lane % 4) + e, output column\n"
                        "m0 + 64t + 16 * warp + lane / 4 + 8h (of this consumer's slabs)."
                      : "Epilogue through shared memory (see EmitStagedEpilogue in gemm_sm90.cpp). Fragment layout of m64nN:\n"
                        "warp w of the warpgroup holds rows 16w + lane/4 (+8), columns 8j + 2*(lane%4) (+1) in\n"
                        "acc[4j + 2h + {0,1}], h = the +8 row half.");
  w.Line("const u32 stage_base = sE + cw * (2 * kChunkBytes);");
  w.Line("const int wt = threadIdx.x % 128;");
  w.Line(c.swap_ab ? "const int col_base = m0 + cw * (kSlabs * 64);" : "const int row_base = m0 + cw * (kSlabs * 64);");
  std::string vec = "ldc % kVec == 0 && reinterpret_cast<unsigned long long>(c) % 16 == 0";
  if (c.residual) vec += " && reinterpret_cast<unsigned long long>(residual) % 16 == 0";
  w.Linef("const bool vec_ok = {};", vec);
  w.Line("#pragma unroll");
  auto t = w.Block("for (int t = 0; t < kSlabs; ++t)");
  if (c.bias && c.swap_ab) w.Line("const float b_lo = agt_lo(bias_pk[t]), b_hi = agt_hi(bias_pk[t]);");
  w.Line("#pragma unroll");
  // Reduce-scatter: chunks without a group of this split's are skipped, and do not take a buffer.
  auto cc = w.Block(c.split_scatter ? "for (int cc = 0; cc < kChunksN; ++cc)" : "for (int cc = 0; cc < kChunksN; ++cc, ++ep)");
  if (c.split_scatter) {
    const char* first = c.swap_ab ? (c.f32_out() ? "(cc >> 1) * 8" : "cc * 8") : "cc * (kChunkCols / 8)";
    const char* count = c.swap_ab ? "8" : "(kChunkCols / 8)";
    w.Linef("if ({0} >= own_je || {0} + {1} <= own_jb) continue;   // none of this split's groups", first, count);
  }
  w.Line("const u32 buf = stage_base + (ep & 1) * kChunkBytes;");
  if (c.residual) {
    w.Comment("The chunk's residual, loaded first: its latency hides behind the staging writes and the barrier.");
    w.Line("uint4 res[4];");
    w.Line("#pragma unroll");
    auto p = w.Block("for (int p = 0; p < 4; ++p)");
    w.Line("const int i = wt + 128 * p, r = i / 8, g = i % 8;");
    EmitChunkPosition(w, c);
    w.Line("res[p] = make_uint4(0u, 0u, 0u, 0u);");
    w.Linef("if (vec_ok && in_tile < kBN && row < M && col + kVec <= N{}) {{",
            c.split_scatter ? " && in_tile >= 8 * own_jb && in_tile < 8 * own_je" : "");
    w.Line("  res[p] = __ldg(reinterpret_cast<const uint4*>(residual + static_cast<long long>(row) * ldc + col));");
    w.Line("}");
  }
  EmitChunkFragments(w, c);
  w.Line("named_barrier_sync(2 + cw, 128);   // this warpgroup's chunk is staged");
  w.Line("#pragma unroll");
  {
    auto p = w.Block("for (int p = 0; p < 4; ++p)");
    if (c.row_moments) {
      EmitChunkStoresWithMoments(w, c);
    } else {
      EmitChunkStores(w, c);
    }
  }
  if (c.split_scatter) w.Line("++ep;");
}

// The staged epilogue's store loop body (p: the thread's pass over the chunk): a 16-byte group of the
// staged chunk to C, the residual added.
void EmitChunkStores(CudaWriter& w, const GemmSm90Config& c) {
  w.Line("const int i = wt + 128 * p, r = i / 8, g = i % 8;");
  EmitChunkPosition(w, c);
  w.Linef("if (in_tile >= kBN || row >= M || col >= N{}) continue;",
          c.split_scatter ? " || in_tile < 8 * own_jb || in_tile >= 8 * own_je" : "");
  w.Line("uint4 v = ld_shared_v4_b32(buf + r * 128 + ((g ^ (r & 7)) << 4));");
  w.Line("OutT* dst = c + static_cast<long long>(row) * ldc + col;");
  w.Line("if (vec_ok && col + kVec <= N) {");
  if (c.residual) w.Line("  v = agt_add_res(v, res[p]);");
  w.Line("  *reinterpret_cast<uint4*>(dst) = v;");
  w.Line("} else {");
  w.Linef("  agt_store_tail(dst, {}, v, N - col);",
          c.residual ? "residual + static_cast<long long>(row) * ldc + col" : "nullptr");
  w.Line("}");
}

// The store loop body with row_moments: every lane runs the shuffles, so nothing `continue`s; a dead
// group (past the tile, M or N) counts zero outputs. Lane g == 0 of a row's 8 stores the 64-column
// block's (mean, M2): its column is the block's first (the chunk's 64 columns, unswapped; the slab's
// 64 output columns, swapped).
void EmitChunkStoresWithMoments(CudaWriter& w, const GemmSm90Config& c) {
  w.Line("const int i = wt + 128 * p, r = i / 8, g = i % 8;");
  EmitChunkPosition(w, c);
  w.Line("float m_cnt = 0.0f, m_mean = 0.0f, m_m2 = 0.0f;");
  {
    auto live = w.Block("if (in_tile < kBN && row < M && col < N)");
    w.Line("uint4 v = ld_shared_v4_b32(buf + r * 128 + ((g ^ (r & 7)) << 4));");
    w.Line("OutT* dst = c + static_cast<long long>(row) * ldc + col;");
    w.Line("int n = kVec;");
    w.Line("if (vec_ok && col + kVec <= N) {");
    if (c.residual) w.Line("  v = agt_add_res(v, res[p]);");
    w.Line("  *reinterpret_cast<uint4*>(dst) = v;");
    w.Line("} else {");
    w.Line("  n = min(kVec, N - col);");
    w.Linef("  v = agt_tail_final(v, {}, n);", c.residual ? "residual + static_cast<long long>(row) * ldc + col" : "nullptr");
    w.Line("  agt_store_tail(dst, nullptr, v, n);");
    w.Line("}");
    w.Line("agt_moments8(v, n, m_cnt, m_mean, m_m2);");
  }
  w.Line("agt_moments_merge(m_cnt, m_mean, m_m2, 1);");
  w.Line("agt_moments_merge(m_cnt, m_mean, m_m2, 2);");
  w.Line("agt_moments_merge(m_cnt, m_mean, m_m2, 4);");
  w.Line("if (g == 0 && m_cnt > 0.0f) {");
  w.Line("  float* mo = moments + (static_cast<long long>(row) * ((N + 63) / 64) + col / 64) * 2;");
  w.Line("  *reinterpret_cast<float2*>(mo) = make_float2(m_mean, m_m2);");
  w.Line("}");
}

void EmitEpilogue(CudaWriter& w, const GemmSm90Config& c) {
  if (c.staged_epilogue) {
    EmitStagedEpilogue(w, c);
  } else if (c.swap_ab) {
    EmitSwappedRegisterEpilogue(w, c);
  } else {
    EmitRegisterEpilogue(w, c);
  }
}

// In the consumers' unit loop, before the k-loop: this thread's bias values into bias_pk (two per
// entry: packed 16-bit values in an unsigned, or a float2 for tf32), read by the epilogue.
void EmitBiasPrefetch(CudaWriter& w, const GemmSm90Config& c) {
  if (!c.bias) return;
  const bool tf32 = c.input == GemmInput::kTF32;
  const char* pk = tf32 ? "float2" : "unsigned";
  if (c.swap_ab) {
    w.Comment("This thread's bias values (the weight's columns are the accumulator rows: m0 + 64t + 16 * warp +\n"
              "lane / 4, and + 8 in the high half), issued before the k-loop so that their latency hides behind it.");
    w.Linef("{} bias_pk[kSlabs];", pk);
    w.Line("#pragma unroll");
    w.Line("for (int t = 0; t < kSlabs; ++t) {");
    w.Line("  const int f = m0 + cw * (kSlabs * 64) + t * 64 + warp * 16 + lane / 4;");
    w.Line(tf32 ? "  bias_pk[t] = make_float2(agt_bias_at(bias, f, GM), agt_bias_at(bias, f + 8, GM));"
                : "  bias_pk[t] = agt_bias_at(bias, f, GM) | (agt_bias_at(bias, f + 8, GM) << 16);");
    w.Line("}");
  } else {
    w.Comment("This thread's bias pairs (columns n0 + 2 * (lane % 4) + 8j and +1), issued before the k-loop so that\n"
              "their latency hides behind it: loaded in the epilogue, each column group waited on its own load.");
    w.Linef("{} bias_pk[kBN / 8];", pk);
    w.Line("#pragma unroll");
    if (c.split_scatter && c.split_k > 1) {
      w.Comment("Reduce-scatter: only this split's own column groups (EmitSplitKScatter) reach the epilogue.");
      w.Line("for (int j = 0; j < kBN / 8; ++j) {");
      w.Line("  const bool own = j >= u.split * (kBN / 8) / kSplits && j < (u.split + 1) * (kBN / 8) / kSplits;");
      w.Linef("  bias_pk[j] = own ? agt_bias_pair(bias, n0 + 2 * (lane % 4) + 8 * j, N) : {}{{}};", pk);
      w.Line("}");
    } else {
      w.Line("for (int j = 0; j < kBN / 8; ++j) bias_pk[j] = agt_bias_pair(bias, n0 + 2 * (lane % 4) + 8 * j, N);");
    }
  }
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

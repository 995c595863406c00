// The LayerNorm prologue of the Hopper GEMM core (see norm_prologue_sm90.h).
#include "codegen/hopper/norm_prologue_sm90.h"

#include <fmt/format.h>

namespace agt::codegen::hopper {

namespace {

int Slabs(const GemmSm90Config& c) { return c.tile_m / (64 * c.consumers); }

// Per consumer warpgroup: tile_n (mean, rstd) pairs, then [4 warps][slabs * 64] column sums.
int64_t BytesPerConsumer(const GemmSm90Config& c) { return int64_t{c.tile_n} * 8 + int64_t{4} * Slabs(c) * 64 * 4; }

}  // namespace

Status ValidateNormPrologue(const GemmSm90Config& c) {
  if (!c.norm) return Status::Ok();
  if (!c.swap_ab) return Status::Error("the LayerNorm prologue runs on swapped products (the activation rows in the B ring)");
  if (c.input == GemmInput::kTF32) return Status::Error("the LayerNorm prologue reads 16-bit rows (fp16, bf16), not tf32");
  if (c.b_layout != BLayout::kKN) return Status::Error("the LayerNorm prologue sums the columns of a [K, N] weight");
  if (c.split_k != 1) return Status::Error("the LayerNorm prologue needs whole rows in each CTA: split_k 1");
  if (c.conv) return Status::Error("the LayerNorm prologue is not a convolution's");
  if (!(c.norm_eps >= 0.0f)) return Status::Error("the LayerNorm epsilon must be a number >= 0");
  return Status::Ok();
}

int64_t NormPrologueBytes(const GemmSm90Config& c) { return c.norm ? c.consumers * BytesPerConsumer(c) : 0; }

Status ValidateNormProblem(const GemmSm90Config& c, int64_t K) {
  if (c.norm && K % c.tile_k != 0) {
    return Status::Errorf("K = {}: the LayerNorm prologue needs whole {}-deep k-blocks (a partial block's zeros would count)", K,
                          c.tile_k);
  }
  return Status::Ok();
}

void EmitNormHelpers(CudaWriter& w, const GemmSm90Config& c) {
  if (!c.norm) return;
  w.Line("// LayerNorm prologue (norm_prologue_sm90.h): two 16-bit values of a 16-byte chunk as floats; a chunk's");
  w.Line("// sum; its shifted sums (a - s, (a - s)^2) into s1 and s2; its values added to 8 column sums.");
  w.Line(c.input == GemmInput::kF16
             ? "__device__ __forceinline__ float2 agt_n2(unsigned p) { return __half22float2(*reinterpret_cast<const __half2*>(&p)); }"
             : "__device__ __forceinline__ float2 agt_n2(unsigned p) { return __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(&p)); }");
  w.Line("__device__ __forceinline__ float agt_nsum8(uint4 v) {");
  w.Line("  const float2 a = agt_n2(v.x), b = agt_n2(v.y), c = agt_n2(v.z), d = agt_n2(v.w);");
  w.Line("  return ((a.x + a.y) + (b.x + b.y)) + ((c.x + c.y) + (d.x + d.y));");
  w.Line("}");
  w.Line("__device__ __forceinline__ void agt_nacc2(unsigned p, float s, float& s1, float& s2) {");
  w.Line("  const float2 a = agt_n2(p);");
  w.Line("  const float d0 = a.x - s, d1 = a.y - s;");
  w.Line("  s1 += d0 + d1;");
  w.Line("  s2 = fmaf(d0, d0, fmaf(d1, d1, s2));");
  w.Line("}");
  w.Line("__device__ __forceinline__ void agt_nacc8(uint4 v, float s, float& s1, float& s2) {");
  w.Line("  agt_nacc2(v.x, s, s1, s2); agt_nacc2(v.y, s, s1, s2); agt_nacc2(v.z, s, s1, s2); agt_nacc2(v.w, s, s1, s2);");
  w.Line("}");
  w.Line("__device__ __forceinline__ void agt_ncol8(uint4 v, float (&cs)[8]) {");
  w.Line("  const float2 a = agt_n2(v.x), b = agt_n2(v.y), c = agt_n2(v.z), d = agt_n2(v.w);");
  w.Line("  cs[0] += a.x; cs[1] += a.y; cs[2] += b.x; cs[3] += b.y; cs[4] += c.x; cs[5] += c.y; cs[6] += d.x; cs[7] += d.y;");
  w.Line("}");
  EmitSharedF32Helpers(w);
}

void EmitSharedF32Helpers(CudaWriter& w) {
  w.Line("__device__ __forceinline__ void agt_sts_f32(unsigned a, float v) { asm volatile(\"st.shared.f32 [%0], %1;\\n\" :: \"r\"(a), \"f\"(v) : \"memory\"); }");
  w.Line("__device__ __forceinline__ void agt_sts_f32x2(unsigned a, float x, float y) {");
  w.Line("  asm volatile(\"st.shared.v2.f32 [%0], {%1, %2};\\n\" :: \"r\"(a), \"f\"(x), \"f\"(y) : \"memory\");");
  w.Line("}");
  w.Line("__device__ __forceinline__ float agt_lds_f32(unsigned a) { float v; asm volatile(\"ld.shared.f32 %0, [%1];\\n\" : \"=f\"(v) : \"r\"(a) : \"memory\"); return v; }");
  w.Line("__device__ __forceinline__ float2 agt_lds_f32x2(unsigned a) {");
  w.Line("  float2 v;");
  w.Line("  asm volatile(\"ld.shared.v2.f32 {%0, %1}, [%2];\\n\" : \"=f\"(v.x), \"=f\"(v.y) : \"r\"(a) : \"memory\");");
  w.Line("  return v;");
  w.Line("}");
}

void EmitNormUnitStart(CudaWriter& w, const GemmSm90Config& c) {
  if (!c.norm) return;
  w.Comment("LayerNorm prologue: this thread's rows r = wt + 128 i of the tile (shift, shifted sums) and its\n"
            "8 columns of each slab (column sums over k-rows wt / 8 + 16 i of every k-block).");
  w.Line("float norm_sh[kNormRows], norm_s1[kNormRows], norm_s2[kNormRows], norm_cs[kSlabs][8];");
  w.Line("#pragma unroll");
  w.Line("for (int i = 0; i < kNormRows; ++i) { norm_sh[i] = 0.0f; norm_s1[i] = 0.0f; norm_s2[i] = 0.0f; }");
  w.Line("#pragma unroll");
  w.Line("for (int t = 0; t < kSlabs; ++t) {");
  w.Line("  #pragma unroll");
  w.Line("  for (int q = 0; q < 8; ++q) norm_cs[t][q] = 0.0f;");
  w.Line("}");
}

void EmitNormKBlock(CudaWriter& w, const GemmSm90Config& c) {
  if (!c.norm) return;
  auto scope = w.Block("");
  w.Comment("LayerNorm prologue, while the wgmmas run: this stage's activation rows (B ring, 128 bytes each, 16-byte\n"
            "group g of row r at g ^ (r % 8): read in that order, the 8 rows of a quarter warp touch 8 distinct groups)\n"
            "and the weight slabs' columns (A ring: k-row r of a slab holds 64 columns, the same swizzle).");
  w.Line("const int nwt = threadIdx.x % 128;");
  w.Line("#pragma unroll");
  {
    auto rows = w.Block("for (int i = 0; i < kNormRows; ++i)");
    w.Line("const int r = nwt + 128 * i;");
    w.Line("if (r < kBN) {");
    w.Indent();
    w.Line("const u32 row = b_stage + r * 128;");
    w.Line("if (kb == u.kb_begin) {   // the shift: the row's mean over the unit's first k-block");
    w.Line("  float sum = 0.0f;");
    w.Line("  #pragma unroll");
    w.Line("  for (int p = 0; p < 8; ++p) sum += agt_nsum8(ld_shared_v4_b32(row + ((p ^ (r & 7)) << 4)));");
    w.Line("  norm_sh[i] = sum * (1.0f / kBK);");
    w.Line("}");
    w.Line("#pragma unroll");
    w.Line("for (int p = 0; p < 8; ++p) agt_nacc8(ld_shared_v4_b32(row + ((p ^ (r & 7)) << 4)), norm_sh[i], norm_s1[i], norm_s2[i]);");
    w.Dedent();
    w.Line("}");
  }
  w.Line("const int q = nwt % 8;");
  w.Line("#pragma unroll");
  auto slabs = w.Block("for (int t = 0; t < kSlabs; ++t)");
  w.Line("#pragma unroll");
  auto rows = w.Block("for (int i = 0; i < 4; ++i)");
  w.Line("const int r = nwt / 8 + 16 * i;");
  w.Line("agt_ncol8(ld_shared_v4_b32(a_stage + t * (64 * 128) + r * 128 + ((q ^ (r & 7)) << 4)), norm_cs[t]);");
}

void EmitNormFinish(CudaWriter& w, const GemmSm90Config& c) {
  if (!c.norm) return;
  w.Comment("LayerNorm prologue: the rows' (mean, rstd) and the slabs' column sums through this warpgroup's area.\n"
            "The first barrier: every thread has read the previous unit's values; the second: these are written.");
  w.Line("const u32 norm_rows = sN + cw * kNormBytes;     // kBN x (mean, rstd)");
  w.Line("const u32 norm_cols = norm_rows + kBN * 8;       // [4 warps][kSlabs * 64] column sums");
  w.Line("float norm_csum[kSlabs][2];                      // the columns of acc[t][.. 2h ..]");
  {
    auto scope = w.Block("");
    w.Linef("named_barrier_sync({} + cw, 128);", kNormBarrierBase);
    w.Line("#pragma unroll");
    w.Line("for (int t = 0; t < kSlabs; ++t) {");
    w.Line("  #pragma unroll");
    w.Line("  for (int q = 0; q < 8; ++q) {");
    w.Line("    float v = norm_cs[t][q];");
    w.Line("    v += __shfl_xor_sync(0xffffffffu, v, 8);");
    w.Line("    v += __shfl_xor_sync(0xffffffffu, v, 16);   // lanes q, q + 8, q + 16, q + 24 hold the same columns");
    w.Line("    if (lane < 8) agt_sts_f32(norm_cols + ((warp * kSlabs + t) * 64 + lane * 8 + q) * 4, v);");
    w.Line("  }");
    w.Line("}");
    w.Line("const float inv_k = 1.0f / static_cast<float>(K);");
    w.Line("#pragma unroll");
    w.Line("for (int i = 0; i < kNormRows; ++i) {");
    w.Line("  const int r = threadIdx.x % 128 + 128 * i;");
    w.Line("  if (r < kBN) {");
    w.Line("    const float m1 = norm_s1[i] * inv_k;");
    w.Line("    const float var = fmaxf(norm_s2[i] * inv_k - m1 * m1, 0.0f);");
    w.Comment("A row of equal values (s2 exactly 0; rows past M are zeros) normalises to zeros: rstd 0 makes its\n"
              "correction exact instead of eps^-1/2 times the rounding of acc - mean * colsum.");
    w.Linef("    agt_sts_f32x2(norm_rows + r * 8, norm_sh[i] + m1, norm_s2[i] > 0.0f ? rsqrtf(var + {:#.9g}f) : 0.0f);", c.norm_eps);
    w.Line("  }");
    w.Line("}");
    w.Linef("named_barrier_sync({} + cw, 128);", kNormBarrierBase);
    w.Line("#pragma unroll");
    w.Line("for (int t = 0; t < kSlabs; ++t) {");
    w.Line("  #pragma unroll");
    w.Line("  for (int h = 0; h < 2; ++h) {");
    w.Line("    const int f = t * 64 + warp * 16 + lane / 4 + 8 * h;");
    w.Line("    norm_csum[t][h] = (agt_lds_f32(norm_cols + f * 4) + agt_lds_f32(norm_cols + (kSlabs * 64 + f) * 4)) +");
    w.Line("                      (agt_lds_f32(norm_cols + (2 * kSlabs * 64 + f) * 4) + agt_lds_f32(norm_cols + (3 * kSlabs * 64 + f) * 4));");
    w.Line("  }");
    w.Line("}");
  }
}

std::string NormApplyLine(const std::string& row_expr) {
  return fmt::format("{{ const float2 ns = agt_lds_f32x2(norm_rows + ({}) * 8); v = ns.y * (v - ns.x * norm_csum[t][h]); }}",
                     row_expr);
}

}  // namespace agt::codegen::hopper

// The Hopper GEMM core's epilogue (see epilogue_sm90.h): the element helpers it needs inside the
// kernel's helper namespace, the bias prefetch before the k-loop, and the epilogue itself, from
// registers or staged through shared memory, unswapped or swapped, with the LayerNorm corrections
// and the row moments where the configuration asks for them.
#include "codegen/hopper/epilogue_sm90.h"

#include <fmt/format.h>

#include "codegen/hopper/norm_moments_sm90.h"
#include "codegen/hopper/norm_prologue_sm90.h"

namespace agt::codegen::hopper {

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

// LayerNorm from moments, the bias, GELU and ReLU of an unswapped fragment pair v0, v1 (b0, b1 its
// bias values), for the register path and the staged one alike.
void EmitPairValues(CudaWriter& w, const GemmSm90Config& c) {
  if (c.norm_moments) w.Line(NormMomentsApplyPair());
  if (c.bias) w.Line("v0 += b0; v1 += b1;");
  if (c.gelu) w.Line("v0 = agt_gelu(v0); v1 = agt_gelu(v1);");
  if (c.relu) w.Line("v0 = fmaxf(v0, 0.0f); v1 = fmaxf(v1, 0.0f);");
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
  EmitPairValues(w, c);
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
  EmitPairValues(w, c);
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

}  // namespace

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

void EmitEpilogueHelpers(CudaWriter& w, const GemmSm90Config& c) {
  if (c.bias) EmitBiasHelpers(w, c);
  if (c.row_moments || c.norm_moments) EmitMomentMergeHelper(w);
  if (c.staged_epilogue) EmitStagingHelpers(w, c);
}

}  // namespace agt::codegen::hopper

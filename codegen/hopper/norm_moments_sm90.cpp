// The LayerNorm from a producer's row moments (see norm_moments_sm90.h).
#include "codegen/hopper/norm_moments_sm90.h"

#include <fmt/format.h>

#include "codegen/hopper/norm_prologue_sm90.h"

namespace agt::codegen::hopper {

namespace {

// The tile's activation rows (whose statistics) and output columns (whose colsum).
int ActivationRows(const GemmSm90Config& c) { return c.swap_ab ? c.tile_n : c.tile_m; }
int OutputColumns(const GemmSm90Config& c) { return c.swap_ab ? c.tile_m : c.tile_n; }

}  // namespace

Status ValidateNormMoments(const GemmSm90Config& c) {
  if (!c.norm_moments) return Status::Ok();
  if (c.norm) return Status::Error("norm_moments replaces the LayerNorm prologue's statistics: not both");
  if (c.input == GemmInput::kTF32) return Status::Error("norm_moments normalises 16-bit rows (fp16, bf16), not tf32");
  if (c.conv) return Status::Error("norm_moments is not a convolution's");
  if (c.cluster != 1) return Status::Error("norm_moments runs unclustered");
  if (!(c.norm_eps >= 0.0f)) return Status::Error("the LayerNorm epsilon must be a number >= 0");
  return Status::Ok();
}

int64_t NormMomentsBytes(const GemmSm90Config& c) {
  return c.norm_moments ? int64_t{ActivationRows(c)} * 8 + int64_t{OutputColumns(c)} * 4 : 0;
}

void EmitNormMomentsHelpers(CudaWriter& w, const GemmSm90Config& c) {
  if (c.norm_moments) EmitSharedF32Helpers(w);
}

void EmitMomentMergeHelper(CudaWriter& w) {
  w.Line("// (count, mean, M2) += (cb, mb, qb): Chan, Golub and LeVeque's pairwise update.");
  w.Line("__device__ __forceinline__ void agt_merge_moments(float& cnt, float& mean, float& m2, float cb, float mb, float qb) {");
  w.Line("  const float ct = cnt + cb;");
  w.Line("  if (ct > 0.0f) {");
  w.Line("    const float d = mb - mean, f = cb / ct;");
  w.Line("    m2 = m2 + qb + d * d * cnt * f;");
  w.Line("    mean = fmaf(d, f, mean);");
  w.Line("  }");
  w.Line("  cnt = ct;");
  w.Line("}");
}

void EmitNormMomentsStatsWarps(CudaWriter& w, const GemmSm90Config& c) {
  if (!c.norm_moments) return;
  w.Comment("Warps 1-3: each unit's rows' LayerNorm statistics from the moments the kernel before wrote, and the\n"
            "unit's colsum slice, into shared memory for the consumers (norm_moments_sm90.h).");
  auto stats = w.Block("if (threadIdx.x >= 32)");
  w.Line("agt_grid_wait();   // the moments are the kernel before's output");
  w.Line("const int st = threadIdx.x - 32;   // 0 .. 95");
  w.Line("const int nblk = (K + 63) / 64;");
  w.Line("bool first = true;");
  {
    auto units = w.Block("for (int unit = unit0; unit < units; unit += unit_step)");
    w.Line("const WorkUnit u = agt_work_unit(unit, crank, tiles_m, tiles_n, k_blocks);");
    w.Linef("if (!first) named_barrier_sync({}, 96 + kConsumerThreads);   // the consumers read the last unit's", kMomentsEmptyBarrier);
    w.Line("first = false;");
    w.Linef("for (int r = st; r < {}; r += 96) {{", c.swap_ab ? "kBN" : "kBM");
    w.Indent();
    w.Linef("const int row = {} + r;   // an activation row (C's row)", c.swap_ab ? "u.n0" : "u.m0");
    w.Line("float cnt = 0.0f, mean = 0.0f, m2 = 0.0f;");
    w.Line("if (row < M) {");
    w.Line("  const float2* mo = reinterpret_cast<const float2*>(moments_in) + static_cast<long long>(row) * nblk;");
    w.Line("  const float2 p0 = mo[0];");
    w.Line("  cnt = static_cast<float>(min(64, K));");
    w.Line("  mean = p0.x;");
    w.Line("  m2 = p0.y;");
    w.Comment("Every block counts (cb > 0): the merge without its branch, so the unrolled loads overlap.");
    w.Line("  #pragma unroll 4");
    w.Line("  for (int b = 1; b < nblk; ++b) {");
    w.Line("    const float2 p = mo[b];");
    w.Line("    const float cb = static_cast<float>(min(64, K - 64 * b)), ct = cnt + cb;");
    w.Line("    const float d = p.x - mean, f = __fdividef(cb, ct);");
    w.Line("    m2 = m2 + p.y + d * d * cnt * f;");
    w.Line("    mean = fmaf(d, f, mean);");
    w.Line("    cnt = ct;");
    w.Line("  }");
    w.Line("}");
    w.Linef("agt_sts_f32x2(sS + r * 8, mean, m2 > 0.0f ? rsqrtf(m2 / cnt + {:#.9g}f) : 0.0f);", c.norm_eps);
    w.Dedent();
    w.Line("}");
    w.Linef("for (int q = st; q < {}; q += 96) {{", c.swap_ab ? "kBM" : "kBN");
    w.Linef("  const int col = {} + q;   // an output column (B's)", c.swap_ab ? "u.m0" : "u.n0");
    w.Line("  agt_sts_f32(sC + q * 4, col < N ? colsum[col] : 0.0f);");
    w.Line("}");
    w.Linef("named_barrier_arrive({}, 96 + kConsumerThreads);   // this unit's are written", kMomentsFullBarrier);
  }
  w.Linef("if (!first) named_barrier_sync({}, 96 + kConsumerThreads);   // the last unit's release", kMomentsEmptyBarrier);
}

void EmitNormMomentsReady(CudaWriter& w, const GemmSm90Config& c) {
  if (!c.norm_moments) return;
  w.Linef("named_barrier_sync({}, 96 + kConsumerThreads);   // this unit's LayerNorm statistics are in sS / sC",
          kMomentsFullBarrier);
  // This thread's fragment rows (unswapped: activation rows) or fragment columns (swapped: output
  // columns), 16w + lane/4 (+8) of each slab, once per unit into registers.
  const char* idx = "cw * (kSlabs * 64) + t * 64 + warp * 16 + lane / 4 + 8 * h";
  w.Line(c.swap_ab ? "float nm_col[kSlabs][2];   // colsum of this thread's output columns" : "float2 nm_row[kSlabs][2];   // (mean, rstd) of this thread's rows");
  w.Line("#pragma unroll");
  w.Line("for (int t = 0; t < kSlabs; ++t) {");
  w.Line("  #pragma unroll");
  w.Line("  for (int h = 0; h < 2; ++h) {");
  if (c.swap_ab) {
    w.Linef("    nm_col[t][h] = agt_lds_f32(sC + ({}) * 4);", idx);
  } else {
    w.Linef("    nm_row[t][h] = agt_lds_f32x2(sS + ({}) * 8);", idx);
  }
  w.Line("  }");
  w.Line("}");
}

void EmitNormMomentsRelease(CudaWriter& w, const GemmSm90Config& c) {
  if (!c.norm_moments) return;
  w.Linef("named_barrier_arrive({}, 96 + kConsumerThreads);   // done with this unit's statistics", kMomentsEmptyBarrier);
}

std::string NormMomentsApplyPair() {
  return "{ const float2 cs = agt_lds_f32x2(sC + (8 * j + 2 * (lane % 4)) * 4); const float2 ns = nm_row[t][h]; "
         "v0 = ns.y * (v0 - ns.x * cs.x); v1 = ns.y * (v1 - ns.x * cs.y); }";
}

std::string NormMomentsApplySwapped() {
  return "{ const float2 ns = agt_lds_f32x2(sS + (8 * j + 2 * (lane % 4) + e) * 8); v = ns.y * (v - ns.x * nm_col[t][h]); }";
}

}  // namespace agt::codegen::hopper

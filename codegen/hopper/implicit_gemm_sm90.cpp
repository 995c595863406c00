// The convolution mode of the Hopper GEMM core: implicit GEMM over a channels-last input.
//
// A(m, k) = x[b, oy*sh - pt + ky*dh, ox*sw - pl + kx*dw, c] with m = (b, oy, ox) and k = (ky, kx, c),
// so a 64-wide k-block is 8 runs of 16 bytes, each one pixel's channels c..c+7 at one (ky, kx)
// (C % 8 == 0 keeps a run inside one (ky, kx)). The producer warpgroup's 128 threads fill the A stage
// as TMA would: thread t copies 16-byte group g = t % 8 of rows t / 8 + 16i, at the 128-byte swizzle
// position (row r at r * 128 bytes, group g at (g ^ (r % 8)) * 16) that the consumers' descriptors
// read. Taps outside the image and rows past M are zero-filled by cp.async's src-size 0. Each thread
// then arrives on full_bar(s) through cp.async.mbarrier.arrive.noinc (when its copies have landed),
// and thread 0 also posts the weight's TMA box with arrive.expect_tx: full_bar counts 129 arrivals.
// The consumers fence the async proxy after their wait (cp.async writes through the generic proxy;
// wgmma reads through the async one). The empty barriers, the persistent unit loop, split-K and the
// epilogue are the plain GEMM's.
#include "codegen/hopper/implicit_gemm_sm90.h"

#include <fmt/format.h>

#include "codegen/cuda_writer.h"
#include "codegen/ptx/grid_dependency.h"

namespace agt::codegen::hopper {

Status ValidateConvGeometry(const GemmSm90Config& c) {
  const ConvGeometry2d& g = c.geom;
  if (c.swap_ab) return Status::Error("a convolution is not computed swapped");
  if (c.b_layout != BLayout::kNK) return Status::Error("a convolution's weight is [N, KH*KW*C] (kNK)");
  if (g.C <= 0 || g.C % 8 != 0) return Status::Errorf("C = {}: the gathered runs are 16 bytes, C % 8 == 0", g.C);
  if (g.H <= 0 || g.W <= 0 || g.OH <= 0 || g.OW <= 0 || g.KH <= 0 || g.KW <= 0 || g.sh <= 0 || g.sw <= 0 || g.dh <= 0 ||
      g.dw <= 0 || g.pt < 0 || g.pl < 0) {
    return Status::Errorf("convolution geometry {} has a non-positive extent", DescribeConv(g));
  }
  // Row origins are packed as two 16-bit signed coordinates.
  if (g.H > 16384 || g.W > 16384 || g.pt > 1024 || g.pl > 1024) return Status::Errorf("image {}x{} too large for 16-bit coordinates", g.H, g.W);
  return Status::Ok();
}

Status ValidateConvProblem(const GemmSm90Config& c, int64_t M, int64_t K) {
  const ConvGeometry2d& g = c.geom;
  const int64_t ohw = static_cast<int64_t>(g.OH) * g.OW;
  if (M % ohw != 0) return Status::Errorf("M = {} is not a whole number of {}x{} output images", M, g.OH, g.OW);
  if (K != static_cast<int64_t>(g.KH) * g.KW * g.C) return Status::Errorf("K = {} is not KH * KW * C = {}", K, g.KH * g.KW * g.C);
  if ((M / ohw) * g.H * g.W * static_cast<int64_t>(g.C) >= (int64_t{1} << 31)) return Status::Error("input over 2^31 elements");
  return Status::Ok();
}

void EmitConvProducer(CudaWriter& w, const GemmSm90Config& c) {
  const ConvGeometry2d& g = c.geom;
  w.Comment("Implicit GEMM (implicit_gemm_sm90.cpp): all 128 producer threads gather A by cp.async, thread 0\n"
            "posts B's TMA box. Thread t: 16-byte group t % 8 of the tile's rows t / 8 + 16i.");
  w.Linef("constexpr int kH = {}, kW = {}, kC = {}, kOW = {}, kOHW = {}, kKW = {};", g.H, g.W, g.C, g.OW, g.OH * g.OW, g.KW);
  w.Linef("constexpr int kSH = {}, kSW = {}, kPT = {}, kPL = {}, kDH = {}, kDW = {};", g.sh, g.sw, g.pt, g.pl, g.dh, g.dw);
  w.Line("constexpr int kRows = kBM / 16;   // rows per thread");
  w.Line("const int pt = threadIdx.x, grp = pt % 8, r0 = pt / 8;");
  w.Line("if (pt == 0) prefetch_tensormap(&tm_b);");
  EmitGridDependencyEntry(w);   // every producer thread gathers from the input
  w.Line("int it = 0;   // k-blocks issued by this CTA, across its units: stage it % kStages, use it / kStages");
  w.Open("for (int unit = unit0; unit < units; unit += unit_step)");
  w.Line("const WorkUnit u = agt_work_unit(unit, crank, tiles_m, tiles_n, k_blocks);");
  w.Line("const int m0 = u.m0, n0 = u.n0;");
  w.Comment("Each row's window origin (iy0, ix0) packed in 16-bit halves, and its image's first pixel; rows\n"
            "past M get an origin no tap reaches.");
  w.Line("int yx[kRows], img[kRows];");
  w.Line("#pragma unroll");
  {
    auto rows = w.Block("for (int i = 0; i < kRows; ++i)");
    w.Line("const int m = m0 + r0 + 16 * i;");
    w.Line("const int b = m / kOHW, pix = m - b * kOHW, oy = pix / kOW, ox = pix - oy * kOW;");
    w.Line("const int iy0 = m < M ? oy * kSH - kPT : -32768, ix0 = ox * kSW - kPL;");
    w.Line("yx[i] = (iy0 << 16) | (ix0 & 0xFFFF);");
    w.Line("img[i] = b * (kH * kW);");
  }
  w.Open("for (int kb = u.kb_begin; kb < u.kb_end; ++kb, ++it)");
  w.Line("const int s = it % kStages;");
  w.Line("if (it >= kStages) mbar_wait(empty_bar(s), ((it / kStages) - 1) & 1);");
  w.Line("const int k0 = kb * kBK;");
  {
    auto b = w.Block("if (pt == 0)");
    w.Line("mbar_arrive_expect_tx(full_bar(s), kStageBytesB);");
    w.Line("tma_load_2d(sB + s * kStageBytesB, &tm_b, full_bar(s), k0, n0);");
  }
  w.Line("const int k = k0 + grp * 8, rs = k / kC, ch = k - rs * kC, ky = rs / kKW, kx = rs - ky * kKW;");
  w.Line("const int dy = ky * kDH, dx = kx * kDW;");
  w.Line("const bool k_ok = k < K;");
  w.Line("const u32 dst = sA + s * kStageBytesA + r0 * 128 + ((grp ^ (r0 & 7)) << 4);");
  w.Line("#pragma unroll");
  {
    auto rows = w.Block("for (int i = 0; i < kRows; ++i)");
    w.Line("const int iy = (yx[i] >> 16) + dy, ix = static_cast<int>(static_cast<short>(yx[i] & 0xFFFF)) + dx;");
    w.Line("const bool ok = k_ok && static_cast<unsigned>(iy) < static_cast<unsigned>(kH) && static_cast<unsigned>(ix) < static_cast<unsigned>(kW);");
    w.Line("const InT* src = x + (static_cast<long long>(img[i] + iy * kW + ix) * kC + ch);");
    w.Line("cp_async16_zfill(dst + i * (16 * 128), ok ? src : x, ok);");
  }
  w.Line("cp_async_mbar_arrive_noinc(full_bar(s));");
  w.Close();   // k-blocks
  w.Close();   // units
  w.Line("cp_async_wait_all();   // nothing of this thread's left in flight when it leaves");
}

}  // namespace agt::codegen::hopper

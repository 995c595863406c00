// The main loop of the Hopper GEMM core (see mainloop_sm90.h): the producer warpgroup's TMA loads
// into the ring of stages, and the consumer warpgroups' k-loop of wgmmas from it, with the mbarrier
// protocol of gemm_sm90.cpp's header comment. For tf32 the k-block is 32 deep and each wgmma
// consumes k8: the same 128-byte swizzled rows and 32-byte steps along them as the 16-bit k16.
#include "codegen/hopper/mainloop_sm90.h"

#include <fmt/format.h>

#include "codegen/hopper/implicit_gemm_sm90.h"
#include "codegen/hopper/norm_prologue_sm90.h"
#include "codegen/hopper/ptx_sm90.h"
#include "codegen/ptx/grid_dependency.h"

namespace agt::codegen::hopper {

namespace {

// Registers per thread after setmaxnreg (two consumers: 384 threads enter with 168 each): the
// producer keeps few, consumers take the rest, and the pool balances: 128 * (168 - 40) == 256 * (232 - 168).
constexpr int kProducerRegs = 40;
constexpr int kConsumerRegs = 232;
// A convolution's producer warpgroup gathers A with 128 threads (addresses, bounds), and warps 1-3
// merge LayerNorm statistics with norm_moments: 56 for it, 224 for the consumers
// (128 * (168 - 56) == 256 * (224 - 168)).
constexpr int kConvProducerRegs = 56;
constexpr int kConvConsumerRegs = 224;
bool BusyProducer(const GemmSm90Config& c) { return c.conv || c.norm_moments; }
int ProducerRegs(const GemmSm90Config& c) { return BusyProducer(c) ? kConvProducerRegs : kProducerRegs; }
int ConsumerRegs(const GemmSm90Config& c) { return BusyProducer(c) ? kConvConsumerRegs : kConsumerRegs; }

// The producer's TMA loads of one k-block (in its unit loop: m0, n0, s and k0 set). The weight's part
// (with the stage's arrive.expect_tx for both operands' bytes) and the activation's are separate:
// the first stages' weight tiles go out before the grid-dependency wait (weights are written by no
// kernel), their activation tiles after it. Unswapped: A (tm_a) is the activation, B (tm_b) the
// weight. Swapped: the weight goes into the A ring (rows of its N are the tile's rows) and the
// activation rows into the B ring (one K-major box of tile_n rows; rows past M arrive as zeros).

// Declarations a unit's loads need: how many 64-column boxes of a [K, N] weight the tile reaches
// (boxes wholly past N are skipped: their columns are never stored, so stale shared memory is harmless).
void EmitWeightBoxes(CudaWriter& w, const GemmSm90Config& c) {
  if (c.b_layout != BLayout::kKN) return;
  w.Line(c.swap_ab ? "const int w_boxes = min(kBM / 64, (GM - m0 + 63) / 64);   // the weight's boxes: one per m64 slab"
                   : "const int w_boxes = min(kBN / 64, (GN - n0 + 63) / 64);   // the weight's boxes: one per 64 columns");
}

// A [K, N] weight (16-bit only: tf32 needs [N, K]) comes in 64-column boxes of 128-byte rows.
void EmitWeightLoads(CudaWriter& w, const GemmSm90Config& c) {
  const char* box_bytes = "static_cast<u32>(w_boxes) * (64 * kBK * 2)";
  if (c.b_layout == BLayout::kKN) {
    w.Linef("mbar_arrive_expect_tx(full_bar(s), {});", c.swap_ab ? fmt::format("{} + kStageBytesB", box_bytes)
                                                                 : fmt::format("kStageBytesA + {}", box_bytes));
    const std::string dst = c.swap_ab ? "sA + s * kStageBytesA" : "sB + s * kStageBytesB";
    const std::string col = c.swap_ab ? "m0" : "n0";
    if (c.cluster == 1) {
      w.Linef("for (int j = 0; j < w_boxes; ++j) tma_load_2d({} + j * (64 * kBK * 2), &tm_b, full_bar(s), {} + 64 * j, k0);", dst, col);
    } else {
      w.Comment("Boxes j = crank, crank + 2, ..: into both CTAs' stage s, completing bytes on both CTAs' full_bar(s).");
      w.Linef("for (int j = crank; j < w_boxes; j += 2) tma_load_2d_multicast({} + j * (64 * kBK * 2), &tm_b, full_bar(s), {} + 64 * j, k0, 0x3);",
              dst, col);
    }
  } else {
    w.Comment("Weight [N, K], K-major: one box; rows past N arrive as zeros.");
    w.Line("mbar_arrive_expect_tx(full_bar(s), kStageBytesA + kStageBytesB);");
    w.Line(c.swap_ab ? "tma_load_2d(sA + s * kStageBytesA, &tm_b, full_bar(s), k0, m0);"
                     : "tma_load_2d(sB + s * kStageBytesB, &tm_b, full_bar(s), k0, n0);");
  }
}

void EmitActivationLoad(CudaWriter& w, const GemmSm90Config& c) {
  if (c.cluster > 1) {
    w.Comment("A padding tile of the pair (past the rows) loads the last rows again: its epilogue stores nothing.");
    w.Line(c.swap_ab ? "tma_load_2d(sB + s * kStageBytesB, &tm_a, full_bar(s), k0, min(n0, GN - 1));"
                     : "tma_load_2d(sA + s * kStageBytesA, &tm_a, full_bar(s), k0, min(m0, GM - 1));");
    return;
  }
  w.Line(c.swap_ab ? "tma_load_2d(sB + s * kStageBytesB, &tm_a, full_bar(s), k0, n0);"
                   : "tma_load_2d(sA + s * kStageBytesA, &tm_a, full_bar(s), k0, m0);");
}

// Lane 0 of each consumer warp releases a stage; in a cluster of 2, lanes 0 and 1 release it in
// both CTAs (the peer's producer multicasts into this CTA's stage too).
std::string ReleaseStage(const GemmSm90Config& c, const std::string& stage) {
  return c.cluster == 1 ? fmt::format("if (lane == 0) mbar_arrive(empty_bar({}));", stage)
                        : fmt::format("if (lane < 2) mbar_arrive_cluster(empty_bar({}), lane);", stage);
}

// fence_operand on every accumulator (no instruction: a compiler-ordering point).
void FenceAccumulators(CudaWriter& w) {
  w.Line("#pragma unroll");
  w.Line("for (int t = 0; t < kSlabs; ++t) {");
  w.Line("  #pragma unroll");
  w.Line("  for (int i = 0; i < kBN / 2; ++i) fence_operand(acc[t][i]);");
  w.Line("}");
}

}  // namespace

WgmmaInput WgmmaInputOf(GemmInput in) {
  return in == GemmInput::kF16 ? WgmmaInput::kF16 : in == GemmInput::kBF16 ? WgmmaInput::kBF16 : WgmmaInput::kTF32;
}

void EmitProducer(CudaWriter& w, const GemmSm90Config& c) {
  if (c.conv) {
    if (c.consumers == 2) w.Linef("setmaxnreg_dec<{}>();", ProducerRegs(c));
    EmitConvProducer(w, c);
    return;
  }
  if (c.consumers == 2) {
    w.Comment("Producer warpgroup: registers back to the pool, then one elected thread of warp 0 issues TMA.");
    w.Linef("setmaxnreg_dec<{}>();", ProducerRegs(c));
  } else {
    w.Comment("Producer warpgroup: one elected thread of warp 0 issues TMA. (No setmaxnreg with one consumer:\n"
              "256 threads may hold 255 registers each anyway, and ptxas raises the kernel's entry count to\n"
              "the largest setmaxnreg value, so a lone dec would only waste registers.)");
  }
  auto elected = w.Block("if (threadIdx.x < 32 && elect_one_sync())");
  w.Line("prefetch_tensormap(&tm_a);");
  w.Line("prefetch_tensormap(&tm_b);");
  w.Comment("Before the grid-dependency wait: the weight tiles of this CTA's first unit, up to a full ring, so\n"
            "they stream in while the kernel before finishes (codegen/ptx/grid_dependency.h).");
  w.Line("int pre = 0;   // k-blocks of the first unit whose weight tiles are already issued");
  {
    auto first = w.Block("if (unit0 < units)");
    w.Line("const WorkUnit u = agt_work_unit(unit0, crank, tiles_m, tiles_n, k_blocks);");
    w.Line("const int m0 = u.m0, n0 = u.n0;");
    EmitWeightBoxes(w, c);
    w.Line("pre = min(kStages, u.kb_end - u.kb_begin);");
    auto loop = w.Block("for (int s = 0; s < pre; ++s)");
    w.Line("const int k0 = (u.kb_begin + s) * kBK;");
    EmitWeightLoads(w, c);
  }
  EmitGridDependencyEntry(w);
  w.Line("int it = 0;   // k-blocks issued by this CTA, across its units: stage it % kStages, use it / kStages");
  auto units = w.Block("for (int unit = unit0; unit < units; unit += unit_step)");
  w.Line("const WorkUnit u = agt_work_unit(unit, crank, tiles_m, tiles_n, k_blocks);");
  w.Line("const int m0 = u.m0, n0 = u.n0;");
  EmitWeightBoxes(w, c);
  auto loop = w.Block("for (int kb = u.kb_begin; kb < u.kb_end; ++kb, ++it)");
  w.Line("const int s = it % kStages;");
  w.Comment("Use it / kStages of this stage: wait until the consumers released the use before.");
  w.Line("if (it >= kStages) mbar_wait(empty_bar(s), ((it / kStages) - 1) & 1);");
  w.Line("const int k0 = kb * kBK;");
  w.Line("if (it >= pre) {");
  w.Indent();
  EmitWeightLoads(w, c);
  w.Dedent();
  w.Line("}");
  EmitActivationLoad(w, c);
}

void EmitConsumerUnitStart(CudaWriter& w, const GemmSm90Config& c) {
  if (c.consumers == 2) {
    w.Comment(fmt::format("Entry: 168 registers each (384 threads, one CTA per SM); the producer's {} -> {} frees what\n"
                          "the two consumers' 168 -> {} takes: 128 * {} == 256 * {}.",
                          168, ProducerRegs(c), ConsumerRegs(c), 168 - ProducerRegs(c), ConsumerRegs(c) - 168));
    w.Linef("setmaxnreg_inc<{}>();", ConsumerRegs(c));
  }
  EmitGridDependencyEntry(w);   // before the residual, the output and split-K's workspace
  w.Line("const int cw = wg - 1;                 // consumer index: rows [cw * kSlabs * 64, +kSlabs * 64) of the tile");
  w.Line("const int warp = (threadIdx.x / 32) % 4, lane = threadIdx.x % 32;");
  w.Line("float acc[kSlabs][kBN / 2];");
  w.Line("int it = 0;   // k-blocks consumed by this CTA across its units, in step with the producer's");
  if (c.staged_epilogue) w.Line("int ep = 0;   // epilogue chunks this warpgroup staged, across its units: buffer ep % 2");
  w.Open("for (int unit = unit0; unit < units; unit += unit_step)");
  w.Line("const WorkUnit u = agt_work_unit(unit, crank, tiles_m, tiles_n, k_blocks);");
  w.Line("const int m0 = u.m0, n0 = u.n0;");
  w.Line("#pragma unroll");
  w.Line("for (int t = 0; t < kSlabs; ++t) {");
  w.Line("  #pragma unroll");
  w.Line("  for (int i = 0; i < kBN / 2; ++i) acc[t][i] = 0.0f;");
  w.Line("}");
}

void EmitConsumerKLoop(CudaWriter& w, const GemmSm90Config& c) {
  const WgmmaInput in = WgmmaInputOf(c.input);
  const std::string mma = WgmmaWrapperName(c.tile_n, in);
  const int k_step = WgmmaK(in);   // 16 16-bit or 8 tf32 values: 32 bytes of a K-major row either way
  // Swapped: A is the weight (MN-major when it is [K, N]) and B the activation rows (K-major).
  const int trans_a = c.swap_ab && c.b_layout == BLayout::kKN ? 1 : 0;
  const int trans_b = !c.swap_ab && c.b_layout == BLayout::kKN ? 1 : 0;
  {
    auto loop = w.Block("for (int kb = u.kb_begin; kb < u.kb_end; ++kb, ++it)");
    w.Line("const int s = it % kStages;");
    w.Line("mbar_wait(full_bar(s), (it / kStages) & 1);");
    if (c.conv) {
      w.Comment("A arrived by cp.async (the generic proxy); wgmma reads through the async proxy.");
      w.Line("fence_proxy_async();");
    }
    w.Line("const u32 a_stage = sA + s * kStageBytesA + cw * (kSlabs * 64 * 128);");
    w.Line("const u32 b_stage = sB + s * kStageBytesB;");
    FenceAccumulators(w);
    w.Line("wgmma_fence();");
    w.Line("#pragma unroll");
    {
      auto kk = w.Block(fmt::format("for (int kk = 0; kk < kBK / {}; ++kk)", k_step));
      if (trans_b) {
        w.Comment("B MN-major: 16 k-rows of 128 bytes per step; 8-row groups 1024 bytes apart (SBO), the\n"
                  "next 64-column box 64 * 128 bytes on (LBO).");
        w.Line("const u64 db = smem_desc(b_stage + kk * (16 * 128), 64 * kBK * 2, 1024, 1);");
      } else {
        w.Comment(fmt::format("B K-major: {} values = 32 bytes along the swizzled row per step; 8-row groups 1024 apart.", k_step));
        w.Line("const u64 db = smem_desc(b_stage + kk * 32, 16, 1024, 1);");
      }
      w.Line("#pragma unroll");
      auto slab = w.Block("for (int t = 0; t < kSlabs; ++t)");
      if (trans_a) {
        w.Comment("A MN-major, m64 slab t = one 64-column box (64 * 128 bytes): 16 k-rows of 128 bytes per step,\n"
                  "8-row groups 1024 bytes apart.");
        w.Line("const u64 da = smem_desc(a_stage + t * (64 * 128) + kk * (16 * 128), 64 * 128, 1024, 1);");
      } else {
        w.Comment(fmt::format("A K-major, m64 slab t: 8-row groups 1024 bytes apart, 32 bytes per k{} step.", k_step));
        w.Line("const u64 da = smem_desc(a_stage + t * (64 * 128) + kk * 32, 16, 1024, 1);");
      }
      w.Linef("{}<{}, {}>(acc[t], da, db, 1);", mma, trans_a, trans_b);
    }
    w.Line("wgmma_commit_group();");
    EmitNormKBlock(w, c);
    w.Comment("One group stays in flight; the group of the k-block before has finished reading its stage: release it.");
    w.Line("wgmma_wait_group<1>();");
    FenceAccumulators(w);
    if (c.norm) w.Line("__syncwarp();   // the warp's own reads of that stage (LayerNorm prologue) are done too");
    w.Linef("if (kb > u.kb_begin) {{ {} }}", ReleaseStage(c, "(it - 1) % kStages"));
  }
  w.Line("wgmma_wait_group<0>();");
  FenceAccumulators(w);
  w.Comment("The unit's last stage is read too: release it (the producer may be filling the next unit's).");
  if (c.norm) w.Line("__syncwarp();");
  w.Linef("if (u.kb_end > u.kb_begin) {{ {} }}", ReleaseStage(c, "(it - 1) % kStages"));
}

}  // namespace agt::codegen::hopper

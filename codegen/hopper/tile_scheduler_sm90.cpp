// The tile schedule of the Hopper GEMM core: work units, grid, workspace, split-K reduction, and the
// default configuration (see tile_scheduler_sm90.h).
#include "codegen/hopper/tile_scheduler_sm90.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "codegen/hopper/norm_moments_sm90.h"

namespace agt::codegen::hopper {

namespace {
int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
}  // namespace

GemmSm90Schedule ScheduleGemmSm90(const GemmSm90Config& c, int64_t M, int64_t N, int64_t K) {
  if (c.swap_ab) std::swap(M, N);   // the tiles' M side walks C's columns
  GemmSm90Schedule s;
  s.tiles_m = CeilDiv(M, c.tile_m);
  s.tiles_n = CeilDiv(N, c.tile_n);
  // A cluster pairs tiles that read the same weight columns: that side's count rounds up to even.
  if (c.cluster == 2) (c.swap_ab ? s.tiles_n : s.tiles_m) = CeilDiv(c.swap_ab ? s.tiles_n : s.tiles_m, 2) * 2;
  s.k_blocks = CeilDiv(K, c.tile_k);
  s.units = s.tiles_m * s.tiles_n * c.split_k;
  return s;
}

int64_t GemmSm90PairedSideTiles(const GemmSm90Config& c, int64_t M) { return CeilDiv(M, c.swap_ab ? c.tile_n : c.tile_m); }

GemmSm90StreamRows GemmSm90L2StreamRows(const GemmSm90Config& c) {
  GemmSm90StreamRows r;
  r.weight = (c.swap_ab ? c.tile_m : c.tile_n) / static_cast<double>(c.cluster);
  r.activation = c.swap_ab ? c.tile_n : c.tile_m;
  return r;
}

std::array<uint32_t, 3> GemmSm90Grid(const GemmSm90Config& c, int64_t M, int64_t N, int64_t K, int sms) {
  const int64_t units = ScheduleGemmSm90(c, M, N, K).units;
  if (c.cluster > 1) {
    // Whole clusters, each taking a pair of units at a time.
    const int64_t clusters = std::max<int64_t>(1, std::min<int64_t>(units / c.cluster, sms / c.cluster));
    return {static_cast<uint32_t>(clusters * c.cluster), 1, 1};
  }
  if (c.split_scatter && c.split_k > 1) {
    // Whole rounds of splits (units is a multiple of split_k): every tile's splits run at once.
    const int64_t ctas = std::max<int64_t>(c.split_k, std::min<int64_t>(units, sms / c.split_k * c.split_k));
    return {static_cast<uint32_t>(ctas), 1, 1};
  }
  return {static_cast<uint32_t>(std::max<int64_t>(1, std::min<int64_t>(units, sms))), 1, 1};
}

int64_t GemmSm90WorkspaceBytes(const GemmSm90Config& c, int64_t M, int64_t N) {
  if (c.split_k <= 1) return 0;
  const GemmSm90Schedule s = ScheduleGemmSm90(c, M, N, 1);
  const int64_t tiles = s.tiles_m * s.tiles_n;
  return tiles * c.split_k * c.tile_m * c.tile_n * 4 + tiles * 4;
}

const std::vector<GemmSm90TileChoice>& GemmSm90TileChoices() {
  static const std::vector<GemmSm90TileChoice> kChoices = {
      // 64x128 before 128x64: the model cannot tell them apart at M = 197 (the same units, bytes and
      // outputs), and the staged-epilogue sweep measured 64x128 (one consumer) at or below 128x64 on
      // 19 of 24 shapes, the rest within 0.1 us (1.2 us less on ViT-L fc1, 5 us on ViT-H fc1); ties
      // keep the earlier choice.
      {128, 128, 4, 2}, {64, 128, 8, 1}, {128, 64, 8, 2}, {64, 64, 6, 1},
      {128, 192, 4, 2}, {128, 256, 3, 2}, {64, 256, 4, 1},
  };
  return kChoices;
}

GemmSm90Config WithTile(GemmSm90Config base, const GemmSm90TileChoice& t) {
  base.tile_m = t.tile_m;
  base.tile_n = t.tile_n;
  base.stages = t.stages;
  base.consumers = t.consumers;
  return base;
}

std::vector<int> GemmSm90SwappedTileRows(int64_t M) {
  std::vector<int> rows;
  for (int parts = 1; parts <= 4; ++parts) {
    const int tn = static_cast<int>(CeilDiv(CeilDiv(M, parts), 8) * 8);
    if (tn <= 256 && (rows.empty() || rows.back() != tn)) rows.push_back(tn);
  }
  return rows;
}

std::vector<GemmSm90TileChoice> GemmSm90SwappedTileChoices(int64_t M) {
  std::vector<GemmSm90TileChoice> v;
  for (int tile_m : {64, 128}) {
    for (int tn : GemmSm90SwappedTileRows(M)) {
      // The deepest ring (up to 8 stages) that leaves room for the staging buffer.
      GemmSm90Config c;
      c.swap_ab = true;
      c.tile_m = tile_m;
      c.tile_n = tn;
      c.consumers = tile_m / 64;
      for (c.stages = 8; c.stages > 2 && !ValidateGemmSm90(c).ok(); --c.stages) {
      }
      v.push_back({tile_m, tn, c.stages, c.consumers});
    }
  }
  return v;
}

// The model's constants, fitted to the stage (c) sweeps on an H200 (docs/perf-notes.md: 24 shapes x
// 38 configurations, and probes at K = 64 and 768): a k-block costs max(wgmma, loads) at 3790 flop
// and 60 bytes of L2 traffic per SM cycle (now 50, below; 128x128 and 128x256 tiles ran at the wgmma
// rate, 64-wide ones at the load rate). A unit costs ~2.2 us besides (launch, pipeline fill, drain) plus ~0.3
// cycles per output element (the epilogue's 4-byte stores, 8 rows per warp instruction: +1.2 us per
// 64 columns of a 128-row tile). Split-K's chain (partials stored, the counter published, polled,
// the partials read back) costs ~1.8 us more plus S times the partial tile's bytes at 32 bytes per
// cycle (each further split added ~1 us per 64 KB of partial tile). A CTA that runs a second unit
// overlaps half of that unit's fixed cost with the first one's epilogue. The staged epilogue (16-byte
// row stores through shared memory, docs/results/2026-12-01-h200-sm90-epilogue/) measured ~0.5 us
// per 8192 outputs (0.12 cycles per output) against the register path's ~1.4 in the same call's
// probes; refitted to that call's sweep (offline): 50 bytes of L2 per SM cycle, which the long
// k-loops of the 64-wide tiles (ViT-H fc2's 80 k-blocks) run at.
// Refitted with the swapped tiles (2026-12-06, an H100's sweep of 33 shapes, bias epilogue,
// scripts/gpu/fit_sm90_defaults.py; docs/results/2026-12-06-h100-sm90-swap/): swapped units stream at
// ~70 bytes per cycle (the weight tile is the wide side), a k-block's wgmmas cost at least what a
// 96-wide tile's do (narrow N does not shorten them in proportion), and both epilogues cost less per
// output than fitted before; the default's pick is then within 2.1% of the sweep's best (geomean;
// worst 1.15x, SETR fc2), against 3.1% (worst 1.26x) with the earlier constants.
namespace {
constexpr double kL2BytesPerCycle = 50.0;
constexpr double kSwappedL2BytesPerCycle = 70.0;
constexpr double kFlopPerCycle = 2500.0;
constexpr int kMinMmaN = 96;
constexpr double kUnitCycles = 4400.0;
constexpr double kEpilogueCyclesPerOutput = 0.3;         // register stores (staged_epilogue = false)
constexpr double kStagedEpilogueCyclesPerOutput = 0.08;  // staged through shared memory
constexpr double kSwappedEpilogueCyclesPerOutput = 0.12; // staged with 2-byte transposing stores
constexpr double kSplitCycles = 3500.0;
constexpr double kPartialBytesPerCycle = 32.0;
}  // namespace

double GemmSm90EstimateCycles(const GemmSm90Config& c, int64_t M, int64_t N, int64_t K, int sms) {
  const GemmSm90Schedule s = ScheduleGemmSm90(c, M, N, K);
  const int64_t rounds = CeilDiv(s.units, static_cast<int64_t>(GemmSm90Grid(c, M, N, K, sms)[0]));   // units of the busiest CTA
  const int64_t kb = CeilDiv(s.k_blocks, c.split_k);           // k-blocks of its longest unit
  // (A cluster's halved weight rows are not fitted: the clustered sweeps never won.)
  const GemmSm90StreamRows rows = GemmSm90L2StreamRows(c);
  const double load = static_cast<double>(kb) * (rows.activation + rows.weight) * c.tile_k * GemmInputBytes(c.input) /
                      (c.swap_ab ? kSwappedL2BytesPerCycle : kL2BytesPerCycle);
  // tf32 wgmmas run at half the 16-bit rate (not fitted: no tf32 sweep yet).
  const double flop_rate = c.input == GemmInput::kTF32 ? kFlopPerCycle / 2 : kFlopPerCycle;
  const double mma = static_cast<double>(kb) * c.tile_m * std::max(c.tile_n, kMinMmaN) * c.tile_k * 2 / flop_rate;
  // Split-K's reduction: the last split reads S - 1 partial tiles (the fitted term counts S); with
  // reduce-scatter each split writes and reads (S - 1) / S of one, and stores 1 / S of the tile (not
  // fitted yet: the first sweep with `_scat` twins tells).
  const double tile_bytes = static_cast<double>(c.tile_m) * c.tile_n * 4;
  const double split = c.split_k <= 1 ? 0.0
                       : c.split_scatter ? kSplitCycles + 2.0 * (c.split_k - 1) / c.split_k * tile_bytes / kPartialBytesPerCycle
                                         : kSplitCycles + c.split_k * tile_bytes / kPartialBytesPerCycle;
  const double per_output = !c.staged_epilogue ? kEpilogueCyclesPerOutput
                            : c.swap_ab         ? kSwappedEpilogueCyclesPerOutput
                                                : kStagedEpilogueCyclesPerOutput;
  const double stored = static_cast<double>(c.tile_m) * c.tile_n / (c.split_scatter && c.split_k > 1 ? c.split_k : 1);
  const double fixed = kUnitCycles + per_output * stored;
  return static_cast<double>(rounds) * (std::max(load, mma) + split) + fixed + static_cast<double>(rounds - 1) * fixed / 2;
}

GemmSm90Config DefaultGemmSm90Config(int64_t M, int64_t N, int64_t K, int sms, const GemmSm90Config& epilogue) {
  GemmSm90Config best = epilogue;
  double best_cycles = 1e300;
  const int64_t k_blocks = CeilDiv(K, epilogue.tile_k);
  std::vector<std::pair<GemmSm90TileChoice, bool>> tiles;   // (tile, swapped)
  for (const GemmSm90TileChoice& t : GemmSm90TileChoices()) tiles.push_back({t, false});
  // 16-bit products with f32 outputs swap too, but the model's swapped epilogue was fitted to 2-byte
  // stores, so their defaults stay unswapped; tf32 ones (f32 outputs always) take the swapped tiles.
  if (!epilogue.out_f32 && !epilogue.conv) {
    for (const GemmSm90TileChoice& t : GemmSm90SwappedTileChoices(M)) tiles.push_back({t, true});
  }
  for (const auto& [t, swapped] : tiles) {
    for (int split = 1; split <= 4; ++split) {
      if (split > 1 && k_blocks < 2 * split) break;   // each range at least two k-blocks
      GemmSm90Config c = WithTile(epilogue, t);
      c.swap_ab = swapped;
      c.split_k = split;
      if (!ValidateGemmSm90(c).ok()) continue;
      const double cycles = GemmSm90EstimateCycles(c, M, N, K, sms);
      // Strictly better only: ties keep the earlier choice (larger tiles, fewer splits).
      if (cycles < best_cycles * 0.999) {
        best_cycles = cycles;
        best = c;
      }
    }
  }
  return best;
}

// The tile of pair unit p (a cluster's unit) for the CTA of rank `rank`: pairs along M unswapped,
// along N swapped (the tiles that read the same weight columns), walked in raster order.
void EmitPairDecode(CudaWriter& w, const GemmSm90Config& c) {
  w.Linef("const int p = u / {};", c.split_k);
  w.Linef("r.split = u - p * {};", c.split_k);
  const bool along_m = c.raster == Raster::kAlongM;
  if (!c.swap_ab) {
    w.Line(along_m ? "const int mt = 2 * (p % (tiles_m / 2)) + rank, nt = p / (tiles_m / 2);"
                   : "const int nt = p % tiles_n, mt = 2 * (p / tiles_n) + rank;");
  } else {
    w.Line(along_m ? "const int mt = p % tiles_m, nt = 2 * (p / tiles_m) + rank;"
                   : "const int nt = 2 * (p % (tiles_n / 2)) + rank, mt = p / (tiles_n / 2);");
  }
  w.Line("r.tile = mt + nt * tiles_m;   // split-K's workspace slot and counter");
  w.Linef("r.m0 = mt * {};", c.tile_m);
  w.Linef("r.n0 = nt * {};", c.tile_n);
}

void EmitWorkUnitDecode(CudaWriter& w, const GemmSm90Config& c) {
  if (c.cluster == 1) {
    w.Comment(fmt::format("Work unit u: tile u / {0} in raster order along {1}, split u % {0} of its k-blocks.", c.split_k,
                          c.raster == Raster::kAlongM ? "M" : "N"));
  } else {
    w.Comment(fmt::format("Work unit u of a cluster: pair u / {0} in raster order along {1}, split u % {0} of its k-blocks;\n"
                          "the CTA of rank `rank` takes the pair's tile `rank`.",
                          c.split_k, c.raster == Raster::kAlongM ? "M" : "N"));
  }
  w.Line("struct WorkUnit { int m0, n0, tile, split, kb_begin, kb_end; };");
  w.Line("__device__ __forceinline__ WorkUnit agt_work_unit(int u, int rank, int tiles_m, int tiles_n, int k_blocks) {");
  w.Indent();
  w.Line("WorkUnit r;");
  if (c.cluster > 1) {
    EmitPairDecode(w, c);
  } else {
    w.Line("(void)rank;");
    w.Linef("r.tile = u / {};", c.split_k);
    w.Linef("r.split = u - r.tile * {};", c.split_k);
    if (c.raster == Raster::kAlongM) {
      w.Linef("r.m0 = (r.tile % tiles_m) * {};", c.tile_m);
      w.Linef("r.n0 = (r.tile / tiles_m) * {};", c.tile_n);
    } else {
      w.Linef("r.n0 = (r.tile % tiles_n) * {};", c.tile_n);
      w.Linef("r.m0 = (r.tile / tiles_n) * {};", c.tile_m);
    }
  }
  w.Linef("r.kb_begin = r.split * k_blocks / {};", c.split_k);
  w.Linef("r.kb_end = (r.split + 1) * k_blocks / {};", c.split_k);
  w.Line("return r;");
  w.Dedent();
  w.Line("}");
}

// The partial tiles' constants (both reductions): float4 groups per slab and thread, floats per
// partial tile, and how many groups' loads are summed per batch.
void EmitPartialTileConstants(CudaWriter& w) {
  w.Line("constexpr int kGroups = kBN / 8;                // float4 groups per m64 slab per thread");
  w.Line("constexpr long long kSlot = static_cast<long long>(kBM) * kBN;   // floats per partial tile");
  w.Line("constexpr int kChunk = 16 / (kSplits - 1) > 0 ? 16 / (kSplits - 1) : 1;   // float4 groups summed per batch of loads");
}

// slot(sp): this consumer thread's first float of split sp's partial of the unit's tile.
void EmitPartialSlot(CudaWriter& w) {
  w.Comment("Slot (tile, split); float4 (t, g) of consumer thread ctid at ((t * kGroups + g) * threads + ctid) * 4.");
  w.Line("auto slot = [&](int sp) { return workspace + (static_cast<long long>(u.tile) * kSplits + sp) * kSlot + 4 * ctid; };");
}

// The partial sums: for each float4 group (t, g) of this thread's accumulators (those of the split's
// own 8-column groups only, with reduce-scatter), the other splits' partials loaded and added to its
// own in split order 0..S-1, the sums written back to acc.
void EmitPartialSums(CudaWriter& w, bool own_groups_only) {
  w.Line("#pragma unroll");
  w.Line("for (int t = 0; t < kSlabs; ++t) {");
  w.Line("  #pragma unroll");
  w.Line("  for (int g = 0; g < kGroups; ++g) {");
  if (own_groups_only) w.Line("    if (g < own_jb || g >= own_je) continue;");
  w.Line("    const float4 own = make_float4(acc[t][4 * g], acc[t][4 * g + 1], acc[t][4 * g + 2], acc[t][4 * g + 3]);");
  if (own_groups_only) {
    w.Line("    float4 other[kSplits - 1];   // split j below this one's, j + 1 from it on; all loads in flight at once");
  } else {
    w.Line("    // The other splits' partials, loaded unconditionally (no branch: all in flight at once);");
    w.Line("    // other[j] is split j below this one's, j + 1 from it on.");
    w.Line("    float4 other[kSplits - 1];");
  }
  w.Line("    #pragma unroll");
  w.Line("    for (int j = 0; j < kSplits - 1; ++j) other[j] = ld_global_cg_v4(slot(j < u.split ? j : j + 1) + (t * kGroups + g) * (4 * kConsumerThreads));");
  w.Line("    float4 sum = u.split == 0 ? own : other[0];");
  w.Line("    #pragma unroll");
  w.Line("    for (int sp = 1; sp < kSplits; ++sp) {");
  w.Line("      const float4 p = sp == u.split ? own : sp < u.split ? other[sp < kSplits - 1 ? sp : 0] : other[sp - 1];");
  w.Line("      sum.x += p.x; sum.y += p.y; sum.z += p.z; sum.w += p.w;   // in split order 0, 1, ..");
  w.Line("    }");
  w.Line("    acc[t][4 * g] = sum.x; acc[t][4 * g + 1] = sum.y; acc[t][4 * g + 2] = sum.z; acc[t][4 * g + 3] = sum.w;");
  if (!own_groups_only) {
    w.Line("    // A compiler-ordering point every kChunk groups, meant to bound the partials in flight (~64 registers);");
    w.Line("    // ptxas still schedules across it: split 3-4 on 128-wide tiles spill a few registers here.");
  }
  w.Line("    if ((t * kGroups + g + 1) % kChunk == 0) fence_operand(acc[t][4 * g]);");
  w.Line("  }");
  w.Line("}");
}

// Reduce-scatter (split_scatter): every split of a tile reduces and stores its own share of it.
void EmitSplitKScatter(CudaWriter& w, const GemmSm90Config& c) {
  w.Comment(fmt::format(
      "Split-K ({0} ranges per tile), reduce-scatter: split s owns the 8-column groups [s G / {0}, (s + 1) G / {0})\n"
      "of the tile's G = kBN / 8 (output rows, swapped). Each split writes its partial of the groups it does\n"
      "not own, counts itself arrived (high half of the tile's counter), waits for all {0}, then adds the\n"
      "partials of its own groups in split order 0..{1} (its own from registers) and runs the epilogue on\n"
      "them alone. The same sums in the same order as the last-arrival reduction: the same bits. Every\n"
      "split waits for the others, so all must be resident: the grid is a multiple of {0} (the splits of a\n"
      "tile fall in one round of the persistent walk) and at most one CTA per SM.",
      c.split_k, c.split_k - 1));
  w.Line("const int own_jb = u.split * (kBN / 8) / kSplits, own_je = (u.split + 1) * (kBN / 8) / kSplits;");
  w.Line("const int ctid = threadIdx.x - 128;             // 0 .. kConsumerThreads-1");
  w.Line("unsigned scatter_pass = 0u;                      // thread 0: splits of this tile past their wait before it");
  w.Line("unsigned* counter = reinterpret_cast<unsigned*>(workspace + static_cast<long long>(tiles_m) * tiles_n * kSplits *");
  w.Line("                                                static_cast<long long>(kBM) * kBN) + u.tile;");
  auto scope = w.Block("");
  EmitPartialTileConstants(w);
  EmitPartialSlot(w);
  w.Line("float* mine = slot(u.split);");
  w.Line("#pragma unroll");
  w.Line("for (int t = 0; t < kSlabs; ++t) {");
  w.Line("  #pragma unroll");
  w.Line("  for (int g = 0; g < kGroups; ++g) {");
  w.Line("    if (g >= own_jb && g < own_je) continue;   // this split's own groups stay in registers");
  w.Line("    st_global_cg_v4(mine + (t * kGroups + g) * (4 * kConsumerThreads), acc[t][4 * g], acc[t][4 * g + 1],");
  w.Line("                    acc[t][4 * g + 2], acc[t][4 * g + 3]);");
  w.Line("  }");
  w.Line("}");
  w.Comment("The barrier orders every consumer thread's stores before thread 0's release (cumulative, as in the\n"
            "last-arrival reduction); thread 0's acquire of the count that shows all splits arrived, then the\n"
            "barrier, orders the other splits' stores before every consumer thread's loads.");
  w.Line("named_barrier_sync(1, kConsumerThreads);");
  w.Line("if (ctid == 0) {");
  w.Line("  red_add_release_gpu(counter, 1u << 16);");
  w.Line("  wait_count_high(counter, kSplits);");
  w.Line("}");
  w.Line("named_barrier_sync(1, kConsumerThreads);");
  EmitPartialSums(w, /*own_groups_only=*/true);
  w.Comment("This split is past its wait (low half + 1); the last to get there resets the counter for the next\n"
            "launch (nobody polls it any more). The result is needed only at the unit's end (EmitSplitKFinish).");
  w.Line("if (ctid == 0) scatter_pass = atom_add_relaxed_gpu(counter, 1u) & 0xFFFFu;");
}

void EmitSplitKFinish(CudaWriter& w, const GemmSm90Config& c) {
  if (c.split_k <= 1 || !c.split_scatter) return;
  w.Line("if (ctid == 0 && scatter_pass == kSplits - 1) st_relaxed_gpu(counter, 0u);   // every split is past its wait");
}

void EmitSplitKReduce(CudaWriter& w, const GemmSm90Config& c) {
  if (c.split_k <= 1) return;
  if (c.split_scatter) {
    EmitSplitKScatter(w, c);
    return;
  }
  w.Comment(fmt::format(
      "Split-K ({} ranges per tile), deterministic: a ticket from the tile's counter; the first {} to arrive\n"
      "write their partial and count themselves done (high half); the last waits for them, resets the\n"
      "counter and adds the partials in split order 0..{}, its own from registers, then runs the epilogue.",
      c.split_k, c.split_k - 1, c.split_k - 1));
  auto scope = w.Block("");
  EmitPartialTileConstants(w);
  w.Line("const int ctid = threadIdx.x - 128;             // 0 .. kConsumerThreads-1");
  w.Line("unsigned* counter = reinterpret_cast<unsigned*>(workspace + static_cast<long long>(tiles_m) * tiles_n * kSplits * kSlot) + u.tile;");
  w.Line("if (ctid == 0) split_ticket = atom_add_relaxed_gpu(counter, 1u) & 0xFFFFu;");
  w.Line("named_barrier_sync(1, kConsumerThreads);");
  w.Line("const bool last = split_ticket == kSplits - 1;");
  EmitPartialSlot(w);
  {
    auto early = w.Block("if (!last)");
    w.Line("float* mine = slot(u.split);");
    w.Line("#pragma unroll");
    w.Line("for (int t = 0; t < kSlabs; ++t) {");
    w.Line("  #pragma unroll");
    w.Line("  for (int g = 0; g < kGroups; ++g) {");
    w.Line("    st_global_cg_v4(mine + (t * kGroups + g) * (4 * kConsumerThreads), acc[t][4 * g], acc[t][4 * g + 1],");
    w.Line("                    acc[t][4 * g + 2], acc[t][4 * g + 3]);");
    w.Line("  }");
    w.Line("}");
    w.Comment("The barrier orders every consumer thread's stores before thread 0's release, which is cumulative:\n"
              "it publishes them all (CUTLASS's semaphore pattern; a fence in every thread only adds latency).");
    w.Line("named_barrier_sync(1, kConsumerThreads);");
    w.Line("if (ctid == 0) red_add_release_gpu(counter, 1u << 16);");
    EmitNormMomentsRelease(w, c);
    w.Line("continue;");
  }
  w.Line("if (ctid == 0) {");
  w.Line("  wait_count_high(counter, kSplits - 1);");
  w.Line("  st_relaxed_gpu(counter, 0u);                   // ready for the next launch");
  w.Line("}");
  w.Comment("Thread 0's acquire, then the barrier: every consumer thread's loads below see the partials.");
  w.Line("named_barrier_sync(1, kConsumerThreads);");
  EmitPartialSums(w, /*own_groups_only=*/false);
}

}  // namespace agt::codegen::hopper

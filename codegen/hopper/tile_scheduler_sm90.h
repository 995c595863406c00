// The Hopper GEMM core's tile schedule (issue 13 stage c): how a product is cut into work units and
// handed to a persistent grid, the split-K reduction, and the shape-based default configuration.
//
// Work units. The M x N output is cut into tile_m x tile_n tiles, numbered in raster order (along M:
// tile t is (t % tiles_m, t / tiles_m); along N: (t / tiles_n, t % tiles_n)); each tile's k-blocks
// are cut into split_k even ranges (split s covers [s * kb / S, (s + 1) * kb / S)). Unit u is
// (tile u / S, split u % S): the splits of one tile are neighbours, so they run at the same time.
// The grid is min(units, SMs) CTAs (one per SM: __launch_bounds__(threads, 1) and most of shared
// memory); CTA b takes units b, b + grid, b + 2 grid, ...
//
// Split-K, deterministic. Each unit accumulates its k-range in registers. With S > 1, at the end of a
// unit one consumer thread takes a ticket from the tile's counter (the low 16 bits, atom.add). The
// first S-1 to arrive write their fp32 partial to the workspace (slot = split, in accumulator-fragment
// order so that each warp's stores are 512 contiguous bytes), fence, and add 1 << 16 (red.release).
// The last to arrive waits until the high half reads S-1 (ld.acquire; the others are past their
// ticket, already writing, so nothing waits on a CTA that is not running), resets the counter to 0
// for the next launch, and sums the partials in split order 0..S-1 (its own from registers), then runs
// the fused epilogue. The sum's order never depends on which split came last, so the output is
// bit-identical from run to run and for any grid size.
//
// Reduce-scatter (GemmSm90Config::split_scatter). The last-arrival reduction leaves one CTA reading
// S-1 partial tiles and running the whole epilogue while the tile's other S-1 SMs idle. Instead split s
// owns 1/S of the tile's 8-column groups (output rows, swapped): it writes the partial of the groups
// it does not own, adds 1 << 16 (red.release), waits until the high half reads S (ld.acquire), adds its
// own groups' partials in split order 0..S-1 and runs the epilogue on those groups only; then it adds 1
// to the low half, and the split that brings it to S resets the counter at its unit's end. Per CTA
// (S-1)/S of a partial tile written and read instead of S-1 partial tiles read by one. Every split
// waits for all the others, so all CTAs must be resident at once: the grid is a multiple of S at
// most the SM count (the splits of a tile are neighbouring units, so one round of the walk holds
// them all), the kernel's one-CTA-per-SM footprint keeps any CTA from waiting behind another of the
// same grid, and the runtime refuses the launch on a GPU with fewer SMs than the grid (co_resident).
// Another kernel on the same GPU at the same time (a second stream or process) could otherwise hold
// some of the SMs while this one holds the rest, so the launch is cooperative (LaunchSpec::co_resident
// -> runtime::LaunchKernel's cooperative attribute): the driver keeps the whole grid resident or
// refuses the launch; wait_count_high's watchdog traps after 2^34 cycles if anything still goes wrong.
// Measured (H100, 2026-12-07): right, bit-identical to the last arrival, but 6-7% slower on the K-heavy
// rows' configurations (every split now waits for the slowest) and faster only at 128x256 split 4,
// never a row's best; so split_scatter stays out of the tuner's space and the defaults.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "codegen/cuda_writer.h"
#include "codegen/hopper/gemm_sm90.h"

namespace agt::codegen::hopper {

struct GemmSm90Schedule {
  int64_t tiles_m = 0, tiles_n = 0;
  int64_t k_blocks = 0;   // ceil(K / tile_k)
  int64_t units = 0;      // tiles_m * tiles_n * split_k
};
GemmSm90Schedule ScheduleGemmSm90(const GemmSm90Config& cfg, int64_t M, int64_t N, int64_t K);

// Tiles along the side a cluster pairs: the activation's rows (M unswapped, the token tiles swapped),
// whose tiles read the same weight columns, counted from the unswapped M (ScheduleGemmSm90 rounds its
// own count of that side up to even for a cluster).
int64_t GemmSm90PairedSideTiles(const GemmSm90Config& cfg, int64_t M);

// Rows of the weight and of the activation one CTA streams from L2 per k-block: a cluster of 2 reads
// each weight tile once for both CTAs (swapped, the weight is the tile's M side).
struct GemmSm90StreamRows {
  double weight = 0, activation = 0;
};
GemmSm90StreamRows GemmSm90L2StreamRows(const GemmSm90Config& cfg);

// Launch grid: {min(units, sms), 1, 1}; clusters: whole clusters; reduce-scatter split-K: a multiple of
// split_k (at least split_k CTAs, which must all be resident at once).
std::array<uint32_t, 3> GemmSm90Grid(const GemmSm90Config& cfg, int64_t M, int64_t N, int64_t K, int sms);

// Bytes of workspace a launch needs: 0 with split_k 1; else tiles * S partial tiles of fp32, then one
// 32-bit counter per tile. Zero it once; the kernel leaves it zeroed.
int64_t GemmSm90WorkspaceBytes(const GemmSm90Config& cfg, int64_t M, int64_t N);

// The default tile, stages, warpgroups and split for a problem on `sms` SMs, keeping `epilogue`'s
// input type, B layout and fused epilogue. A small cost model (GemmSm90EstimateCycles): per SM,
// bytes over L2 (A and B tiles of the unit's k-range, plus the fp32 partial written or read with
// split-K) against the wgmma rate, times the units the busiest CTA runs, plus a fixed cost per unit.
GemmSm90Config DefaultGemmSm90Config(int64_t M, int64_t N, int64_t K, int sms, const GemmSm90Config& epilogue);
double GemmSm90EstimateCycles(const GemmSm90Config& cfg, int64_t M, int64_t N, int64_t K, int sms);

// The tile shapes (tile_m, tile_n, stages, consumers) the default and the benchmark's sweep choose from.
struct GemmSm90TileChoice {
  int tile_m, tile_n, stages, consumers;
};
const std::vector<GemmSm90TileChoice>& GemmSm90TileChoices();
// `base` with tile t's shape, ring depth and warpgroups (its epilogue, layout and schedule kept).
GemmSm90Config WithTile(GemmSm90Config base, const GemmSm90TileChoice& t);
// The swapped tiles (GemmSm90Config::swap_ab) for a product of M rows: tile_m 64 (one consumer) or
// 128 (two), tile_n the M rows cut into 1..4 parts rounded up to 8 (at most 256), the deepest ring
// that fits beside the staging buffer.
std::vector<GemmSm90TileChoice> GemmSm90SwappedTileChoices(int64_t M);
// Just their tile_n values (what the search space lists; no ring fitting).
std::vector<int> GemmSm90SwappedTileRows(int64_t M);

// ---- for the emitter (gemm_sm90.cpp) ----
// Device helpers: the WorkUnit struct and agt_work_unit(u, tiles_m, tiles_n, k_blocks).
void EmitWorkUnitDecode(CudaWriter& w, const GemmSm90Config& cfg);
// The consumer's end-of-unit split-K step (nothing with split_k 1): in a unit loop body, after the
// accumulators are final; `continue`s for the splits that do not run the epilogue.
// With split_scatter it is the reduce-scatter step instead (never `continue`s) and declares own_jb /
// own_je, the 8-column groups the epilogue keeps; EmitSplitKFinish closes it at the unit's end.
void EmitSplitKReduce(CudaWriter& w, const GemmSm90Config& cfg);
void EmitSplitKFinish(CudaWriter& w, const GemmSm90Config& cfg);

}  // namespace agt::codegen::hopper

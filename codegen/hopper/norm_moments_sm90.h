// The Hopper GEMM core's LayerNorm from a producer's row moments (GemmSm90Config::norm_moments):
// C = LN(A) * B (+ bias ...) with LN affine-free over A's rows of K, its statistics not recomputed by
// every CTA along N (the LayerNorm prologue's cost, norm_prologue_sm90.h) but merged from the (mean,
// M2) per 64-column block that the GEMM which wrote A stored beside it (GemmSm90Config::row_moments).
// As in the prologue, sum_k (a_k - mean) * rstd * B[k, n] = rstd * (acc - mean * colsum[n]): the
// wgmmas run on the raw rows, and the epilogue applies rstd * (acc - mean * colsum) before the bias;
// colsum [N] is a kernel input (the column sums of B as stored, which the compiler computes once).
//
// Who merges: the producer warpgroup's warps 1-3 (96 threads; warp 0 issues TMA), idle otherwise.
// For each of the CTA's units they read the unit's rows' ceil(K / 64) blocks (after their own
// griddepcontrol.wait: the moments come from the kernel before), merge them (Chan et al.) into
// (mean, rstd) per row, copy the unit's colsum slice, all into shared memory, and hand it over while
// the consumers' k-loop runs. The hand-off is two named barriers over 96 + consumer threads:
//   kMomentsFullBarrier: the statistics warps bar.arrive when a unit's are written; the consumers
//     bar.sync on it after their k-loop (every unit, before split-K, so that every path counts);
//   kMomentsEmptyBarrier: the consumers bar.arrive when they are done reading (after the epilogue,
//     or before a split-K partial's `continue`); the statistics warps bar.sync on it before they
//     write the next unit's, and once more after their last.
// A row of zero variance (and rows past M) gets rstd 0: it normalises to zeros exactly.
#pragma once

#include <cstdint>
#include <string>

#include "codegen/cuda_writer.h"
#include "codegen/hopper/gemm_sm90.h"
#include "ir/status.h"

namespace agt::codegen::hopper {

// Named barriers 6 and 7 (1: split-K; 2, 3: the staged epilogue; 4, 5: the LayerNorm prologue).
constexpr int kMomentsFullBarrier = 6;
constexpr int kMomentsEmptyBarrier = 7;

// The configuration rules (nothing to check without cfg.norm_moments).
Status ValidateNormMoments(const GemmSm90Config& cfg);
// Shared memory for one unit's (mean, rstd) per activation row and colsum per output column (0 without).
int64_t NormMomentsBytes(const GemmSm90Config& cfg);

// Device helpers (in the kernel's helper namespace) for norm_moments; and agt_merge_moments, the
// pairwise merge of (count, mean, M2) that row_moments uses too (emitted once for either).
void EmitNormMomentsHelpers(CudaWriter& w, const GemmSm90Config& cfg);
void EmitMomentMergeHelper(CudaWriter& w);
// In the producer warpgroup, beside warp 0's TMA loop: warps 1-3's statistics loop.
void EmitNormMomentsStatsWarps(CudaWriter& w, const GemmSm90Config& cfg);
// In the consumers' unit loop right after the k-loop: wait for the unit's statistics, and copy this
// thread's share that does not vary along the fragment's columns into registers (unswapped: its
// rows' (mean, rstd), nm_row[t][h]; swapped: its output columns' colsum, nm_col[t][h]).
void EmitNormMomentsReady(CudaWriter& w, const GemmSm90Config& cfg);
// Where a unit's consumers are done with them (the unit's end, or before split-K's `continue`).
void EmitNormMomentsRelease(CudaWriter& w, const GemmSm90Config& cfg);
// The epilogue's lines normalising accumulator values: unswapped the pair (v0, v1) of slab t, row half
// h, column group j (columns 8j + 2 (lane % 4) + {0, 1} of the tile); swapped the value v of slab t,
// half h, group j, element e (activation row 8j + 2 (lane % 4) + e of the tile).
std::string NormMomentsApplyPair();
std::string NormMomentsApplySwapped();

}  // namespace agt::codegen::hopper

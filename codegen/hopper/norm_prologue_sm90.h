// The Hopper GEMM core's LayerNorm prologue (GemmSm90Config::norm): C = LN(A) * B (+ bias ...) with
// LN affine-free over A's rows of K (compiler/passes/fold_layer_norm_affine.cpp gives gamma and beta
// to the weight and bias), without a kernel for the normalisation. Since
//   sum_k (a_k - mean) * rstd * B[k, n] = rstd * (sum_k a_k B[k, n] - mean * colsum(B)[n]),
// the wgmmas run on the raw rows as they lie in the ring, untouched by the statistics: those come
// from the producer warpgroup's three idle warps (warp 0 issues TMA), which wait on each stage's
// "full" barrier beside the consumers, read it, and release it with one arrival per warp on "empty":
//   - every activation row of the tile (swapped: the B ring's tile_n rows of 128 bytes): sums of
//     (a - s) and (a - s)^2, s the row's mean over the unit's first k-block (a shift against
//     cancellation in fp32);
//   - the weight tile (the A ring's 64 k-rows x 64 columns per m64 slab): column sums of the same
//     16-bit values the tensor cores read, so the correction cancels exactly what it should.
// After the unit's last k-block they put each row's (mean, rstd) and three partial column sums in
// one shared-memory area and arrive at a named barrier that the consumers wait at before their
// epilogue, which applies v = rstd * (acc - mean * colsum) before the bias; the consumers arrive at
// a second one when they have read it and another unit follows. So the consumer warps' k-loop is the
// plain GEMM's (the statistics computed on the consumers themselves delayed every k-block's wgmma
// issue: a fused LayerNorm + fc1 ran 16.7 us against 13.8 for the two kernels, docs/perf-notes.md).
// Each CTA reads whole rows (split_k 1), so no statistics cross CTAs.
// Supported: swapped products (batch-1 token counts), 16-bit inputs, a [K, N] weight, K % 64 == 0.
#pragma once

#include <cstdint>
#include <string>

#include "codegen/cuda_writer.h"
#include "codegen/hopper/gemm_sm90.h"
#include "ir/status.h"

namespace agt::codegen::hopper {

// Named barriers 4 (statistics written) and 5 (statistics read); the staged epilogue uses 2 and 3,
// split-K 1.
constexpr int kNormFullBarrier = 4;
constexpr int kNormEmptyBarrier = 5;
// The producer warpgroup's warps that compute the statistics (warps 1-3).
constexpr int kNormStatThreads = 96;

// The configuration rules of the prologue (nothing to check without cfg.norm).
Status ValidateNormPrologue(const GemmSm90Config& cfg);
// Shared memory per CTA for the statistics (0 without cfg.norm).
int64_t NormPrologueBytes(const GemmSm90Config& cfg);
// Problem rules: K a multiple of the 64-deep k-block (a partial block's zero fill would count).
Status ValidateNormProblem(const GemmSm90Config& cfg, int64_t K);
// Arrivals each stage's "empty" barrier gets from the statistics warps (0 without cfg.norm).
int NormEmptyArrivals(const GemmSm90Config& cfg);

// Device helpers (in the kernel's helper namespace).
void EmitNormHelpers(CudaWriter& w, const GemmSm90Config& cfg);
// The statistics warps' whole role (in the producer warpgroup, threads 32..127): their unit loop.
void EmitNormStatistics(CudaWriter& w, const GemmSm90Config& cfg);
// In the consumers' unit loop, after the k-loop: wait for the statistics, then this thread's column
// sums into norm_csum[t][h] and `norm_rows`, the rows' area that NormApplyLine reads.
void EmitNormFinish(CudaWriter& w, const GemmSm90Config& cfg);
// At the end of the consumers' unit loop: the statistics are read (when another unit follows).
void EmitNormUnitEnd(CudaWriter& w, const GemmSm90Config& cfg);
// The epilogue's line applying the prologue to `v` (accumulator of slab t, row half h; the tile row
// `row_expr` of the swapped tile's N side).
std::string NormApplyLine(const std::string& row_expr);

}  // namespace agt::codegen::hopper

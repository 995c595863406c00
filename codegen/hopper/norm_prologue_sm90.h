// The Hopper GEMM core's LayerNorm prologue (GemmSm90Config::norm): C = LN(A) * B (+ bias ...) with
// LN affine-free over A's rows of K (compiler/passes/fold_layer_norm_affine.cpp gives gamma and beta
// to the weight and bias), without a kernel for the normalisation. Since
//   sum_k (a_k - mean) * rstd * B[k, n] = rstd * (sum_k a_k B[k, n] - mean * colsum(B)[n]),
// the wgmmas run on the raw rows as they lie in the ring, and each consumer warpgroup, while its
// wgmmas of a k-block are in flight, also reads the stage it is working on:
//   - every activation row of the tile (swapped: the B ring's tile_n rows of 128 bytes): sums of
//     (a - s) and (a - s)^2, s the row's mean over the unit's first k-block (a shift against
//     cancellation in fp32);
//   - its slabs of the weight tile (the A ring's 64 k-rows x 64 columns per slab): column sums of
//     the same 16-bit values the tensor cores read, so the correction cancels exactly what it should.
// After the k-loop the warpgroup puts each row's (mean, rstd) and its column sums in its own
// shared-memory area (two named barriers per unit), and the epilogue applies
// v = rstd * (acc - mean * colsum) before the bias. Each CTA reads whole rows (split_k 1) and every
// consumer warpgroup the whole tile's rows, so no statistics cross CTAs or warpgroups.
// Supported: swapped products (batch-1 token counts), 16-bit inputs, a [K, N] weight, K % 64 == 0.
#pragma once

#include <cstdint>

#include "codegen/cuda_writer.h"
#include "codegen/hopper/gemm_sm90.h"
#include "ir/status.h"

namespace agt::codegen::hopper {

// Named barriers 4 and 5 (one per consumer warpgroup; the staged epilogue uses 2 and 3, split-K 1).
constexpr int kNormBarrierBase = 4;

// The configuration rules of the prologue (nothing to check without cfg.norm).
Status ValidateNormPrologue(const GemmSm90Config& cfg);
// Shared memory per CTA for the statistics (0 without cfg.norm).
int64_t NormPrologueBytes(const GemmSm90Config& cfg);
// Problem rules: K a multiple of the 64-deep k-block (a partial block's zero fill would count).
Status ValidateNormProblem(const GemmSm90Config& cfg, int64_t K);

// Device helpers (in the kernel's helper namespace).
void EmitNormHelpers(CudaWriter& w, const GemmSm90Config& cfg);
// The f32 shared-memory loads and stores of the statistics (agt_sts_f32(x2), agt_lds_f32(x2)); part of
// EmitNormHelpers, and norm_moments_sm90's.
void EmitSharedF32Helpers(CudaWriter& w);
// In the consumers' unit loop, before the k-loop: the statistics' registers, zeroed.
void EmitNormUnitStart(CudaWriter& w, const GemmSm90Config& cfg);
// In the k-loop, after the k-block's wgmmas are committed (stage s: a_stage, b_stage set).
void EmitNormKBlock(CudaWriter& w, const GemmSm90Config& cfg);
// After the k-loop: the statistics through shared memory into norm_cs[t][h] and the rows' area that
// NormApplyLine reads.
void EmitNormFinish(CudaWriter& w, const GemmSm90Config& cfg);
// The epilogue's line applying the prologue to `v` (accumulator of slab t, row half h; the tile row
// `row_expr` of the swapped tile's N side).
std::string NormApplyLine(const std::string& row_expr);

}  // namespace agt::codegen::hopper

// The Hopper GEMM core's epilogue (codegen/hopper/epilogue_sm90.cpp), emitted into the kernel that
// gemm_sm90.cpp assembles: bias and GELU / ReLU in registers, the LayerNorm corrections (prologue or
// moments), the cast, then either 4-byte stores from the accumulator fragments or the staged path
// (the tile through the warpgroup's shared-memory chunks, 16-byte row stores with the residual added,
// and the row moments where asked), unswapped or swapped; reduce-scatter split-K restricts it to the
// split's own 8-column groups.
#pragma once

#include "codegen/cuda_writer.h"
#include "codegen/hopper/gemm_sm90.h"

namespace agt::codegen::hopper {

// In the kernel's helper namespace (after agt_ld / agt_st, InT and OutT): the bias loads, the moments'
// merge, and the staged path's element helpers, as the configuration needs them.
void EmitEpilogueHelpers(CudaWriter& w, const GemmSm90Config& c);
// In the consumers' unit loop, before the k-loop: this thread's bias values into bias_pk.
void EmitBiasPrefetch(CudaWriter& w, const GemmSm90Config& c);
// In the consumers' unit loop, after the k-loop and split-K's step: the epilogue of the unit.
void EmitEpilogue(CudaWriter& w, const GemmSm90Config& c);

}  // namespace agt::codegen::hopper

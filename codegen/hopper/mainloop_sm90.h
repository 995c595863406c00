// The Hopper GEMM core's main loop: what the producer warpgroup issues (TMA loads of A and B into the
// ring of stages; a convolution's cp.async gathers through implicit_gemm_sm90.h) and the consumer
// warpgroups' k-loop of wgmmas over it. EmitGemmSm90 (gemm_sm90.cpp) places them in the kernel around
// the epilogue; the synchronisation is described in gemm_sm90.cpp's header comment.
#pragma once

#include "codegen/cuda_writer.h"
#include "codegen/hopper/gemm_sm90.h"
#include "codegen/hopper/ptx_sm90.h"

namespace agt::codegen::hopper {

// The wgmma input type that reads a stored input type (tf32 for f32 storage).
WgmmaInput WgmmaInputOf(GemmInput in);

// The producer warpgroup's body (inside `if (wg == 0)`): setmaxnreg, then its unit loop of loads.
// Its scopes close when it returns.
void EmitProducer(CudaWriter& w, const GemmSm90Config& c);
// The consumers' entry (setmaxnreg, the grid-dependency wait, the accumulators), then their unit loop
// opened and left open, with the unit decoded and the accumulators zeroed.
void EmitConsumerUnitStart(CudaWriter& w, const GemmSm90Config& c);
// In that loop: the unit's k-loop of wgmmas. After it the accumulators are final and every stage the
// unit used is released to the producer.
void EmitConsumerKLoop(CudaWriter& w, const GemmSm90Config& c);

}  // namespace agt::codegen::hopper

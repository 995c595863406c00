// The Hopper GEMM core's convolution mode (GemmSm90Config::conv): the producer warpgroup gathers A,
// the im2col of a channels-last input, with cp.async instead of TMA. See implicit_gemm_sm90.cpp.
#pragma once

#include "codegen/cuda_writer.h"
#include "codegen/hopper/gemm_sm90.h"

namespace agt::codegen::hopper {

// The geometry's own rules (channels a multiple of 8, 16-bit coordinates, not swapped, [N, K] weight).
Status ValidateConvGeometry(const GemmSm90Config& c);
// The convolution's rules for a problem: M = batch * OH * OW, K = KH * KW * C, 32-bit offsets.
Status ValidateConvProblem(const GemmSm90Config& c, int64_t M, int64_t K);
// The producer warpgroup's code (inside `if (wg == 0)`, after setmaxnreg): A by cp.async from all
// 128 threads, B by TMA from thread 0, both completing on full_bar(s).
void EmitConvProducer(CudaWriter& w, const GemmSm90Config& c);

}  // namespace agt::codegen::hopper

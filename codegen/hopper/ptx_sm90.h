// The Hopper (sm_90a) PTX wrappers that generated kernels include: every instruction the TMA + wgmma
// GEMM core uses is wrapped once, as a small inline device function, in the text this file returns
// (mbarrier, cp.async.bulk.tensor loads and stores, the async-proxy fence, wgmma fence / commit /
// wait, shared-memory matrix descriptors, setmaxnreg, elect.sync, named barriers, the epilogue's
// shared-memory staging stores and 16-byte loads; for split-K the L2-only vector loads / stores of partial tiles, gpu-scope atomics, fences, ld.acquire / red.release). Emitters prepend
// the text to a kernel and compose the wrappers; no emitter writes its own asm for these.
//
// wgmma has one shape per N (m64nNk16; tf32: m64nNk8): its accumulator list has N/2 registers, which
// C++ templates cannot spell inside an asm string, so those wrappers are generated here, one per
// (N, input type), and a kernel asks only for the shapes it issues. The sm_80 wrappers (cp.async, ldmatrix, mma.sync)
// live in a sibling header under codegen/ptx/.
#pragma once

#include <string>
#include <string_view>

namespace agt::codegen::hopper {

// Input type of a wgmma with f32 accumulation. kTF32 reads f32 values from shared memory as tf32
// (k8 per instruction: the same 32 bytes of a K-major row as a 16-bit k16 step).
enum class WgmmaInput { kF16, kBF16, kTF32 };

// The fixed part of the header: everything except the wgmma shapes. Self-contained (it includes
// cuda_fp16.h and cuda_bf16.h) and guarded, so it can be prepended to any kernel.
std::string_view PtxSm90Header();

// The name of the wrapper for m64nNk16 (tf32: m64nNk8) with f32 accumulators, e.g.
// "agt_sm90::wgmma_m64n128k16_f16", "agt_sm90::wgmma_m64n128k8_tf32".
std::string WgmmaWrapperName(int n, WgmmaInput in);
// The k extent of one wgmma of that input type: 16, or 8 for tf32.
int WgmmaK(WgmmaInput in);

// The wrapper's definition: `template <int kTransA, int kTransB> void NAME(float (&d)[N/2], u64 desc_a,
// u64 desc_b, int accumulate)`, A and B from shared memory through descriptors, each K-major (its
// transpose bit 0) or MN-major (1, allowed for 16-bit inputs only: the tf32 instruction has no
// transpose operands, and its wrapper static_asserts both 0). `n` is a multiple of 8 in [8, 256].
std::string WgmmaWrapper(int n, WgmmaInput in);

}  // namespace agt::codegen::hopper

// The sm_80 (Ampere and later) instruction wrappers that generated kernels compose, each written
// once here (CuTe's arch/copy_sm80.hpp, mma_sm80.hpp): cp.async with zero fill, its commit and wait
// groups, ldmatrix (plain and transposed), mma.sync (m16n8k16 f16/bf16, m16n8k8 tf32) and the
// tf32 rounding. Each wrapper is the CUDA text of one small inline device function; an emitter
// writes the ones its kernel calls into the source's preamble (Preamble() keeps one fixed order)
// and calls them by name. Where a kernel body still issues an instruction inline (the GEMM's
// mma.sync and cp.async.wait_group, whose text the tuned programs were measured with), the
// instruction text comes from here as well. Hopper's wgmma, TMA, mbarrier and setmaxnreg wrappers
// belong in a sibling ptx_sm90.h.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "ir/precision.h"

namespace agt::codegen::ptx_sm80 {

// The wrappers, by name of the device function(s) they define.
enum class Wrapper : uint8_t {
  kCpAsync16,        // cp_async16(smem, gmem, pred): 16 bytes global -> shared; pred false reads 0 bytes, zero-fills 16
  kCpAsyncCommit,    // cp_async_commit()
  kCpAsyncWait,      // cp_async_wait<N>(): wait until at most N groups are in flight
  kLdmatrixX4,       // ldmatrix_x4(r, p): four 8x8 b16 matrices
  kLdmatrixX4Trans,  // ldmatrix_x4_trans(r, p): the same, transposed
  kToTf32,           // to_tf32(x): round an fp32 to tf32 (cvt.rna)
};

// The CUDA text of one wrapper.
std::string_view WrapperText(Wrapper w);
// The texts of `ws`, in the order given.
std::string Preamble(std::initializer_list<Wrapper> ws);

// mma_acc(c, a, b0, b1): c (4 floats) += a (4 registers) * b (2 registers), the m16n8k16 (fp16, bf16)
// or m16n8k8 (tf32) mma.sync of `p`; for fp16 and bf16 also pack2(lo, hi), two floats into the
// operand register an MMA reads.
std::string MmaAccWrapper(ir::Precision p);

// The PTX of that mma.sync as it appears inside an asm string: "mma.sync.aligned.m16n8k16.row.col
// .f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n" (the \n escaped).
std::string MmaSyncPtx(ir::Precision p);

// The inline statement `asm volatile("cp.async.wait_group N;\n" ::);`.
std::string CpAsyncWaitGroupStmt(int64_t n);

}  // namespace agt::codegen::ptx_sm80

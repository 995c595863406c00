// The text of the sm_90a PTX wrappers (see ptx_sm90.h). The instruction forms follow the PTX ISA
// (8.0+): mbarrier, cp.async.bulk.tensor, fence.proxy.async, wgmma.*, setmaxnreg, elect.sync, and the
// gpu-scope atomics, fences and acquire / release accesses of split-K's reduction; the
// matrix-descriptor bit layout is the ISA's "Matrix Descriptor Format" for wgmma.
#include "codegen/hopper/ptx_sm90.h"

#include <fmt/format.h>

namespace agt::codegen::hopper {

std::string_view PtxSm90Header() {
  static constexpr std::string_view kText = R"(// ---- PTX wrappers for sm_90a (codegen/hopper/ptx_sm90.cpp) ----
#ifndef AGT_PTX_SM90_H
#define AGT_PTX_SM90_H
#include <cuda_fp16.h>
#include <cuda_bf16.h>
namespace agt_sm90 {
typedef unsigned int u32;
typedef unsigned long long u64;

// The driver's CUtensorMap (128 bytes, 64-byte aligned), restated so kernels need no cuda.h.
// Kernels take it as `const __grid_constant__ TensorMap`: TMA reads it from the parameter space.
struct __align__(64) TensorMap { u64 opaque[16]; };

// A shared-memory address as the 32-bit offset that PTX's .shared state space uses.
__device__ __forceinline__ u32 smem_u32(const void* p) { return static_cast<u32>(__cvta_generic_to_shared(p)); }

// ---- warps and warpgroups ----
// The warpgroup of this thread (4 consecutive warps; wgmma and setmaxnreg act on whole warpgroups).
// Read through a shuffle so that the compiler knows the value is warp-uniform.
__device__ __forceinline__ int warpgroup_index() { return __shfl_sync(0xffffffffu, static_cast<int>(threadIdx.x) / 128, 0); }
// One lane of the (fully active) warp: true in exactly one lane.
__device__ __forceinline__ bool elect_one_sync() {
  u32 elected = 0;
  asm volatile("{\n .reg .b32 r;\n .reg .pred p;\n elect.sync r|p, 0xffffffff;\n selp.u32 %0, 1, 0, p;\n}\n" : "=r"(elected));
  return elected != 0;
}
// A named barrier over `threads` threads (a multiple of 32); id 0 is __syncthreads' own.
__device__ __forceinline__ void named_barrier_sync(u32 id, u32 threads) {
  asm volatile("bar.sync %0, %1;\n" :: "r"(id), "r"(threads) : "memory");
}
// Counts this warp's arrival at a named barrier without waiting (a producer's half of a hand-off
// whose consumers bar.sync on the same id and count).
__device__ __forceinline__ void named_barrier_arrive(u32 id, u32 threads) {
  asm volatile("bar.arrive %0, %1;\n" :: "r"(id), "r"(threads) : "memory");
}
// Register reallocation between warpgroups (needs a register cap at entry: __launch_bounds__(T, 1)).
template <int kRegs> __device__ __forceinline__ void setmaxnreg_inc() {
  asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;\n" :: "n"(kRegs));
}
template <int kRegs> __device__ __forceinline__ void setmaxnreg_dec() {
  asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;\n" :: "n"(kRegs));
}

// ---- mbarrier (shared::cta, 8 bytes each) ----
__device__ __forceinline__ void mbar_init(u32 bar, u32 count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" :: "r"(bar), "r"(count) : "memory");
}
// Makes initialised barriers visible to the async proxy (TMA) and other threads; then a CTA barrier.
__device__ __forceinline__ void fence_barrier_init() { asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory"); }
// Arrives once and adds `bytes` to the transaction count that the current phase waits for.
__device__ __forceinline__ void mbar_arrive_expect_tx(u32 bar, u32 bytes) {
  asm volatile("{\n .reg .b64 st;\n mbarrier.arrive.expect_tx.shared::cta.b64 st, [%0], %1;\n}\n" :: "r"(bar), "r"(bytes) : "memory");
}
__device__ __forceinline__ void mbar_arrive(u32 bar) {
  asm volatile("{\n .reg .b64 st;\n mbarrier.arrive.shared::cta.b64 st, [%0];\n}\n" :: "r"(bar) : "memory");
}
// True once the phase of parity `parity` has completed (acquire: the data it guarded is visible).
__device__ __forceinline__ bool mbar_try_wait(u32 bar, u32 parity) {
  u32 done = 0;
  asm volatile("{\n .reg .pred p;\n mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n selp.u32 %0, 1, 0, p;\n}\n"
               : "=r"(done) : "r"(bar), "r"(parity) : "memory");
  return done != 0;
}
// Spins on try_wait. A wait past 2^34 cycles (several seconds) traps: a barrier-phase bug then shows
// as a launch error instead of a GPU that never finishes.
__device__ __forceinline__ void mbar_wait(u32 bar, u32 parity) {
  if (mbar_try_wait(bar, parity)) return;
  const long long start = clock64();
  while (!mbar_try_wait(bar, parity)) {
    if (clock64() - start > (1ll << 34)) __trap();
  }
}

// ---- clusters ----
// This CTA's rank in its cluster.
__device__ __forceinline__ u32 cluster_ctarank() {
  u32 r;
  asm volatile("mov.u32 %0, %%cluster_ctarank;\n" : "=r"(r));
  return r;
}
// Arrives once on the mbarrier at `bar`'s offset in CTA `rank` of the cluster. Default semantics
// (release at CTA scope), as CUTLASS's ClusterBarrier does: the stage it frees was read by wgmma, whose
// wait_group already completed, and the peer's producer refills it through TMA. (With an explicit
// .release.cluster the clustered kernels ran 2-4x slower on an H100; with this form 15-24%.)
__device__ __forceinline__ void mbar_arrive_cluster(u32 bar, u32 rank) {
  asm volatile("{\n .reg .b32 ra;\n mapa.shared::cluster.u32 ra, %0, %1;\n mbarrier.arrive.shared::cluster.b64 _, [ra];\n}\n"
               :: "r"(bar), "r"(rank) : "memory");
}
// Every thread of every CTA of the cluster arrives (release) and waits for all the others (acquire).
__device__ __forceinline__ void cluster_sync() {
  asm volatile("barrier.cluster.arrive.release;\n barrier.cluster.wait.acquire;\n" ::: "memory");
}

// ---- TMA (cp.async.bulk.tensor) ----
__device__ __forceinline__ void prefetch_tensormap(const TensorMap* map) {
  asm volatile("prefetch.tensormap [%0];\n" :: "l"(reinterpret_cast<u64>(map)) : "memory");
}
// Global -> shared, box at coordinates (c0 innermost, c1); completes `bar`'s transaction bytes.
// Out-of-bounds box elements arrive as zeros and still count toward the bytes.
__device__ __forceinline__ void tma_load_2d(u32 dst, const TensorMap* map, u32 bar, int c0, int c1) {
  asm volatile("cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes [%0], [%1, {%3, %4}], [%2];\n"
               :: "r"(dst), "l"(reinterpret_cast<u64>(map)), "r"(bar), "r"(c0), "r"(c1) : "memory");
}
// The same box into the shared memory of every CTA of the cluster in `mask` (bit r: rank r), at the
// same CTA-relative offset, each completing the bytes on its own mbarrier at `bar`'s offset.
__device__ __forceinline__ void tma_load_2d_multicast(u32 dst, const TensorMap* map, u32 bar, int c0, int c1, unsigned short mask) {
  asm volatile("cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes.multicast::cluster [%0], [%1, {%3, %4}], [%2], %5;\n"
               :: "r"(dst), "l"(reinterpret_cast<u64>(map)), "r"(bar), "r"(c0), "r"(c1), "h"(mask) : "memory");
}
// Shared -> global, box at (c0, c1); elements outside the tensor are not written. Ordinary stores
// to `src` must be followed by fence_proxy_async() in each writing thread before this is issued.
__device__ __forceinline__ void tma_store_2d(const TensorMap* map, u32 src, int c0, int c1) {
  asm volatile("cp.async.bulk.tensor.2d.global.shared::cta.tile.bulk_group [%0, {%2, %3}], [%1];\n"
               :: "l"(reinterpret_cast<u64>(map)), "r"(src), "r"(c0), "r"(c1) : "memory");
}
__device__ __forceinline__ void bulk_commit_group() { asm volatile("cp.async.bulk.commit_group;\n" ::: "memory"); }
// Waits until at most kN bulk groups are still reading their shared-memory source.
template <int kN> __device__ __forceinline__ void bulk_wait_group_read() {
  asm volatile("cp.async.bulk.wait_group.read %0;\n" :: "n"(kN) : "memory");
}
// Orders this thread's generic-proxy shared-memory accesses before later async-proxy ones (TMA, wgmma).
__device__ __forceinline__ void fence_proxy_async() { asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory"); }

// ---- cp.async gathers (the implicit-GEMM convolution's A operand) ----
// 16 bytes global -> shared through L2, zero-filled when `ok` is false (src-size 0: nothing is read).
__device__ __forceinline__ void cp_async16_zfill(u32 dst, const void* src, bool ok) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" :: "r"(dst), "l"(src), "r"(ok ? 16 : 0) : "memory");
}
// Arrives on the mbarrier once this thread's earlier cp.asyncs have landed; .noinc: the arrival
// counts against the barrier's expected count (set at init), it does not add one.
__device__ __forceinline__ void cp_async_mbar_arrive_noinc(u32 bar) {
  asm volatile("cp.async.mbarrier.arrive.noinc.shared::cta.b64 [%0];\n" :: "r"(bar) : "memory");
}

__device__ __forceinline__ void cp_async_wait_all() { asm volatile("cp.async.wait_all;\n" ::: "memory"); }

// ---- shared memory: the epilogue's staging buffer (generic proxy only: nothing async reads it) ----
__device__ __forceinline__ void st_shared_b32(u32 addr, u32 v) {
  asm volatile("st.shared.b32 [%0], %1;\n" :: "r"(addr), "r"(v) : "memory");
}
__device__ __forceinline__ void st_shared_b16(u32 addr, unsigned short v) {
  asm volatile("st.shared.b16 [%0], %1;\n" :: "r"(addr), "h"(v) : "memory");
}
__device__ __forceinline__ void st_shared_v2_b32(u32 addr, u32 a, u32 b) {
  asm volatile("st.shared.v2.b32 [%0], {%1, %2};\n" :: "r"(addr), "r"(a), "r"(b) : "memory");
}
__device__ __forceinline__ uint4 ld_shared_v4_b32(u32 addr) {
  uint4 v;
  asm volatile("ld.shared.v4.b32 {%0, %1, %2, %3}, [%4];\n" : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w) : "r"(addr) : "memory");
  return v;
}

// ---- global memory: split-K partials and per-tile counters (gpu scope) ----
// Partial tiles go through L2 only (st.global.cg / ld.global.cg): another SM reads them, and L1 is
// not coherent. Written with the compiler's own cache-hint intrinsics rather than asm, so that it
// may schedule the loads freely (many in flight) between the fences, which it never crosses.
__device__ __forceinline__ void st_global_cg_v4(float* p, float a, float b, float c, float d) {
  __stcg(reinterpret_cast<float4*>(p), make_float4(a, b, c, d));
}
__device__ __forceinline__ float4 ld_global_cg_v4(const float* p) { return __ldcg(reinterpret_cast<const float4*>(p)); }
// Returns the old value; relaxed: it only hands out tickets, ordering comes from the fences below.
__device__ __forceinline__ unsigned atom_add_relaxed_gpu(unsigned* p, unsigned v) {
  unsigned old;
  asm volatile("atom.relaxed.gpu.global.add.u32 %0, [%1], %2;\n" : "=r"(old) : "l"(p), "r"(v) : "memory");
  return old;
}
// Release: this thread's earlier writes (and, through a preceding CTA barrier, its block's) are
// visible to whoever acquires the new value.
__device__ __forceinline__ void red_add_release_gpu(unsigned* p, unsigned v) {
  asm volatile("red.release.gpu.global.add.u32 [%0], %1;\n" :: "l"(p), "r"(v) : "memory");
}
__device__ __forceinline__ unsigned ld_acquire_gpu(const unsigned* p) {
  unsigned v;
  asm volatile("ld.acquire.gpu.global.u32 %0, [%1];\n" : "=r"(v) : "l"(p) : "memory");
  return v;
}
__device__ __forceinline__ void st_relaxed_gpu(unsigned* p, unsigned v) {
  asm volatile("st.relaxed.gpu.global.u32 [%0], %1;\n" :: "l"(p), "r"(v) : "memory");
}
// A gpu-scope fence: orders this thread's accesses before and after it for every SM.
__device__ __forceinline__ void fence_acq_rel_gpu() { asm volatile("fence.acq_rel.gpu;\n" ::: "memory"); }
// Spins (acquire) until the high 16 bits of *p read `want`; traps after 2^34 cycles, like mbar_wait.
__device__ __forceinline__ void wait_count_high(const unsigned* p, unsigned want) {
  const long long start = clock64();
  while ((ld_acquire_gpu(p) >> 16) != want) {
    if (clock64() - start > (1ll << 34)) __trap();
  }
}

// ---- wgmma ----
// Shared-memory matrix descriptor: start address, leading / stride byte offsets (16-byte units, 14
// bits each), base offset 0 (tiles are 1024-byte aligned), layout in bits 62-63 (1 = 128-byte swizzle).
__device__ __forceinline__ u64 smem_desc(u32 addr, u32 lbo_bytes, u32 sbo_bytes, u32 layout) {
  u64 d = static_cast<u64>((addr & 0x3FFFFu) >> 4);
  d |= static_cast<u64>((lbo_bytes >> 4) & 0x3FFFu) << 16;
  d |= static_cast<u64>((sbo_bytes >> 4) & 0x3FFFu) << 32;
  d |= static_cast<u64>(layout & 3u) << 62;
  return d;
}
// Before the first wgmma of a batch: orders this warpgroup's register (and shared) accesses before it.
__device__ __forceinline__ void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wgmma_commit_group() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
// Waits until at most kN wgmma groups of this warpgroup are pending.
template <int kN> __device__ __forceinline__ void wgmma_wait_group() {
  asm volatile("wgmma.wait_group.sync.aligned %0;\n" :: "n"(kN) : "memory");
}
// Keeps the compiler from moving accesses to an accumulator register across a wgmma fence or wait:
// the asynchronous wgmma writes it behind the compiler's back.
__device__ __forceinline__ void fence_operand(float& r) { asm volatile("" : "+f"(r) :: "memory"); }
}  // namespace agt_sm90
#endif  // AGT_PTX_SM90_H
)";
  return kText;
}

namespace {
const char* InputSuffix(WgmmaInput in) {
  return in == WgmmaInput::kF16 ? "f16" : in == WgmmaInput::kBF16 ? "bf16" : "tf32";
}

// The asm operand list of the n/2 accumulators ("%0, %1, ..."), and their constraints ("+f"(d[0]), ...).
void AccumulatorOperands(int regs, std::string* list, std::string* outs) {
  for (int i = 0; i < regs; ++i) {
    *list += fmt::format("{}%{}", i == 0 ? "" : (i % 8 == 0 ? ",\"\n      \"" : ", "), i);
    *outs += fmt::format("{}\"+f\"(d[{}])", i == 0 ? "" : (i % 8 == 0 ? ",\n      " : ", "), i);
  }
}

// tf32: wgmma.mma_async.sync.aligned.m64nNk8.f32.tf32.tf32 d, a-desc, b-desc, scale-d, imm-scale-a,
// imm-scale-b (no transpose operands: both operands K-major).
std::string Tf32WgmmaWrapper(int n) {
  const int regs = n / 2;
  std::string list, outs;
  AccumulatorOperands(regs, &list, &outs);
  // Operands: d[0..regs), then desc_a (regs), desc_b (regs+1), accumulate (regs+2).
  return fmt::format(R"(#ifndef AGT_WGMMA_M64N{0}K8_TF32
#define AGT_WGMMA_M64N{0}K8_TF32
namespace agt_sm90 {{
// D[64 x {0}] (+)= A[64 x 8] * B[8 x {0}], f32 values in shared memory read as tf32, f32 accumulators.
template <int kTransA, int kTransB>
__device__ __forceinline__ void wgmma_m64n{0}k8_tf32(float (&d)[{1}], u64 desc_a, u64 desc_b, int accumulate) {{
  static_assert(kTransA == 0 && kTransB == 0, "wgmma reads tf32 operands K-major only");
  asm volatile(
      "{{\n .reg .pred p;\n setp.ne.b32 p, %{3}, 0;\n"
      " wgmma.mma_async.sync.aligned.m64n{0}k8.f32.tf32.tf32 {{"
      "{2}}}, %{4}, %{5}, p, 1, 1;\n}}\n"
      : {6}
      : "l"(desc_a), "l"(desc_b), "r"(accumulate)
      : "memory");
}}
}}  // namespace agt_sm90
#endif
)",
                     n, regs, list, regs + 2, regs, regs + 1, outs);
}
}  // namespace

int WgmmaK(WgmmaInput in) { return in == WgmmaInput::kTF32 ? 8 : 16; }

std::string WgmmaWrapperName(int n, WgmmaInput in) {
  return fmt::format("agt_sm90::wgmma_m64n{}k{}_{}", n, WgmmaK(in), InputSuffix(in));
}

std::string WgmmaWrapper(int n, WgmmaInput in) {
  if (in == WgmmaInput::kTF32) return Tf32WgmmaWrapper(n);
  const int regs = n / 2;   // f32 accumulators per thread: 64 * n / 128
  const char* t = InputSuffix(in);
  std::string list, outs;
  AccumulatorOperands(regs, &list, &outs);
  // Operands: d[0..regs), then desc_a (regs), desc_b (regs+1), accumulate (regs+2), kTransA (regs+3),
  // kTransB (regs+4). The immediates after p are scale-a = 1, scale-b = 1, then the two transpose bits.
  return fmt::format(R"(#ifndef AGT_WGMMA_M64N{0}K16_{1}
#define AGT_WGMMA_M64N{0}K16_{1}
namespace agt_sm90 {{
// D[64 x {0}] (+)= A[64 x 16] * B[16 x {0}], {1} inputs from shared memory, f32 accumulators.
template <int kTransA, int kTransB>
__device__ __forceinline__ void wgmma_m64n{0}k16_{1}(float (&d)[{2}], u64 desc_a, u64 desc_b, int accumulate) {{
  asm volatile(
      "{{\n .reg .pred p;\n setp.ne.b32 p, %{4}, 0;\n"
      " wgmma.mma_async.sync.aligned.m64n{0}k16.f32.{1}.{1} {{"
      "{3}}}, %{2}, %{5}, p, 1, 1, %{6}, %{7};\n}}\n"
      : {8}
      : "l"(desc_a), "l"(desc_b), "r"(accumulate), "n"(kTransA), "n"(kTransB)
      : "memory");
}}
}}  // namespace agt_sm90
#endif
)",
                     n, t, regs, list, regs + 2, regs + 1, regs + 3, regs + 4, outs);
}

}  // namespace agt::codegen::hopper

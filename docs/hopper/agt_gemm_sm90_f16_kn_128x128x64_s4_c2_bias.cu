// AutoGTCO Hopper GEMM core (codegen/hopper/gemm_sm90.cpp), compiled for sm_90a.
// config: f16 kn 128x128x64 s4 c2 +bias
// C[M,N] = A[M,K] (row-major) * B ([K, N], N contiguous) + bias[N]; 2 consumer warpgroup(s) + 1 producer warpgroup,
// 384 threads, 164928 bytes of dynamic shared memory, TMA boxes A {64, 128} B {64, 64};
// epilogue staged through shared memory, 16-byte row stores.
// ---- PTX wrappers for sm_90a (codegen/hopper/ptx_sm90.cpp) ----
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
#ifndef AGT_GRID_DEPENDENCY_DEFINED
#define AGT_GRID_DEPENDENCY_DEFINED
// Programmatic dependent launch (codegen/ptx/grid_dependency.h): no-ops without the launch attribute.
__device__ __forceinline__ void agt_grid_wait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;\n" ::: "memory");
#endif
}
__device__ __forceinline__ void agt_grid_launch_dependents() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;\n" ::: "memory");
#endif
}
#endif
#ifndef AGT_WGMMA_M64N128K16_f16
#define AGT_WGMMA_M64N128K16_f16
namespace agt_sm90 {
// D[64 x 128] (+)= A[64 x 16] * B[16 x 128], f16 inputs from shared memory, f32 accumulators.
template <int kTransA, int kTransB>
__device__ __forceinline__ void wgmma_m64n128k16_f16(float (&d)[64], u64 desc_a, u64 desc_b, int accumulate) {
  asm volatile(
      "{\n .reg .pred p;\n setp.ne.b32 p, %66, 0;\n"
      " wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16 {"
      "%0, %1, %2, %3, %4, %5, %6, %7,"
      "%8, %9, %10, %11, %12, %13, %14, %15,"
      "%16, %17, %18, %19, %20, %21, %22, %23,"
      "%24, %25, %26, %27, %28, %29, %30, %31,"
      "%32, %33, %34, %35, %36, %37, %38, %39,"
      "%40, %41, %42, %43, %44, %45, %46, %47,"
      "%48, %49, %50, %51, %52, %53, %54, %55,"
      "%56, %57, %58, %59, %60, %61, %62, %63}, %64, %65, p, 1, 1, %67, %68;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
      "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
      "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
      "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]),
      "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]),
      "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]),
      "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]),
      "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
      : "l"(desc_a), "l"(desc_b), "r"(accumulate), "n"(kTransA), "n"(kTransB)
      : "memory");
}
}  // namespace agt_sm90
#endif

namespace agt_gemm {
__device__ __forceinline__ float agt_ld(__half x) { return __half2float(x); }
__device__ __forceinline__ float agt_ld(__nv_bfloat16 x) { return __bfloat162float(x); }
__device__ __forceinline__ float agt_ld(float x) { return x; }
__device__ __forceinline__ void agt_st(__half* p, float v) { *p = __float2half_rn(v); }
__device__ __forceinline__ void agt_st(__nv_bfloat16* p, float v) { *p = __float2bfloat16_rn(v); }
__device__ __forceinline__ void agt_st(float* p, float v) { *p = v; }
// Two adjacent outputs in one store (the caller checked alignment).
__device__ __forceinline__ void agt_st2(__half* p, float a, float b) { *reinterpret_cast<__half2*>(p) = __floats2half2_rn(a, b); }
__device__ __forceinline__ void agt_st2(__nv_bfloat16* p, float a, float b) { *reinterpret_cast<__nv_bfloat162*>(p) = __floats2bfloat162_rn(a, b); }
__device__ __forceinline__ void agt_st2(float* p, float a, float b) { *reinterpret_cast<float2*>(p) = make_float2(a, b); }
typedef __half InT;
typedef __half OutT;
// Two consecutive 16-bit bias values (column col in the low half), zero past N: loaded at the start of a
// unit, converted in its epilogue.
__device__ __forceinline__ unsigned agt_bias_pair(const InT* b, int col, int N) {
  const unsigned short* raw = reinterpret_cast<const unsigned short*>(b);
  const unsigned lo = col < N ? __ldg(raw + col) : 0u;
  const unsigned hi = col + 1 < N ? __ldg(raw + col + 1) : 0u;
  return lo | (hi << 16);
}
__device__ __forceinline__ float agt_lo(unsigned p) { return __half2float(__ushort_as_half(static_cast<unsigned short>(p & 0xFFFFu))); }
__device__ __forceinline__ float agt_hi(unsigned p) { return __half2float(__ushort_as_half(static_cast<unsigned short>(p >> 16))); }
constexpr int kVec = 8;   // outputs per 16-byte store
// Outputs (a, b) after the cast, adjacent, into the staging buffer: 4 bytes (16-bit) or 8 (f32).
__device__ __forceinline__ void agt_sts2(unsigned addr, float a, float b) { const auto p = __floats2half2_rn(a, b); agt_sm90::st_shared_b32(addr, *reinterpret_cast<const unsigned*>(&p)); }
// Outputs q < n of a 16-byte group (plus the residual's when r is not null), one by one: a row's ragged
// end, or a row stride / base that 16-byte stores cannot take.
__device__ __forceinline__ void agt_store_tail(OutT* g, const OutT* r, const uint4& v, int n) {
  const OutT* e = reinterpret_cast<const OutT*>(&v);
  #pragma unroll
  for (int q = 0; q < kVec; ++q) {
    if (q < n) {
      float x = agt_ld(e[q]);
      if (r != nullptr) x += agt_ld(r[q]);
      agt_st(g + q, x);
    }
  }
}
// Work unit u: tile u / 1 in raster order along M, split u % 1 of its k-blocks.
struct WorkUnit { int m0, n0, tile, split, kb_begin, kb_end; };
__device__ __forceinline__ WorkUnit agt_work_unit(int u, int rank, int tiles_m, int tiles_n, int k_blocks) {
  WorkUnit r;
  (void)rank;
  r.tile = u / 1;
  r.split = u - r.tile * 1;
  r.m0 = (r.tile % tiles_m) * 128;
  r.n0 = (r.tile / tiles_m) * 128;
  r.kb_begin = r.split * k_blocks / 1;
  r.kb_end = (r.split + 1) * k_blocks / 1;
  return r;
}
}  // namespace agt_gemm
using namespace agt_gemm;

extern "C" __global__ void __launch_bounds__(384, 1) agt_gemm_sm90_f16_kn_128x128x64_s4_c2_bias(
    const __grid_constant__ agt_sm90::TensorMap tm_a, const __grid_constant__ agt_sm90::TensorMap tm_b,
    const InT* __restrict__ bias, const OutT* __restrict__ residual, OutT* __restrict__ c,
    int M, int N, int K, int ldc, float* __restrict__ workspace) {
  using namespace agt_sm90;
  constexpr int kBM = 128, kBN = 128, kBK = 64, kStages = 4, kSlabs = 1, kSplits = 1;
  constexpr int kChunkCols = 64, kChunksN = 2;   // epilogue chunks: 128 bytes of a row
  constexpr u32 kChunkBytes = 8192;                  // 64 rows x 128 bytes
  constexpr u32 kStageBytesA = kBM * kBK * 2, kStageBytesB = kBN * kBK * 2;
  extern __shared__ unsigned char smem_raw[];
  // Swizzle atoms and descriptors need 1024-byte alignment; the launch asks for 1 KiB extra.
  const u32 sA = (smem_u32(smem_raw) + 1023u) & ~1023u;
  const u32 sB = sA + kStages * kStageBytesA;
  const u32 sE = sB + kStages * kStageBytesB;          // epilogue staging: 2 chunks per consumer warpgroup
  const u32 bars = sE + 4 * kChunkBytes;
  auto full_bar = [&](int s) { return bars + 8u * s; };
  auto empty_bar = [&](int s) { return bars + 8u * (kStages + s); };

  // Tile schedule (tile_scheduler_sm90.h): a persistent grid walks the work units (tile, k-range).
  const int GM = M, GN = N;   // the tiled product's sides (swapped products exchange them)
  const int tiles_m = (GM + kBM - 1) / kBM, tiles_n = (GN + kBN - 1) / kBN;
  const int k_blocks = (K + kBK - 1) / kBK;
  const int units = tiles_m * tiles_n * kSplits;
  const int unit0 = blockIdx.x, unit_step = gridDim.x, crank = 0;   // this CTA's units: unit0, +unit_step, ..
  (void)workspace;   // split_k 1: no workspace
  const int wg = warpgroup_index();

  if (threadIdx.x == 0) {
    for (int s = 0; s < kStages; ++s) {
      mbar_init(full_bar(s), 1);                       // the producer's arrive.expect_tx
      mbar_init(empty_bar(s), 8);                      // lane 0 of each consumer warp
    }
    fence_barrier_init();
  }
  __syncthreads();

  if (wg == 0) {
    // Producer warpgroup: registers back to the pool, then one elected thread of warp 0 issues TMA.
    setmaxnreg_dec<40>();
    if (threadIdx.x < 32 && elect_one_sync()) {
      prefetch_tensormap(&tm_a);
      prefetch_tensormap(&tm_b);
      // Before the grid-dependency wait: the weight tiles of this CTA's first unit, up to a full ring, so
      // they stream in while the kernel before finishes (codegen/ptx/grid_dependency.h).
      int pre = 0;   // k-blocks of the first unit whose weight tiles are already issued
      if (unit0 < units) {
        const WorkUnit u = agt_work_unit(unit0, crank, tiles_m, tiles_n, k_blocks);
        const int m0 = u.m0, n0 = u.n0;
        const int w_boxes = min(kBN / 64, (GN - n0 + 63) / 64);   // the weight's boxes: one per 64 columns
        pre = min(kStages, u.kb_end - u.kb_begin);
        for (int s = 0; s < pre; ++s) {
          const int k0 = (u.kb_begin + s) * kBK;
          mbar_arrive_expect_tx(full_bar(s), kStageBytesA + static_cast<u32>(w_boxes) * (64 * kBK * 2));
          for (int j = 0; j < w_boxes; ++j) tma_load_2d(sB + s * kStageBytesB + j * (64 * kBK * 2), &tm_b, full_bar(s), n0 + 64 * j, k0);
        }
      }
      agt_grid_wait();               // the kernel before has completed and its writes are visible
      agt_grid_launch_dependents();  // the kernel after may start its set-up
      int it = 0;   // k-blocks issued by this CTA, across its units: stage it % kStages, use it / kStages
      for (int unit = unit0; unit < units; unit += unit_step) {
        const WorkUnit u = agt_work_unit(unit, crank, tiles_m, tiles_n, k_blocks);
        const int m0 = u.m0, n0 = u.n0;
        const int w_boxes = min(kBN / 64, (GN - n0 + 63) / 64);   // the weight's boxes: one per 64 columns
        for (int kb = u.kb_begin; kb < u.kb_end; ++kb, ++it) {
          const int s = it % kStages;
          // Use it / kStages of this stage: wait until the consumers released the use before.
          if (it >= kStages) mbar_wait(empty_bar(s), ((it / kStages) - 1) & 1);
          const int k0 = kb * kBK;
          if (it >= pre) {
            mbar_arrive_expect_tx(full_bar(s), kStageBytesA + static_cast<u32>(w_boxes) * (64 * kBK * 2));
            for (int j = 0; j < w_boxes; ++j) tma_load_2d(sB + s * kStageBytesB + j * (64 * kBK * 2), &tm_b, full_bar(s), n0 + 64 * j, k0);
          }
          tma_load_2d(sA + s * kStageBytesA, &tm_a, full_bar(s), k0, m0);
        }
      }
    }
  } else {
    // Entry: 168 registers each (384 threads, one CTA per SM); the producer's 168 -> 40 frees what
    // the two consumers' 168 -> 232 takes: 128 * 128 == 256 * 64.
    setmaxnreg_inc<232>();
    agt_grid_wait();               // the kernel before has completed and its writes are visible
    agt_grid_launch_dependents();  // the kernel after may start its set-up
    const int cw = wg - 1;                 // consumer index: rows [cw * kSlabs * 64, +kSlabs * 64) of the tile
    const int warp = (threadIdx.x / 32) % 4, lane = threadIdx.x % 32;
    float acc[kSlabs][kBN / 2];
    int it = 0;   // k-blocks consumed by this CTA across its units, in step with the producer's
    int ep = 0;   // epilogue chunks this warpgroup staged, across its units: buffer ep % 2
    for (int unit = unit0; unit < units; unit += unit_step) {
      const WorkUnit u = agt_work_unit(unit, crank, tiles_m, tiles_n, k_blocks);
      const int m0 = u.m0, n0 = u.n0;
      #pragma unroll
      for (int t = 0; t < kSlabs; ++t) {
        #pragma unroll
        for (int i = 0; i < kBN / 2; ++i) acc[t][i] = 0.0f;
      }
      // This thread's bias pairs (columns n0 + 2 * (lane % 4) + 8j and +1), issued before the k-loop so that
      // their latency hides behind it: loaded in the epilogue, each column group waited on its own load.
      unsigned bias_pk[kBN / 8];
      #pragma unroll
      for (int j = 0; j < kBN / 8; ++j) bias_pk[j] = agt_bias_pair(bias, n0 + 2 * (lane % 4) + 8 * j, N);
      for (int kb = u.kb_begin; kb < u.kb_end; ++kb, ++it) {
        const int s = it % kStages;
        mbar_wait(full_bar(s), (it / kStages) & 1);
        const u32 a_stage = sA + s * kStageBytesA + cw * (kSlabs * 64 * 128);
        const u32 b_stage = sB + s * kStageBytesB;
        #pragma unroll
        for (int t = 0; t < kSlabs; ++t) {
          #pragma unroll
          for (int i = 0; i < kBN / 2; ++i) fence_operand(acc[t][i]);
        }
        wgmma_fence();
        #pragma unroll
        for (int kk = 0; kk < kBK / 16; ++kk) {
          // B MN-major: 16 k-rows of 128 bytes per step; 8-row groups 1024 bytes apart (SBO), the
          // next 64-column box 64 * 128 bytes on (LBO).
          const u64 db = smem_desc(b_stage + kk * (16 * 128), 64 * kBK * 2, 1024, 1);
          #pragma unroll
          for (int t = 0; t < kSlabs; ++t) {
            // A K-major, m64 slab t: 8-row groups 1024 bytes apart, 32 bytes per k16 step.
            const u64 da = smem_desc(a_stage + t * (64 * 128) + kk * 32, 16, 1024, 1);
            agt_sm90::wgmma_m64n128k16_f16<0, 1>(acc[t], da, db, 1);
          }
        }
        wgmma_commit_group();
        // One group stays in flight; the group of the k-block before has finished reading its stage: release it.
        wgmma_wait_group<1>();
        #pragma unroll
        for (int t = 0; t < kSlabs; ++t) {
          #pragma unroll
          for (int i = 0; i < kBN / 2; ++i) fence_operand(acc[t][i]);
        }
        if (kb > u.kb_begin) { if (lane == 0) mbar_arrive(empty_bar((it - 1) % kStages)); }
      }
      wgmma_wait_group<0>();
      #pragma unroll
      for (int t = 0; t < kSlabs; ++t) {
        #pragma unroll
        for (int i = 0; i < kBN / 2; ++i) fence_operand(acc[t][i]);
      }
      // The unit's last stage is read too: release it (the producer may be filling the next unit's).
      if (u.kb_end > u.kb_begin) { if (lane == 0) mbar_arrive(empty_bar((it - 1) % kStages)); }

      // Epilogue through shared memory (see EmitStagedEpilogue in gemm_sm90.cpp). Fragment layout of m64nN:
      // warp w of the warpgroup holds rows 16w + lane/4 (+8), columns 8j + 2*(lane%4) (+1) in
      // acc[4j + 2h + {0,1}], h = the +8 row half.
      const u32 stage_base = sE + cw * (2 * kChunkBytes);
      const int wt = threadIdx.x % 128;
      const int row_base = m0 + cw * (kSlabs * 64);
      const bool vec_ok = ldc % kVec == 0 && reinterpret_cast<unsigned long long>(c) % 16 == 0;
      #pragma unroll
      for (int t = 0; t < kSlabs; ++t) {
        #pragma unroll
        for (int cc = 0; cc < kChunksN; ++cc, ++ep) {
          const u32 buf = stage_base + (ep & 1) * kChunkBytes;
          #pragma unroll
          for (int jj = 0; jj < kChunkCols / 8; ++jj) {
            const int j = cc * (kChunkCols / 8) + jj;
            if (j >= kBN / 8) break;   // a tile_n that is not a multiple of the chunk: its last chunk is partial
            const float b0 = agt_lo(bias_pk[j]), b1 = agt_hi(bias_pk[j]);
            #pragma unroll
            for (int h = 0; h < 2; ++h) {
              const int r = warp * 16 + lane / 4 + 8 * h;
              float v0 = acc[t][4 * j + 2 * h], v1 = acc[t][4 * j + 2 * h + 1];
              v0 += b0; v1 += b1;
              const int byte = (jj * 8 + 2 * (lane % 4)) * static_cast<int>(sizeof(OutT));
              agt_sts2(buf + r * 128 + ((((byte >> 4) ^ (r & 7)) << 4) | (byte & 15)), v0, v1);
            }
          }
          named_barrier_sync(2 + cw, 128);   // this warpgroup's chunk is staged
          #pragma unroll
          for (int p = 0; p < 4; ++p) {
            const int i = wt + 128 * p, r = i / 8, g = i % 8;
            const int in_tile = cc * kChunkCols + g * kVec;
            const int row = row_base + t * 64 + r, col = n0 + in_tile;
            if (in_tile >= kBN || row >= M || col >= N) continue;
            uint4 v = ld_shared_v4_b32(buf + r * 128 + ((g ^ (r & 7)) << 4));
            OutT* dst = c + static_cast<long long>(row) * ldc + col;
            if (vec_ok && col + kVec <= N) {
              *reinterpret_cast<uint4*>(dst) = v;
            } else {
              agt_store_tail(dst, nullptr, v, N - col);
            }
          }
        }
      }
    }
  }
}

// The Hopper GEMM core's emitter: CUDA source of a warp-specialised TMA + wgmma kernel for
// C[M,N] = A[M,K] * B (+ bias[N]) (-> GELU) (+ residual[M,N]), from a small configuration.
//
// Layouts. A is row-major [M, K] (the activation). B is the Linear weight as the artifact stores it
// today: ir's linear takes w in ONNX MatMul layout [K, N] (compiler/passes/matmul_to_linear.cpp) and
// the driver packs it unchanged (compiler/driver/launch_list.cpp), so B is N-contiguous: an MN-major
// wgmma operand, which wgmma reads for 16-bit inputs with its transpose bit (BLayout::kKN). A weight
// transposed to [N, K] (torch's layout) is the K-major operand (BLayout::kNK). TMA needs 16-byte row
// strides: K % 8 == 0 (tf32: K % 4) for A (and for B in kNK), N % 8 == 0 for B in kKN. C (and the
// residual) take any N and ldc: the staged epilogue stores 16 bytes where the row stride and base
// allow it and the row's 8 (f32: 4) outputs are inside N, element by element elsewhere.
//
// Input types. fp16 and bf16: 16-bit A, B, bias (and C and the residual unless out_f32), m64nNk16
// wgmmas, 64-deep k-blocks. tf32: f32 storage of A, B, bias, residual and C, m64nNk8 wgmmas with tf32
// inputs (the tensor cores read the f32 values' top 19 bits) and f32 accumulation, 32-deep k-blocks
// (one 128-byte swizzle span holds 32 f32 values, so the stages' bytes are the 16-bit ones'). wgmma
// transposes only 16-bit types, so tf32 needs both operands K-major: the weight [N, K] (kNK), also
// when swapped (the weight is then wgmma's A); no convolutions.
//
// Kernel shape. One producer warpgroup (warpgroup 0) gives registers up with setmaxnreg and one
// elected thread issues TMA loads of A and B tiles into a `stages`-deep ring of shared-memory buffers,
// each guarded by a "full" mbarrier (TMA transaction bytes) and an "empty" mbarrier (one arrival per
// consumer warp). One or two consumer warpgroups take the freed registers, wait on "full", issue
// m64nNk16 (tf32: m64nNk8) wgmmas from shared memory (128-byte swizzle, descriptors built from
// run-time shared addresses), keep one wgmma group in flight, release the previous stage, and run
// the epilogue (codegen/hopper/epilogue_sm90.h): bias and GELU in registers, the tile cast to the
// output type and staged through shared memory in 128-byte column chunks (swizzled: conflict-free
// both ways), then written as coalesced 16-byte row stores with the residual added from 16-byte loads.
//
// Tile schedule (codegen/hopper/tile_scheduler_sm90.h). The product is cut into work units (output
// tile, k-range): split_k ranges per tile, tiles in raster order along M or N. The grid is persistent
// (at most one CTA per SM); each CTA walks units blockIdx.x, +gridDim.x, ...; producer and consumers
// walk the same sequence, and the ring's stage / phase counters run on across units. With split_k > 1
// each unit's fp32 partial goes to a workspace and the last split of a tile to finish (a per-tile
// ticket counter) adds the partials in split order 0..S-1 and runs the epilogue: deterministic, and
// the epilogue runs once per tile. With split_scatter every split reduces and stores its own share of
// the tile instead (the same sums in the same order: the same bits).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "codegen/conv_geometry.h"
#include "ir/status.h"

namespace agt::codegen::hopper {

// The stored input type (and the wgmma's): see "Input types" above.
enum class GemmInput { kF16, kBF16, kTF32 };
const char* GemmInputName(GemmInput in);   // "f16", "bf16", "tf32"
int GemmInputBytes(GemmInput in);           // bytes per stored element: 2, or 4 for tf32
// The k-block (tile_k): one 128-byte swizzle span of stored elements, 64 16-bit or 32 f32 ones.
int GemmSm90TileK(GemmInput in);
enum class BLayout { kKN, kNK };
// Order of the output tiles in the work-unit sequence: consecutive tiles walk M (the tiles of one
// weight column block run together, so it is read from HBM once) or N.
enum class Raster { kAlongM, kAlongN };

// An implicit-GEMM convolution (GemmSm90Config::conv): x [batch, H, W, C] channels-last, the weight
// [N, KH, KW, C] (kNK: K = KH * KW * C contiguous per output channel), C [batch*OH*OW, N].
// A(m, k) = x[b, oy*sh - pt + ky*dh, ox*sw - pl + kx*dw, c] with m = (b, oy, ox), k = (ky, kx, c):
// 16-byte runs of channels, gathered by the producer warpgroup's cp.async (zero-filled outside the
// image) into the same swizzled ring TMA fills for a plain GEMM. C % 8 == 0. The geometry is
// codegen::ConvGeometry2d (codegen/conv_geometry.h; batch and O are the problem's M and N).
std::string DescribeConv(const ConvGeometry2d& g);   // "56x56x64 3x3 s1 p1" (+ " d2x2" when dilated)

struct GemmSm90Config {
  GemmInput input = GemmInput::kF16;
  BLayout b_layout = BLayout::kKN;
  int tile_m = 128;       // 64 or 128 (split over the consumer warpgroups in m64 slabs)
  int tile_n = 128;       // 64..256: a multiple of 64 for kKN (one TMA box per 64 columns), of 16 for kNK
  int tile_k = 64;        // GemmSm90TileK(input): one 128-byte swizzle span (64 16-bit, 32 tf32 elements)
  int stages = 4;         // 2..8 shared-memory buffers
  int consumers = 2;      // consumer warpgroups: 1 or 2
  bool bias = true;       // + bias[N] (input type; tf32: f32)
  bool gelu = false;      // GELU (erf form) after the bias
  bool relu = false;      // ReLU after the bias (not with gelu)
  bool residual = false;  // + residual[M, N] (output type, row stride ldc) after GELU / ReLU
  bool relu_out = false;  // ReLU after the residual add (ResNet's block output)
  bool out_f32 = false;   // C in f32 instead of the 16-bit input type (tf32 writes f32 without it: not with tf32)
  int split_k = 1;        // 1..16 k-ranges per output tile (1: none), reduced in a fixed order
  // Split-K reduced by all the tile's splits instead of its last (tile_scheduler_sm90.h, "reduce-
  // scatter"): each split owns 1/split_k of the tile's 8-column groups (rows, swapped), writes the rest
  // of its partial, waits for the others' and sums and stores its own groups. Needs every CTA of the
  // grid resident at once (a grid that is a multiple of split_k, at most one CTA per SM).
  bool split_scatter = false;
  Raster raster = Raster::kAlongM;
  // The epilogue's stores: staged through a shared-memory buffer (two 64-row x 128-byte chunks per
  // consumer warpgroup, beside the ring) and written as 16-byte row stores, each warp instruction 4
  // full 128-byte rows; false: 4-byte stores straight from the accumulator registers (8 rows per
  // warp instruction), for rings too deep to leave room for the buffer.
  bool staged_epilogue = true;
  // The product computed transposed, C^T = B^T A^T, for matrices with few rows (batch-1 token counts
  // such as 197 or 257): the weight is wgmma's A operand (tile_m of its N columns per tile, read with
  // the transpose bit in [K, N] layout) and the activation rows are wgmma's N dimension (tile_n: any
  // multiple of 8 up to 256, so 257 rows take two 136-row tiles instead of three 128-row ones). The
  // scheduler's "M" is then C's N and its "N" C's M; the staged epilogue writes the accumulators into
  // shared memory transposed (2-byte stores; f32 outputs: 4-byte stores, each chunk 32 of the slab's
  // 64 output columns) and C leaves as 16-byte row stores as before. The kernel's parameters and tensor
  // maps are the same (tm_a the activation, tm_b the weight); only the boxes differ.
  bool swap_ab = false;
  // A gathered from a channels-last convolution input instead of a TMA'd [M, K] matrix (not swapped,
  // kNK weight). The kernel then takes `const InT* x` where the others take tm_a.
  bool conv = false;
  ConvGeometry2d geom;
  // A's rows layer-normalised (affine-free, over K, with norm_eps) before the product: the LayerNorm
  // prologue of codegen/hopper/norm_prologue_sm90.h (swapped, 16-bit, [K, N] weight, split_k 1).
  bool norm = false;
  float norm_eps = 1e-5f;
  // CTAs per cluster: 1, or 2 sharing the weight tile (kKN weight, not conv, not norm). The pair
  // runs two work units whose tiles read the same weight columns (unswapped: adjacent M tiles;
  // swapped: adjacent token tiles) over the same k-range in step; each CTA's producer loads half of
  // the weight's 64-column boxes with TMA multicast into both CTAs' stages (one L2 read feeds two
  // SMs), and a stage is refilled only after both CTAs' consumers released it (each consumer warp
  // arrives on both CTAs' "empty" barriers). The paired side's tile count is rounded up to even; a
  // padding tile loads real rows (clamped coordinates) and stores nothing.
  int cluster = 1;
  // Also the statistics a LayerNorm of C's rows needs, once per row (issue 17): for each row of C and
  // each 64-column block of it, the (mean, M2) of the block's stored outputs (after the residual, as
  // rounded to the output type) into `moments` [M, ceil(N / 64), 2] f32, an extra kernel parameter.
  // Computed in the staged epilogue's store phase: each thread holds 8 consecutive outputs of a row,
  // the row's 8 threads of a 64-column chunk are neighbouring lanes, so a block's moments are an exact
  // 8-value (mean, M2) merged by three xor-shuffles (Chan et al.). 16-bit outputs, staged epilogue,
  // the output-column side of a tile 64-aligned (unswapped tile_n % 64 == 0), no reduce-scatter (its
  // splits store parts of a block).
  bool row_moments = false;
  // A's rows layer-normalised (affine-free, over K, with norm_eps) from statistics a producer GEMM's
  // row_moments wrote, instead of recomputing them (codegen/hopper/norm_moments_sm90.h): two more
  // kernel parameters, `const float* moments_in` [M, ceil(K / 64), 2] and `const float* colsum` [N]
  // (the column sums of B as stored). Not with `norm`, convolutions, tf32 or clusters.
  bool norm_moments = false;

  std::string Describe() const;   // "f16 kn 128x128x64 s4 c2 +bias" (" ln" first with norm), with " k2" (" k2s": reduce-scatter) / " rn" / " rs" / " sw" / " x2" when split / along N / register stores / swapped / clustered
  // Whether C (and the residual) are f32: out_f32, or a tf32 product.
  bool f32_out() const { return out_f32 || input == GemmInput::kTF32; }
  std::string KernelName() const; // a C identifier that encodes the configuration
};

// What the host needs to launch an emitted kernel.
struct GemmSm90Kernel {
  std::string source;        // the full translation unit (wrappers prepended)
  std::string kernel_name;
  int threads = 0;           // 128 * (1 + consumers)
  int64_t smem_bytes = 0;    // dynamic shared memory (stages, epilogue staging, barriers, 1 KiB for alignment)
  // TMA boxes (elements, innermost first) the tensor maps must be encoded with.
  std::array<uint32_t, 2> a_box{};   // A [M, K]: {tile_k, tile_m} ({tile_k, tile_n} swapped)
  std::array<uint32_t, 2> b_box{};   // kKN [K, N]: {64, tile_k}; kNK [N, K]: {tile_k, tile_n} ({tile_k, tile_m} swapped)
};

// The parameter list every emitted kernel takes, in order (conv: `const InT* x` in tm_a's place):
//   (const __grid_constant__ agt_sm90::TensorMap tm_a, const __grid_constant__ agt_sm90::TensorMap tm_b,
//    const T* bias, const OT* residual, OT* c, int M, int N, int K, int ldc, float* workspace)
// T is the stored input type (__half, __nv_bfloat16, or float for tf32), OT the output type.
// With row_moments one more parameter follows: `float* moments` ([M, ceil(N / 64), 2]); with
// norm_moments two more after that: `const float* moments_in` ([M, ceil(K / 64), 2]) and `const float*
// colsum` ([N]). The moment buffers are read and written as float2: 8-byte aligned.
// bias / residual may be null when the configuration does not use them; workspace too with split_k 1,
// else GemmSm90WorkspaceBytes, zeroed once when allocated (the kernel leaves it ready for the next
// launch; launches sharing one workspace must be stream-ordered). Grid: GemmSm90Grid.

// Checks the configuration (tile shapes, register and shared-memory budgets on an H100/H200).
Status ValidateGemmSm90(const GemmSm90Config& cfg);
// Checks a problem against the configuration's layout rules (16-byte TMA strides, sizes > 0).
Status ValidateGemmSm90Problem(const GemmSm90Config& cfg, int64_t M, int64_t N, int64_t K);

Expected<GemmSm90Kernel> EmitGemmSm90(const GemmSm90Config& cfg);
// The dynamic shared memory a kernel of `cfg` asks for (GemmSm90Kernel::smem_bytes), without emitting it.
int64_t GemmSm90SmemBytes(const GemmSm90Config& cfg);

}  // namespace agt::codegen::hopper

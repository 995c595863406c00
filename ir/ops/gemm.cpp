// The reference GEMM. Operands are widened to fp64 once while packing (A by rows, B into panels of
// eight columns, k-major, so that a panel streams from L1/L2), and a 4x8 micro-kernel keeps 32 fp64
// accumulators in vector registers (GCC vector extensions). The kernel is compiled twice, for
// x86-64-v3 (AVX2 + FMA) and for the baseline, and picked at load time (target_clones), so the
// binary still runs on any x86-64. The product of two floats is exact in fp64, so FMA and a
// separate multiply-add give the same bits, and each output's sum runs over k in order: results
// do not depend on the CPU or the thread count.
#include "ir/ops/gemm.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "ir/ops/op_helpers.h"

namespace agt::ir::ops {
namespace {

typedef double V4d __attribute__((vector_size(32)));

constexpr int64_t kNr = 8;   // columns per panel: two V4d
constexpr int64_t kMr = 4;   // rows per micro-kernel call

// Rows [0, mr) of packed A (fp64, row stride k) against one packed panel (fp64, [k][8]).
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("arch=x86-64-v3", "default")))
#endif
void MicroKernel(const double* a, const double* panel, const float* bias, float* c, int64_t ldc, int64_t mr,
                 int64_t nr, int64_t k) {
  // Missing rows read row 0 again; their results are dropped.
  const double* r0 = a;
  const double* r1 = a + (mr > 1 ? k : 0);
  const double* r2 = a + (mr > 2 ? 2 * k : 0);
  const double* r3 = a + (mr > 3 ? 3 * k : 0);
  V4d z = {0, 0, 0, 0};
  V4d c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
  for (int64_t kk = 0; kk < k; ++kk) {
    V4d b0, b1;
    std::memcpy(&b0, panel + kk * kNr, sizeof(b0));
    std::memcpy(&b1, panel + kk * kNr + 4, sizeof(b1));
    double a0 = r0[kk], a1 = r1[kk], a2 = r2[kk], a3 = r3[kk];
    c00 += a0 * b0;
    c01 += a0 * b1;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c30 += a3 * b0;
    c31 += a3 * b1;
  }
  double out[kMr][kNr];
  std::memcpy(&out[0][0], &c00, 32);
  std::memcpy(&out[0][4], &c01, 32);
  std::memcpy(&out[1][0], &c10, 32);
  std::memcpy(&out[1][4], &c11, 32);
  std::memcpy(&out[2][0], &c20, 32);
  std::memcpy(&out[2][4], &c21, 32);
  std::memcpy(&out[3][0], &c30, 32);
  std::memcpy(&out[3][4], &c31, 32);
  for (int64_t r = 0; r < mr; ++r) {
    for (int64_t col = 0; col < nr; ++col) {
      double v = out[r][col];
      if (bias != nullptr) v += bias[col];
      c[r * ldc + col] = static_cast<float>(v);
    }
  }
}

}  // namespace

void Gemm(const float* a, const float* b, const float* bias, float* c, int64_t m, int64_t n, int64_t k, int threads) {
  if (m <= 0 || n <= 0) return;
  int64_t panels = (n + kNr - 1) / kNr;
  std::vector<double> pa(static_cast<size_t>(m * k));
  std::vector<double> pb(static_cast<size_t>(panels * k * kNr), 0.0);
  ParallelFor(k, threads, [&](int64_t kb, int64_t ke) {
    for (int64_t kk = kb; kk < ke; ++kk) {
      const float* brow = b + kk * n;
      for (int64_t j = 0; j < n; ++j) pb[((j / kNr) * k + kk) * kNr + j % kNr] = brow[j];
    }
  }, 256);
  for (int64_t i = 0; i < m * k; ++i) pa[i] = a[i];
  // Enough work per thread to amortise its start: about 1 MFLOP.
  int64_t min_panels = std::max<int64_t>(1, (1 << 17) / std::max<int64_t>(1, m * k));
  ParallelFor(panels, threads, [&](int64_t first, int64_t last) {
    for (int64_t p = first; p < last; ++p) {
      const double* panel = pb.data() + p * k * kNr;
      int64_t j = p * kNr, nr = std::min(kNr, n - j);
      for (int64_t i = 0; i < m; i += kMr) {
        MicroKernel(pa.data() + i * k, panel, bias == nullptr ? nullptr : bias + j, c + i * n + j, n,
                    std::min(kMr, m - i), nr, k);
      }
    }
  }, min_panels);
}

}  // namespace agt::ir::ops

// The one matrix-product kernel behind the reference matmul, linear and conv2d: C = A x B (+ bias)
// with fp32 operands and fp64 accumulation, blocked so that the interpreter can run ViT-Base in
// seconds rather than minutes. Internal to the op family files.
#pragma once

#include <cstdint>

namespace agt::ir::ops {

// a: [m, k] row-major, b: [k, n] row-major, bias: [n] or null, c: [m, n] row-major (overwritten).
// Each c element is the fp64 sum over k of fp64 products, rounded once to f32. Work is split over
// `threads` by column panels.
void Gemm(const float* a, const float* b, const float* bias, float* c, int64_t m, int64_t n, int64_t k, int threads);

}  // namespace agt::ir::ops

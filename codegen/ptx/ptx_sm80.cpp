// The texts of the sm_80 instruction wrappers (see ptx_sm80.h).
#include "codegen/ptx/ptx_sm80.h"

#include <fmt/format.h>

namespace agt::codegen::ptx_sm80 {

namespace {

// With pred false the copy reads 0 source bytes, so the 16 destination bytes are zero-filled: the
// emitters rely on it for tiles that run past the edge of a matrix.
constexpr std::string_view kCpAsync16Text = R"(__device__ __forceinline__ void cp_async16(void* smem, const void* gmem, bool pred) {
  unsigned s = (unsigned)__cvta_generic_to_shared(smem);
  int n = pred ? 16 : 0;
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" :: "r"(s), "l"(gmem), "r"(n));
}
)";

constexpr std::string_view kCpAsyncCommitText =
    R"(__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
)";

constexpr std::string_view kCpAsyncWaitText = R"(template <int N>
__device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" :: "n"(N)); }
)";

constexpr std::string_view kLdmatrixX4Text = R"(__device__ __forceinline__ void ldmatrix_x4(unsigned* r, const void* p) {
  unsigned s = (unsigned)__cvta_generic_to_shared(p);
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(s));
}
)";

constexpr std::string_view kLdmatrixX4TransText = R"(__device__ __forceinline__ void ldmatrix_x4_trans(unsigned* r, const void* p) {
  unsigned s = (unsigned)__cvta_generic_to_shared(p);
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(s));
}
)";

constexpr std::string_view kToTf32Text = R"(__device__ __forceinline__ unsigned to_tf32(float x) {
  unsigned u;
  asm("cvt.rna.tf32.f32 %0, %1;\n" : "=r"(u) : "f"(x));
  return u;
}
)";

constexpr std::string_view kPack2F16Text = R"(__device__ __forceinline__ unsigned pack2(float lo, float hi) {
  __half2 h = __floats2half2_rn(lo, hi);
  return *reinterpret_cast<unsigned*>(&h);
}
)";

constexpr std::string_view kPack2Bf16Text = R"(__device__ __forceinline__ unsigned pack2(float lo, float hi) {
  __nv_bfloat162 h = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<unsigned*>(&h);
}
)";

}  // namespace

std::string_view WrapperText(Wrapper w) {
  switch (w) {
    case Wrapper::kCpAsync16: return kCpAsync16Text;
    case Wrapper::kCpAsyncCommit: return kCpAsyncCommitText;
    case Wrapper::kCpAsyncWait: return kCpAsyncWaitText;
    case Wrapper::kLdmatrixX4: return kLdmatrixX4Text;
    case Wrapper::kLdmatrixX4Trans: return kLdmatrixX4TransText;
    case Wrapper::kToTf32: return kToTf32Text;
  }
  return {};
}

std::string Preamble(std::initializer_list<Wrapper> ws) {
  std::string s;
  for (Wrapper w : ws) s += WrapperText(w);
  return s;
}

std::string MmaSyncPtx(ir::Precision p) {
  std::string_view shape = p == ir::Precision::kTF32 ? "m16n8k8" : "m16n8k16";
  std::string_view ty = p == ir::Precision::kTF32 ? "tf32" : p == ir::Precision::kBF16 ? "bf16" : "f16";
  return fmt::format(R"(mma.sync.aligned.{}.row.col.f32.{}.{}.f32 {{%0,%1,%2,%3}}, {{%4,%5,%6,%7}}, {{%8,%9}}, {{%0,%1,%2,%3}};\n)", shape,
                     ty, ty);
}

std::string MmaAccWrapper(ir::Precision p) {
  std::string s = fmt::format(R"(__device__ __forceinline__ void mma_acc(float* c, const unsigned* a, unsigned b0, unsigned b1) {{
  asm volatile("{}"
               : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}}
)",
                              MmaSyncPtx(p));
  if (p == ir::Precision::kFP16) s += kPack2F16Text;
  if (p == ir::Precision::kBF16) s += kPack2Bf16Text;
  return s;
}

std::string CpAsyncWaitGroupStmt(int64_t n) { return fmt::format(R"(asm volatile("cp.async.wait_group {};\n" ::);)", n); }

}  // namespace agt::codegen::ptx_sm80

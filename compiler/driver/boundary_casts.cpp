// The edge cast kernels' source and launch geometry.
#include "compiler/driver/boundary_casts.h"

#include <algorithm>

#include "codegen/cuda_writer.h"
#include "codegen/expr_emitter.h"
#include "codegen/ptx/grid_dependency.h"

namespace agt::driver {

namespace {

constexpr uint32_t kThreads = 256;
constexpr int64_t kMaxBlocks = 132 * 16;   // enough to fill an H100; the loop strides over the rest

const char* CType(ir::DType t) {
  switch (t) {
    case ir::DType::kF16: return "__half";
    case ir::DType::kBF16: return "__nv_bfloat16";
    default: return "float";
  }
}

}  // namespace

std::string CastKernelName(ir::DType from, ir::DType to) {
  return "agt_cast_" + std::string(ir::DTypeName(from)) + "_to_" + std::string(ir::DTypeName(to));
}

std::string BoundaryCastSource(const std::vector<CastPair>& pairs, ir::Precision precision) {
  codegen::CudaWriter w;
  w.Line("// AutoGTCO generated kernels: casts between the model's input/output dtypes and the");
  w.Linef("// device storage of precision {} (grid-stride, eight elements a step where aligned).", ir::PrecisionName(precision));
  w.Blank();
  w.Raw(codegen::ExprEmitter::Prelude(precision));
  for (const auto& [from, to] : pairs) {
    {
      auto body = w.Block(fmt::format(
          "extern \"C\" __global__ void __launch_bounds__({}) {}(const {}* __restrict__ in, {}* __restrict__ out, long long n)",
          kThreads, CastKernelName(from, to), CType(from), CType(to)));
      codegen::EmitGridDependencyEntry(w);
      // Eight elements a step in 16-byte loads and stores where both pointers are 16-byte aligned
      // (arena buffers are; a caller's may not be), then the rest one by one.
      w.Linef("const long long stride = (long long)gridDim.x * {};", kThreads);
      w.Linef("const long long first = (long long)blockIdx.x * {} + threadIdx.x;", kThreads);
      w.Line("const long long n8 = ((((unsigned long long)in | (unsigned long long)out) & 15) == 0) ? n / 8 : 0;");
      w.Line("for (long long v = first; v < n8; v += stride) {");
      w.Linef("  uint4 a[{}], b[{}];", 8 * ir::DTypeSize(from) / 16, 8 * ir::DTypeSize(to) / 16);
      w.Linef("  for (int j = 0; j < {}; ++j) a[j] = reinterpret_cast<const uint4*>(in + v * 8)[j];", 8 * ir::DTypeSize(from) / 16);
      w.Linef("  const {}* x = reinterpret_cast<const {}*>(a);", CType(from), CType(from));
      w.Linef("  {}* y = reinterpret_cast<{}*>(b);", CType(to), CType(to));
      w.Line("  #pragma unroll");
      w.Line("  for (int k = 0; k < 8; ++k) agt_st(y + k, agt_f(x[k]));");
      w.Linef("  for (int j = 0; j < {}; ++j) reinterpret_cast<uint4*>(out + v * 8)[j] = b[j];", 8 * ir::DTypeSize(to) / 16);
      w.Line("}");
      w.Line("for (long long i = n8 * 8 + first; i < n; i += stride) agt_st(out + i, agt_f(in[i]));");
    }
    w.Blank();
  }
  return w.str();
}

CastGeometry CastLaunchGeometry(int64_t n) {
  CastGeometry g;
  int64_t blocks = std::clamp<int64_t>((n + kThreads - 1) / kThreads, 1, kMaxBlocks);
  g.grid = {static_cast<uint32_t>(blocks), 1, 1};
  g.block = {kThreads, 1, 1};
  return g;
}

}  // namespace agt::driver

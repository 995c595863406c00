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
  w.Linef("// device storage of precision {} (one element per thread slot, grid-stride).", ir::PrecisionName(precision));
  w.Blank();
  w.Raw(codegen::ExprEmitter::Prelude(precision));
  for (const auto& [from, to] : pairs) {
    {
      auto body = w.Block(fmt::format(
          "extern \"C\" __global__ void __launch_bounds__({}) {}(const {}* __restrict__ in, {}* __restrict__ out, long long n)",
          kThreads, CastKernelName(from, to), CType(from), CType(to)));
      codegen::EmitGridDependencyEntry(w);
      w.Linef("for (long long i = (long long)blockIdx.x * {} + threadIdx.x; i < n; i += (long long)gridDim.x * {}) {{", kThreads, kThreads);
      w.Line("  agt_st(out + i, agt_f(in[i]));");
      w.Line("}");
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

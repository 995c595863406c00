// The element-wise / injective sketch and the generic fallback. Both give every output element to
// one thread slot and compute it through the loaders (expr_emitter.h): element-wise chains compose,
// injective ops (transpose, concat, slice, pad, gather, resize, ...) become index arithmetic, and in
// the generic sketch reductions, products, cumsum and max_pool become small loops, so that every
// group of every model has a correct kernel. Consecutive threads take consecutive elements of the
// output, so stores are coalesced on the output; `vector` gives a thread that many consecutive
// elements and `unroll` that many chunks, a block-stride apart.
#include <algorithm>

#include "codegen/expr_emitter.h"
#include "codegen/ptx/grid_dependency.h"
#include "codegen/kernel_source.h"

namespace agt::codegen {

namespace {

Expected<KernelSource> EmitPointwise(const ir::Graph& g, const Program& prog, int64_t threads, int64_t vec, int64_t unroll,
                                     const std::string& name) {
  if (g.outputs().empty()) return Status::Error("the group has no outputs");
  if (threads < 32 || threads > 1024 || vec < 1 || unroll < 1) return Status::Error("point-wise annotation out of range");
  ExprEmitter e(g, prog.task.precision);
  int64_t total = 0;
  for (const ir::Value* o : g.outputs()) total = std::max(total, o->type().num_elements());
  CudaWriter k;
  k.Linef("extern \"C\" __global__ void __launch_bounds__({}) {}({})", threads, name, e.KernelParams());
  k.Open("");
  EmitGridDependencyEntry(k);
  k.Line(e.ParamsInit());
  k.Line("#pragma unroll");
  k.Open(fmt::format("for (int u = 0; u < {}; ++u)", unroll));
  // agt_ix: the loaders' index type (int when every tensor of the group is under 2^30 elements; the
  // grid's last chunk then still fits: a block covers at most 2^23 elements).
  k.Linef("const agt_ix chunk = (agt_ix)blockIdx.x * {} + u * {} + threadIdx.x;", threads * unroll, threads);
  k.Line("#pragma unroll");
  k.Open(fmt::format("for (int v = 0; v < {}; ++v)", vec));
  k.Linef("const agt_ix i = chunk * {} + v;", vec);
  for (size_t j = 0; j < g.outputs().size(); ++j) {
    const ir::Value* o = g.outputs()[j];
    int64_t n = o->type().num_elements();
    if (n == 0) continue;
    k.Linef("if (i < {}) {}", n, e.StoreStmt(j, "i", e.LoadCall(o, ExprEmitter::Unravel("i", o->shape()))));
  }
  k.Close();
  k.Close();
  k.Close();

  CudaWriter w;
  w.Raw(KernelHeader(g, prog));
  w.Raw(ExprEmitter::Prelude(prog.task.precision));
  e.EmitParamsStruct(w);
  AGT_RETURN_IF_ERROR(e.EmitLoaders(w));
  w.Raw(k.str());
  KernelSource ks;
  ks.source = w.str();
  ks.launch.kernel_name = name;
  ks.launch.programmatic = true;   // EmitGridDependencyEntry at the kernel's start
  int64_t per_block = threads * vec * unroll;
  ks.launch.grid = {static_cast<uint32_t>(std::max<int64_t>(1, (total + per_block - 1) / per_block)), 1, 1};
  ks.launch.block = {static_cast<uint32_t>(threads), 1, 1};
  ks.launch.num_inputs = static_cast<int>(g.inputs().size());
  ks.launch.num_outputs = static_cast<int>(g.outputs().size());
  return ks;
}

}  // namespace

Expected<ProblemDims> AnalyzePointwise(const ir::Graph& g, bool generic) {
  ProblemDims d;
  for (const auto& n : g.nodes()) {
    ir::OpPattern p = n->pattern();
    bool light = p == ir::OpPattern::kElemWise || p == ir::OpPattern::kBroadcast || p == ir::OpPattern::kInjective;
    if (!generic && !light) return Status::Errorf("{} is not element-wise or injective", n->Describe());
  }
  for (const ir::Value* o : g.outputs()) d.elements = std::max(d.elements, o->type().num_elements());
  if (g.outputs().empty()) return Status::Error("the group has no outputs");
  return d;
}

Expected<KernelSource> EmitElementwise(const ir::Graph& g, const Program& p) {
  AGT_RETURN_IF_ERROR(AnalyzePointwise(g, false).status());
  const Annotation& a = p.annotation;
  return EmitPointwise(g, p, a.get(Knob::kThreads, 256), a.get(Knob::kVector, 1), a.get(Knob::kUnroll, 1), "agt_elementwise");
}

Expected<KernelSource> EmitGeneric(const ir::Graph& g, const Program& p) {
  return EmitPointwise(g, p, p.annotation.get(Knob::kThreads, 128), 1, 1, "agt_generic");
}

}  // namespace agt::codegen

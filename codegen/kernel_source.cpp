// Dispatch from a program's sketch to its emitter, the shared kernel header, and problem analysis.
#include "codegen/kernel_source.h"

#include <set>

#include "codegen/cuda_writer.h"

namespace agt::codegen {

Expected<ProblemDims> AnalyzeGemm(const ir::Graph& g);
Expected<ProblemDims> AnalyzeAttention(const ir::Graph& g);
Expected<ProblemDims> AnalyzeRowReduce(const ir::Graph& g);
Expected<ProblemDims> AnalyzePointwise(const ir::Graph& g, bool generic);

Expected<ProblemDims> AnalyzeProblem(const ir::Graph& g, SketchKind kind) {
  switch (kind) {
    case SketchKind::kGemm: return AnalyzeGemm(g);
    case SketchKind::kAttention: return AnalyzeAttention(g);
    case SketchKind::kRowReduce: return AnalyzeRowReduce(g);
    case SketchKind::kElementwise: return AnalyzePointwise(g, false);
    case SketchKind::kGeneric: return AnalyzePointwise(g, true);
  }
  return Status::Error("unknown sketch kind");
}

Expected<KernelSource> EmitKernel(const ir::Graph& g, const Program& p) {
  switch (p.sketch.kind) {
    case SketchKind::kGemm: return EmitGemm(g, p);
    case SketchKind::kAttention: return EmitAttention(g, p);
    case SketchKind::kRowReduce: return EmitRowReduce(g, p);
    case SketchKind::kElementwise: return EmitElementwise(g, p);
    case SketchKind::kGeneric: return EmitGeneric(g, p);
  }
  return Status::Error("unknown sketch kind");
}

std::string KernelHeader(const ir::Graph& g, const Program& p) {
  CudaWriter w;
  w.Line("// AutoGTCO generated kernel.");
  std::string ops;
  for (const auto& n : g.nodes()) ops += (ops.empty() ? "" : "+") + std::string(n->op_name());
  w.Linef("// task:       {} ({} nodes)", ops.empty() ? "(no ops)" : ops, g.num_nodes());
  for (size_t i = 0; i < g.inputs().size(); ++i) w.Linef("//   in{}:  {}", i, g.inputs()[i]->type().ToString());
  for (size_t i = 0; i < g.outputs().size(); ++i) w.Linef("//   out{}: {}", i, g.outputs()[i]->type().ToString());
  w.Linef("// precision:  {}   arch: {}", PrecisionName(p.task.precision), p.task.arch);
  w.Linef("// sketch:     {}{}", SketchKindName(p.sketch.kind), p.sketch.tensor_cores ? " (tensor cores)" : "");
  w.Linef("// annotation: {}", p.annotation.ToString());
  w.Blank();
  return w.str();
}

}  // namespace agt::codegen

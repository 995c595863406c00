// Problem analysis and emission through the sketch table, and the header every kernel starts with.
#include "codegen/kernel_source.h"

#include <set>

#include "codegen/cuda_writer.h"
#include "codegen/sketches/sketch.h"

namespace agt::codegen {

Expected<ProblemDims> AnalyzeProblem(const ir::Graph& g, SketchKind kind) { return GetSketch(kind).Analyze(g); }

Expected<KernelSource> EmitKernel(const ir::Graph& g, const Program& p) { return GetSketch(p.sketch.kind).Emit(g, p); }

std::vector<LaunchArg> LaunchArgs(const LaunchSpec& l) {
  if (!l.args.empty()) return l.args;
  std::vector<LaunchArg> out;
  for (int i = 0; i < l.num_inputs; ++i) out.push_back({LaunchArgKind::kInput, i});
  for (int i = 0; i < l.num_outputs; ++i) out.push_back({LaunchArgKind::kOutput, i});
  if (l.workspace_bytes > 0) out.push_back({LaunchArgKind::kWorkspace, 0});
  return out;
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

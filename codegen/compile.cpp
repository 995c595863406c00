// Task contexts, default and sampled programs, emission and compilation.
#include "codegen/compile.h"

#include <algorithm>

#include "codegen/sketch_rules.h"
#include "ir/text.h"

namespace agt::codegen {

Expected<SpaceContext> TaskContext::Space(const Sketch& s) const {
  AGT_ASSIGN_OR_RETURN(ProblemDims dims, AnalyzeProblem(*graph, s.kind));
  return SpaceContext{s, task.precision, arch, dims};
}

Expected<TaskContext> MakeTaskContext(const Task& task) {
  TaskContext t;
  t.task = task;
  AGT_ASSIGN_OR_RETURN(t.arch, ir::DeviceForArch(task.arch));
  AGT_ASSIGN_OR_RETURN(t.graph, ir::ParseGraph(task.graph_text, "<task>"));
  SketchChoice c = GenerateSketches(*t.graph, task);
  t.sketches = c.sketches;
  t.rule = c.rule;
  t.skipped = std::move(c.skipped);
  return t;
}

Expected<TaskContext> MakeTaskContext(const ir::Graph& group, Precision precision, const std::string& arch) {
  Task task;
  ir::PrintOptions po;
  po.print_locations = false;
  task.graph_text = ir::PrintGraph(group, po);
  task.precision = precision;
  task.arch = arch;
  return MakeTaskContext(task);
}

Expected<Program> DefaultProgram(const TaskContext& t) {
  const Sketch& s = t.sketches.front();
  AGT_ASSIGN_OR_RETURN(SpaceContext ctx, t.Space(s));
  return Program{t.task, s, DefaultAnnotation(ctx)};
}

Expected<std::vector<Program>> SampleProgram(const TaskContext& t, int count, std::mt19937_64& rng) {
  std::vector<Program> out;
  for (int i = 0; i < count; ++i) {
    const Sketch& s = t.sketches[static_cast<size_t>(i) % t.sketches.size()];
    AGT_ASSIGN_OR_RETURN(SpaceContext ctx, t.Space(s));
    out.push_back(Program{t.task, s, SampleAnnotation(ctx, rng)});
  }
  return out;
}

Status ProgramFits(const TaskContext& t, const Program& p) {
  if (!(p.task == t.task)) return Status::Error("it belongs to another task");
  if (std::find(t.sketches.begin(), t.sketches.end(), p.sketch) == t.sketches.end()) {
    return Status::Errorf("its sketch {} is not one the rules offer the task now ({} is)", SketchKindName(p.sketch.kind),
                          t.sketches.empty() ? std::string_view("none") : SketchKindName(t.sketches.front().kind));
  }
  AGT_ASSIGN_OR_RETURN(SpaceContext ctx, t.Space(p.sketch));
  return ValidateAnnotation(ctx, p.annotation);
}

Expected<KernelSource> EmitProgram(const TaskContext& t, const Program& p) {
  if (!(p.task == t.task)) return Status::Error("program belongs to another task");
  AGT_ASSIGN_OR_RETURN(SpaceContext ctx, t.Space(p.sketch));
  AGT_RETURN_IF_ERROR(ValidateAnnotation(ctx, p.annotation).WithContext("invalid annotation"));
  return EmitKernel(*t.graph, p);
}

Expected<CompiledProgram> CompileProgram(const TaskContext& t, const Program& p, NvrtcCompiler& nvrtc) {
  CompiledProgram c;
  c.program = p;
  AGT_ASSIGN_OR_RETURN(c.kernel, EmitProgram(t, p));
  // The artifact keeps the arch key (sm_90) so that tuning logs stay keyed alike; the cubin of an
  // arch-specific kernel is built for sm_90a.
  const std::string arch = c.kernel.arch_specific ? p.task.arch + "a" : p.task.arch;
  AGT_ASSIGN_OR_RETURN(c.binary, nvrtc.Compile(c.kernel.source, arch, std::string(SketchKindName(p.sketch.kind)) + ".cu"));
  return c;
}

}  // namespace agt::codegen

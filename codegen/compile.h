// The codegen entry points the tuner and the compiler driver call: a task's default program, random
// programs, and Program -> CUDA source -> cubin with its launch spec.
#pragma once

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "codegen/kernel_source.h"
#include "codegen/nvrtc.h"
#include "codegen/program.h"
#include "codegen/search_space.h"
#include "ir/graph.h"
#include "ir/status.h"

namespace agt::codegen {

// A Task's parsed graph plus what every program of it shares.
struct TaskContext {
  Task task;
  std::unique_ptr<ir::Graph> graph;
  ir::DeviceInfo arch;
  std::vector<Sketch> sketches;   // from the sketch rules, best first
  std::string rule;
  std::vector<std::string> skipped;   // "attention: <why not>" for the rules tried before `rule`

  // The search space of one of its sketches.
  Expected<SpaceContext> Space(const Sketch& s) const;
};

// Builds the task from a group graph (printed to IR text) and runs the sketch rules.
Expected<TaskContext> MakeTaskContext(const ir::Graph& group, Precision precision, const std::string& arch = "sm_90");
Expected<TaskContext> MakeTaskContext(const Task& task);

// The first sketch at its default annotation.
Expected<Program> DefaultProgram(const TaskContext& t);
// `count` random valid programs spread over the task's sketches.
Expected<std::vector<Program>> SampleProgram(const TaskContext& t, int count, std::mt19937_64& rng);

// Whether `p` (a logged or predicted program) can stand for the task: the same task, a sketch the
// rules offer it now (records of a sketch the rules no longer choose are stale: a new sketch took the
// group), and an annotation valid in that sketch's space. Why not, otherwise.
Status ProgramFits(const TaskContext& t, const Program& p);

struct CompiledProgram {
  Program program;
  KernelSource kernel;                             // source and launch spec
  std::shared_ptr<const CompileOutput> binary;     // cubin and NVRTC log
};

// Emits and compiles `p` (its task graph parsed from `t`, which must be p's task).
Expected<CompiledProgram> CompileProgram(const TaskContext& t, const Program& p, NvrtcCompiler& nvrtc);
// Emits only (no NVRTC), validating the annotation first.
Expected<KernelSource> EmitProgram(const TaskContext& t, const Program& p);

}  // namespace agt::codegen

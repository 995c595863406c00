// What the compile driver takes from a tuning log: for each task key (tasks::Task::id), the
// fastest program measured for the target arch, on any machine, with or without a GPU here.
//
//   AGT_ASSIGN_OR_RETURN(BestPrograms best, BestProgramsFromLog(path, "sm_90"));
//   if (const BestProgram* b = best.Find(task.id)) {
//     codegen::Program p = RebindProgram(b->program, task_context.task);   // sketch + annotation
//     ... CompileProgram(task_context, p, nvrtc) ...
//   }
//
// The choice is deterministic: the same log gives the same programs whatever the order of its lines.
#pragma once

#include <map>
#include <string>

#include "codegen/program.h"
#include "ir/status.h"

namespace agt::records {

struct BestProgram {
  codegen::Program program;
  double median_us = 0;      // measured kernel time
  std::string gpu;           // where it was measured
};

class BestPrograms {
 public:
  // Null when the log has no successful record of this task for the arch.
  const BestProgram* Find(const std::string& task_key) const;
  size_t size() const { return best_.size(); }
  const std::map<std::string, BestProgram>& all() const { return best_; }
  std::map<std::string, BestProgram>& mutable_all() { return best_; }

 private:
  std::map<std::string, BestProgram> best_;
};

// Loads `path` (a missing file is an error; a truncated last line is tolerated) and keeps the best
// record of each task compiled for `arch`.
Expected<BestPrograms> BestProgramsFromLog(const std::string& path, const std::string& arch);

// The measured kernel time (us) of each task, by task key: what the planner prices the task's group
// with (compile and inspect alike).
std::map<std::string, double> MeasuredKernelUs(const BestPrograms& best);

// The program's sketch and annotation on `task` (the caller's own task text, which may differ from
// the logged one in nothing that matters, e.g. after the IR printer changed).
codegen::Program RebindProgram(const codegen::Program& logged, const codegen::Task& task);

}  // namespace agt::records

// Where the program (sketch + annotation) of each task comes from. The driver asks a ProgramSource
// for a task's program; with no answer it takes the default annotation of the first sketch
// (codegen::DefaultProgram). The tuning log plugs in here: its source answers with the best
// measured record of the task, so a tuned build and an untuned one differ only in this object.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "codegen/compile.h"
#include "ir/status.h"

namespace agt::driver {

class ProgramSource {
 public:
  virtual ~ProgramSource() = default;
  // "default annotations", "tuning log x.jsonl": for the summary and the artifact's metadata.
  virtual std::string Describe() const = 0;
  // The program to compile for the task `task_key` (tasks::Task::id), whose codegen context is `task`,
  // or nullopt when the source has none (the driver then uses the default). Called from several
  // threads at once.
  virtual Expected<std::optional<codegen::Program>> Lookup(const std::string& task_key,
                                                           const codegen::TaskContext& task) const = 0;
  // The measured kernel time (us) of each task the source knows, by task key: DPOF plans with these
  // in place of its analytical estimates, as the tuner did, so that the groups built are the ones tuned.
  virtual std::map<std::string, double> MeasuredKernelUs() const { return {}; }
};

// Never answers: every task gets its default annotation.
class DefaultProgramSource final : public ProgramSource {
 public:
  std::string Describe() const override { return "default annotations"; }
  Expected<std::optional<codegen::Program>> Lookup(const std::string&, const codegen::TaskContext&) const override {
    return std::optional<codegen::Program>();
  }
};

// The source for `--tuning-log FILE` (tuner/best_programs.h): each task's fastest record for `arch`.
// A missing file is an error.
Expected<std::shared_ptr<ProgramSource>> OpenTuningLogSource(const std::string& path, const std::string& arch);

// The program for a task: the source's answer when it fits the task (a record whose annotation the
// current search space rejects is dropped with a warning), else the default. `from_source` tells which.
Expected<codegen::Program> ChooseProgram(const std::string& task_key, const codegen::TaskContext& task,
                                         const ProgramSource* source, bool* from_source);

}  // namespace agt::driver

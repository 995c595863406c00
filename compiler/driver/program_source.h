// Where the program (sketch + annotation) of each task comes from. The driver asks its sources in
// order for a task's program: the tuning log (the task's best measured record), then the cost model
// (its predicted best among sampled programs, costmodel/predicted_program.h), and with no answer takes
// the default annotation of the first sketch (codegen::DefaultProgram). A tuned build and an untuned
// one differ only in these objects; compile reports each task's origin: measured, predicted or default.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codegen/compile.h"
#include "ir/device.h"
#include "ir/status.h"

namespace agt::driver {

enum class ProgramOrigin : uint8_t { kMeasured, kPredicted, kDefault };
std::string_view ProgramOriginName(ProgramOrigin o);   // "measured", "predicted", "default"

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
  // What its answers are: measured (a tuning log) or predicted (a cost model).
  virtual ProgramOrigin origin() const = 0;
};

// Never answers: every task gets its default annotation.
class DefaultProgramSource final : public ProgramSource {
 public:
  std::string Describe() const override { return "default annotations"; }
  Expected<std::optional<codegen::Program>> Lookup(const std::string&, const codegen::TaskContext&) const override {
    return std::optional<codegen::Program>();
  }
  ProgramOrigin origin() const override { return ProgramOrigin::kDefault; }
};

// The source for `--tuning-log FILE` (tuner/best_programs.h): each task's fastest record for `arch`.
// A missing file is an error.
Expected<std::shared_ptr<ProgramSource>> OpenTuningLogSource(const std::string& path, const std::string& arch);

// The source for `--cost-model`: `spec` "" is the model shipped for device.arch (nullptr where none
// is shipped), "none" nullptr, anything else a model file (costmodel/model_file.h). Its answer for a
// task is the model's best-scored program (costmodel::PredictProgram, seeded: deterministic).
Expected<std::shared_ptr<ProgramSource>> OpenCostModelSource(const std::string& spec, const ir::DeviceInfo& device);

// The program for a task: the first source's answer that fits the task (a record whose annotation
// the current search space rejects is dropped with a warning), else the default. `origin` tells which.
// Null sources are skipped.
Expected<codegen::Program> ChooseProgram(const std::string& task_key, const codegen::TaskContext& task,
                                         const std::vector<const ProgramSource*>& sources, ProgramOrigin* origin);

}  // namespace agt::driver

// The default program source, the tuning-log source and the choice between them.
#include "compiler/driver/program_source.h"

#include <spdlog/spdlog.h>

#include "records/best_programs.h"

namespace agt::driver {

namespace {

class TuningLogSource final : public ProgramSource {
 public:
  TuningLogSource(std::string path, records::BestPrograms best) : path_(std::move(path)), best_(std::move(best)) {}
  std::string Describe() const override { return "tuning log " + path_ + " (" + std::to_string(best_.size()) + " tasks)"; }
  Expected<std::optional<codegen::Program>> Lookup(const std::string& task_key,
                                                   const codegen::TaskContext& task) const override {
    const records::BestProgram* b = best_.Find(task_key);
    if (b == nullptr) return std::optional<codegen::Program>();
    return std::optional<codegen::Program>(records::RebindProgram(b->program, task.task));
  }
  std::map<std::string, double> MeasuredKernelUs() const override { return records::MeasuredKernelUs(best_); }

 private:
  std::string path_;
  records::BestPrograms best_;
};

}  // namespace

Expected<std::shared_ptr<ProgramSource>> OpenTuningLogSource(const std::string& path, const std::string& arch) {
  AGT_ASSIGN_OR_RETURN(records::BestPrograms best, records::BestProgramsFromLog(path, arch));
  spdlog::info("tuning log {}: best programs of {} tasks for {}", path, best.size(), arch);
  return std::shared_ptr<ProgramSource>(std::make_shared<TuningLogSource>(path, std::move(best)));
}

Expected<codegen::Program> ChooseProgram(const std::string& task_key, const codegen::TaskContext& task,
                                         const ProgramSource* source, bool* from_source) {
  *from_source = false;
  if (source != nullptr) {
    AGT_ASSIGN_OR_RETURN(std::optional<codegen::Program> p, source->Lookup(task_key, task));
    if (p.has_value()) {
      Status fits = p->task == task.task ? Status::Ok() : Status::Error("it belongs to another task");
      if (fits.ok()) {
        auto space = task.Space(p->sketch);
        fits = space.ok() ? codegen::ValidateAnnotation(*space, p->annotation) : space.status();
      }
      if (fits.ok()) {
        *from_source = true;
        return *p;
      }
      spdlog::warn("task {}: the tuning log's program does not fit ({}); using the default annotation", task_key,
                   fits.message());
    }
  }
  return codegen::DefaultProgram(task);
}

}  // namespace agt::driver

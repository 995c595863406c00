// The default program source, the tuning-log source and the choice between them.
#include "compiler/driver/program_source.h"

#include <mutex>

#include <spdlog/spdlog.h>

#include "costmodel/model_file.h"
#include "costmodel/predicted_program.h"
#include "compiler/tasks/task.h"
#include "records/best_programs.h"

namespace agt::driver {

namespace {

// A log's best programs by task key; a task the log lacks takes the best program of a logged task that
// differs from it only in an epsilon (tasks::EpsilonFreeText: a Hugging Face export's LayerNorms beside
// the zoo's timm ones), compiled with its own epsilon.
class TuningLogSource final : public ProgramSource {
 public:
  TuningLogSource(std::string path, records::BestPrograms best) : path_(std::move(path)), best_(std::move(best)) {}
  std::string Describe() const override { return "tuning log " + path_ + " (" + std::to_string(best_.size()) + " tasks)"; }
  Expected<std::optional<codegen::Program>> Lookup(const std::string& task_key,
                                                   const codegen::TaskContext& task) const override {
    const records::BestProgram* b = best_.Find(task_key);
    if (b == nullptr) {
      // Built at the first task the log lacks (a zoo model compiled from its own log never needs it).
      std::call_once(by_shape_once_, [this] {
        for (const auto& [key, r] : best_.all()) {
          auto [it, fresh] = by_shape_.emplace(tasks::EpsilonFreeText(r.program.task.graph_text), &r);
          if (!fresh && r.median_us < it->second->median_us) it->second = &r;
        }
      });
      auto it = by_shape_.find(tasks::EpsilonFreeText(task.task.graph_text));
      if (it == by_shape_.end()) return std::optional<codegen::Program>();
      b = it->second;
      spdlog::info("task {}: the program measured for a task that differs from it only in epsilon", task_key);
    }
    return std::optional<codegen::Program>(records::RebindProgram(b->program, task.task));
  }
  std::map<std::string, double> MeasuredKernelUs() const override { return records::MeasuredKernelUs(best_); }
  ProgramOrigin origin() const override { return ProgramOrigin::kMeasured; }

 private:
  std::string path_;
  records::BestPrograms best_;
  mutable std::once_flag by_shape_once_;
  mutable std::map<std::string, const records::BestProgram*> by_shape_;   // EpsilonFreeText -> the fastest such record
};

class CostModelSource final : public ProgramSource {
 public:
  CostModelSource(std::string name, costmodel::ModelFile file, ir::DeviceInfo device)
      : name_(std::move(name)), file_(std::move(file)), device_(std::move(device)) {}
  std::string Describe() const override { return "cost model " + name_; }
  Expected<std::optional<codegen::Program>> Lookup(const std::string& task_key, const codegen::TaskContext& task) const override {
    std::lock_guard<std::mutex> lock(mu_);   // XGBoost's predictor is not shared across threads
    AGT_ASSIGN_OR_RETURN(costmodel::PredictedProgram p, costmodel::PredictProgram(task, device_, *file_.model, file_.programs));
    spdlog::debug("task {}: cost model score {:.3f} (default {:.3f}){}", task_key, p.score, p.default_score,
                  p.is_default ? ": the default stays" : "");
    if (p.is_default) return std::optional<codegen::Program>();   // reported as default
    return std::optional<codegen::Program>(std::move(p.program));
  }
  ProgramOrigin origin() const override { return ProgramOrigin::kPredicted; }

 private:
  std::string name_;
  costmodel::ModelFile file_;
  ir::DeviceInfo device_;
  mutable std::mutex mu_;
};

}  // namespace

Expected<std::shared_ptr<ProgramSource>> OpenTuningLogSource(const std::string& path, const std::string& arch) {
  AGT_ASSIGN_OR_RETURN(records::BestPrograms best, records::BestProgramsFromLog(path, arch));
  spdlog::info("tuning log {}: best programs of {} tasks for {}", path, best.size(), arch);
  return std::shared_ptr<ProgramSource>(std::make_shared<TuningLogSource>(path, std::move(best)));
}

std::string_view ProgramOriginName(ProgramOrigin o) {
  switch (o) {
    case ProgramOrigin::kMeasured: return "measured";
    case ProgramOrigin::kPredicted: return "predicted";
    case ProgramOrigin::kDefault: return "default";
  }
  return "?";
}

Expected<std::shared_ptr<ProgramSource>> OpenCostModelSource(const std::string& spec, const ir::DeviceInfo& device) {
  // The default is the shape defaults: measured on an H200 (2026-12-01), the model trained on ViT-B's
  // log made untuned SETR-Naive-Base 13% and SETR-Naive 17% slower than the defaults (ViT-L 3% faster,
  // ViT-H the same): one model's log does not carry to others' shapes yet.
  if (spec == "none" || spec.empty()) return std::shared_ptr<ProgramSource>();
  if (spec == "shipped") {
    if (costmodel::ShippedModelText(device.arch).empty()) return std::shared_ptr<ProgramSource>();
    AGT_ASSIGN_OR_RETURN(auto model, costmodel::LoadShippedModel(device.arch));
    return std::shared_ptr<ProgramSource>(std::make_shared<CostModelSource>("(shipped, " + device.arch + ")", std::move(model), device));
  }
  AGT_ASSIGN_OR_RETURN(auto model, costmodel::LoadModelFile(spec));
  return std::shared_ptr<ProgramSource>(std::make_shared<CostModelSource>(spec, std::move(model), device));
}

Expected<codegen::Program> ChooseProgram(const std::string& task_key, const codegen::TaskContext& task,
                                         const std::vector<const ProgramSource*>& sources, ProgramOrigin* origin) {
  *origin = ProgramOrigin::kDefault;
  for (const ProgramSource* source : sources) {
    if (source == nullptr) continue;
    AGT_ASSIGN_OR_RETURN(std::optional<codegen::Program> p, source->Lookup(task_key, task));
    if (p.has_value()) {
      Status fits = codegen::ProgramFits(task, *p);
      if (fits.ok()) {
        *origin = source->origin();
        return *p;
      }
      spdlog::warn("task {}: the {}'s program does not fit ({}); trying the next source", task_key, source->Describe(),
                   fits.message());
    }
  }
  return codegen::DefaultProgram(task);
}

}  // namespace agt::driver

// Training the cost model from tuning logs, and the shipped model (see model_file.h).
#include "costmodel/model_file.h"

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "costmodel/features.h"
#include "ir/device.h"
#include "ir/input_file.h"
#include "records/tuning_log.h"

// The shipped model's bytes (costmodel/CMakeLists.txt: an .incbin of models/cost_model/sm_90.json).
extern "C" const char agt_shipped_cost_model_sm90[];
extern "C" const char agt_shipped_cost_model_sm90_end[];

namespace agt::costmodel {

namespace {

constexpr char kFormat[] = "autogtco-cost-model";

// The task of a record rebuilt here, with its feature extractor; null when it no longer builds.
struct TaskFeatures {
  std::unique_ptr<codegen::TaskContext> ctx;
  std::unique_ptr<FeatureExtractor> features;
};

}  // namespace

Expected<TrainingSet> TrainingSetFromLogs(const std::vector<std::string>& log_paths, const std::string& arch) {
  AGT_ASSIGN_OR_RETURN(ir::DeviceInfo device, ir::DeviceForArch(arch));
  TrainingSet set;
  std::map<std::string, TaskFeatures> tasks;   // by the task's graph text and precision
  std::set<std::string> keys;
  std::map<std::string, std::pair<double, codegen::Program>> best;   // by task key: fastest (time, program)
  records::LoadOptions lo;
  lo.missing_ok = false;
  for (const std::string& path : log_paths) {
    AGT_ASSIGN_OR_RETURN(records::LoadedLog log, records::LoadTuningLog(path, lo));
    for (const records::TuningRecord& r : log.records) {
      ++set.records;
      if (r.program.task.arch != arch) {
        ++set.skipped_arch;
        continue;
      }
      if (!records::IsCurrent(r)) {
        ++set.skipped_stale;
        continue;
      }
      const std::string tkey = std::string(ir::PrecisionName(r.program.task.precision)) + "\n" + r.program.task.graph_text;
      auto it = tasks.find(tkey);
      if (it == tasks.end()) {
        TaskFeatures tf;
        auto ctx = codegen::MakeTaskContext(r.program.task);
        if (ctx.ok()) {
          tf.ctx = std::make_unique<codegen::TaskContext>(std::move(ctx).value());
          tf.features = std::make_unique<FeatureExtractor>(*tf.ctx, device);
        }
        it = tasks.emplace(tkey, std::move(tf)).first;
      }
      if (!it->second.ctx || !it->second.ctx->Space(r.program.sketch).ok()) {
        ++set.skipped_unbuildable;
        continue;
      }
      set.samples.push_back({r.task_key, it->second.features->Extract(r.program), r.result.median_us, r.result.ok()});
      keys.insert(r.task_key);
      if (r.result.ok()) {
        auto [b, fresh] = best.emplace(r.task_key, std::make_pair(r.result.median_us, r.program));
        if (!fresh && r.result.median_us < b->second.first) b->second = {r.result.median_us, r.program};
      }
    }
  }
  set.tasks = static_cast<int>(keys.size());
  for (auto& [key, b] : best) {
    codegen::Program p = b.second;
    p.task.graph_text.clear();
    set.best_programs.push_back(std::move(p));
  }
  return set;
}

XGBoostOptions ShippedModelOptions(uint64_t seed) {
  XGBoostOptions o;
  o.seed = seed;
  o.threads = 1;   // one thread: the same trees on every machine
  return o;
}

Expected<std::string> TrainModelText(const TrainingSet& set, const std::string& arch, uint64_t seed) {
  if (set.samples.empty()) return Status::Error("no usable records to train on");
  XGBoostCostModel model(ShippedModelOptions(seed));
  AGT_RETURN_IF_ERROR(model.Update(set.samples));
  AGT_ASSIGN_OR_RETURN(std::string xgb, model.SaveJson());
  nlohmann::json programs = nlohmann::json::array();
  for (const codegen::Program& p : set.best_programs) programs.push_back(codegen::ToJson(p));
  nlohmann::json j = {{"format", kFormat},   {"version", 1}, {"arch", arch}, {"seed", seed},
                      {"programs", programs}, {"xgboost", nlohmann::json::parse(xgb)}};
  return j.dump() + "\n";
}

Expected<ModelFile> ParseModelFile(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || j.value("format", "") != kFormat) return Status::Error("not an autogtco cost model file");
  try {
    if (j.at("version").get<int>() != 1) return Status::Errorf("cost model file version {} (this build reads 1)", j.at("version").get<int>());
    ModelFile f;
    f.arch = j.at("arch").get<std::string>();
    f.seed = j.at("seed").get<uint64_t>();
    for (const nlohmann::json& p : j.at("programs")) {
      AGT_ASSIGN_OR_RETURN(codegen::Program prog, codegen::ProgramFromJson(p));
      f.programs.push_back(std::move(prog));
    }
    AGT_ASSIGN_OR_RETURN(f.model, XGBoostCostModel::LoadJson(j.at("xgboost").dump()));
    return f;
  } catch (const std::exception& e) {
    return Status::Errorf("cost model file is malformed: {}", e.what());
  }
}

std::string_view ShippedModelText(const std::string& arch) {
  if (arch != "sm_90") return {};
  return std::string_view(agt_shipped_cost_model_sm90,
                          static_cast<size_t>(agt_shipped_cost_model_sm90_end - agt_shipped_cost_model_sm90));
}

Expected<ModelFile> LoadModelFile(const std::string& path) {
  AGT_RETURN_IF_ERROR(ir::CheckRegularFile(path));
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Errorf("cannot read the cost model {}", path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto m = ParseModelFile(ss.str());
  if (!m.ok()) return m.status().WithContext(path);
  return m;
}

Expected<ModelFile> LoadShippedModel(const std::string& arch) {
  std::string_view text = ShippedModelText(arch);
  if (text.empty()) return Status::Errorf("no cost model is shipped for {}", arch);
  return ParseModelFile(text);
}

}  // namespace agt::costmodel

// Training the cost model from tuning logs, and the shipped model (see model_file.h).
#include "costmodel/model_file.h"

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "costmodel/features.h"
#include "ir/device.h"
#include "ir/input_file.h"
#include "records/tuning_log.h"

// The shipped model's bytes (costmodel/CMakeLists.txt: an .incbin of models/cost_model/sm_90.json).
extern "C" const char agt_shipped_cost_model_sm90[];
extern "C" const char agt_shipped_cost_model_sm90_end[];

namespace agt::costmodel {

namespace {

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
    }
  }
  set.tasks = static_cast<int>(keys.size());
  return set;
}

XGBoostOptions ShippedModelOptions(uint64_t seed) {
  XGBoostOptions o;
  o.seed = seed;
  o.threads = 1;   // one thread: the same trees on every machine
  return o;
}

Expected<std::string> TrainModelText(const TrainingSet& set, uint64_t seed) {
  if (set.samples.empty()) return Status::Error("no usable records to train on");
  XGBoostCostModel model(ShippedModelOptions(seed));
  AGT_RETURN_IF_ERROR(model.Update(set.samples));
  return model.SaveJson();
}

std::string_view ShippedModelText(const std::string& arch) {
  if (arch != "sm_90") return {};
  return std::string_view(agt_shipped_cost_model_sm90,
                          static_cast<size_t>(agt_shipped_cost_model_sm90_end - agt_shipped_cost_model_sm90));
}

Expected<std::unique_ptr<XGBoostCostModel>> LoadModelFile(const std::string& path) {
  AGT_RETURN_IF_ERROR(ir::CheckRegularFile(path));
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Errorf("cannot read the cost model {}", path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto m = XGBoostCostModel::LoadJson(ss.str());
  if (!m.ok()) return m.status().WithContext(path);
  return m;
}

Expected<std::unique_ptr<XGBoostCostModel>> LoadShippedModel(const std::string& arch) {
  std::string_view text = ShippedModelText(arch);
  if (text.empty()) return Status::Errorf("no cost model is shipped for {}", arch);
  return XGBoostCostModel::LoadJson(text);
}

}  // namespace agt::costmodel

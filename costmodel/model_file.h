// The cost model as data: trained from tuning logs with a fixed seed on one thread, so the same logs
// and seed give the same file byte for byte, and shipped (models/cost_model/sm_90.json, linked into the
// library) for the tasks a compile has no measured program for. `autogtco cost-model train` writes it;
// tests/costmodel checks that the committed file is what the committed logs and its seed produce.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "costmodel/program_cost_model.h"
#include "ir/status.h"

namespace agt::costmodel {

// The samples of every current, successful or failed record of `arch` in the logs (in file order,
// then line order), with features computed for this build's sketches. Records whose task or sketch
// this build cannot rebuild are counted and skipped.
struct TrainingSet {
  std::vector<CostSample> samples;
  int64_t records = 0;              // lines read
  int64_t skipped_arch = 0;         // another arch
  int64_t skipped_stale = 0;        // an older emitter of their sketch
  int64_t skipped_unbuildable = 0;  // the task or its sketch no longer builds here
  int tasks = 0;                    // distinct task keys among the samples
};
Expected<TrainingSet> TrainingSetFromLogs(const std::vector<std::string>& log_paths, const std::string& arch);

// The options the shipped model is trained with (seeded, one thread: reproducible).
XGBoostOptions ShippedModelOptions(uint64_t seed);

// Trains on `set` and returns XGBoost's JSON model text.
Expected<std::string> TrainModelText(const TrainingSet& set, uint64_t seed);

// The shipped model for `arch` (the text linked into the library), or nullptr where none is shipped
// (only sm_90 has committed logs today).
std::string_view ShippedModelText(const std::string& arch);

// A model from a file, or from the shipped text.
Expected<std::unique_ptr<XGBoostCostModel>> LoadModelFile(const std::string& path);
Expected<std::unique_ptr<XGBoostCostModel>> LoadShippedModel(const std::string& arch);

}  // namespace agt::costmodel

// The cost model as data: trained from tuning logs with a fixed seed on one thread, so the same logs
// and seed give the same file byte for byte, and shipped (models/cost_model/sm_90.json, linked into the
// library) for the tasks a compile has no measured program for. `autogtco cost-model train` writes it;
// tests/costmodel checks that the committed file is what the committed logs and its seed produce.
//
// The file is one JSON object: {"format": "autogtco-cost-model", "version": 1, "arch", "seed",
// "programs": the fastest measured program of every task in the logs (sketch + annotation, the task's
// graph left out: candidates to carry over to similar tasks), "xgboost": XGBoost's own JSON model}.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "codegen/program.h"
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
  // The fastest successful program of each task key (its task's graph emptied), in key order.
  std::vector<codegen::Program> best_programs;
};
Expected<TrainingSet> TrainingSetFromLogs(const std::vector<std::string>& log_paths, const std::string& arch);

// The options the shipped model is trained with (seeded, one thread: reproducible).
XGBoostOptions ShippedModelOptions(uint64_t seed);

// Trains on `set` and returns the model file's text.
Expected<std::string> TrainModelText(const TrainingSet& set, const std::string& arch, uint64_t seed);

// A loaded model file.
struct ModelFile {
  std::string arch;
  uint64_t seed = 0;
  std::vector<codegen::Program> programs;     // carry-over candidates (task graphs empty)
  std::unique_ptr<XGBoostCostModel> model;
};
Expected<ModelFile> ParseModelFile(std::string_view text);

// The shipped model file's text for `arch` (linked into the library), empty where none is shipped
// (only sm_90 has committed logs today).
std::string_view ShippedModelText(const std::string& arch);

// A model file from a path, or the shipped one.
Expected<ModelFile> LoadModelFile(const std::string& path);
Expected<ModelFile> LoadShippedModel(const std::string& arch);

}  // namespace agt::costmodel

// `autogtco cost-model train LOG... -o FILE`: the cost model trained from tuning logs with a fixed
// seed on one thread (costmodel/model_file.h), the same file for the same logs on any machine. The
// shipped model (models/cost_model/sm_90.json, linked into the library) is made this way from the
// committed logs; `compile --cost-model FILE` predicts with another one.
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "costmodel/model_file.h"
#include "ir/device.h"

namespace agt::cli {

namespace {

struct TrainArgs {
  std::vector<std::string> logs;
  std::string output;
  std::string arch = "sm_90";
  uint64_t seed = 0;
};

Status Train(const TrainArgs& a) {
  AGT_RETURN_IF_ERROR(ir::DeviceForArch(a.arch).status().WithContext("--arch"));
  AGT_ASSIGN_OR_RETURN(costmodel::TrainingSet set, costmodel::TrainingSetFromLogs(a.logs, a.arch));
  if (set.samples.empty()) {
    return Status::Errorf("no usable {} records in {} logs ({} read: {} of another arch, {} stale, {} unbuildable)", a.arch,
                          a.logs.size(), set.records, set.skipped_arch, set.skipped_stale, set.skipped_unbuildable);
  }
  AGT_ASSIGN_OR_RETURN(std::string text, costmodel::TrainModelText(set, a.arch, a.seed));
  std::ofstream out(a.output, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status::Errorf("cannot write {}", a.output);
  fmt::print("trained on {} records of {} tasks from {} logs for {}, seed {} ({} skipped: {} another arch, {} stale, {} unbuildable) -> {} ({} bytes)\n",
             set.samples.size(), set.tasks, a.logs.size(), a.arch, a.seed,
             set.skipped_arch + set.skipped_stale + set.skipped_unbuildable, set.skipped_arch, set.skipped_stale,
             set.skipped_unbuildable, a.output, text.size());
  return Status::Ok();
}

}  // namespace

void AddCostModelCommand(CLI::App& app, CommandContext& ctx) {
  CLI::App* cm = app.add_subcommand("cost-model", "The learned cost model that picks programs for untuned tasks");
  cm->require_subcommand(1);
  auto args = std::make_shared<TrainArgs>();
  CLI::App* train = cm->add_subcommand("train", "Train it from tuning logs (reproducible: one thread, a fixed seed)");
  train->add_option("logs", args->logs, "Tuning logs (JSON lines)")->required();
  train->add_option("-o,--output", args->output, "The model file to write")->required();
  train->add_option("--arch", args->arch, "Records of this arch only (default sm_90)");
  train->add_option("--seed", args->seed, "XGBoost's seed (default 0)");
  train->callback([args, &ctx] { Finish(ctx, "cost-model train", Train(*args)); });
}

}  // namespace agt::cli

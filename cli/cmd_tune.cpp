// `autogtco tune MODEL.onnx --tuning-log FILE [--trials N] [--time-budget 20m] [--precision fp16]
// [--arch sm_90] [--seed S] [--devices all|0,1] [--shard I/N]`: the performance tuner over a model's
// tasks (tuner/tuner.h), with a progress line on stderr and a per-task summary on stdout; the log it
// appends to resumes a later run and feeds `compile --tuning-log`. --devices measures on several GPUs
// of this host (one worker each); --shard tunes this host's share of the tasks, for a fleet whose
// logs `tune-merge` joins (docs/multi-gpu.md). Also `autogtco tune-worker`, the GPU worker process the
// measurer starts (tuner/measure_worker.h; not for people), and `autogtco tune-merge`, which merges
// logs from several machines into one.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/tune_run.h"
#include "compiler/frontend/onnx_loader.h"
#include "compiler/fusion/group_signature.h"
#include "compiler/tasks/task.h"
#include "tuner/device_list.h"
#include "tuner/duration.h"
#include "tuner/measure_worker.h"
#include "tuner/tuner.h"
#include "records/tuning_log.h"

namespace agt::cli {

namespace {

std::string Clock(double s) {
  if (s < 0) return "?";
  int64_t t = static_cast<int64_t>(s + 0.5);
  return t >= 3600 ? fmt::format("{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60) : fmt::format("{:02}:{:02}", t / 60, t % 60);
}

// What a merge kept aside or dropped, for the commands' summary lines ("" when nothing).
std::string MergeLeftOut(const records::MergedLog& m) {
  return fmt::format("{}{}", m.newer_lines.empty() ? "" : fmt::format(" (and {} records of a newer log version, kept as they were)", m.newer_lines.size()),
                     m.malformed == 0 ? "" : fmt::format("; {} malformed lines left out", m.malformed));
}

// tune-rekey: every record's task graph in today's canonical form and under its key (tasks::CanonicalTaskText);
// the programs and measurements are kept as they were. 0, or 2 with one line on stderr.
int RekeyLog(const std::string& in, const std::string& out) {
  auto log = records::MergeTuningLogs({in});
  if (!log.ok()) {
    fmt::print(stderr, "error: tune-rekey: {}\n", log.status().message());
    return 2;
  }
  std::set<std::string> before, after;
  size_t changed = 0;
  for (records::TuningRecord& r : log->records) {
    before.insert(r.task_key);
    auto text = tasks::CanonicalTaskText(r.program.task.graph_text);
    if (!text.ok()) {
      fmt::print(stderr, "error: tune-rekey: {}: a record of task {} ({}): {}\n", in, r.task_key, r.task_ops,
                 text.status().message());
      return 2;
    }
    std::string key = fusion::SignatureId(*text, r.program.task.precision);
    if (key != r.task_key || *text != r.program.task.graph_text) ++changed;
    r.program.task.graph_text = std::move(*text);
    r.task_key = std::move(key);
    after.insert(r.task_key);
  }
  if (Status st = records::WriteTuningLog(out, log->records, log->newer_lines); !st.ok()) {
    fmt::print(stderr, "error: tune-rekey: {}\n", st.message());
    return 2;
  }
  fmt::print("{} records ({} tasks) -> {}: {} re-keyed, {} tasks now{}\n", log->records.size(), before.size(), out, changed,
             after.size(), MergeLeftOut(*log));
  return 0;
}

}  // namespace

Status Tune(const TuneArgs& a) {
  tuner::TuneOptions o;
  tuner::MeasurerOptions mo;
  // Checked before anything is loaded: a typo costs no time.
  if (!a.devices.empty()) {
    AGT_ASSIGN_OR_RETURN(mo.devices, tuner::ParseDevices(a.devices));
  }
  if (!a.shard.empty()) {
    AGT_ASSIGN_OR_RETURN(o.shard, tuner::ParseShard(a.shard));
  }
  AGT_RETURN_IF_ERROR(ToFrontendOptions(a.plan, o.frontend));
  AGT_ASSIGN_OR_RETURN(o.plan, ToPlanOptions(a.plan));
  o.tuning_log = a.log;
  o.trials = a.trials;
  if (!a.time_budget.empty()) {
    AGT_ASSIGN_OR_RETURN(o.time_budget_s, tuner::ParseDuration(a.time_budget));
  }
  if (o.trials <= 0 && o.time_budget_s <= 0) return Status::Error("give a budget: --trials N and/or --time-budget 20m");
  o.seed = a.seed;
  if (a.batch < 1) return Status::Error("--batch must be at least 1");
  o.batch = a.batch;
  o.max_replans = a.max_replans;
  o.search.population = a.population;
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  double last_print = -1e9;
  o.on_progress = [&](const tuner::TuneProgress& pr) {
    // On a terminal one line redrawn in place; in a log file a line every 10 seconds.
    if (!tty && pr.elapsed_s - last_print < 10) return;
    last_print = pr.elapsed_s;
    std::string planned = pr.trials_planned > 0 ? fmt::format("/{}", pr.trials_planned) : "";
    fmt::print(stderr, "{}[tune] plan {} task {}/{} {:<28} trials {}{}  best e2e {:.1f} us  elapsed {}  left {}{}",
               tty ? "\r\033[K" : "", pr.plan, pr.task_index + 1, pr.num_tasks, pr.task_ops.substr(0, 28), pr.trials, planned,
               pr.best_e2e_us, Clock(pr.elapsed_s), Clock(pr.remaining_s), tty ? "" : "\n");
    std::fflush(stderr);
  };
  mo.repeats = a.repeats;
  mo.timeout_s = a.timeout_s;
  mo.nvrtc_cache_dir = a.nvrtc_cache;
  auto s = tuner::TuneModel(a.model, o, mo);
  if (tty) fmt::print(stderr, "\n");
  if (!s.ok()) return s.status();
  fmt::print("{:<18} {:<40} {:>6} {:>12} {:>12} {:>7}\n", "task", "ops", "weight", "estimate us", "tuned us", "trials");
  for (const tuner::TunedTask& t : s->tasks) {
    fmt::print("{:<18} {:<40} {:>6} {:>12.2f} {:>12} {:>7}{}\n", t.key, t.ops.substr(0, 40), t.weight, t.estimated_us,
               t.best_us > 0 ? fmt::format("{:.2f}", t.best_us) : "-", t.trials, t.other_shard ? "  (another shard's)" : "");
  }
  fmt::print("estimated end-to-end: {:.1f} us untuned (DPOF's analytical plan), {:.1f} us tuned\n", s->initial_estimate_us,
             s->best_e2e_us);
  fmt::print("trials {} ({} failed) in {}, DPOF runs {}{}, cost-model rank correlation {:.3f} over {} rounds\n", s->trials,
             s->failures, Clock(s->elapsed_s), s->plans, s->plan_converged ? " (plan converged)" : "", s->rank_correlation,
             s->correlation_rounds);
  for (const std::string& line : s->device_report) fmt::print("{}\n", line);
  if (!o.shard.whole()) fmt::print("shard {}/{} (merge the shards' logs with tune-merge)\n", o.shard.index, o.shard.count);
  for (const tuner::ReplanReport& r : s->replans) fmt::print("DPOF rerun {} ({} groups measured): {}\n", r.plan, r.measured_groups, r.Why());
  fmt::print("tuning log: {}\n", a.log);
  return Status::Ok();
}

void AddTuneBudgetOptions(CLI::App* cmd, TuneArgs& args) {
  cmd->add_option("--trials", args.trials, "Programs to measure in this run");
  cmd->add_option("--time-budget", args.time_budget, "Wall time for this run: 20m, 90s, 1h30m");
  cmd->add_option("--seed", args.seed, "Seed of the search's random numbers");
  cmd->add_option("--batch", args.batch, "Programs measured per round (default 16)");
  cmd->add_option("--repeats", args.repeats, "Timed launches per program (default 20, median kept)");
  cmd->add_option("--timeout", args.timeout_s, "Seconds before a kernel counts as hung (default 10)");
  cmd->add_option("--max-replans", args.max_replans, "DPOF reruns with measured costs (default 3)");
  cmd->add_option("--population", args.population, "Evolutionary search population (default 512)");
  cmd->add_option("--devices", args.devices, "GPUs that measure, one worker each: all, or 0,1,... (default 0)");
}

void AddTuneCommand(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<TuneArgs>();
  CLI::App* cmd = app.add_subcommand("tune", "Tune a model's kernels on this GPU, appending to a tuning log");
  cmd->add_option("model", args->model, "ONNX model")->required();
  cmd->add_option("--tuning-log", args->log, "JSON-lines log to append to (and resume from)")->required();
  AddPlanOptions(cmd, args->plan);
  cmd->add_option("--nvrtc-cache", args->nvrtc_cache, "Folder caching compiled kernels between runs");
  cmd->add_option("--shard", args->shard, "Tune shard I of N of the tasks (0/4 ... 3/4), for several hosts; merge with tune-merge");
  AddTuneBudgetOptions(cmd, *args);
  cmd->callback([args, &ctx]() {
    Status st = Tune(*args);
    if (!st.ok()) {
      fmt::print(stderr, "error: tune: {}\n", st.message());
      ctx.exit_code = 2;
    }
  });

  auto driver = std::make_shared<std::string>();
  auto device = std::make_shared<int>(0);
  CLI::App* worker = app.add_subcommand("tune-worker", "GPU worker of the measurer (started by tune)");
  worker->group("");   // hidden from --help
  worker->add_option("--driver", *driver, "CUDA driver library to load");
  worker->add_option("--device", *device, "GPU ordinal to measure on");
  worker->callback([driver, device, &ctx]() {
    if (!driver->empty()) ::setenv("AGT_CUDA_DRIVER", driver->c_str(), 1);
    ctx.exit_code = tuner::RunMeasureWorker(STDIN_FILENO, STDOUT_FILENO, *device);
  });

  auto merge_in = std::make_shared<std::vector<std::string>>();
  auto merge_out = std::make_shared<std::string>();
  CLI::App* merge = app.add_subcommand("tune-merge", "Merge tuning logs (from several machines) into one");
  merge->add_option("logs", *merge_in, "Logs to merge")->required();
  merge->add_option("-o,--output", *merge_out, "Merged log")->required();
  merge->callback([merge_in, merge_out, &ctx]() {
    auto merged = records::MergeTuningLogs(*merge_in);
    Status st = merged.ok() ? records::WriteTuningLog(*merge_out, merged->records, merged->newer_lines) : merged.status();
    if (!st.ok()) {
      fmt::print(stderr, "error: tune-merge: {}\n", st.message());
      ctx.exit_code = 2;
      return;
    }
    std::set<std::string> tasks;
    for (const records::TuningRecord& r : merged->records) tasks.insert(r.task_key);
    fmt::print("{} records of {} tasks from {} logs -> {}{}\n", merged->records.size(), tasks.size(), merge_in->size(), *merge_out,
               MergeLeftOut(*merged));
  });

  auto rekey_in = std::make_shared<std::string>();
  auto rekey_out = std::make_shared<std::string>();
  CLI::App* rekey = app.add_subcommand("tune-rekey", "Re-key a tuning log written by an older build to this build's task ids");
  rekey->add_option("log", *rekey_in, "The log to re-key")->required();
  rekey->add_option("-o,--output", *rekey_out, "The re-keyed log (may be the input)")->required();
  rekey->callback([rekey_in, rekey_out, &ctx]() { ctx.exit_code = RekeyLog(*rekey_in, *rekey_out); });
}

}  // namespace agt::cli

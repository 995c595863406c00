// `autogtco compile MODEL.onnx -o MODEL.so [--precision fp32|tf32|fp16|bf16] [--arch sm_90|native]
// [--input-shape NAME=1x3x224x224 ...] [--tuning-log FILE] [--weights embedded|external] [-j N]
// [--dump-kernels DIR] [--tune --trials N --time-budget 20m ...]`:
// the whole compiler (compiler/driver/driver.h), no GPU needed. Prints the summary on stdout.
#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/plan_args.h"
#include "cli/tune_run.h"
#include "compiler/driver/driver.h"
#include "compiler/driver/program_source.h"

namespace agt::cli {

namespace {

struct CompileArgs {
  std::string model;
  std::string output;
  PlanArgs plan;   // --precision, --arch, --input-shape, --max-group-size
  std::string tuning_log;
  std::string cost_model;
  std::string weights = "embedded";
  int jobs = 0;
  std::string nvrtc_cache;
  std::string dump_kernels;
  int verbosity = 0;
  bool tune = false;
  TuneArgs tune_args;   // --tune: its budget and search knobs
};

Status Compile(const CompileArgs& a) {
  if (a.verbosity == 1) spdlog::set_level(spdlog::level::info);
  if (a.verbosity >= 2) spdlog::set_level(spdlog::level::debug);
  driver::CompileOptions o;
  AGT_ASSIGN_OR_RETURN(o.plan, ToPlanOptions(a.plan));
  AGT_RETURN_IF_ERROR(ToFrontendOptions(a.plan, o.frontend));
  if (a.weights == "embedded") {
    o.weights = runtime::WeightsMode::kEmbedded;
  } else if (a.weights == "external") {
    o.weights = runtime::WeightsMode::kExternal;
  } else {
    return Status::Errorf("--weights must be embedded or external, got '{}'", a.weights);
  }
  if (a.jobs < 0) return Status::Errorf("-j must be at least 0, got {}", a.jobs);
  o.jobs = a.jobs;
  o.nvrtc_cache_dir = a.nvrtc_cache;
  o.cost_model = a.cost_model;
  if (!a.dump_kernels.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(a.dump_kernels, ec);
    if (ec) return Status::Errorf("--dump-kernels: cannot create {}: {}", a.dump_kernels, ec.message());
    o.dump_kernels_dir = a.dump_kernels;
  }
  if (!a.tune && (a.tune_args.trials > 0 || !a.tune_args.time_budget.empty())) {
    return Status::Error("--trials and --time-budget are budgets of --tune; add --tune, or drop them");
  }
  std::string out = a.output;
  if (out.empty()) {
    std::string stem = std::filesystem::path(a.model).stem().string();
    out = (std::filesystem::path(a.model).parent_path() / (stem + ".so")).string();
  }
  AGT_RETURN_IF_ERROR(driver::CheckOutputWritable(out));
  AGT_RETURN_IF_ERROR(driver::CheckOutputNotInput(out, {{"model", a.model}, {"tuning log", a.tuning_log}, {"cost model", a.cost_model}}));
  AGT_RETURN_IF_ERROR(driver::CheckWeightsFileReplaceable(out, o.weights));
  if (a.tune) {
    // Tune first (on this machine's GPU), appending to the log, then compile from it.
    if (a.tuning_log.empty()) return Status::Error("--tune needs --tuning-log FILE (the log it appends to and compiles from)");
    TuneArgs t = a.tune_args;
    t.model = a.model;
    t.log = a.tuning_log;
    t.plan = a.plan;
    t.nvrtc_cache = a.nvrtc_cache;
    AGT_RETURN_IF_ERROR(Tune(t).WithContext("--tune"));
  }
  if (!a.tuning_log.empty()) {
    AGT_ASSIGN_OR_RETURN(o.programs, driver::OpenTuningLogSource(a.tuning_log, o.plan.device.arch));
  }
  AGT_ASSIGN_OR_RETURN(driver::CompileResult r, driver::CompileOnnxFile(a.model, o));
  AGT_RETURN_IF_ERROR(driver::WriteArtifact(r, out, o));
  fmt::print("{}", driver::FormatSummary(r.summary));
  return Status::Ok();
}

}  // namespace

void AddCompileCommand(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<CompileArgs>();
  CLI::App* cmd = app.add_subcommand("compile", "Compile an ONNX model into one shared library (no GPU needed)");
  cmd->add_option("model", args->model, "The .onnx file")->required();
  cmd->add_option("-o,--output", args->output, "The artifact (default: MODEL.so beside the .onnx)");
  AddPlanOptions(cmd, args->plan);
  cmd->add_option("--tuning-log", args->tuning_log, "Take each task's best program from this tuning log");
  cmd->add_option("--cost-model", args->cost_model,
                  "Programs of tasks the log lacks: this model file's pick, 'shipped' for the model shipped for "
                  "the arch, or 'none' (the default): default annotations");
  cmd->add_option("--weights", args->weights, "embedded (default, in the .so) or external (MODEL.weights beside it)");
  cmd->add_option("-j,--jobs", args->jobs, "NVRTC threads (default: all cores)");
  cmd->add_flag("-v,--verbose", args->verbosity, "Log each stage (-v), and each task's program (-vv)");
  cmd->add_option("--nvrtc-cache", args->nvrtc_cache, "Folder caching compiled kernels across runs");
  cmd->add_option("--dump-kernels", args->dump_kernels, "Write each task's CUDA source to DIR/TASKID.cu");
  cmd->add_flag("--tune", args->tune, "Tune on this GPU first (appending to --tuning-log), then compile from the log");
  AddTuneBudgetOptions(cmd, args->tune_args);
  cmd->callback([args, &ctx] {
    Status st = Compile(*args);
    if (!st.ok()) {
      fmt::print(stderr, "error: compile: {}\n", st.message());
      ctx.exit_code = 2;
    }
  });
}

}  // namespace agt::cli

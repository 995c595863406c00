// Each subcommand of `autogtco` lives in its own file and adds itself to the app through one of
// these functions; main.cpp calls them in order. A command returns its exit code through the
// shared `exit_code` (0 ok, 2 error with one line on stderr).
#pragma once

#include <string_view>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "ir/status.h"

namespace agt::cli {

struct CommandContext {
  int exit_code = 0;
};

// The end of a command's callback: an error is one line "error: NAME: message" on stderr and exit 2.
inline void Finish(CommandContext& ctx, std::string_view name, const Status& st) {
  if (st.ok()) return;
  fmt::print(stderr, "error: {}: {}\n", name, st.message());
  ctx.exit_code = 2;
}

void AddIrCommand(CLI::App& app, CommandContext& ctx);        // cli/cmd_ir.cpp: run/print IR text
void AddZooCommand(CLI::App& app, CommandContext& ctx);       // cli/cmd_zoo.cpp
void AddOpsCommand(CLI::App& app, CommandContext& ctx);       // cli/cmd_ops.cpp
void AddInspectCommand(CLI::App& app, CommandContext& ctx);   // cli/cmd_inspect.cpp
void AddRunCommand(CLI::App& app, CommandContext& ctx);       // cli/cmd_run.cpp
void AddCompileCommand(CLI::App& app, CommandContext& ctx);   // cli/cmd_compile.cpp
void AddBenchCommand(CLI::App& app, CommandContext& ctx);     // cli/cmd_bench.cpp
void AddTuneCommand(CLI::App& app, CommandContext& ctx);      // cli/cmd_tune.cpp: tune, tune-worker, tune-merge
void AddCostModelCommand(CLI::App& app, CommandContext& ctx); // cli/cmd_cost_model.cpp: cost-model train
void AddVerifyCommand(CLI::App& app, CommandContext& ctx);    // cli/cmd_verify.cpp

}  // namespace agt::cli

// autogtco: the command-line driver. Subcommands are in cmd_*.cpp; logs go to stderr via spdlog,
// results to stdout; an error is one line on stderr and exit code 2.
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("autogtco");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("[%H:%M:%S.%e] %^%l%$ %v");
  spdlog::set_level(spdlog::level::warn);

  CLI::App app{"AutoGTCO: ahead-of-time compiler for vision transformers on NVIDIA GPUs"};
  app.set_version_flag("--version", std::string("autogtco ") + AGT_VERSION);
  app.require_subcommand(1);
  int verbosity = 0;
  app.add_flag("-v,--verbose", verbosity, "More logging (-v info, -vv debug)");
  app.parse_complete_callback([&] {
    if (verbosity == 1) spdlog::set_level(spdlog::level::info);
    if (verbosity >= 2) spdlog::set_level(spdlog::level::debug);
  });

  agt::cli::CommandContext ctx;
  agt::cli::AddIrCommand(app, ctx);
  agt::cli::AddZooCommand(app, ctx);
  agt::cli::AddOpsCommand(app, ctx);
  agt::cli::AddInspectCommand(app, ctx);
  agt::cli::AddRunCommand(app, ctx);
  agt::cli::AddCompileCommand(app, ctx);
  agt::cli::AddBenchCommand(app, ctx);
  agt::cli::AddTuneCommand(app, ctx);
  agt::cli::AddCostModelCommand(app, ctx);
  agt::cli::AddVerifyCommand(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);   // --help, --version: printed on stdout
    // A usage error is one line with the error: prefix, like every other error (CLI11 prints two).
    std::string what = e.what();
    for (char& c : what) c = c == '\n' ? ' ' : c;
    while (!what.empty() && what.back() == ' ') what.pop_back();
    fmt::print(stderr, "error: {} (see --help)\n", what);
    return 2;
  }
  return ctx.exit_code;
}

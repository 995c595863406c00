// The tuner as the CLI runs it: `autogtco tune` and `autogtco compile --tune` share the arguments,
// the progress line and the summary table (cli/cmd_tune.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/plan_args.h"
#include "ir/status.h"

namespace agt::cli {

struct TuneArgs {
  std::string model;
  std::string log;
  int64_t trials = 0;
  std::string time_budget;
  PlanArgs plan;   // --precision, --arch, --input-shape, --max-group-size: as compile plans
  uint64_t seed = 0;
  int batch = 16;
  int repeats = 20;
  double timeout_s = 10;
  int max_replans = 3;
  int population = 512;
  std::string nvrtc_cache;
  std::string devices;   // --devices all|0,1,...: one measurement worker per GPU (empty: GPU 0)
  std::string shard;     // --shard I/N: this host's share of the tasks (tune only; empty: all)
};

// Tunes `a.model` into the log `a.log` (progress on stderr, the per-task table on stdout).
Status Tune(const TuneArgs& a);

// --trials, --time-budget, the search's knobs and --devices, on `cmd` (tune, and compile --tune).
void AddTuneBudgetOptions(CLI::App* cmd, TuneArgs& args);

}  // namespace agt::cli

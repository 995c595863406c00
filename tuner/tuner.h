// The tuning loop over a whole model, and the co-optimisation of graph and tensor programs that the
// paper is about. The model goes through the frontend, the passes and DPOF; its groups become tasks;
// the task scheduler picks a task, the evolutionary search proposes a batch ranked by the cost
// model, the measurer times it on the GPU and each result is appended to the tuning log. Once the
// tasks of a plan have been tuned for a while, their measured times replace DPOF's estimates
// (fusion::MeasuredCostModel) and DPOF runs again: a fusion that looked good on paper but tunes
// badly is undone, and new groups become new tasks. Replanning stops when the plan no longer
// changes, after `max_replans`, or when the budget (trials and/or wall time) is spent. A rerun with
// the same log resumes: logged programs are neither measured again nor forgotten by the model.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "compiler/frontend/onnx_loader.h"
#include "codegen/program.h"
#include "compiler/planner/plan_model.h"
#include "ir/graph.h"
#include "ir/status.h"
#include "records/measure_result.h"
#include "tuner/device_list.h"
#include "tuner/measurer.h"
#include "tuner/search.h"
#include "records/tuning_log.h"

namespace agt::tuner {

// What measures programs: the GPU measurer, or a simulation in tests. One Measurement per program,
// in order, each with the GPU that measured it.
class ProgramMeasurer {
 public:
  virtual ~ProgramMeasurer() = default;
  // `best_us`: the task's best time so far (infinity: none), for the early cut.
  virtual std::vector<Measurement> Measure(const codegen::TaskContext& task, const std::vector<codegen::Program>& programs,
                                           double best_us) = 0;
  // Where measurements run; its `device` is -1 (each Measurement names its GPU).
  virtual records::MeasureEnvironment environment() const = 0;
};

// The GPU measurer (one worker per GPU of --devices) behind that interface.
class GpuProgramMeasurer : public ProgramMeasurer {
 public:
  explicit GpuProgramMeasurer(std::unique_ptr<Measurer> m) : m_(std::move(m)) {}
  std::vector<Measurement> Measure(const codegen::TaskContext& task, const std::vector<codegen::Program>& programs,
                                   double best_us) override {
    return m_->Measure(task, programs, best_us);
  }
  records::MeasureEnvironment environment() const override { return m_->environment(); }
  const Measurer& measurer() const { return *m_; }

 private:
  std::unique_ptr<Measurer> m_;
};

// One progress report, after every measured batch.
struct TuneProgress {
  std::string task_ops;          // the task just tuned
  int task_index = 0, num_tasks = 0;
  int64_t trials = 0;            // measured in this run
  int64_t trials_planned = 0;    // --trials (0: none)
  double best_e2e_us = 0;        // estimated end-to-end latency with the best programs so far
  double elapsed_s = 0;
  double remaining_s = -1;       // from --time-budget, or extrapolated from --trials; -1 unknown
  int plan = 0;                  // how many times DPOF has run (co-optimisation rounds)
};

struct TuneOptions {
  frontend::FrontendOptions frontend;     // --input-shape (TuneModel)
  std::string tuning_log;                 // appended to; read first to resume
  int64_t trials = 0;                     // programs to measure in this run; 0: no limit
  double time_budget_s = 0;               // wall time for this run; 0: no limit (one of the two is needed)
  // Precision, device (its arch keys the kernels) and legality: what the one planner takes
  // (compiler/planner/plan_model.h), as compile hands it over, so a tuned log fits compile's plan.
  planner::PlanOptions plan;
  uint64_t seed = 0;
  int batch = 16;                         // programs measured per round
  // DPOF reruns with measured costs. Settling rule: a rerun that changes no task ends re-planning,
  // and none runs after this many; in between, unmeasured groups are priced up by the plan's
  // unmeasured_margin, so a rerun moves only groups whose measured cost says so.
  int max_replans = 3;
  int failed_rounds_to_give_up = 3;       // a task whose programs never succeed is dropped after this many rounds
  int model_threads = 0;                  // XGBoost threads (0: its default)
  // --shard I/N: tune only the tasks of shard I (ShardOfTask of the task id) of the first plan; the
  // other tasks count in the estimate but get no rounds, and DPOF does not rerun (co-optimisation
  // needs every shard's measurements: a run over the merged logs does it).
  Shard shard;
  SearchOptions search;
  std::function<void(const TuneProgress&)> on_progress;
};

struct TunedTask {
  std::string key, ops;
  int weight = 0;
  double estimated_us = 0;    // DPOF's analytical estimate (per occurrence)
  double best_us = 0;         // measured kernel time of the best program (0: none)
  int64_t trials = 0;         // measured in this run and logged before
  bool other_shard = false;   // --shard: another shard tunes it
};

// What one DPOF rerun changed, and the prices behind it (all per model, us, weights applied).
// Groups are tasks: `dropped` were in the plan before and are not now, `added` the reverse.
struct ReplanReport {
  int plan = 0;                        // the DPOF run (1: the first rerun)
  int measured_groups = 0;             // tasks with a measured time when it ran
  int dropped = 0, dropped_measured = 0;
  int added = 0, added_measured = 0;
  double dropped_us = 0;               // the dropped groups at their measured (else estimated) times
  double added_us = 0;                 // the added groups at their measured (else margin-priced) times
  double estimate_before_us = 0, estimate_after_us = 0;   // DPOF's totals, previous plan and this one
  bool changed() const { return dropped + added > 0; }
  std::string Why() const;             // one line: "unchanged" or what moved and what the prices said
};

struct TuneSummary {
  double initial_estimate_us = 0;   // DPOF's estimate of the first plan (analytical)
  double best_e2e_us = 0;           // estimated end-to-end latency with the tuned programs
  int64_t trials = 0;               // measured in this run
  int64_t failures = 0;
  int plans = 0;                    // DPOF runs
  bool plan_converged = false;      // the last replanning gave the same tasks
  std::vector<ReplanReport> replans;
  double rank_correlation = 0;      // mean Spearman of model score vs measured throughput over rounds
  int correlation_rounds = 0;
  double elapsed_s = 0;
  std::vector<TunedTask> tasks;     // of the final plan
  // What the GPUs did (TuneModel): one line per GPU, programs measured and busy share; empty in TuneGraph.
  std::vector<std::string> device_report;
};

// Tunes `graph` (after the frontend passes) with `measurer`.
Expected<TuneSummary> TuneGraph(const ir::Graph& graph, ProgramMeasurer& measurer, const TuneOptions& options);

// One line per GPU (programs, busy share, restarts) and one for compiles and retries.
std::vector<std::string> DescribeDeviceUse(const MeasurerStats& stats);

// The whole command: loads the ONNX model, runs the frontend passes, starts the GPU measurer and tunes.
Expected<TuneSummary> TuneModel(const std::string& model_path, const TuneOptions& options, const MeasurerOptions& measurer_options);

}  // namespace agt::tuner

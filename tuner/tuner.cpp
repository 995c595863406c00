// The tuning loop and the co-optimisation of DPOF with measured costs (see tuner.h).
#include "tuner/tuner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <map>
#include <random>
#include <set>

#include <spdlog/spdlog.h>

#include "compiler/planner/plan_model.h"
#include "compiler/tasks/task.h"
#include "costmodel/program_cost_model.h"
#include "costmodel/features.h"
#include "tuner/task_scheduler.h"

namespace agt::tuner {

namespace {

using Clock = std::chrono::steady_clock;

// Everything known about one task across plans.
struct TaskState {
  std::string key, ops;
  fusion::GroupKind kind{};
  double flops = 0;
  bool tunable = false;
  std::unique_ptr<codegen::TaskContext> ctx;
  std::unique_ptr<costmodel::FeatureExtractor> features;
  std::unique_ptr<EvolutionarySearch> search;
  std::set<std::string> measured;                              // candidate keys
  std::vector<std::pair<double, codegen::Program>> successes;  // (time, program)
  double best_us = TaskScheduler::kUnmeasured;
  int64_t trials = 0;
  int failed_rounds = 0;                                       // consecutive rounds without a success
  bool exhausted = false;

  std::vector<codegen::Program> BestPrograms(size_t n) const {
    std::vector<std::pair<double, codegen::Program>> s = successes;
    std::stable_sort(s.begin(), s.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<codegen::Program> out;
    for (size_t i = 0; i < s.size() && i < n; ++i) out.push_back(s[i].second);
    return out;
  }
};

class Tuner {
 public:
  Tuner(const ir::Graph& g, ProgramMeasurer& m, const TuneOptions& o)
      : g_(g), measurer_(m), o_(o), rng_(o.seed), model_(MakeModelOptions(o)), start_(Clock::now()) {}

  Expected<TuneSummary> Run() {
    if (o_.trials <= 0 && o_.time_budget_s <= 0) return Status::Error("tuning needs a budget: --trials N and/or --time-budget");
    AGT_RETURN_IF_ERROR(LoadLog());
    AGT_ASSIGN_OR_RETURN(records::TuningLogWriter w, records::TuningLogWriter::Open(o_.tuning_log));
    writer_ = std::make_unique<records::TuningLogWriter>(std::move(w));

    std::string previous_plan;
    std::vector<tasks::Task> previous;
    double previous_estimate = 0;
    for (int plan_no = 0;; ++plan_no) {
      const int measured_groups = static_cast<int>(best_log_.size());
      double estimate = 0;
      AGT_ASSIGN_OR_RETURN(std::vector<tasks::Task> tasks, Plan(plan_no == 0, &estimate));
      std::string signature = PlanSignature(tasks);
      bool same = signature == previous_plan;
      previous_plan = signature;
      if (plan_no > 0) {
        ReplanReport r = ComparePlans(previous, tasks);
        r.plan = plan_no;
        r.measured_groups = measured_groups;
        r.estimate_before_us = previous_estimate;
        r.estimate_after_us = estimate;
        spdlog::info("co-optimisation: DPOF rerun {} with {} measured groups: {}", plan_no, measured_groups, r.Why());
        summary_.replans.push_back(r);
      }
      previous_estimate = estimate;
      summary_.plan_converged = same;
      bool last = same || plan_no >= o_.max_replans || !o_.shard.whole();
      if (plan_no == 0 && !o_.shard.whole()) LogShard(tasks);
      AGT_RETURN_IF_ERROR(TunePlan(tasks, last));
      if (last || BudgetSpent()) {
        FillSummary(tasks);
        break;
      }
      previous = std::move(tasks);
    }
    summary_.elapsed_s = Elapsed();
    return summary_;
  }

 private:
  static costmodel::XGBoostOptions MakeModelOptions(const TuneOptions& o) {
    costmodel::XGBoostOptions x;
    x.threads = o.model_threads;
    x.seed = o.seed;
    return x;
  }

  double Elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  bool BudgetSpent() const {
    return (o_.trials > 0 && summary_.trials >= o_.trials) || (o_.time_budget_s > 0 && Elapsed() >= o_.time_budget_s);
  }

  Status LoadLog() {
    AGT_ASSIGN_OR_RETURN(records::LoadedLog log, records::LoadTuningLog(o_.tuning_log));
    for (const records::LogProblem& p : log.problems) spdlog::warn("{}:{}: {}", o_.tuning_log, p.line, p.message);
    if (!log.newer_lines.empty()) spdlog::warn("{}: {}", o_.tuning_log, records::DescribeProblems(log));
    int64_t stale = 0;
    for (records::TuningRecord& r : log.records) {
      if (r.program.task.arch != o_.plan.device.arch || r.program.task.precision != o_.plan.precision) continue;
      if (!records::IsCurrent(r)) {
        ++stale;
        continue;
      }
      if (r.result.ok()) {
        auto [it, fresh] = best_log_.emplace(r.task_key, r.result.median_us);
        if (!fresh) it->second = std::min(it->second, r.result.median_us);
      }
      logged_[r.task_key].push_back(std::move(r));
    }
    if (!log.records.empty()) spdlog::info("resuming from {}: {} records, {} tasks measured", o_.tuning_log, log.records.size(), best_log_.size());
    if (stale > 0) spdlog::info("{} records measured on an older code generator are not used", stale);
    return Status::Ok();
  }

  bool InShard(const std::string& task_id) const { return ShardOfTask(task_id, o_.shard.count) == o_.shard.index; }

  void LogShard(const std::vector<tasks::Task>& tasks) const {
    size_t mine = static_cast<size_t>(std::count_if(tasks.begin(), tasks.end(), [&](const tasks::Task& t) { return InShard(t.id); }));
    spdlog::info("shard {}/{}: {} of the first plan's {} tasks are this shard's; DPOF does not rerun (tune over the merged "
                 "logs for that)", o_.shard.index, o_.shard.count, mine, tasks.size());
  }

  // DPOF with the measured times of tuned groups (analytical estimates for the rest), then tasks.
  Expected<std::vector<tasks::Task>> Plan(bool first, double* estimate_us) {
    AGT_ASSIGN_OR_RETURN(planner::ModelPlan planned, planner::PlanModel(g_, o_.plan, best_log_));
    if (first) summary_.initial_estimate_us = planned.plan.total_us;
    *estimate_us = planned.plan.total_us;
    ++summary_.plans;
    return std::move(planned.tasks);
  }

  // The groups a rerun dropped and added, at measured times where known, else at the plan's price.
  ReplanReport ComparePlans(const std::vector<tasks::Task>& before, const std::vector<tasks::Task>& after) const {
    ReplanReport r;
    std::map<std::string, const tasks::Task*> b, a;
    for (const tasks::Task& t : before) b[fmt::format("{}x{}", t.id, t.weight)] = &t;
    for (const tasks::Task& t : after) a[fmt::format("{}x{}", t.id, t.weight)] = &t;
    auto price = [&](const tasks::Task& t, bool* measured) {
      auto it = best_log_.find(t.id);
      *measured = it != best_log_.end();
      return t.weight * (*measured ? it->second + o_.plan.device.graph_launch_us : t.estimated_us);
    };
    for (const auto& [k, t] : b) {
      if (a.count(k)) continue;
      bool m = false;
      r.dropped_us += price(*t, &m);
      ++r.dropped;
      r.dropped_measured += m;
    }
    for (const auto& [k, t] : a) {
      if (b.count(k)) continue;
      bool m = false;
      r.added_us += price(*t, &m);
      ++r.added;
      r.added_measured += m;
    }
    return r;
  }

  static std::string PlanSignature(const std::vector<tasks::Task>& tasks) {
    std::vector<std::string> parts;
    for (const tasks::Task& t : tasks) parts.push_back(fmt::format("{}x{}", t.id, t.weight));
    std::sort(parts.begin(), parts.end());
    return fmt::format("{}", fmt::join(parts, ","));
  }

  TaskState& State(const tasks::Task& t) {
    auto it = states_.find(t.id);
    if (it != states_.end()) return *it->second;
    auto s = std::make_unique<TaskState>();
    s->key = t.id;
    s->ops = t.ops;
    s->kind = t.kind;
    s->flops = t.flops;
    auto ctx = codegen::MakeTaskContext(*t.graph, o_.plan.precision, o_.plan.device.arch);
    if (ctx.ok() && !ctx->sketches.empty()) {
      s->ctx = std::make_unique<codegen::TaskContext>(std::move(ctx).value());
      s->features = std::make_unique<costmodel::FeatureExtractor>(*s->ctx, o_.plan.device);
      s->search = std::make_unique<EvolutionarySearch>(*s->ctx, *s->features, o_.search);
      s->tunable = true;
    } else {
      spdlog::warn("task {} ({}) cannot be tuned: {}", t.id, t.ops, ctx.ok() ? "no sketch applies" : ctx.status().message());
    }
    // What the log already knows about this task: the model learns it, the search skips it.
    for (const records::TuningRecord& r : logged_[t.id]) Absorb(*s, r.program, r.result, /*from_log=*/true);
    TaskState& ref = *s;
    states_.emplace(t.id, std::move(s));
    return ref;
  }

  void Absorb(TaskState& s, const codegen::Program& p, const records::MeasureResult& r, bool from_log) {
    s.measured.insert(CandidateKey(p));
    ++s.trials;
    if (s.features) samples_.push_back({s.key, s.features->Extract(p), r.median_us, r.ok()});
    if (r.ok()) {
      s.successes.push_back({r.median_us, p});
      s.best_us = std::min(s.best_us, r.median_us);
      auto [it, fresh] = best_log_.emplace(s.key, r.median_us);
      if (!fresh) it->second = std::min(it->second, r.median_us);
    }
    if (from_log) model_dirty_ = true;
  }

  double E2e(const std::vector<tasks::Task>& tasks) const {
    double sum = 0;
    for (const tasks::Task& t : tasks) {
      auto it = states_.find(t.id);
      double us = it != states_.end() && std::isfinite(it->second->best_us) ? it->second->best_us + o_.plan.device.graph_launch_us : t.estimated_us;
      sum += t.weight * us;
    }
    return sum;
  }

  Status TunePlan(const std::vector<tasks::Task>& tasks, bool last) {
    std::vector<SchedulerTask> st;
    std::vector<TaskState*> states;
    for (const tasks::Task& t : tasks) {
      TaskState& s = State(t);
      states.push_back(&s);
      st.push_back({t.ops, t.weight, t.flops, fmt::format("{}", static_cast<int>(t.kind))});
    }
    TaskScheduler sched(std::move(st));
    for (size_t i = 0; i < states.size(); ++i) {
      if (!states[i]->tunable || states[i]->exhausted || !InShard(tasks[i].id)) sched.MarkExhausted(static_cast<int>(i));
      // A task tuned before (an earlier plan, or the log) has had its warm-up round.
      if (states[i]->trials > 0) sched.Update(static_cast<int>(i), states[i]->best_us);
    }
    if (model_dirty_) UpdateModel();
    // A plan that may still change gets half of what is left, and at least a round per task.
    int64_t trial_stop = o_.trials > 0 ? o_.trials : INT64_MAX;
    double time_stop = o_.time_budget_s > 0 ? o_.time_budget_s : INFINITY;
    if (!last) {
      if (o_.trials > 0) trial_stop = summary_.trials + std::max<int64_t>((o_.trials - summary_.trials) / 2, o_.batch * static_cast<int64_t>(tasks.size()));
      if (o_.time_budget_s > 0) time_stop = Elapsed() + (o_.time_budget_s - Elapsed()) / 2;
    }
    while (!BudgetSpent() && summary_.trials < trial_stop && Elapsed() < time_stop) {
      int i = sched.NextTask();
      if (i < 0) break;
      TaskState& s = *states[static_cast<size_t>(i)];
      int n = o_.batch;
      if (o_.trials > 0) n = static_cast<int>(std::min<int64_t>(n, o_.trials - summary_.trials));
      std::vector<codegen::Program> batch = s.search->NextBatch(model_, s.BestPrograms(16), s.measured, n, rng_);
      if (batch.empty()) {
        s.exhausted = true;
        sched.MarkExhausted(i);
        continue;
      }
      std::vector<double> predicted = model_.Predict(s.features->Extract(batch));
      std::vector<Measurement> measured = measurer_.Measure(*s.ctx, batch, s.best_us);
      const records::MeasureEnvironment env = measurer_.environment();
      bool any_ok = false;
      std::vector<double> pred_ok, thr_ok;
      for (size_t k = 0; k < batch.size(); ++k) {
        const records::MeasureResult& r = measured[k].result;
        if (r.error == records::MeasureError::kNoDevice) return Status::Errorf("measuring on the GPU: {}", r.message);
        records::TuningRecord rec{s.key, s.ops, batch[k], r, env, static_cast<int64_t>(std::time(nullptr)),
                         codegen::SketchEmitterVersion(batch[k].sketch.kind)};
        rec.env.device = measured[k].device;
        AGT_RETURN_IF_ERROR(writer_->Append(rec));
        Absorb(s, batch[k], r, /*from_log=*/false);
        ++summary_.trials;
        if (r.ok()) {
          any_ok = true;
          pred_ok.push_back(predicted[k]);
          thr_ok.push_back(1.0 / r.median_us);
        } else {
          ++summary_.failures;
          spdlog::debug("{}: {} {}", s.ops, records::MeasureErrorName(r.error), r.message);
        }
      }
      if (model_.trained() && pred_ok.size() >= 4) {
        double rho = costmodel::SpearmanCorrelation(pred_ok, thr_ok);
        summary_.rank_correlation += rho;
        ++summary_.correlation_rounds;
      }
      s.failed_rounds = any_ok || std::isfinite(s.best_us) ? 0 : s.failed_rounds + 1;
      if (s.failed_rounds >= o_.failed_rounds_to_give_up) {
        spdlog::warn("task {} ({}): no program ran correctly in {} rounds; giving up on it", s.key, s.ops, s.failed_rounds);
        s.exhausted = true;
        sched.MarkExhausted(i);
      }
      sched.Update(i, s.best_us);
      UpdateModel();
      Report(tasks, i, s);
    }
    return Status::Ok();
  }

  void UpdateModel() {
    model_dirty_ = false;
    Status st = model_.Update(samples_);
    if (!st.ok()) spdlog::warn("cost model update failed: {}", st.message());
  }

  void Report(const std::vector<tasks::Task>& tasks, int i, const TaskState& s) {
    if (!o_.on_progress) return;
    TuneProgress p;
    p.task_ops = s.ops;
    p.task_index = i;
    p.num_tasks = static_cast<int>(tasks.size());
    p.trials = summary_.trials;
    p.trials_planned = o_.trials;
    p.best_e2e_us = E2e(tasks);
    p.elapsed_s = Elapsed();
    if (o_.time_budget_s > 0) p.remaining_s = std::max(0.0, o_.time_budget_s - p.elapsed_s);
    if (o_.trials > 0 && summary_.trials > 0) {
      double by_trials = p.elapsed_s * static_cast<double>(o_.trials - summary_.trials) / static_cast<double>(summary_.trials);
      p.remaining_s = p.remaining_s < 0 ? by_trials : std::min(p.remaining_s, by_trials);
    }
    p.plan = summary_.plans;
    o_.on_progress(p);
  }

  void FillSummary(const std::vector<tasks::Task>& tasks) {
    summary_.best_e2e_us = E2e(tasks);
    if (summary_.correlation_rounds > 0) summary_.rank_correlation /= summary_.correlation_rounds;
    for (const tasks::Task& t : tasks) {
      const TaskState& s = *states_.at(t.id);
      summary_.tasks.push_back({t.id, t.ops, t.weight, t.estimated_us, std::isfinite(s.best_us) ? s.best_us : 0.0, s.trials, !InShard(t.id)});
    }
  }

  const ir::Graph& g_;
  ProgramMeasurer& measurer_;
  const TuneOptions& o_;
  std::mt19937_64 rng_;
  costmodel::XGBoostCostModel model_;
  bool model_dirty_ = false;
  Clock::time_point start_;
  std::unique_ptr<records::TuningLogWriter> writer_;
  std::map<std::string, std::vector<records::TuningRecord>> logged_;   // by task key, this arch and precision
  std::map<std::string, double> best_log_;                    // best measured time per task key
  std::map<std::string, std::unique_ptr<TaskState>> states_;
  std::vector<costmodel::CostSample> samples_;
  TuneSummary summary_;
};

}  // namespace

std::string ReplanReport::Why() const {
  if (!changed()) return fmt::format("plan unchanged (estimate {:.1f} us): settled", estimate_after_us);
  return fmt::format("{} groups changed: {} dropped ({} measured) costing {:.1f} us, {} added ({} measured, the rest "
                     "priced with the unmeasured margin) costing {:.1f} us; estimate {:.1f} -> {:.1f} us",
                     dropped + added, dropped, dropped_measured, dropped_us, added, added_measured, added_us,
                     estimate_before_us, estimate_after_us);
}

std::vector<std::string> DescribeDeviceUse(const MeasurerStats& st) {
  std::vector<std::string> lines;
  for (const DeviceUse& u : st.devices) {
    double busy = st.measure_wall_s > 0 ? 100.0 * u.busy_s / st.measure_wall_s : 0.0;
    lines.push_back(fmt::format("GPU {}: {} programs, busy {:.0f}% of {:.1f} s measuring, {} worker restarts{}", u.device, u.programs,
                                busy, st.measure_wall_s, u.restarts, u.dropped ? ", dropped (its worker could not start again)" : ""));
  }
  lines.push_back(fmt::format("compile {:.1f} s over threads; {} programs run again after their worker was lost", st.compile_s,
                              st.retried));
  return lines;
}

Expected<TuneSummary> TuneGraph(const ir::Graph& graph, ProgramMeasurer& measurer, const TuneOptions& options) {
  Tuner t(graph, measurer, options);
  return t.Run();
}

Expected<TuneSummary> TuneModel(const std::string& model_path, const TuneOptions& options, const MeasurerOptions& measurer_options) {
  AGT_ASSIGN_OR_RETURN(std::unique_ptr<ir::Graph> g, planner::LoadModel(model_path, options.frontend, options.plan));
  AGT_ASSIGN_OR_RETURN(std::unique_ptr<Measurer> m, Measurer::Create(measurer_options));
  spdlog::info("measuring on {} GPU{} {} ({}, {}, driver {}, {})", m->devices().size(), m->devices().size() == 1 ? "" : "s",
               fmt::join(m->devices(), ","), m->environment().gpu, m->environment().arch, m->environment().driver, m->environment().compiler);
  GpuProgramMeasurer gm(std::move(m));
  Expected<TuneSummary> s = TuneGraph(*g, gm, options);
  if (s.ok()) s->device_report = DescribeDeviceUse(gm.measurer().stats());
  return s;
}

}  // namespace agt::tuner

// The subgraph scheduler: which task gets the next round of measurements. It minimises the
// estimated end-to-end latency sum_i(weight_i * best_i), where weight_i is how often task i occurs
// in the model, as Ansor's task scheduler does: after a round-robin warm-up (every task one round),
// the task whose latency is expected to fall fastest per round is tuned next. Its gradient mixes
//   - the backward slope of its best-latency curve over the last `window` rounds, and
//   - an optimistic forward guess: the smaller of "another round helps as much as the average
//     round so far" (best - best / rounds) and "it reaches beta times the time it would take at the
//     best FLOP/s achieved by a similar task" (beta * flops / best_similar_throughput),
// weighted alpha : (1 - alpha) and multiplied by the task's weight. Both forward guesses are
// optimistic, and a task whose shape cannot reach a similar task's FLOP/s would draw rounds forever
// (ViT-B, 2026-11-30: 2960 of 4846 trials on one projection GEMM). So the forward guess decays for a
// stalled task: multiplied by stall_decay^s, s = rounds since its best last fell by more than
// stall_tolerance (relative); one improvement restores it. Tasks that can give no more
// (space exhausted, always failing) are marked and skipped. No GPU, no clock: it only does arithmetic
// on what it is told, so it is tested on synthetic latency curves.
#pragma once

#include <limits>
#include <string>
#include <vector>

namespace agt::tuner {

struct SchedulerTask {
  std::string name;
  int weight = 1;
  double flops = 0;       // per occurrence
  std::string tag;        // tasks with the same tag are "similar" (same kind of group and precision)
};

struct SchedulerOptions {
  double alpha = 0.2;
  double beta = 2.0;
  int window = 3;
  double stall_decay = 0.5;        // 1: no decay (Ansor's rule)
  double stall_tolerance = 0.005;  // a best that fell by less than this share did not improve
};

class TaskScheduler {
 public:
  static constexpr double kUnmeasured = std::numeric_limits<double>::infinity();

  explicit TaskScheduler(std::vector<SchedulerTask> tasks, SchedulerOptions options = {});

  // The task to tune next: an untried one in order, then the most negative gradient (lowest index
  // on ties); -1 when every task is exhausted.
  int NextTask() const;
  // Task `i` had one more round; `best_us` is its best time so far (kUnmeasured if none succeeded).
  void Update(int i, double best_us);
  // Sets a task's best time without counting a round (resume from a log).
  void SetBest(int i, double best_us);
  void MarkExhausted(int i) { exhausted_[static_cast<size_t>(i)] = true; }
  bool exhausted(int i) const { return exhausted_[static_cast<size_t>(i)]; }

  // sum weight_i * best_i over tasks; tasks without a measurement count `fallback_us[i]` when given.
  double EstimatedLatencyUs(const std::vector<double>& fallback_us = {}) const;
  double Gradient(int i) const;
  // Rounds since task i's best last improved by more than stall_tolerance (0 after an improvement).
  int StalledRounds(int i) const;
  int rounds(int i) const { return static_cast<int>(history_[static_cast<size_t>(i)].size()); }
  double best(int i) const { return best_[static_cast<size_t>(i)]; }
  size_t size() const { return tasks_.size(); }
  const SchedulerTask& task(int i) const { return tasks_[static_cast<size_t>(i)]; }

 private:
  std::vector<SchedulerTask> tasks_;
  SchedulerOptions options_;
  std::vector<double> best_;
  std::vector<std::vector<double>> history_;   // best after each round
  std::vector<bool> exhausted_;
};

}  // namespace agt::tuner

// Gradient-based allocation of tuning rounds across tasks (see task_scheduler.h).
#include "tuner/task_scheduler.h"

#include <algorithm>
#include <cmath>

namespace agt::tuner {

TaskScheduler::TaskScheduler(std::vector<SchedulerTask> tasks, SchedulerOptions options)
    : tasks_(std::move(tasks)), options_(options), best_(tasks_.size(), kUnmeasured), history_(tasks_.size()),
      exhausted_(tasks_.size(), false) {}

void TaskScheduler::Update(int i, double best_us) {
  best_[static_cast<size_t>(i)] = best_us;
  history_[static_cast<size_t>(i)].push_back(best_us);
}

void TaskScheduler::SetBest(int i, double best_us) { best_[static_cast<size_t>(i)] = best_us; }

double TaskScheduler::Gradient(int i) const {
  const size_t k = static_cast<size_t>(i);
  const double g = best_[k];
  const std::vector<double>& h = history_[k];
  const double rounds = static_cast<double>(std::max<size_t>(1, h.size()));
  const double weight = tasks_[k].weight;
  if (!std::isfinite(g)) return -std::numeric_limits<double>::infinity();   // nothing ran yet: most urgent
  double backward = 0;
  const size_t w = static_cast<size_t>(std::max(1, options_.window));
  if (h.size() > w && std::isfinite(h[h.size() - 1 - w])) backward = (h.back() - h[h.size() - 1 - w]) / static_cast<double>(w);
  double next = g - g / rounds;
  // The best throughput among similar tasks (this one included), when there are others to compare with.
  double best_flops = 0;
  int similar = 0;
  for (size_t j = 0; j < tasks_.size(); ++j) {
    if (tasks_[j].tag != tasks_[k].tag) continue;
    ++similar;
    if (std::isfinite(best_[j]) && best_[j] > 0 && tasks_[j].flops > 0) best_flops = std::max(best_flops, tasks_[j].flops / best_[j]);
  }
  if (similar > 1 && best_flops > 0 && tasks_[k].flops > 0) next = std::min(next, options_.beta * tasks_[k].flops / best_flops);
  double forward = (next - g) * std::pow(options_.stall_decay, StalledRounds(i));
  return weight * (options_.alpha * backward + (1 - options_.alpha) * forward);
}

int TaskScheduler::StalledRounds(int i) const {
  const std::vector<double>& h = history_[static_cast<size_t>(i)];
  int stalled = 0;
  for (size_t r = h.size(); r >= 2; --r) {
    const double before = h[r - 2], after = h[r - 1];
    if (!std::isfinite(before) || after < before * (1.0 - options_.stall_tolerance)) break;
    ++stalled;
  }
  return stalled;
}

int TaskScheduler::NextTask() const {
  for (size_t i = 0; i < tasks_.size(); ++i) {
    if (!exhausted_[i] && history_[i].empty()) return static_cast<int>(i);
  }
  int best = -1;
  double best_grad = 0;
  for (size_t i = 0; i < tasks_.size(); ++i) {
    if (exhausted_[i]) continue;
    double gr = Gradient(static_cast<int>(i));
    if (best < 0 || gr < best_grad) {
      best = static_cast<int>(i);
      best_grad = gr;
    }
  }
  return best;
}

double TaskScheduler::EstimatedLatencyUs(const std::vector<double>& fallback_us) const {
  double sum = 0;
  for (size_t i = 0; i < tasks_.size(); ++i) {
    double b = best_[i];
    if (!std::isfinite(b)) b = i < fallback_us.size() ? fallback_us[i] : 0.0;
    sum += tasks_[i].weight * b;
  }
  return sum;
}

}  // namespace agt::tuner

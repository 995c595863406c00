// The task scheduler on synthetic tasks whose best latency follows a known curve per round.
#include <cmath>
#include <functional>

#include <catch2/catch.hpp>

#include "tuner/task_scheduler.h"

namespace agt::tuner {
namespace {

using Curve = std::function<double(int)>;   // best latency after n rounds (n >= 1)

// Runs `rounds` rounds and returns how many each task got.
std::vector<int> Simulate(TaskScheduler& s, const std::vector<Curve>& curves, int rounds) {
  std::vector<int> got(curves.size(), 0);
  for (int r = 0; r < rounds; ++r) {
    int i = s.NextTask();
    REQUIRE(i >= 0);
    ++got[static_cast<size_t>(i)];
    s.Update(i, curves[static_cast<size_t>(i)](got[static_cast<size_t>(i)]));
  }
  return got;
}

TEST_CASE("every task gets a warm-up round first, in order", "[tuner][scheduler]") {
  TaskScheduler s({{"a", 1, 1e6, "g"}, {"b", 5, 1e6, "g"}, {"c", 2, 1e6, "e"}});
  for (int i = 0; i < 3; ++i) {
    CHECK(s.NextTask() == i);
    s.Update(i, 10.0);
  }
  CHECK(s.rounds(0) == 1);
}

TEST_CASE("at the same latency, the task whose curve is still falling goes first", "[tuner][scheduler]") {
  TaskScheduler s({{"flat", 1, 0, "a"}, {"steep", 1, 0, "b"}}, {.stall_decay = 1.0});
  for (double v : {50.0, 50.0, 50.0, 50.0}) s.Update(0, v);
  for (double v : {80.0, 70.0, 60.0, 50.0}) s.Update(1, v);
  // Same forward guess (50 - 50/4 - 50 = -12.5); backward slopes 0 and (50 - 80) / 3 = -10.
  CHECK(s.Gradient(0) == Approx(0.8 * -12.5));
  CHECK(s.Gradient(1) == Approx(0.2 * -10.0 + 0.8 * -12.5));
  CHECK(s.NextTask() == 1);
}

TEST_CASE("rounds go where the latency is: a steep slow task gets more than a fast flat one", "[tuner][scheduler]") {
  // `steep` starts at 200 us and keeps falling towards 20; `flat` sits at 20 us from the start.
  std::vector<Curve> curves = {[](int) { return 20.0; }, [](int n) { return 20.0 + 180.0 * std::pow(0.8, n - 1); }};
  TaskScheduler s({{"flat", 1, 0, "a"}, {"steep", 1, 0, "b"}});
  std::vector<int> got = Simulate(s, curves, 40);
  CHECK(got[1] > got[0]);
  CHECK(got[0] >= 1);
  // A task stuck at 200 us takes nearly everything from one at 20 us.
  TaskScheduler s2({{"fast", 1, 0, "a"}, {"stuck", 1, 0, "b"}}, {.stall_decay = 1.0});   // the base rule
  std::vector<int> got2 = Simulate(s2, {[](int) { return 20.0; }, [](int) { return 200.0; }}, 40);
  CHECK(got2[1] > 4 * got2[0]);
}

TEST_CASE("weights matter: the task that occurs 12 times gets more rounds", "[tuner][scheduler]") {
  Curve c = [](int n) { return 10.0 + 40.0 / n; };
  TaskScheduler s({{"once", 1, 0, "a"}, {"twelve", 12, 0, "b"}});
  std::vector<int> got = Simulate(s, {c, c}, 30);
  CHECK(got[1] > 2 * got[0]);
  CHECK(s.EstimatedLatencyUs() == Approx(1 * (10.0 + 40.0 / got[0]) + 12 * (10.0 + 40.0 / got[1])));
}

TEST_CASE("a task far below the FLOP/s of a similar task is pushed by the optimistic guess", "[tuner][scheduler]") {
  // Two GEMMs of the same FLOPs: `fast` reached 10 us, `slow` sits at 100 us with a flat curve so far.
  TaskScheduler s({{"fast", 1, 1e9, "gemm"}, {"slow", 1, 1e9, "gemm"}}, {.stall_decay = 1.0});
  for (int r = 0; r < 4; ++r) {
    s.Update(0, 10.0);
    s.Update(1, 100.0);
  }
  // forward(slow) = min(100 - 100/4, 2 * 1e9 / (1e9 / 10)) - 100 = 20 - 100 = -80; forward(fast) = -2.5.
  CHECK(s.Gradient(1) == Approx(0.8 * -80.0));
  CHECK(s.Gradient(0) == Approx(0.8 * -2.5));
  CHECK(s.NextTask() == 1);
}

TEST_CASE("a stalled task's forward guess decays per stalled round and recovers on an improvement", "[tuner][scheduler]") {
  TaskScheduler s({{"fast", 1, 1e9, "gemm"}, {"slow", 1, 1e9, "gemm"}});   // stall_decay 0.5
  s.Update(0, 10.0);
  for (double v : {100.0, 100.0, 99.8, 100.0}) s.Update(1, v);   // 99.8: within the 0.5% tolerance
  CHECK(s.StalledRounds(1) == 3);
  CHECK(s.StalledRounds(0) == 0);
  // forward(slow) = (20 - 100) * 0.5^3; backward over the window (100 - 100) / 3 = 0.
  CHECK(s.Gradient(1) == Approx(0.8 * -80.0 * 0.125));
  s.Update(1, 90.0);
  CHECK(s.StalledRounds(1) == 0);
  CHECK(s.Gradient(1) < 0.8 * -60.0);
}

TEST_CASE("the decay moves rounds from a stalled task pulled by a similar task's FLOP/s to one that still gains", "[tuner][scheduler]") {
  // `stuck` has the FLOPs of `fast` but sits at 100 us whatever is tried (its shape cannot reach
  // fast's FLOP/s); `gaining` (another kind) falls slowly from 60 us.
  std::vector<Curve> curves = {[](int) { return 10.0; }, [](int) { return 100.0; },
                               [](int n) { return 30.0 + 30.0 * std::pow(0.97, n - 1); }};
  auto run = [&](double decay) {
    TaskScheduler s({{"fast", 1, 1e9, "gemm"}, {"stuck", 1, 1e9, "gemm"}, {"gaining", 1, 1e8, "attn"}}, {.stall_decay = decay});
    return Simulate(s, curves, 60);
  };
  std::vector<int> with = run(0.5), without = run(1.0);
  INFO("with decay: stuck " << with[1] << ", gaining " << with[2] << "; without: stuck " << without[1] << ", gaining " << without[2]);
  CHECK(without[1] > without[2]);   // Ansor's rule: the optimistic guess keeps pulling `stuck`
  CHECK(with[2] > 3 * with[1]);     // decayed: the rounds go where the latency still falls
}

TEST_CASE("the backward slope uses the last `window` rounds", "[tuner][scheduler]") {
  TaskScheduler s({{"a", 2, 0, "x"}}, {.alpha = 0.2, .beta = 2.0, .window = 3, .stall_decay = 1.0});
  for (double v : {100.0, 90.0, 60.0, 50.0, 45.0}) s.Update(0, v);
  // backward = (45 - 90) / 3 = -15; forward = (45 - 45/5) - 45 = -9; weight 2.
  CHECK(s.Gradient(0) == Approx(2 * (0.2 * -15.0 + 0.8 * -9.0)));
}

TEST_CASE("exhausted tasks are skipped; unmeasured ones come first", "[tuner][scheduler]") {
  TaskScheduler s({{"a", 1, 0, "x"}, {"b", 1, 0, "x"}, {"c", 1, 0, "x"}});
  s.Update(0, 5.0);
  s.Update(1, TaskScheduler::kUnmeasured);   // ran, but nothing succeeded yet
  s.Update(2, 5.0);
  CHECK(s.NextTask() == 1);
  s.MarkExhausted(1);
  int next = s.NextTask();
  CHECK((next == 0 || next == 2));
  s.MarkExhausted(0);
  s.MarkExhausted(2);
  CHECK(s.NextTask() == -1);
  // The estimate uses a fallback for tasks without a measurement.
  CHECK(s.EstimatedLatencyUs({0, 7.0, 0}) == Approx(5.0 + 7.0 + 5.0));
}

}  // namespace
}  // namespace agt::tuner

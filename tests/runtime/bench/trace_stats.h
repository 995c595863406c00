// The arithmetic of trace_model (tests/runtime/bench/trace_model.cpp) on one run's launches, apart so
// that a unit test can check it (tests/runtime/test_trace_stats.cpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace agt::bench {

// One launch on the GPU: CUPTI's start and end timestamps (ns).
struct Interval {
  uint64_t start = 0, end = 0;
};

struct RunStats {
  double span_us = 0;   // last end - first start
  double sum_us = 0;    // the launches' durations added up
  double busy_us = 0;   // the union of their intervals: time some launch is on the GPU
  double idle_us() const { return span_us - busy_us; }     // the launch gaps
  double overlap_us() const { return sum_us - busy_us; }   // time two or more launches run at once
};

// `run` in start order (a launch never starts before the one launched before it).
inline RunStats Summarize(const std::vector<Interval>& run) {
  RunStats r;
  if (run.empty()) return r;
  uint64_t last = 0, sum = 0, busy = 0, cover = run.front().start;
  for (const Interval& s : run) {
    last = std::max(last, s.end);
    sum += s.end - s.start;
    // Count only what extends past what earlier launches already cover.
    if (s.end > cover) {
      busy += s.end - std::max(cover, s.start);
      cover = s.end;
    }
  }
  r.span_us = static_cast<double>(last - run.front().start) / 1e3;
  r.sum_us = static_cast<double>(sum) / 1e3;
  r.busy_us = static_cast<double>(busy) / 1e3;
  return r;
}

}  // namespace agt::bench

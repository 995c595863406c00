// trace_model's arithmetic (tests/runtime/bench/trace_stats.h): span, summed durations, the busy union,
// idle gaps and overlap of one run's launches, on hand-made timelines whose answers are worked out below.
#include "tests/runtime/bench/trace_stats.h"

#include <catch2/catch.hpp>

namespace agt::bench {
namespace {

using Catch::Matchers::WithinAbs;

// The five figures of a run against the ones worked out by hand (us).
void CheckRun(const RunStats& r, double span, double sum, double busy, double idle, double overlap) {
  CHECK_THAT(r.span_us, WithinAbs(span, 1e-9));
  CHECK_THAT(r.sum_us, WithinAbs(sum, 1e-9));
  CHECK_THAT(r.busy_us, WithinAbs(busy, 1e-9));
  CHECK_THAT(r.idle_us(), WithinAbs(idle, 1e-9));
  CHECK_THAT(r.overlap_us(), WithinAbs(overlap, 1e-9));
}

TEST_CASE("trace stats: serial launches with gaps between them", "[runtime][trace]") {
  // 0-1000, 1500-2500, 4000-4500 ns: 2.5 us of kernels over a 4.5 us span, 2 us idle, no overlap.
  CheckRun(Summarize({{0, 1000}, {1500, 2500}, {4000, 4500}}), 4.5, 2.5, 2.5, 2.0, 0.0);
}

TEST_CASE("trace stats: programmatic launches overlap their predecessors", "[runtime][trace]") {
  // 0-1000; 800-2000 (starts 200 ns early); 1900-2100 (inside the second's tail, ends after it);
  // 2050-2080 (wholly inside the third); then a gap and 3000-3500.
  // busy: 0-2100 (2100) + 3000-3500 (500) = 2600; sum: 1000 + 1200 + 200 + 30 + 500 = 2930;
  // span 3500; idle 900; overlap 330.
  CheckRun(Summarize({{0, 1000}, {800, 2000}, {1900, 2100}, {2050, 2080}, {3000, 3500}}), 3.5, 2.93, 2.6, 0.9, 0.33);
}

TEST_CASE("trace stats: a launch that outlasts the ones after it ends the span", "[runtime][trace]") {
  // 0-5000 covers 1000-2000 and 3000-4000 entirely: busy = span = 5 us, overlap 2 us, nothing idle.
  CheckRun(Summarize({{0, 5000}, {1000, 2000}, {3000, 4000}}), 5.0, 7.0, 5.0, 0.0, 2.0);
  CHECK(Summarize({}).span_us == 0);
}

}  // namespace
}  // namespace agt::bench

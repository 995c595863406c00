// trace_model's arithmetic (tests/runtime/bench/trace_stats.h): span, summed durations, the busy union,
// idle gaps and overlap of one run's launches, on hand-made timelines whose answers are worked out below.
#include "tests/runtime/bench/trace_stats.h"

#include <catch2/catch.hpp>

namespace agt::bench {
namespace {

using Catch::Matchers::WithinAbs;

TEST_CASE("trace stats: serial launches with gaps between them", "[runtime][trace]") {
  // 0-1000, 1500-2500, 4000-4500 ns: 2.5 us of kernels over a 4.5 us span, 2 us idle, no overlap.
  RunStats r = Summarize({{0, 1000}, {1500, 2500}, {4000, 4500}});
  CHECK_THAT(r.span_us, WithinAbs(4.5, 1e-9));
  CHECK_THAT(r.sum_us, WithinAbs(2.5, 1e-9));
  CHECK_THAT(r.busy_us, WithinAbs(2.5, 1e-9));
  CHECK_THAT(r.idle_us(), WithinAbs(2.0, 1e-9));
  CHECK_THAT(r.overlap_us(), WithinAbs(0.0, 1e-9));
}

TEST_CASE("trace stats: programmatic launches overlap their predecessors", "[runtime][trace]") {
  // 0-1000; 800-2000 (starts 200 ns early); 1900-2100 (inside the second's tail, ends after it);
  // 2050-2080 (wholly inside the third); then a gap and 3000-3500.
  // busy: 0-2100 (2100) + 3000-3500 (500) = 2600; sum: 1000 + 1200 + 200 + 30 + 500 = 2930;
  // span 3500; idle 900; overlap 330.
  RunStats r = Summarize({{0, 1000}, {800, 2000}, {1900, 2100}, {2050, 2080}, {3000, 3500}});
  CHECK_THAT(r.span_us, WithinAbs(3.5, 1e-9));
  CHECK_THAT(r.sum_us, WithinAbs(2.93, 1e-9));
  CHECK_THAT(r.busy_us, WithinAbs(2.6, 1e-9));
  CHECK_THAT(r.idle_us(), WithinAbs(0.9, 1e-9));
  CHECK_THAT(r.overlap_us(), WithinAbs(0.33, 1e-9));
}

TEST_CASE("trace stats: a launch that outlasts the ones after it ends the span", "[runtime][trace]") {
  // 0-5000 covers 1000-2000 and 3000-4000 entirely: busy = span = 5 us, overlap 2 us, nothing idle.
  RunStats r = Summarize({{0, 5000}, {1000, 2000}, {3000, 4000}});
  CHECK_THAT(r.span_us, WithinAbs(5.0, 1e-9));
  CHECK_THAT(r.busy_us, WithinAbs(5.0, 1e-9));
  CHECK_THAT(r.overlap_us(), WithinAbs(2.0, 1e-9));
  CHECK_THAT(r.idle_us(), WithinAbs(0.0, 1e-9));
  CHECK(Summarize({}).span_us == 0);
}

}  // namespace
}  // namespace agt::bench

// Memory planner: reuse across disjoint lifetimes, no overlap among live buffers, and bad input refused.
#include <catch2/catch.hpp>

#include <random>

#include "compiler/plan/memory_plan.h"

using agt::plan::BufferRequest;
using agt::plan::CheckMemoryPlan;
using agt::plan::PlanMemory;

TEST_CASE("a chain of buffers reuses memory: two live at a time", "[plan]") {
  // a -> b -> c -> d, each 1 KiB, each alive for the step that writes it and the next.
  std::vector<BufferRequest> reqs = {{"a", 1024, 0, 1}, {"b", 1024, 1, 2}, {"c", 1024, 2, 3}, {"d", 1024, 3, 4}};
  auto plan = PlanMemory(reqs, 256);
  REQUIRE(plan.ok());
  CHECK(plan->arena_bytes == 2048);
  CHECK(plan->naive_bytes == 4096);
  CHECK(plan->offsets[0] != plan->offsets[1]);
  CHECK(plan->offsets[1] != plan->offsets[2]);
}

TEST_CASE("buffers alive together never overlap, on random lifetimes", "[plan]") {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<BufferRequest> reqs;
    int n = 1 + static_cast<int>(rng() % 30);
    for (int i = 0; i < n; ++i) {
      int a = static_cast<int>(rng() % 20);
      int b = a + static_cast<int>(rng() % 6);
      reqs.push_back({"b" + std::to_string(i), 1 + rng() % 5000, a, b});
    }
    auto plan = PlanMemory(reqs, 256);
    REQUIRE(plan.ok());
    REQUIRE(CheckMemoryPlan(reqs, *plan).ok());
    // The arena is never below the largest set of simultaneously live bytes (a lower bound computed here).
    uint64_t peak = 0;
    for (int step = 0; step < 26; ++step) {
      uint64_t live = 0;
      for (const auto& r : reqs)
        if (r.first_step <= step && step <= r.last_step) live += r.size_bytes;
      peak = std::max(peak, live);
    }
    CHECK(plan->arena_bytes >= peak);
    CHECK(plan->arena_bytes <= plan->naive_bytes);
    for (uint64_t off : plan->offsets) CHECK(off % 256 == 0);
  }
}

TEST_CASE("the checker catches overlapping live buffers", "[plan]") {
  std::vector<BufferRequest> reqs = {{"x", 512, 0, 2}, {"y", 512, 1, 3}};
  agt::plan::MemoryPlan bad;
  bad.offsets = {0, 256};
  bad.arena_bytes = 1024;
  CHECK_FALSE(CheckMemoryPlan(reqs, bad).ok());
}

TEST_CASE("a buffer used before it is written is refused", "[plan]") {
  std::vector<BufferRequest> reqs = {{"x", 512, 3, 1}};
  auto plan = PlanMemory(reqs);
  REQUIRE_FALSE(plan.ok());
  CHECK(plan.status().message().find("'x'") != std::string::npos);
}

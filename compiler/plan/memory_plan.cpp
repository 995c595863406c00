// Memory planning: liveness-based offset assignment in one arena.
#include "compiler/plan/memory_plan.h"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

namespace agt::plan {

namespace {
uint64_t AlignUp(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }
bool LifetimesOverlap(const BufferRequest& a, const BufferRequest& b) {
  return a.first_step <= b.last_step && b.first_step <= a.last_step;
}
}  // namespace

Expected<MemoryPlan> PlanMemory(const std::vector<BufferRequest>& requests, uint64_t alignment) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
    return Status::Errorf("memory plan: alignment {} is not a power of two", alignment);
  }
  for (const BufferRequest& r : requests) {
    if (r.last_step < r.first_step) {
      return Status::Errorf("memory plan: buffer '{}' is last used (step {}) before it is written (step {})", r.name,
                            r.last_step, r.first_step);
    }
  }
  MemoryPlan plan;
  plan.offsets.assign(requests.size(), 0);
  std::vector<size_t> order(requests.size());
  std::iota(order.begin(), order.end(), 0);
  // Largest first, then earliest: big buffers are the hardest to fit; ties keep a deterministic order.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (requests[a].size_bytes != requests[b].size_bytes) return requests[a].size_bytes > requests[b].size_bytes;
    return requests[a].first_step < requests[b].first_step;
  });
  struct Placed { uint64_t begin, end; size_t index; };
  std::vector<Placed> placed;
  for (size_t idx : order) {
    const BufferRequest& r = requests[idx];
    uint64_t size = AlignUp(std::max<uint64_t>(r.size_bytes, 1), alignment);
    plan.naive_bytes += size;
    // Intervals of memory occupied by live-overlapping buffers, sorted by start.
    std::vector<std::pair<uint64_t, uint64_t>> busy;
    for (const Placed& p : placed) {
      if (LifetimesOverlap(r, requests[p.index])) busy.emplace_back(p.begin, p.end);
    }
    std::sort(busy.begin(), busy.end());
    // Best fit: the smallest gap that holds the buffer; else after the last busy interval.
    uint64_t best = UINT64_MAX, best_gap = UINT64_MAX, cursor = 0;
    for (const auto& [b, e] : busy) {
      if (b > cursor && b - cursor >= size && b - cursor < best_gap) {
        best = cursor;
        best_gap = b - cursor;
      }
      cursor = std::max(cursor, e);
    }
    if (best == UINT64_MAX) best = cursor;
    plan.offsets[idx] = best;
    placed.push_back({best, best + size, idx});
    plan.arena_bytes = std::max(plan.arena_bytes, best + size);
  }
  AGT_RETURN_IF_ERROR(CheckMemoryPlan(requests, plan));
  return plan;
}

Status CheckMemoryPlan(const std::vector<BufferRequest>& requests, const MemoryPlan& plan) {
  if (plan.offsets.size() != requests.size()) return Status::Error("memory plan: one offset per buffer expected");
  for (size_t i = 0; i < requests.size(); ++i) {
    if (plan.offsets[i] + requests[i].size_bytes > plan.arena_bytes) {
      return Status::Errorf("memory plan: buffer '{}' ends past the arena", requests[i].name);
    }
    for (size_t j = i + 1; j < requests.size(); ++j) {
      if (!LifetimesOverlap(requests[i], requests[j])) continue;
      uint64_t a0 = plan.offsets[i], a1 = a0 + requests[i].size_bytes;
      uint64_t b0 = plan.offsets[j], b1 = b0 + requests[j].size_bytes;
      if (a0 < b1 && b0 < a1) {
        return Status::Errorf("memory plan: live buffers '{}' and '{}' overlap", requests[i].name, requests[j].name);
      }
    }
  }
  return Status::Ok();
}

}  // namespace agt::plan

// Memory planning: every intermediate tensor of the launch list gets an offset in one device arena.
// Buffers whose lifetimes do not overlap share bytes. The planner is a greedy best-fit over buffers
// sorted by size (largest first), placing each at the lowest offset that does not collide with an
// already placed buffer whose lifetime overlaps; the result is checked for overlaps before it is returned.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/status.h"

namespace agt::plan {

struct BufferRequest {
  std::string name;
  uint64_t size_bytes = 0;
  int first_step = 0;   // the launch that writes it (or 0 for graph inputs)
  int last_step = 0;    // the last launch that reads it (inclusive); graph outputs: the last step
};

struct MemoryPlan {
  std::vector<uint64_t> offsets;   // per request, in request order
  uint64_t arena_bytes = 0;        // peak: the arena size
  uint64_t naive_bytes = 0;        // sum of all aligned sizes (no reuse), for the report
};

// `alignment` must be a power of two (256 matches cudaMalloc's guarantee and keeps 16-byte vector loads legal).
Expected<MemoryPlan> PlanMemory(const std::vector<BufferRequest>& requests, uint64_t alignment = 256);

// Checks that no two buffers with overlapping lifetimes overlap in memory and that every buffer fits in the arena.
Status CheckMemoryPlan(const std::vector<BufferRequest>& requests, const MemoryPlan& plan);

}  // namespace agt::plan

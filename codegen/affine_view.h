// Affine views: when a value of the group is only a re-indexing of a group input (transpose, a
// reshape that needs no copy, also of a strided view, slice, expand, split, gather at a constant
// index), its element at index i is
// input[offset + sum(i_d * stride_d)]. The GEMM and attention sketches read such operands straight
// from memory (and with cp.async when the innermost stride is 1) instead of through loaders.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "ir/graph.h"

namespace agt::codegen {

struct AffineView {
  int input = 0;                    // index into the group graph's inputs
  int64_t offset = 0;               // elements
  std::vector<int64_t> strides;     // per dim of the viewed value, elements (0: broadcast)
};

std::optional<AffineView> AffineOf(const ir::Graph& g, const ir::Value* v);

}  // namespace agt::codegen

// Counting what a graph holds, for `autogtco inspect` and the zoo's table: an op histogram, the
// parameter count (floating constants with more than one element, BatchNorm running statistics
// excluded as they are not trained) and FLOPs (2*M*N*K per matrix product, 2*MACs per conv, one
// per output element of element-wise ops, one per input element of reductions and normalisations).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "ir/graph.h"

namespace agt::frontend {

struct GraphStats {
  std::map<std::string, int64_t> op_histogram;   // op name -> node count
  int64_t parameters = 0;
  int64_t matrix_flops = 0;    // matmul, linear, conv2d: the quantity BASELINES.md tabulates
  int64_t other_flops = 0;     // everything else
  int64_t total_flops() const { return matrix_flops + other_flops; }
};

// FLOPs of one node by the rules above, and the multiply-accumulate part of it (2 per MAC).
int64_t MatrixFlops(const ir::Node& n);
int64_t NodeFlops(const ir::Node& n);
GraphStats ComputeGraphStats(const ir::Graph& g);

}  // namespace agt::frontend

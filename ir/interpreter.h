// The reference interpreter: runs any graph on the CPU with each op's reference implementation
// (fp32 storage, fp64 accumulation in reductions and matrix products). The ground truth for every
// numerical test.
#pragma once

#include <functional>
#include <vector>

#include "ir/graph.h"
#include "ir/status.h"
#include "ir/tensor.h"

namespace agt::ir {

struct InterpreterOptions {
  int num_threads = 0;   // 0: std::thread::hardware_concurrency()
  // Called after each node with its outputs (tests and `--dump-intermediates` use it).
  std::function<void(const Node&, std::span<const Tensor>)> on_node;
};

// `inputs` in the order of g.inputs(); returns the outputs in the order of g.outputs().
Expected<std::vector<Tensor>> Interpret(const Graph& g, std::span<const Tensor> inputs,
                                        const InterpreterOptions& options = {});

}  // namespace agt::ir

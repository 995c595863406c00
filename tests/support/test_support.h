// Helpers shared by the tests: parse IR text or fail the test, seeded random tensors, comparisons.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ir/graph.h"
#include "ir/tensor.h"

namespace agt::test {

// Seeded uniform random tensor in [lo, hi) (floats) or [lo, hi] (integers).
ir::Tensor RandomTensor(const ir::TensorType& type, uint64_t seed, float lo = -1.0f, float hi = 1.0f);
// Relative L2 error ||a - b|| / max(||b||, tiny), over f32 views of both.
double RelativeL2(const ir::Tensor& a, const ir::Tensor& b);
// Largest absolute difference.
double MaxAbsDiff(const ir::Tensor& a, const ir::Tensor& b);
// Whether a GPU driver can be opened on this machine (for [gpu] tests).
bool HasGpuDriver();
// Parses IR text (ir/text.h); on an error the current test fails with the parser's message.
std::unique_ptr<ir::Graph> ParseIr(std::string_view text);

}  // namespace agt::test

// Seeded input data for the commands that run a model without the user's inputs (`run
// --random-inputs`, `ir --run --random-inputs`, `bench`): floats uniform in [-1, 1), integers in
// [0, 9], bools 0/1, from splitmix64, so the same seed gives the same inputs on every machine and
// from every command.
#pragma once

#include <cstdint>

#include "ir/tensor.h"

namespace agt::cli {

ir::Tensor RandomInput(const ir::TensorType& type, uint64_t seed);

}  // namespace agt::cli

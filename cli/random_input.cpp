#include "cli/random_input.h"

namespace agt::cli {

ir::Tensor RandomInput(const ir::TensorType& type, uint64_t seed) {
  ir::Tensor t(type);
  uint64_t state = seed;
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    if (ir::IsFloat(type.dtype)) {
      t.SetF32(i, static_cast<float>(static_cast<double>(z >> 11) * 0x1.0p-53 * 2.0 - 1.0));
    } else if (type.dtype == ir::DType::kBool) {
      t.SetI64(i, static_cast<int64_t>(z & 1));
    } else {
      t.SetI64(i, static_cast<int64_t>(z % 10));
    }
  }
  return t;
}

}  // namespace agt::cli

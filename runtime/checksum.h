// The checksum that guards every part of an artifact (the container header, each section, the pack
// footer, the external weights file). A streaming 64-bit hash over little-endian words: each step is a
// bijection of the state for a given word, so a change confined to one word is always detected, and it
// runs at several GB/s, which matters for 2.5 GB of weights checked at load time.
#pragma once

#include <cstddef>
#include <cstdint>

namespace agt::runtime {

class Checksum64 {
 public:
  void Update(const void* data, size_t size);
  uint64_t Finish() const;  // does not change the state: more Update calls may follow

 private:
  void Mix(uint64_t word);
  uint64_t state_ = 0x243f6a8885a308d3ull;
  uint64_t length_ = 0;
  uint8_t pending_[8] = {};
  size_t num_pending_ = 0;
};

uint64_t Checksum(const void* data, size_t size);

}  // namespace agt::runtime

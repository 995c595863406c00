// Streaming checksum of artifact bytes; see checksum.h for why it is shaped this way.
#include "runtime/checksum.h"

#include <cstring>

namespace agt::runtime {
namespace {

constexpr uint64_t kMul = 0x9e3779b97f4a7c15ull;

uint64_t LoadLE64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

uint64_t Rotl(uint64_t v, int r) { return (v << r) | (v >> (64 - r)); }

}  // namespace

void Checksum64::Mix(uint64_t word) { state_ = Rotl((state_ ^ word) * kMul, 29); }

void Checksum64::Update(const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  length_ += size;
  while (num_pending_ > 0 && size > 0) {
    pending_[num_pending_++] = *p++;
    --size;
    if (num_pending_ == 8) {
      Mix(LoadLE64(pending_));
      num_pending_ = 0;
    }
  }
  while (size >= 8) {
    Mix(LoadLE64(p));
    p += 8;
    size -= 8;
  }
  for (size_t i = 0; i < size; ++i) pending_[num_pending_++] = p[i];
}

uint64_t Checksum64::Finish() const {
  Checksum64 tail = *this;
  if (tail.num_pending_ > 0) {
    uint8_t word[8] = {};
    std::memcpy(word, tail.pending_, tail.num_pending_);
    tail.Mix(LoadLE64(word));
  }
  tail.Mix(length_);
  // Final avalanche (a bijection), so that nearby inputs give unrelated sums.
  uint64_t h = tail.state_;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

uint64_t Checksum(const void* data, size_t size) {
  Checksum64 c;
  c.Update(data, size);
  return c.Finish();
}

}  // namespace agt::runtime

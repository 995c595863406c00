// Streaming checksum of artifact bytes: the C definition (autogtco/checksum64.h) behind a C++ face.
#include "runtime/checksum.h"

namespace agt::runtime {

Checksum64::Checksum64() { agt_checksum64_init(&c_); }

void Checksum64::Update(const void* data, size_t size) { agt_checksum64_update(&c_, data, size); }

uint64_t Checksum64::Finish() const { return agt_checksum64_finish(&c_); }

uint64_t Checksum(const void* data, size_t size) {
  Checksum64 c;
  c.Update(data, size);
  return c.Finish();
}

}  // namespace agt::runtime

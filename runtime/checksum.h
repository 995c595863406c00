// The checksum that guards every part of an artifact (the container header, each section, the pack
// footer, the code before the payload, the external weights file). Its one definition is C, in
// runtime/include/autogtco/checksum64.h, so that applications check artifacts with the same sum
// (autogtco/verify.h); see there for why it is shaped this way.
#pragma once

#include <cstddef>
#include <cstdint>

#include "runtime/include/autogtco/checksum64.h"

namespace agt::runtime {

class Checksum64 {
 public:
  Checksum64();
  void Update(const void* data, size_t size);
  uint64_t Finish() const;  // does not change the state: more Update calls may follow

 private:
  agt_checksum64 c_;
};

uint64_t Checksum(const void* data, size_t size);

}  // namespace agt::runtime

// libFuzzer target for the tuning-log parser (records/tuning_log.h), which reads files users hand
// to compile, tune and tune-merge: bytes -> lines -> RecordFromLine each. Every line must end in a
// record or an error Status (a crash, a sanitizer report or a runaway allocation is a bug), and a
// line that parses must print back (RecordToLine) to a line that parses again to the same text: what
// a merge writes, a later load reads.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "codegen/program.h"
#include "records/tuning_log.h"

// The parser asks whether a record's emitter version is current (records::IsCurrent), which the
// sketch table answers; this target links no sketches, so every sketch is at version 1 here.
namespace agt::codegen {
int SketchEmitterVersion(SketchKind) { return 1; }
}  // namespace agt::codegen

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace agt;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    auto record = records::RecordFromLine(text.substr(start, end - start));
    if (record.ok()) {
      const std::string line = records::RecordToLine(*record);
      auto again = records::RecordFromLine(line);
      if (!again.ok() || records::RecordToLine(*again) != line) __builtin_trap();
    }
    start = end + 1;
  }
  return 0;
}

// The packer: an artifact is the runtime stub (libagt_artifact_stub.so, the C API and this runtime,
// built once with the compiler) with the container appended after its last byte and a fixed 64-byte
// footer (magic, payload offset and size, version, flags, checksum) at the very end. The dynamic loader
// ignores bytes past the ELF image; at create time the runtime finds its own file with dladdr and reads
// the footer and payload with 64-bit pread, so payloads past 2 GB pose no relocation problem.
// With WeightsMode::kExternal the weights go to NAME.weights beside NAME.so instead.
#pragma once

#include <string>

#include "runtime/artifact_format.h"

namespace agt::runtime {

Status PackArtifact(const std::string& stub_path, const ArtifactContents& contents, const std::string& out_path,
                    WeightsMode weights_mode);

// The stub to pack: $AGT_ARTIFACT_STUB if set, else <folder of this executable>/../lib/, else the
// build tree the compiler was built in. Errors name every place that was looked at.
Result<std::string> FindArtifactStub();

inline constexpr const char* kStubFileName = "libagt_artifact_stub.so";

}  // namespace agt::runtime

// The artifact's metadata as one JSON object (agt_model_metadata_json, `autogtco inspect model.so`).
// A few lines of hand-written JSON: the runtime ships inside every artifact and stays dependency-free.
#pragma once

#include <string>

#include "runtime/artifact_format.h"

namespace agt::runtime {

std::string MetadataJson(const ArtifactContents& contents);
std::string JsonQuote(const std::string& s);

}  // namespace agt::runtime

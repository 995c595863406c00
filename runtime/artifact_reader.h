// The runtime's side of the artifact format: finds the container (at the end of a packed .so through
// its footer, or a bare container file), checks magic, version, header and section checksums, bounds
// and truncation, decodes the sections and runs ValidateContents, all before anything reaches the GPU.
// The weights are not read at open time (a metadata query must not read 2.5 GB): ReadWeights streams
// them in chunks at load time and checks their checksum on the way.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "runtime/artifact_format.h"

namespace agt::runtime {

// Where the weights blob lies: a byte range of a file (the .so itself, or NAME.weights beside it).
struct WeightsLocation {
  std::string path;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint64_t checksum = 0;
};

struct OpenedArtifact {
  std::string path;                // the file the artifact was read from
  ArtifactContents contents;       // everything but the weights (contents.weights stays empty)
  WeightsLocation weights;         // external mode: filled in by ReadWeights when it opens the side file
};

// A packed .so (footer at the end) or a bare container file.
Result<OpenedArtifact> OpenArtifactFile(const std::string& path);

// Verify-then-load: checks every byte before the payload of a packed .so (the runtime code and its
// dynamic tables, which the system's dynamic loader would otherwise execute or trust before any check
// of ours runs) against the footer's checksum. `autogtco run` and `bench` call it before dlopen.
Status VerifyArtifactCode(const std::string& path);

// The whole file: the code (VerifyArtifactCode), the container and every section, and the weights
// (embedded or the side file), read in full. What `autogtco verify` runs; needs no GPU.
// Returns the artifact it opened, so a caller that also wants the metadata reads the file once.
Result<OpenedArtifact> VerifyArtifactFile(const std::string& path);

// An in-memory container (the output of ArtifactWriter::ToBytes), weights included. For tests and tools.
Result<ArtifactContents> ParseContainer(const std::vector<uint8_t>& bytes);

// Streams the weights to `sink` in chunks of at most chunk_bytes (sink gets the chunk and its offset in
// the blob), then checks the checksum; a mismatch is a corrupt-artifact error.
using WeightsSink = std::function<Status(const uint8_t* data, uint64_t size, uint64_t offset)>;
Status ReadWeights(const OpenedArtifact& artifact, const WeightsSink& sink, uint64_t chunk_bytes = 64ull << 20);

// NAME.weights for NAME.so (the side file of --weights external).
std::string WeightsFileNameFor(const std::string& so_path);

}  // namespace agt::runtime

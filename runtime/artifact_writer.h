// The compiler's side of the artifact format: plain structs in, bytes out. Output is deterministic
// (no time stamps, no pointers, sections in a fixed order), so the same model, options and tuning log
// give a byte-identical artifact. The weights are not copied into the prefix: Write streams them from
// the contents, so a 2.5 GB model is not held twice in memory.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "runtime/artifact_format.h"

namespace agt::runtime {

class ArtifactWriter {
 public:
  // The writer fills in metadata.weight_bytes and, for external weights, metadata.weights_checksum
  // itself, from contents.weights. Call ValidateContents first to catch a bad plan early.
  explicit ArtifactWriter(const ArtifactContents& contents) : ArtifactWriter(contents, contents.metadata) {}
  // The same with other metadata (the packer sets the weights mode and file name without copying the
  // weights).
  ArtifactWriter(const ArtifactContents& contents, const ArtifactMetadata& metadata);

  uint64_t size() const { return prefix_.size() + (embed_weights_ ? weights_->size() : 0); }
  Status Write(std::FILE* file) const;
  std::vector<uint8_t> ToBytes() const;

 private:
  std::vector<uint8_t> prefix_;   // header, table and every section but the weights, padded
  const std::vector<uint8_t>* weights_;
  bool embed_weights_;
};

// The side file of --weights external: a 64-byte header (magic, version, size, checksum) + the blob.
Status WriteWeightsFile(const std::vector<uint8_t>& weights, const std::string& path);

}  // namespace agt::runtime

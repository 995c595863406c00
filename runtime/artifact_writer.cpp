// Serialises ArtifactContents into the container described in artifact_format.h.
#include "runtime/artifact_writer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "runtime/byte_io.h"
#include "runtime/checksum.h"
#include "runtime/fresh_file.h"

namespace agt::runtime {

ArtifactWriter::ArtifactWriter(const ArtifactContents& contents, const ArtifactMetadata& metadata)
    : weights_(&contents.weights), embed_weights_(metadata.weights_mode == WeightsMode::kEmbedded) {
  ArtifactMetadata meta = metadata;
  meta.weight_bytes = contents.weights.size();
  meta.weights_checksum = embed_weights_ ? 0 : Checksum(contents.weights.data(), contents.weights.size());

  std::vector<std::pair<SectionKind, std::vector<uint8_t>>> sections;
  sections.emplace_back(SectionKind::kMetadata, EncodeMetadata(meta));
  sections.emplace_back(SectionKind::kTensors, EncodeTensors(contents.inputs, contents.outputs));
  sections.emplace_back(SectionKind::kModules, EncodeModules(contents.modules));
  sections.emplace_back(SectionKind::kKernels, EncodeKernels(contents.kernels));
  sections.emplace_back(SectionKind::kLaunches, EncodeLaunches(contents.launches));
  sections.emplace_back(SectionKind::kTensorMaps, EncodeTensorMaps(contents.tensor_maps));
  const uint32_t num_sections = static_cast<uint32_t>(sections.size()) + (embed_weights_ ? 1 : 0);

  // Offsets first: sections follow the table, each 64-byte aligned; the weights come last.
  uint64_t offset = AlignUp(kHeaderBytes + num_sections * kSectionEntryBytes, kAlignment);
  ByteWriter table;
  for (const auto& [kind, bytes] : sections) {
    table.U32(static_cast<uint32_t>(kind));
    table.U32(0);
    table.U64(offset);
    table.U64(bytes.size());
    table.U64(Checksum(bytes.data(), bytes.size()));
    table.U64(0);
    offset = AlignUp(offset + bytes.size(), kAlignment);
  }
  const uint64_t weights_offset = offset;
  uint64_t total = offset;
  if (embed_weights_) {
    table.U32(static_cast<uint32_t>(SectionKind::kWeights));
    table.U32(0);
    table.U64(weights_offset);
    table.U64(contents.weights.size());
    table.U64(Checksum(contents.weights.data(), contents.weights.size()));
    table.U64(0);
    total += contents.weights.size();
  }

  ByteWriter out;
  out.Raw(kContainerMagic, 8);
  out.U32(kFormatVersion);
  out.U32(num_sections);
  out.U64(total);
  out.PadTo(56);
  Checksum64 header_sum;
  header_sum.Update(out.bytes().data(), 56);
  header_sum.Update(table.bytes().data(), table.size());
  out.U64(header_sum.Finish());
  out.Raw(table.bytes().data(), table.size());
  for (const auto& section : sections) {
    out.PadTo(kAlignment);
    out.Raw(section.second.data(), section.second.size());
  }
  out.PadTo(kAlignment);
  prefix_ = out.Take();
}

Status ArtifactWriter::Write(std::FILE* file) const {
  if (std::fwrite(prefix_.data(), 1, prefix_.size(), file) != prefix_.size()) {
    return IoError(std::string("write failed: ") + std::strerror(errno));
  }
  if (embed_weights_ && !weights_->empty() &&
      std::fwrite(weights_->data(), 1, weights_->size(), file) != weights_->size()) {
    return IoError(std::string("write failed: ") + std::strerror(errno));
  }
  return Status::Ok();
}

std::vector<uint8_t> ArtifactWriter::ToBytes() const {
  std::vector<uint8_t> bytes = prefix_;
  if (embed_weights_) bytes.insert(bytes.end(), weights_->begin(), weights_->end());
  return bytes;
}

Status WriteWeightsFile(const std::vector<uint8_t>& weights, const std::string& path) {
  ByteWriter header;
  header.Raw(kWeightsMagic, 8);
  header.U32(kFormatVersion);
  header.U32(0);
  header.U64(weights.size());
  header.U64(Checksum(weights.data(), weights.size()));
  header.PadTo(56);
  header.U64(Checksum(header.bytes().data(), 56));
  // A fresh temporary beside it, renamed over it (runtime/fresh_file.h): a link at `path` is replaced,
  // never followed.
  Result<FreshFile> fresh = FreshFile::Beside(path);
  if (!fresh.ok()) return fresh.status();
  std::FILE* f = fresh->get();
  const bool ok = std::fwrite(header.bytes().data(), 1, header.size(), f) == header.size() &&
                  (weights.empty() || std::fwrite(weights.data(), 1, weights.size(), f) == weights.size());
  return fresh->Commit(ok, 0644);
}

}  // namespace agt::runtime

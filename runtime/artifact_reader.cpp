// Reads and validates artifacts; see artifact_reader.h. Every offset read from the file is checked
// against the bytes that actually exist before it is used, with 64-bit arithmetic throughout.
#include "runtime/artifact_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "runtime/byte_io.h"
#include "runtime/checksum.h"

namespace agt::runtime {
namespace {

// Random access to bytes: a file (pread, 64-bit offsets) or memory.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual uint64_t size() const = 0;
  virtual Status ReadAt(uint64_t offset, void* dst, uint64_t n) const = 0;
};

class MemorySource : public ByteSource {
 public:
  explicit MemorySource(const std::vector<uint8_t>& bytes) : bytes_(bytes) {}
  uint64_t size() const override { return bytes_.size(); }
  Status ReadAt(uint64_t offset, void* dst, uint64_t n) const override {
    if (offset > bytes_.size() || n > bytes_.size() - offset) return CorruptError("read past the end of the artifact");
    if (n > 0) std::memcpy(dst, bytes_.data() + offset, n);
    return Status::Ok();
  }

 private:
  const std::vector<uint8_t>& bytes_;
};

class FileSource : public ByteSource {
 public:
  static Result<std::unique_ptr<FileSource>> Open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return IoError("cannot open " + path + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      return IoError("cannot stat " + path + ": " + std::strerror(errno));
    }
    return std::unique_ptr<FileSource>(new FileSource(fd, static_cast<uint64_t>(st.st_size), path));
  }
  ~FileSource() override { ::close(fd_); }
  uint64_t size() const override { return size_; }
  Status ReadAt(uint64_t offset, void* dst, uint64_t n) const override {
    if (offset > size_ || n > size_ - offset) return CorruptError(path_ + " is truncated");
    auto* p = static_cast<uint8_t*>(dst);
    while (n > 0) {
      ssize_t got = ::pread(fd_, p, n, static_cast<off_t>(offset));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return IoError("cannot read " + path_ + ": " + std::strerror(errno));
      if (got == 0) return CorruptError(path_ + " is truncated");
      p += got;
      n -= static_cast<uint64_t>(got);
      offset += static_cast<uint64_t>(got);
    }
    return Status::Ok();
  }

 private:
  FileSource(int fd, uint64_t size, std::string path) : fd_(fd), size_(size), path_(std::move(path)) {}
  int fd_;
  uint64_t size_;
  std::string path_;
};

struct Section {
  SectionKind kind;
  uint64_t offset;   // from the container's start
  uint64_t size;
  uint64_t checksum;
};

Status ReadSection(const ByteSource& src, uint64_t base, const Section& s, std::vector<uint8_t>* out) {
  out->resize(s.size);
  AGT_RT_RETURN_IF_ERROR(src.ReadAt(base + s.offset, out->data(), s.size));
  if (Checksum(out->data(), out->size()) != s.checksum) {
    return CorruptError("checksum mismatch in section " + std::to_string(static_cast<uint32_t>(s.kind)));
  }
  return Status::Ok();
}

Status CheckZeroPadding(const ByteSource& src, uint64_t base, uint64_t from, uint64_t to) {
  if (to < from || to - from > kAlignment) return CorruptError("sections overlap or leave a gap");
  uint8_t pad[kAlignment];
  AGT_RT_RETURN_IF_ERROR(src.ReadAt(base + from, pad, to - from));
  for (uint64_t i = 0; i < to - from; ++i) {
    if (pad[i] != 0) return CorruptError("non-zero padding between sections");
  }
  return Status::Ok();
}

// Parses the container at [base, base + size) of src. The weights section is read into
// contents->weights only when read_weights; otherwise its location is returned.
Status ParseContainerAt(const ByteSource& src, uint64_t base, uint64_t size, bool read_weights,
                        ArtifactContents* contents, WeightsLocation* weights) {
  if (size < kHeaderBytes) return CorruptError("artifact too small for its header (truncated?)");
  uint8_t header[kHeaderBytes];
  AGT_RT_RETURN_IF_ERROR(src.ReadAt(base, header, kHeaderBytes));
  if (std::memcmp(header, kContainerMagic, 8) != 0) return CorruptError("bad container magic: not an AutoGTCO artifact");
  uint32_t version = LoadLE32(header + 8);
  if (version != kFormatVersion) {
    return CorruptError("artifact format version " + std::to_string(version) + ", this runtime reads version " +
                        std::to_string(kFormatVersion) + " (recompile the model)");
  }
  uint32_t num_sections = LoadLE32(header + 12);
  uint64_t total = LoadLE64(header + 16);
  if (total != size) {
    return CorruptError("container declares " + std::to_string(total) + " bytes but " + std::to_string(size) +
                        " are present (truncated or extended)");
  }
  if (num_sections == 0 || num_sections > 64) return CorruptError("bad section count");
  std::vector<uint8_t> table(num_sections * kSectionEntryBytes);
  if (kHeaderBytes + table.size() > size) return CorruptError("section table is truncated");
  AGT_RT_RETURN_IF_ERROR(src.ReadAt(base + kHeaderBytes, table.data(), table.size()));
  Checksum64 header_sum;
  header_sum.Update(header, 56);
  header_sum.Update(table.data(), table.size());
  if (header_sum.Finish() != LoadLE64(header + 56)) return CorruptError("header checksum mismatch");

  std::vector<Section> sections;
  for (uint32_t i = 0; i < num_sections; ++i) {
    const uint8_t* e = table.data() + i * kSectionEntryBytes;
    Section s{static_cast<SectionKind>(LoadLE32(e)), LoadLE64(e + 8), LoadLE64(e + 16), LoadLE64(e + 24)};
    if (s.offset > size || s.size > size - s.offset) return CorruptError("a section lies past the end of the artifact");
    for (const Section& other : sections) {
      if (other.kind == s.kind) return CorruptError("duplicate section");
    }
    sections.push_back(s);
  }
  // The layout must be the canonical one the writer produces (sections in table order, each at the
  // next 64-byte boundary, zero padding between), so that every byte of the container is either
  // under a checksum or known to be zero: no corruption goes unnoticed.
  uint64_t expected = AlignUp(kHeaderBytes + table.size(), kAlignment);
  uint64_t covered = kHeaderBytes + table.size();
  for (size_t i = 0; i < sections.size(); ++i) {
    if (sections[i].offset != expected) return CorruptError("section " + std::to_string(i) + " is misplaced");
    AGT_RT_RETURN_IF_ERROR(CheckZeroPadding(src, base, covered, sections[i].offset));
    covered = sections[i].offset + sections[i].size;
    expected = AlignUp(covered, kAlignment);
  }
  bool weights_last = sections.back().kind == SectionKind::kWeights;
  if ((weights_last ? covered : expected) != size) return CorruptError("container size disagrees with its sections");
  AGT_RT_RETURN_IF_ERROR(CheckZeroPadding(src, base, covered, size));

  auto find = [&](SectionKind kind) -> const Section* {
    for (const Section& s : sections) {
      if (s.kind == kind) return &s;
    }
    return nullptr;
  };
  std::vector<uint8_t> bytes;
  ArtifactContents c;
  struct Part {
    SectionKind kind;
    const char* name;
  };
  for (Part part : {Part{SectionKind::kMetadata, "metadata"}, Part{SectionKind::kTensors, "tensors"},
                    Part{SectionKind::kModules, "modules"}, Part{SectionKind::kKernels, "kernels"},
                    Part{SectionKind::kLaunches, "launches"}, Part{SectionKind::kTensorMaps, "tensor maps"}}) {
    const Section* s = find(part.kind);
    if (s == nullptr) return CorruptError(std::string("missing section '") + part.name + "'");
    AGT_RT_RETURN_IF_ERROR(ReadSection(src, base, *s, &bytes));
    switch (part.kind) {
      case SectionKind::kMetadata: AGT_RT_RETURN_IF_ERROR(DecodeMetadata(bytes.data(), bytes.size(), &c.metadata)); break;
      case SectionKind::kTensors: AGT_RT_RETURN_IF_ERROR(DecodeTensors(bytes.data(), bytes.size(), &c.inputs, &c.outputs)); break;
      case SectionKind::kModules: AGT_RT_RETURN_IF_ERROR(DecodeModules(bytes.data(), bytes.size(), &c.modules)); break;
      case SectionKind::kKernels: AGT_RT_RETURN_IF_ERROR(DecodeKernels(bytes.data(), bytes.size(), &c.kernels)); break;
      case SectionKind::kLaunches: AGT_RT_RETURN_IF_ERROR(DecodeLaunches(bytes.data(), bytes.size(), &c.launches)); break;
      case SectionKind::kTensorMaps: AGT_RT_RETURN_IF_ERROR(DecodeTensorMaps(bytes.data(), bytes.size(), &c.tensor_maps)); break;
      case SectionKind::kWeights: break;
    }
  }
  const Section* w = find(SectionKind::kWeights);
  if (c.metadata.weights_mode == WeightsMode::kEmbedded) {
    if (w == nullptr) return CorruptError("missing weights section");
    if (w->size != c.metadata.weight_bytes) return CorruptError("weights section size disagrees with the metadata");
    weights->offset = base + w->offset;
    weights->size = w->size;
    weights->checksum = w->checksum;
    if (read_weights) AGT_RT_RETURN_IF_ERROR(ReadSection(src, base, *w, &c.weights));
  } else if (w != nullptr) {
    return CorruptError("external-weights artifact also carries a weights section");
  }
  AGT_RT_RETURN_IF_ERROR(ValidateContents(c));
  *contents = std::move(c);
  return Status::Ok();
}

// Finds the container inside a file: a packed .so ends with a footer naming the payload's range.
Status LocateContainer(const ByteSource& src, const std::string& path, uint64_t* base, uint64_t* size,
                       uint64_t* code_checksum = nullptr) {
  uint8_t head[8] = {};
  if (src.size() >= 8) AGT_RT_RETURN_IF_ERROR(src.ReadAt(0, head, 8));
  if (std::memcmp(head, kContainerMagic, 8) == 0) {
    *base = 0;
    *size = src.size();
    return Status::Ok();
  }
  if (src.size() < kFooterBytes) return CorruptError(path + " is too small to be an AutoGTCO artifact");
  uint8_t footer[kFooterBytes];
  AGT_RT_RETURN_IF_ERROR(src.ReadAt(src.size() - kFooterBytes, footer, kFooterBytes));
  if (std::memcmp(footer + 56, kFooterEndMagic, 8) != 0 || std::memcmp(footer, kFooterMagic, 8) != 0) {
    return CorruptError(path + " carries no AutoGTCO payload (no footer at its end: not a packed artifact, "
                        "or the file was truncated or stripped)");
  }
  if (Checksum(footer, 48) != LoadLE64(footer + 48)) return CorruptError(path + ": footer checksum mismatch");
  uint64_t offset = LoadLE64(footer + 8);
  uint64_t bytes = LoadLE64(footer + 16);
  uint32_t version = LoadLE32(footer + 24);
  if (version != kFormatVersion) return CorruptError(path + ": unknown footer version " + std::to_string(version));
  uint64_t body = src.size() - kFooterBytes;
  if (offset > body || bytes != body - offset) {
    return CorruptError(path + ": payload range in the footer does not match the file (truncated or modified)");
  }
  *base = offset;
  *size = bytes;
  if (code_checksum != nullptr) *code_checksum = LoadLE64(footer + 32);
  return Status::Ok();
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

std::string WeightsFileNameFor(const std::string& so_path) {
  std::string base = so_path.substr(so_path.rfind('/') == std::string::npos ? 0 : so_path.rfind('/') + 1);
  if (base.size() > 3 && base.compare(base.size() - 3, 3, ".so") == 0) base.resize(base.size() - 3);
  return base + ".weights";
}

Status VerifyArtifactCode(const std::string& path) {
  AGT_RT_ASSIGN_OR_RETURN(std::unique_ptr<FileSource> src, FileSource::Open(path));
  uint64_t base = 0, size = 0, expected = 0;
  AGT_RT_RETURN_IF_ERROR(LocateContainer(*src, path, &base, &size, &expected));
  if (base == 0) return Status::Ok();   // a bare container: no code
  Checksum64 sum;
  std::vector<uint8_t> buf(4u << 20);
  for (uint64_t at = 0; at < base;) {
    const uint64_t n = std::min<uint64_t>(buf.size(), base - at);
    AGT_RT_RETURN_IF_ERROR(src->ReadAt(at, buf.data(), n));
    sum.Update(buf.data(), n);
    at += n;
  }
  if (sum.Finish() != expected) {
    return CorruptError(path + ": the runtime code or its dynamic tables were modified (checksum mismatch before the payload)");
  }
  return Status::Ok();
}

Result<OpenedArtifact> VerifyArtifactFile(const std::string& path) {
  AGT_RT_RETURN_IF_ERROR(VerifyArtifactCode(path));
  Result<OpenedArtifact> a = OpenArtifactFile(path);
  if (!a.ok()) return a.status();
  AGT_RT_RETURN_IF_ERROR(ReadWeights(a.value(), [](const uint8_t*, uint64_t, uint64_t) { return Status::Ok(); }));
  return a;
}

Result<OpenedArtifact> OpenArtifactFile(const std::string& path) {
  AGT_RT_ASSIGN_OR_RETURN(std::unique_ptr<FileSource> src, FileSource::Open(path));
  uint64_t base = 0, size = 0;
  AGT_RT_RETURN_IF_ERROR(LocateContainer(*src, path, &base, &size));
  OpenedArtifact a;
  a.path = path;
  Status s = ParseContainerAt(*src, base, size, false, &a.contents, &a.weights);
  if (!s.ok()) return s.WithContext(path);
  if (a.contents.metadata.weights_mode == WeightsMode::kEmbedded) {
    a.weights.path = path;
  } else {
    a.weights.path = DirName(path) + "/" + a.contents.metadata.weights_file;
    a.weights.offset = kWeightsHeaderBytes;
    a.weights.size = a.contents.metadata.weight_bytes;
    a.weights.checksum = a.contents.metadata.weights_checksum;
  }
  return a;
}

Result<ArtifactContents> ParseContainer(const std::vector<uint8_t>& bytes) {
  MemorySource src(bytes);
  ArtifactContents c;
  WeightsLocation w;
  AGT_RT_RETURN_IF_ERROR(ParseContainerAt(src, 0, bytes.size(), true, &c, &w));
  return c;
}

Status ReadWeights(const OpenedArtifact& artifact, const WeightsSink& sink, uint64_t chunk_bytes) {
  const WeightsLocation& w = artifact.weights;
  if (w.size == 0) return Status::Ok();
  AGT_RT_ASSIGN_OR_RETURN(std::unique_ptr<FileSource> src, FileSource::Open(w.path));
  if (artifact.contents.metadata.weights_mode == WeightsMode::kExternal) {
    // The side file has its own header, checked like the container's.
    uint8_t header[kWeightsHeaderBytes];
    AGT_RT_RETURN_IF_ERROR(src->ReadAt(0, header, kWeightsHeaderBytes).WithContext(w.path));
    if (std::memcmp(header, kWeightsMagic, 8) != 0 || Checksum(header, 56) != LoadLE64(header + 56)) {
      return CorruptError(w.path + " is not an AutoGTCO weights file (bad magic or header checksum)");
    }
    if (LoadLE64(header + 16) != w.size || LoadLE64(header + 24) != w.checksum) {
      return CorruptError(w.path + " belongs to another artifact (size or checksum differs from the .so's)");
    }
    if (src->size() != kWeightsHeaderBytes + w.size) return CorruptError(w.path + " is truncated or extended");
  }
  std::vector<uint8_t> chunk(static_cast<size_t>(std::min(chunk_bytes, w.size)));
  Checksum64 sum;
  for (uint64_t done = 0; done < w.size;) {
    uint64_t n = std::min<uint64_t>(chunk.size(), w.size - done);
    AGT_RT_RETURN_IF_ERROR(src->ReadAt(w.offset + done, chunk.data(), n));
    sum.Update(chunk.data(), n);
    AGT_RT_RETURN_IF_ERROR(sink(chunk.data(), n, done));
    done += n;
  }
  if (sum.Finish() != w.checksum) return CorruptError(w.path + ": weights checksum mismatch (corrupted file)");
  return Status::Ok();
}

}  // namespace agt::runtime

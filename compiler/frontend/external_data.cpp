// ONNX external data (see external_data.h).
#include "compiler/frontend/external_data.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>

#include "ir/input_file.h"

namespace agt::frontend {

namespace fs = std::filesystem;

Expected<std::string> ResolveExternalPath(const std::string& base_dir, const std::string& location) {
  if (location.empty()) return Status::Error("external data has an empty location");
  fs::path loc(location);
  if (loc.is_absolute() || loc.has_root_name() || loc.has_root_directory()) {
    return Status::Errorf("external data location '{}' is an absolute path; it must be relative to the model's folder",
                          location);
  }
  // Any `..` component is refused, even one that comes back down (as ONNX's checker does): the
  // model must not reach files outside its folder.
  for (const fs::path& part : loc) {
    if (part.string() == "..") {
      return Status::Errorf("external data location '{}' leaves the model's folder", location);
    }
  }
  if (base_dir.empty()) return Status::Errorf("external data '{}' cannot be read: the model has no folder", location);
  return (fs::path(base_dir) / loc).lexically_normal().string();
}

namespace {

// A byte count as ONNX writes it: decimal digits only ("12abc", "-5", "" are refused, not read as 12).
std::optional<int64_t> ParseByteCount(const std::string& s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// The file must stay inside the model's folder after links are followed (a link to a file or folder
// outside it is how a lexically clean location can still leave it).
Status CheckInsideFolder(const std::string& base_dir, const std::string& path, const std::string& location) {
  std::error_code ec1, ec2;
  const fs::path base = fs::weakly_canonical(base_dir, ec1), file = fs::weakly_canonical(path, ec2);
  if (ec1 || ec2) return Status::Ok();   // unresolvable: the open below says what is wrong
  auto [b, f] = std::mismatch(base.begin(), base.end(), file.begin(), file.end());
  if (b != base.end()) return Status::Errorf("external data location '{}' leaves the model's folder through a link", location);
  return Status::Ok();
}

}  // namespace

Expected<std::vector<uint8_t>> ReadExternalData(const onnx::TensorProto& t, const std::string& base_dir,
                                                size_t expected_bytes) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& kv : t.external_data()) {
    if (kv.key() == "location") {
      location = kv.value();
      continue;
    }
    if (kv.key() != "offset" && kv.key() != "length") continue;
    std::optional<int64_t> v = ParseByteCount(kv.value());
    if (!v) {
      return Status::Errorf("initializer '{}': external data key '{}' has a bad value '{}' (a byte count is needed)", t.name(),
                            kv.key(), kv.value());
    }
    (kv.key() == "offset" ? offset : length) = *v;
  }
  auto path = ResolveExternalPath(base_dir, location);
  if (!path.ok()) return path.status().WithContext(fmt::format("initializer '{}'", t.name()));
  AGT_RETURN_IF_ERROR(CheckInsideFolder(base_dir, *path, location).WithContext(fmt::format("initializer '{}'", t.name())));
  std::error_code ec;
  if (fs::exists(*path, ec)) AGT_RETURN_IF_ERROR(ir::CheckRegularFile(*path).WithContext(fmt::format("initializer '{}'", t.name())));
  if (offset < 0) return Status::Errorf("initializer '{}': negative external data offset {}", t.name(), offset);
  if (length >= 0 && static_cast<size_t>(length) != expected_bytes) {
    return Status::Errorf("initializer '{}': external data length {} but its type and dims need {} bytes", t.name(),
                          length, expected_bytes);
  }
  std::ifstream f(*path, std::ios::binary | std::ios::ate);
  if (!f) return Status::Errorf("initializer '{}': cannot open external data file {}", t.name(), *path);
  std::streamoff size = f.tellg();
  if (size < 0 || offset + static_cast<int64_t>(expected_bytes) > size) {
    return Status::Errorf("initializer '{}': external data file {} has {} bytes, too few for {} bytes at offset {}",
                          t.name(), *path, static_cast<int64_t>(size), expected_bytes, offset);
  }
  std::vector<uint8_t> bytes(expected_bytes);
  f.seekg(offset);
  if (expected_bytes > 0 && !f.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(expected_bytes))) {
    return Status::Errorf("initializer '{}': cannot read external data file {}", t.name(), *path);
  }
  return bytes;
}

}  // namespace agt::frontend

// ONNX external data (see external_data.h).
#include "compiler/frontend/external_data.h"

#include <filesystem>
#include <fstream>

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

Expected<std::vector<uint8_t>> ReadExternalData(const onnx::TensorProto& t, const std::string& base_dir,
                                                size_t expected_bytes) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& kv : t.external_data()) {
    try {
      if (kv.key() == "location") location = kv.value();
      else if (kv.key() == "offset") offset = std::stoll(kv.value());
      else if (kv.key() == "length") length = std::stoll(kv.value());
    } catch (const std::exception&) {
      return Status::Errorf("initializer '{}': external data key '{}' has a bad value '{}'", t.name(), kv.key(),
                            kv.value());
    }
  }
  auto path = ResolveExternalPath(base_dir, location);
  if (!path.ok()) return path.status().WithContext(fmt::format("initializer '{}'", t.name()));
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

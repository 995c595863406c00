// Packs an artifact into a loadable .so; see pack.h for the layout and why it is appended, not linked in.
#include "runtime/pack.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "runtime/artifact_reader.h"
#include "runtime/artifact_writer.h"
#include "runtime/byte_io.h"
#include "runtime/checksum.h"
#include "runtime/fresh_file.h"

#ifndef AGT_ARTIFACT_STUB_BUILD_PATH
#define AGT_ARTIFACT_STUB_BUILD_PATH ""
#endif

namespace agt::runtime {
namespace {

bool FileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

Status ReadWholeFile(const std::string& path, std::vector<uint8_t>* out) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return IoError("cannot open runtime stub " + path + ": " + std::strerror(errno));
  uint8_t buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out->insert(out->end(), buf, buf + n);
  bool err = std::ferror(f) != 0;
  std::fclose(f);
  if (err) return IoError("cannot read runtime stub " + path);
  return Status::Ok();
}

}  // namespace

Status PackArtifact(const std::string& stub_path, const ArtifactContents& contents, const std::string& out_path,
                    WeightsMode weights_mode) {
  ArtifactMetadata meta = contents.metadata;
  meta.weights_mode = weights_mode;
  meta.weight_bytes = contents.weights.size();
  meta.weights_file = weights_mode == WeightsMode::kExternal ? WeightsFileNameFor(out_path) : "";
  // Validate what will be written, so that the compiler, not the user's app, sees a bad plan.
  AGT_RT_RETURN_IF_ERROR(ValidateContents(contents, meta).WithContext("refusing to pack " + out_path));

  std::vector<uint8_t> stub;
  AGT_RT_RETURN_IF_ERROR(ReadWholeFile(stub_path, &stub));
  if (stub.size() < 4 || std::memcmp(stub.data(), "\x7f" "ELF", 4) != 0) {
    return IoError("runtime stub " + stub_path + " is not an ELF shared library");
  }
  if (stub.size() >= kFooterBytes && std::memcmp(stub.data() + stub.size() - 8, kFooterEndMagic, 8) == 0) {
    return InvalidArgument("runtime stub " + stub_path + " already carries a payload (pass the bare stub)");
  }
  ArtifactWriter writer(contents, meta);
  const uint64_t payload_offset = AlignUp(stub.size(), kAlignment);
  stub.resize(payload_offset, 0);

  uint8_t footer[kFooterBytes] = {};
  std::memcpy(footer, kFooterMagic, 8);
  StoreLE64(footer + 8, payload_offset);
  StoreLE64(footer + 16, writer.size());
  StoreLE32(footer + 24, kFormatVersion);
  StoreLE32(footer + 28, weights_mode == WeightsMode::kExternal ? 1u : 0u);
  StoreLE64(footer + 32, Checksum(stub.data(), stub.size()));   // the code and its padding up to the payload
  StoreLE64(footer + 48, Checksum(footer, 48));
  std::memcpy(footer + 56, kFooterEndMagic, 8);

  // Write beside the target and rename (runtime/fresh_file.h), so a failed pack never leaves a half
  // artifact under its name and a link left at a predictable temporary name is never followed.
  Result<FreshFile> fresh = FreshFile::Beside(out_path);
  if (!fresh.ok()) return fresh.status();
  std::FILE* f = fresh->get();
  bool ok = std::fwrite(stub.data(), 1, stub.size(), f) == stub.size();
  Status s = ok ? writer.Write(f) : IoError("cannot write " + fresh->temp_path());
  if (!s.ok()) return s;
  ok = std::fwrite(footer, 1, kFooterBytes, f) == kFooterBytes;
  if (ok && weights_mode == WeightsMode::kExternal) {
    std::string dir = out_path.rfind('/') == std::string::npos ? "" : out_path.substr(0, out_path.rfind('/') + 1);
    AGT_RT_RETURN_IF_ERROR(WriteWeightsFile(contents.weights, dir + meta.weights_file));
  }
  return fresh->Commit(ok, 0755);
}

Result<std::string> FindArtifactStub() {
  std::vector<std::string> tried;
  if (const char* env = std::getenv("AGT_ARTIFACT_STUB"); env != nullptr && *env != '\0') {
    if (FileExists(env)) return std::string(env);
    tried.push_back(std::string(env) + " ($AGT_ARTIFACT_STUB)");
  }
  char exe[4096];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    std::string dir(exe, static_cast<size_t>(n));
    dir = dir.substr(0, dir.rfind('/'));
    std::string candidate = dir + "/../lib/" + kStubFileName;
    if (FileExists(candidate)) return candidate;
    tried.push_back(candidate);
  }
  std::string built = AGT_ARTIFACT_STUB_BUILD_PATH;
  if (!built.empty()) {
    if (FileExists(built)) return built;
    tried.push_back(built);
  }
  std::string msg = "runtime stub not found; looked at:";
  for (const std::string& t : tried) msg += " " + t;
  return IoError(msg + " (build the target agt_artifact_stub or set AGT_ARTIFACT_STUB)");
}

}  // namespace agt::runtime

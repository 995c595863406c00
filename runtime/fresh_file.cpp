// A temporary beside the target, renamed over it (see fresh_file.h).
#include "runtime/fresh_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace agt::runtime {

Result<FreshFile> FreshFile::Beside(const std::string& target) {
  std::string tmp = target + ".tmp.XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return IoError("cannot create a temporary beside " + target + ": " + std::strerror(errno));
  std::FILE* f = ::fdopen(fd, "wb");
  if (f == nullptr) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    std::remove(tmp.c_str());
    return IoError("cannot create " + tmp + ": " + why);
  }
  return FreshFile(f, std::move(tmp), target);
}

FreshFile::~FreshFile() {
  if (f_ != nullptr) std::fclose(f_);
  if (!tmp_.empty()) std::remove(tmp_.c_str());
}

Status FreshFile::Commit(bool written_ok, mode_t mode) {
  const bool closed = std::fclose(f_) == 0;
  f_ = nullptr;
  if (!written_ok || !closed) return IoError("cannot write " + tmp_);
  ::chmod(tmp_.c_str(), mode);
  if (std::rename(tmp_.c_str(), target_.c_str()) != 0) {
    return IoError("cannot rename " + tmp_ + " to " + target_ + ": " + std::strerror(errno));
  }
  tmp_.clear();   // committed: nothing to remove
  return Status::Ok();
}

}  // namespace agt::runtime

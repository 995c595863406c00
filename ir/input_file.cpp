// The regular-file check (see input_file.h).
#include "ir/input_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace agt::ir {

Status CheckRegularFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::Errorf("{}: cannot open the file: {}", path, std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return Status::Errorf("{}: is a folder, not a file", path);
  if (!S_ISREG(st.st_mode)) return Status::Errorf("{}: is not a regular file (a pipe, socket or device)", path);
  return Status::Ok();
}

}  // namespace agt::ir

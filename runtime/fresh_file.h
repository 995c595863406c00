// Writing a file so that a crash never leaves half of it under its name, and a file or link someone
// left at a predictable temporary name is never followed: a fresh temporary beside the target
// (mkstemp: O_CREAT | O_EXCL), written, then renamed over the target (which replaces a link at the
// target instead of writing through it). The packer's artifact and external weights use it.
#pragma once

#include <sys/types.h>

#include <cstdio>
#include <string>

#include "runtime/runtime_status.h"

namespace agt::runtime {

class FreshFile {
 public:
  // A new temporary "TARGET.tmp.XXXXXX" in the target's folder, open for writing.
  static Result<FreshFile> Beside(const std::string& target);
  FreshFile(FreshFile&& o) noexcept : f_(o.f_), tmp_(std::move(o.tmp_)), target_(std::move(o.target_)) { o.f_ = nullptr; o.tmp_.clear(); }
  FreshFile& operator=(FreshFile&&) = delete;
  FreshFile(const FreshFile&) = delete;
  ~FreshFile();   // removes the temporary unless committed

  std::FILE* get() const { return f_; }
  const std::string& temp_path() const { return tmp_; }
  // Closes the temporary, gives it `mode` and renames it over the target. `written_ok`: whether every
  // write succeeded (false: the temporary is removed and an error returned).
  Status Commit(bool written_ok, mode_t mode);

 private:
  FreshFile(std::FILE* f, std::string tmp, std::string target) : f_(f), tmp_(std::move(tmp)), target_(std::move(target)) {}
  std::FILE* f_ = nullptr;
  std::string tmp_, target_;
};

}  // namespace agt::runtime

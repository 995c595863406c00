// The NVRTC wrapper: CUDA C++ source -> cubin for a target arch (sm_90 by default; sm_80, sm_89, and
// sm_90a for the Hopper GEMM core's wgmma / setmaxnreg),
// with the compiler's log. Results are cached by a hash of the source and options, in memory and,
// when a cache folder is given, on disk (one .cubin per hash), so re-tuning and rebuilding skip
// compiles. Thread-safe: the tuner and the tests compile from several threads.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "ir/status.h"

namespace agt::codegen {

struct CompileOutput {
  std::vector<uint8_t> cubin;
  std::string log;           // NVRTC's log (warnings, and the resource report when asked)
  bool from_cache = false;
};

class NvrtcCompiler {
 public:
  // `cache_dir` empty: memory cache only. The CUDA headers come from $CUDA_HOME/include
  // (default /usr/local/cuda/include).
  explicit NvrtcCompiler(std::string cache_dir = "");

  // Compiles `source` for `arch` ("sm_90", "sm_90a", ...); `name` names the program in logs.
  Expected<std::shared_ptr<const CompileOutput>> Compile(const std::string& source, const std::string& arch,
                                                         const std::string& name = "kernel.cu");

  int64_t compiles() const;
  int64_t cache_hits() const;

  // "12.9" etc.: the NVRTC version in use.
  static std::string Version();

 private:
  std::string cache_dir_;
  std::string include_dir_;
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, std::shared_ptr<const CompileOutput>> cache_;
  int64_t compiles_ = 0;
  int64_t hits_ = 0;
};

// FNV-1a 64 over the bytes: the cache key of a source text.
uint64_t SourceHash(const std::string& text);

}  // namespace agt::codegen

// NVRTC compilation with an in-memory and on-disk cache.
#include "codegen/nvrtc.h"

#include <nvrtc.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

namespace agt::codegen {

uint64_t SourceHash(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

NvrtcCompiler::NvrtcCompiler(std::string cache_dir) : cache_dir_(std::move(cache_dir)) {
  const char* home = std::getenv("CUDA_HOME");
  include_dir_ = std::string(home != nullptr && *home ? home : "/usr/local/cuda") + "/include";
  if (!cache_dir_.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(cache_dir_, ec);
  }
}

std::string NvrtcCompiler::Version() {
  int major = 0, minor = 0;
  if (nvrtcVersion(&major, &minor) != NVRTC_SUCCESS) return "unknown";
  return fmt::format("{}.{}", major, minor);
}

int64_t NvrtcCompiler::compiles() const {
  std::lock_guard<std::mutex> lock(mu_);
  return compiles_;
}
int64_t NvrtcCompiler::cache_hits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hits_;
}

Expected<std::shared_ptr<const CompileOutput>> NvrtcCompiler::Compile(const std::string& source, const std::string& arch,
                                                                     const std::string& name) {
  // sm_90a: Hopper's arch-specific target (wgmma, setmaxnreg), which the sm_90 GEMM core compiles for;
  // its cubins run only on compute capability 9.0. Artifacts stay keyed "sm_90".
  if (arch != "sm_90" && arch != "sm_90a" && arch != "sm_80" && arch != "sm_89") {
    return Status::Errorf("unsupported arch '{}'", arch);
  }
  std::vector<std::string> opts = {"-arch=" + arch, "-std=c++17", "-I" + include_dir_, "-default-device"};
  std::string key_text = arch + "\n" + source;
  uint64_t key = SourceHash(key_text);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      ++hits_;
      return it->second;
    }
  }
  std::string disk_path = cache_dir_.empty() ? "" : fmt::format("{}/{:016x}.cubin", cache_dir_, key);
  if (!disk_path.empty()) {
    std::ifstream f(disk_path, std::ios::binary);
    if (f) {
      auto out = std::make_shared<CompileOutput>();
      out->cubin.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
      out->from_cache = true;
      if (!out->cubin.empty()) {
        std::lock_guard<std::mutex> lock(mu_);
        ++hits_;
        cache_[key] = out;
        return std::shared_ptr<const CompileOutput>(out);
      }
    }
  }
  nvrtcProgram prog;
  if (nvrtcCreateProgram(&prog, source.c_str(), name.c_str(), 0, nullptr, nullptr) != NVRTC_SUCCESS) {
    return Status::Error("nvrtcCreateProgram failed");
  }
  std::vector<const char*> cops;
  for (const auto& o : opts) cops.push_back(o.c_str());
  nvrtcResult rc = nvrtcCompileProgram(prog, static_cast<int>(cops.size()), cops.data());
  auto out = std::make_shared<CompileOutput>();
  size_t log_size = 0;
  nvrtcGetProgramLogSize(prog, &log_size);
  if (log_size > 1) {
    out->log.resize(log_size);
    nvrtcGetProgramLog(prog, out->log.data());
    out->log.resize(log_size - 1);
  }
  if (rc != NVRTC_SUCCESS) {
    nvrtcDestroyProgram(&prog);
    return Status::Errorf("NVRTC failed to compile {} for {}: {}\n{}", name, arch, nvrtcGetErrorString(rc), out->log);
  }
  size_t size = 0;
  nvrtcGetCUBINSize(prog, &size);
  out->cubin.resize(size);
  if (size == 0 || nvrtcGetCUBIN(prog, reinterpret_cast<char*>(out->cubin.data())) != NVRTC_SUCCESS) {
    nvrtcDestroyProgram(&prog);
    return Status::Errorf("NVRTC produced no cubin for {} ({})", name, arch);
  }
  nvrtcDestroyProgram(&prog);
  if (!disk_path.empty()) {
    // Written to a temporary name, then renamed: a concurrent reader never sees half a file.
    std::string tmp = fmt::format("{}.{:x}.tmp", disk_path, reinterpret_cast<uintptr_t>(out.get()));
    {
      std::ofstream f(tmp, std::ios::binary);
      f.write(reinterpret_cast<const char*>(out->cubin.data()), static_cast<std::streamsize>(out->cubin.size()));
    }
    std::error_code ec;
    std::filesystem::rename(tmp, disk_path, ec);
  }
  std::lock_guard<std::mutex> lock(mu_);
  ++compiles_;
  auto [it, inserted] = cache_.emplace(key, out);
  return std::shared_ptr<const CompileOutput>(it->second);
}

}  // namespace agt::codegen

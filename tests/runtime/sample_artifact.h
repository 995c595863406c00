// A small artifact for the runtime tests: two inputs, one output, two modules, kernels with every kind
// of argument (one launch programmatic), a memset and a copy, two TMA tensor maps (one in the arena, one over the first weights
// tensor), and a weights blob with a known pattern. The module images are
// fake (the CPU tests never load them); the GPU tests build their own.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <stdlib.h>
#include <vector>

#include "runtime/artifact_format.h"

namespace agt::runtime::test {

inline ArtifactContents SampleArtifact(uint64_t weight_floats = 1000) {
  ArtifactContents c;
  c.metadata.model_name = "sample";
  c.metadata.compiler_version = "0.1.0-test";
  c.metadata.precision = "fp16";
  c.metadata.arch = "sm_90";
  c.metadata.arena_bytes = 1 << 20;
  c.metadata.properties = {{"source", "sample.onnx"}, {"note", "quote \" and backslash \\"}};
  c.inputs.push_back({"pixel_values", AGT_DTYPE_F16, {1, 3, 224, 224}, 0});
  c.inputs.push_back({"mask", AGT_DTYPE_I64, {1, 197}, 301056});
  c.outputs.push_back({"logits", AGT_DTYPE_F32, {1, 1000}, 4096 * 128});
  c.modules.push_back({"gemm_module", ImageKind::kCubin, {0x7f, 'E', 'L', 'F', 1, 2, 3}});
  c.modules.push_back({"softmax_module", ImageKind::kPtx, std::vector<uint8_t>(100, 'x')});
  c.kernels.push_back({0, "gemm_0", 100 * 1024});
  c.kernels.push_back({1, "softmax_1", 0});
  std::vector<float> w(weight_floats);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i) * 0.5f - 3.0f;
  uint64_t w0 = AddWeights(c, w.data(), w.size() * 4);
  uint64_t w1 = AddWeights(c, w.data(), 12);   // unaligned size: the next offset must be aligned again
  Launch k0;
  k0.kernel = 0;
  k0.grid = {10, 2, 1};
  k0.block = {128, 1, 1};
  k0.dynamic_smem = 100 * 1024;
  k0.args = {KernelArg::Input(0), KernelArg::Weights(w0), KernelArg::Weights(w1), KernelArg::Arena(65536),
             KernelArg::I32(-7), KernelArg::F32(0.125f), KernelArg::I64(-1234567890123ll)};
  Launch m;
  m.kind = LaunchKind::kMemset;
  m.dst = 8192;
  m.bytes = 4096;
  m.value = 0;
  Launch cp;
  cp.kind = LaunchKind::kCopy;
  cp.dst = 65536;
  cp.src = w0;
  cp.src_is_weights = true;
  cp.bytes = 64;
  Launch k1;
  k1.kernel = 1;
  k1.grid = {1, 1, 1};
  k1.block = {32, 4, 1};
  k1.args = {KernelArg::Arena(65536), KernelArg::Input(1), KernelArg::Output(0), KernelArg::TensorMap(1),
             KernelArg::TensorMap(0)};
  k1.programmatic = true;   // k0 not: a round trip shows the flag written and read
  k1.co_resident = true;    // likewise
  // f16 64x64 at arena 65536, 64x64 boxes of 128 bytes (the 128-byte swizzle span); and the first
  // weights tensor as f32 rows of 4 (16 bytes, unswizzled), exactly its bytes when weight_floats % 4 == 0.
  TensorMapDesc arena_map;
  arena_map.base_offset = 65536;
  arena_map.rows = 64;
  arena_map.cols = 64;
  arena_map.row_stride_bytes = 128;
  arena_map.box_rows = 64;
  arena_map.box_cols = 64;
  TensorMapDesc weights_map;
  weights_map.base_kind = ArgKind::kWeights;
  weights_map.base_offset = w0;
  weights_map.element = 7;
  weights_map.rows = weight_floats / 4;
  weights_map.cols = 4;
  weights_map.row_stride_bytes = 16;
  weights_map.box_rows = 2;
  weights_map.box_cols = 4;
  weights_map.swizzle = 0;
  weights_map.l2_promotion = 0;
  c.tensor_maps = {arena_map, weights_map};
  c.launches = {m, cp, k0, k1};
  return c;
}

// A fresh temporary folder, removed by the caller's TempDir destructor.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/agt_runtime_test_XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

inline std::vector<uint8_t> ReadFile(const std::string& path) {
  std::vector<uint8_t> bytes;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return bytes;
  uint8_t buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.insert(bytes.end(), buf, buf + n);
  std::fclose(f);
  return bytes;
}

inline void WriteFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return;
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

}  // namespace agt::runtime::test

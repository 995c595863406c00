// A compiled artifact seen the way an application sees it: dlopen'd, reached only through the C API
// (runtime/include/autogtco/runtime.h). `autogtco run` and `autogtco bench` use it on MODEL.so, so the
// CLI exercises exactly what a user's program would.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ir/dtype.h"
#include "ir/status.h"
#include "ir/tensor.h"

struct agt_model;

namespace agt::cli {

struct ArtifactTensor {
  std::string name;
  ir::TensorType type;
};

class ArtifactHandle {
 public:
  // dlopens `path` and opens its artifact (no GPU needed).
  static Expected<std::unique_ptr<ArtifactHandle>> Open(const std::string& path);
  ~ArtifactHandle();
  ArtifactHandle(const ArtifactHandle&) = delete;
  ArtifactHandle& operator=(const ArtifactHandle&) = delete;

  // Loads onto GPU `device`: weights uploaded, kernels loaded.
  Status Load(int device = 0);
  const std::vector<ArtifactTensor>& inputs() const { return inputs_; }
  const std::vector<ArtifactTensor>& outputs() const { return outputs_; }
  // Host tensors in, host tensors out (the artifact's dtypes and shapes).
  Expected<std::vector<ir::Tensor>> Run(const std::vector<ir::Tensor>& inputs);
  // Milliseconds of each of `iters` runs.
  Expected<std::vector<float>> Bench(int warmup, int iters);

  std::string precision() const;
  std::string arch() const;
  std::string weights_mode() const;
  uint64_t arena_bytes() const;
  uint64_t weight_bytes() const;
  int num_kernels() const;
  int num_launches() const;

 private:
  ArtifactHandle() = default;
  void* Sym(const char* name) const;
  Status Fail(int rc, const char* what) const;

  std::string path_;
  void* lib_ = nullptr;
  agt_model* model_ = nullptr;
  std::vector<ArtifactTensor> inputs_, outputs_;
};

}  // namespace agt::cli

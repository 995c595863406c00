// dlopen + the C API, for `run` and `bench` on a compiled artifact.
#include "cli/artifact_handle.h"

#include <dlfcn.h>

#include <filesystem>

#include <autogtco/runtime.h>
#include <fmt/format.h>

#include "runtime/artifact_reader.h"

namespace agt::cli {

namespace {

Expected<ir::DType> FromApi(int dtype) {
  switch (dtype) {
    case AGT_DTYPE_F32: return ir::DType::kF32;
    case AGT_DTYPE_F16: return ir::DType::kF16;
    case AGT_DTYPE_BF16: return ir::DType::kBF16;
    case AGT_DTYPE_I64: return ir::DType::kI64;
    case AGT_DTYPE_I32: return ir::DType::kI32;
    case AGT_DTYPE_I8: return ir::DType::kI8;
    case AGT_DTYPE_BOOL: return ir::DType::kBool;
    default: return Status::Errorf("dtype {} has no IR equivalent", dtype);
  }
}

}  // namespace

void* ArtifactHandle::Sym(const char* name) const { return dlsym(lib_, name); }

Status ArtifactHandle::Fail(int rc, const char* what) const {
  auto name = reinterpret_cast<const char* (*)(int)>(Sym("agt_status_name"));
  auto err = reinterpret_cast<const char* (*)()>(Sym("agt_last_error"));
  return Status::Errorf("{}: {} failed: {}: {}", path_, what, name ? name(rc) : "?", err ? err() : "?");
}

Expected<std::unique_ptr<ArtifactHandle>> ArtifactHandle::Open(const std::string& path) {
  // Check the container first: the dynamic loader dies of SIGBUS on a file truncated inside its ELF
  // image, before the artifact's own checks could say so.
  auto checked = runtime::OpenArtifactFile(path);
  if (!checked.ok()) {
    return Status::Errorf("{}: {}: {}", path, agt_status_name(checked.status().code()), checked.status().message());
  }
  // Verify-then-load: the code and dynamic tables before the payload, which dlopen would run or trust.
  runtime::Status code = runtime::VerifyArtifactCode(path);
  if (!code.ok()) return Status::Errorf("{}: {}", agt_status_name(code.code()), code.message());
  std::unique_ptr<ArtifactHandle> h(new ArtifactHandle());
  h->path_ = path;
  // dlopen searches the library path for a bare name: make it a path.
  std::string p = path.find('/') == std::string::npos ? "./" + path : path;
  h->lib_ = dlopen(p.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (h->lib_ == nullptr) return Status::Errorf("cannot load artifact {}: {}", path, dlerror());
  auto open = reinterpret_cast<int (*)(agt_model**)>(h->Sym("agt_model_open"));
  if (open == nullptr) return Status::Errorf("{} is not an AutoGTCO artifact (no agt_model_open)", path);
  int rc = open(&h->model_);
  if (rc != AGT_OK) return h->Fail(rc, "agt_model_open");
  auto count_in = reinterpret_cast<int (*)(const agt_model*)>(h->Sym("agt_model_num_inputs"));
  auto count_out = reinterpret_cast<int (*)(const agt_model*)>(h->Sym("agt_model_num_outputs"));
  using NameFn = const char* (*)(const agt_model*, int);
  using DTypeFn = int (*)(const agt_model*, int);
  using ShapeFn = int (*)(const agt_model*, int, int64_t*, int);
  auto collect = [&](int n, NameFn name, DTypeFn dtype, ShapeFn shape, std::vector<ArtifactTensor>& out) -> Status {
    for (int i = 0; i < n; ++i) {
      ArtifactTensor t;
      t.name = name(h->model_, i);
      AGT_ASSIGN_OR_RETURN(t.type.dtype, FromApi(dtype(h->model_, i)));
      int64_t dims[16];
      int rank = shape(h->model_, i, dims, 16);
      if (rank < 0 || rank > 16) return Status::Errorf("{}: tensor {} has rank {}", h->path_, t.name, rank);
      t.type.shape.assign(dims, dims + rank);
      out.push_back(std::move(t));
    }
    return Status::Ok();
  };
  AGT_RETURN_IF_ERROR(collect(count_in(h->model_), reinterpret_cast<NameFn>(h->Sym("agt_model_input_name")),
                              reinterpret_cast<DTypeFn>(h->Sym("agt_model_input_dtype")),
                              reinterpret_cast<ShapeFn>(h->Sym("agt_model_input_shape")), h->inputs_));
  AGT_RETURN_IF_ERROR(collect(count_out(h->model_), reinterpret_cast<NameFn>(h->Sym("agt_model_output_name")),
                              reinterpret_cast<DTypeFn>(h->Sym("agt_model_output_dtype")),
                              reinterpret_cast<ShapeFn>(h->Sym("agt_model_output_shape")), h->outputs_));
  return h;
}

ArtifactHandle::~ArtifactHandle() {
  if (model_ != nullptr) reinterpret_cast<void (*)(agt_model*)>(Sym("agt_model_destroy"))(model_);
  if (lib_ != nullptr) dlclose(lib_);
}

Status ArtifactHandle::Load(int device) {
  int rc = reinterpret_cast<int (*)(agt_model*, int)>(Sym("agt_model_load"))(model_, device);
  return rc == AGT_OK ? Status::Ok() : Fail(rc, "agt_model_load");
}

Expected<std::vector<ir::Tensor>> ArtifactHandle::Run(const std::vector<ir::Tensor>& inputs) {
  if (inputs.size() != inputs_.size()) return Status::Errorf("{} takes {} inputs, got {}", path_, inputs_.size(), inputs.size());
  std::vector<const void*> in;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].type() != inputs_[i].type) {
      return Status::Errorf("input '{}' must be {}, got {}", inputs_[i].name, inputs_[i].type.ToString(), inputs[i].type().ToString());
    }
    in.push_back(inputs[i].raw());
  }
  std::vector<ir::Tensor> outs;
  std::vector<void*> out;
  for (const ArtifactTensor& t : outputs_) outs.emplace_back(t.type);
  for (ir::Tensor& t : outs) out.push_back(t.raw());
  auto run = reinterpret_cast<int (*)(agt_model*, const void* const*, void* const*)>(Sym("agt_model_run_host"));
  int rc = run(model_, in.data(), out.data());
  if (rc != AGT_OK) return Fail(rc, "agt_model_run_host");
  return outs;
}

Expected<std::vector<float>> ArtifactHandle::Bench(int warmup, int iters) {
  std::vector<float> times(static_cast<size_t>(iters));
  auto bench = reinterpret_cast<int (*)(agt_model*, int, int, float*)>(Sym("agt_model_bench"));
  int rc = bench(model_, warmup, iters, times.data());
  if (rc != AGT_OK) return Fail(rc, "agt_model_bench");
  return times;
}

#define AGT_META(method, type, fn)                                               \
  type ArtifactHandle::method() const {                                          \
    return reinterpret_cast<type (*)(const agt_model*)>(Sym(fn))(model_);        \
  }
AGT_META(arena_bytes, uint64_t, "agt_model_arena_bytes")
AGT_META(weight_bytes, uint64_t, "agt_model_weight_bytes")
AGT_META(num_kernels, int, "agt_model_num_kernels")
AGT_META(num_launches, int, "agt_model_num_launches")
#undef AGT_META

std::string ArtifactHandle::precision() const {
  return reinterpret_cast<const char* (*)(const agt_model*)>(Sym("agt_model_precision"))(model_);
}
std::string ArtifactHandle::arch() const {
  return reinterpret_cast<const char* (*)(const agt_model*)>(Sym("agt_model_arch"))(model_);
}
std::string ArtifactHandle::weights_mode() const {
  return reinterpret_cast<const char* (*)(const agt_model*)>(Sym("agt_model_weights_mode"))(model_);
}

}  // namespace agt::cli

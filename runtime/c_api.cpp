// The C API of runtime/include/autogtco/runtime.h over the artifact reader and the executor. This is the
// library boundary: every function catches everything, turns it into a status code, and leaves the
// message in a thread-local string for agt_last_error().
#include <dlfcn.h>

#include <climits>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>

#include "runtime/artifact_reader.h"
#include "runtime/executor.h"
#include "runtime/include/autogtco/runtime.h"
#include "runtime/metadata_json.h"

struct agt_model {
  agt::runtime::OpenedArtifact artifact;
  std::unique_ptr<agt::runtime::Executor> executor;
  std::string metadata_json;
};

namespace {

using agt::runtime::Status;

thread_local std::string g_last_error;

int Fail(const Status& s) {
  g_last_error = s.message();
  return s.code();
}

int Fail(agt_status code, std::string message) {
  g_last_error = std::move(message);
  return code;
}

template <typename Fn>
int Guard(Fn&& fn) {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return Fail(AGT_ERROR_OUT_OF_MEMORY, "out of host memory");
  } catch (const std::exception& e) {
    return Fail(AGT_ERROR_INTERNAL, std::string("internal error: ") + e.what());
  } catch (...) {
    return Fail(AGT_ERROR_INTERNAL, "internal error");
  }
}

const agt::runtime::TensorInfo* Tensor(const agt_model* m, int index, bool input) {
  if (m == nullptr) return nullptr;
  const auto& list = input ? m->artifact.contents.inputs : m->artifact.contents.outputs;
  if (index < 0 || static_cast<size_t>(index) >= list.size()) return nullptr;
  return &list[static_cast<size_t>(index)];
}

int Shape(const agt_model* m, int index, bool input, int64_t* dims, int max_dims) {
  const agt::runtime::TensorInfo* t = Tensor(m, index, input);
  if (t == nullptr) return -1;
  for (int i = 0; i < max_dims && i < static_cast<int>(t->shape.size()); ++i) {
    if (dims != nullptr) dims[i] = t->shape[static_cast<size_t>(i)];
  }
  return static_cast<int>(t->shape.size());
}

int OpenPath(const std::string& path, agt_model** out) {
  auto opened = agt::runtime::OpenArtifactFile(path);
  if (!opened.ok()) return Fail(opened.status());
  auto model = std::make_unique<agt_model>();
  model->artifact = std::move(opened).value();
  model->metadata_json = agt::runtime::MetadataJson(model->artifact.contents);
  *out = model.release();
  return AGT_OK;
}

}  // namespace

extern "C" {

AGT_API int agt_api_version(void) { return AGT_API_VERSION; }

AGT_API const char* agt_last_error(void) { return g_last_error.c_str(); }

AGT_API const char* agt_status_name(int status) {
  switch (status) {
    case AGT_OK: return "AGT_OK";
    case AGT_ERROR_INVALID_ARGUMENT: return "AGT_ERROR_INVALID_ARGUMENT";
    case AGT_ERROR_NO_DRIVER: return "AGT_ERROR_NO_DRIVER";
    case AGT_ERROR_NO_DEVICE: return "AGT_ERROR_NO_DEVICE";
    case AGT_ERROR_WRONG_ARCH: return "AGT_ERROR_WRONG_ARCH";
    case AGT_ERROR_CORRUPT_ARTIFACT: return "AGT_ERROR_CORRUPT_ARTIFACT";
    case AGT_ERROR_CUDA: return "AGT_ERROR_CUDA";
    case AGT_ERROR_OUT_OF_MEMORY: return "AGT_ERROR_OUT_OF_MEMORY";
    case AGT_ERROR_IO: return "AGT_ERROR_IO";
    case AGT_ERROR_NOT_LOADED: return "AGT_ERROR_NOT_LOADED";
    case AGT_ERROR_INTERNAL: return "AGT_ERROR_INTERNAL";
    default: return "AGT_ERROR_UNKNOWN";
  }
}

AGT_API size_t agt_dtype_size(int dtype) { return agt::runtime::DTypeBytes(static_cast<agt_dtype>(dtype)); }
AGT_API const char* agt_dtype_name(int dtype) { return agt::runtime::DTypeName(static_cast<agt_dtype>(dtype)); }

AGT_API int agt_model_open(agt_model** out) {
  return Guard([&] {
    if (out == nullptr) return Fail(AGT_ERROR_INVALID_ARGUMENT, "agt_model_open: out is null");
    *out = nullptr;
    // The artifact is the file this very function was loaded from.
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&agt_model_open), &info) == 0 || info.dli_fname == nullptr) {
      return Fail(AGT_ERROR_IO, "cannot find the artifact's own file (dladdr failed)");
    }
    std::string path = info.dli_fname;
    if (char* real = realpath(info.dli_fname, nullptr)) {
      path = real;
      std::free(real);
    }
    return OpenPath(path, out);
  });
}

AGT_API int agt_model_open_file(const char* path, agt_model** out) {
  return Guard([&] {
    if (out == nullptr || path == nullptr) return Fail(AGT_ERROR_INVALID_ARGUMENT, "agt_model_open_file: null argument");
    *out = nullptr;
    return OpenPath(path, out);
  });
}

AGT_API int agt_model_load(agt_model* model, int device) {
  return Guard([&] {
    if (model == nullptr) return Fail(AGT_ERROR_INVALID_ARGUMENT, "agt_model_load: model is null");
    if (model->executor != nullptr) return Fail(AGT_ERROR_INVALID_ARGUMENT, "agt_model_load: model is already loaded");
    auto e = agt::runtime::Executor::Create(model->artifact, device);
    if (!e.ok()) return Fail(e.status().WithContext(model->artifact.path));
    model->executor = std::move(e).value();
    return static_cast<int>(AGT_OK);
  });
}

AGT_API int agt_model_create(agt_model** out, int device) {
  return Guard([&] {
    if (out == nullptr) return Fail(AGT_ERROR_INVALID_ARGUMENT, "agt_model_create: out is null");
    *out = nullptr;
    agt_model* m = nullptr;
    int rc = agt_model_open(&m);
    if (rc != AGT_OK) return rc;
    rc = agt_model_load(m, device);
    if (rc != AGT_OK) {
      delete m;
      return rc;
    }
    *out = m;
    return static_cast<int>(AGT_OK);
  });
}

AGT_API void agt_model_destroy(agt_model* model) {
  try {
    delete model;
  } catch (...) {
  }
}

AGT_API int agt_model_num_inputs(const agt_model* m) { return m ? static_cast<int>(m->artifact.contents.inputs.size()) : -1; }
AGT_API int agt_model_num_outputs(const agt_model* m) { return m ? static_cast<int>(m->artifact.contents.outputs.size()) : -1; }
AGT_API const char* agt_model_input_name(const agt_model* m, int i) {
  const auto* t = Tensor(m, i, true);
  return t ? t->name.c_str() : nullptr;
}
AGT_API const char* agt_model_output_name(const agt_model* m, int i) {
  const auto* t = Tensor(m, i, false);
  return t ? t->name.c_str() : nullptr;
}
AGT_API int agt_model_input_dtype(const agt_model* m, int i) {
  const auto* t = Tensor(m, i, true);
  return t ? static_cast<int>(t->dtype) : -1;
}
AGT_API int agt_model_output_dtype(const agt_model* m, int i) {
  const auto* t = Tensor(m, i, false);
  return t ? static_cast<int>(t->dtype) : -1;
}
AGT_API int agt_model_input_rank(const agt_model* m, int i) { return Shape(m, i, true, nullptr, 0); }
AGT_API int agt_model_output_rank(const agt_model* m, int i) { return Shape(m, i, false, nullptr, 0); }
AGT_API int agt_model_input_shape(const agt_model* m, int i, int64_t* dims, int max_dims) {
  return Shape(m, i, true, dims, max_dims);
}
AGT_API int agt_model_output_shape(const agt_model* m, int i, int64_t* dims, int max_dims) {
  return Shape(m, i, false, dims, max_dims);
}
AGT_API uint64_t agt_model_input_bytes(const agt_model* m, int i) {
  const auto* t = Tensor(m, i, true);
  return t ? t->size_bytes() : 0;
}
AGT_API uint64_t agt_model_output_bytes(const agt_model* m, int i) {
  const auto* t = Tensor(m, i, false);
  return t ? t->size_bytes() : 0;
}

AGT_API const char* agt_model_name(const agt_model* m) { return m ? m->artifact.contents.metadata.model_name.c_str() : nullptr; }
AGT_API const char* agt_model_precision(const agt_model* m) { return m ? m->artifact.contents.metadata.precision.c_str() : nullptr; }
AGT_API const char* agt_model_arch(const agt_model* m) { return m ? m->artifact.contents.metadata.arch.c_str() : nullptr; }
AGT_API const char* agt_model_compiler_version(const agt_model* m) {
  return m ? m->artifact.contents.metadata.compiler_version.c_str() : nullptr;
}
AGT_API const char* agt_model_weights_mode(const agt_model* m) {
  return m ? agt::runtime::WeightsModeName(m->artifact.contents.metadata.weights_mode) : nullptr;
}
AGT_API uint64_t agt_model_arena_bytes(const agt_model* m) { return m ? m->artifact.contents.metadata.arena_bytes : 0; }
AGT_API uint64_t agt_model_weight_bytes(const agt_model* m) { return m ? m->artifact.contents.metadata.weight_bytes : 0; }
AGT_API int agt_model_num_kernels(const agt_model* m) { return m ? static_cast<int>(m->artifact.contents.kernels.size()) : -1; }
AGT_API int agt_model_num_launches(const agt_model* m) { return m ? static_cast<int>(m->artifact.contents.launches.size()) : -1; }
AGT_API const char* agt_model_metadata_json(const agt_model* m) { return m ? m->metadata_json.c_str() : nullptr; }

AGT_API int agt_model_run(agt_model* model, void* stream, const void* const* inputs, void* const* outputs) {
  return Guard([&] {
    if (model == nullptr) return Fail(AGT_ERROR_INVALID_ARGUMENT, "agt_model_run: model is null (did create fail?)");
    if (model->executor == nullptr) return Fail(AGT_ERROR_NOT_LOADED, "agt_model_run: model is not loaded on a device");
    Status s = model->executor->Run(static_cast<agt::runtime::CUstream>(stream), inputs, outputs);
    return s.ok() ? static_cast<int>(AGT_OK) : Fail(s);
  });
}

AGT_API int agt_model_run_host(agt_model* model, const void* const* inputs, void* const* outputs) {
  return Guard([&] {
    if (model == nullptr) return Fail(AGT_ERROR_INVALID_ARGUMENT, "agt_model_run_host: model is null (did create fail?)");
    if (model->executor == nullptr) return Fail(AGT_ERROR_NOT_LOADED, "agt_model_run_host: model is not loaded on a device");
    Status s = model->executor->RunHost(inputs, outputs);
    return s.ok() ? static_cast<int>(AGT_OK) : Fail(s);
  });
}

AGT_API int agt_model_bench(agt_model* model, int warmup, int iters, float* times_ms) {
  return Guard([&] {
    if (model == nullptr) return Fail(AGT_ERROR_INVALID_ARGUMENT, "agt_model_bench: model is null");
    if (model->executor == nullptr) return Fail(AGT_ERROR_NOT_LOADED, "agt_model_bench: model is not loaded on a device");
    Status s = model->executor->Bench(warmup, iters, times_ms);
    return s.ok() ? static_cast<int>(AGT_OK) : Fail(s);
  });
}

}  // extern "C"

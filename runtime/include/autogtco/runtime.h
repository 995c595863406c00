/* The C API of an AutoGTCO artifact: every compiled model (model.so) exports these functions, and an
 * application reaches them with dlopen + dlsym (or by linking the .so) without linking anything of
 * ours at build time. The artifact needs only the CUDA driver (libcuda.so.1) at run time, and opens it
 * itself with dlopen, so the metadata functions also work on a machine without a GPU.
 *
 * Life cycle: agt_model_create(&m, device) = agt_model_open(&m) (reads and validates the artifact this
 * .so carries; no GPU) + agt_model_load(m, device) (uploads weights and kernels once). Every function
 * returns a status code (AGT_OK = 0); the message of the last failure on the calling thread is behind
 * agt_last_error(). Strings returned by getters live as long as the model.
 *
 * Threads: create/destroy may be called from several threads at once, on one or several artifacts.
 * Runs of one model are serialised (they share its arena); runs of different models are independent.
 *
 * Integrity: agt_model_open checks the payload (container, sections, and weights at load) but cannot
 * protect the runtime code itself: a flipped byte in the .so's code or dynamic tables crashes inside
 * the system's dynamic loader, before any function here runs. So verify before you load: the pack
 * footer holds a checksum of every byte before the payload; agt_verify_code_file (autogtco/verify.h,
 * header-only C, no linking) checks it before an application's dlopen, `autogtco verify model.so` (any
 * machine, no GPU) checks it, the container and the weights, and `autogtco run` and `bench` check the
 * code before their dlopen. C++ hosts that link the compiler's runtime library can call
 * agt::runtime::VerifyArtifactFile (runtime/artifact_reader.h) the same way.
 *
 * C89-compatible apart from <stdint.h>. */
#ifndef AUTOGTCO_RUNTIME_H_
#define AUTOGTCO_RUNTIME_H_

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define AGT_API __attribute__((visibility("default")))
#else
#define AGT_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define AGT_API_VERSION 1

typedef struct agt_model agt_model;

/* Status codes. Stable: new codes are only ever appended. */
typedef enum agt_status {
  AGT_OK = 0,
  AGT_ERROR_INVALID_ARGUMENT = 1, /* null pointer, index out of range, ... */
  AGT_ERROR_NO_DRIVER = 2,        /* libcuda.so.1 could not be loaded or initialised */
  AGT_ERROR_NO_DEVICE = 3,        /* no CUDA device, or the ordinal does not exist */
  AGT_ERROR_WRONG_ARCH = 4,       /* the GPU's compute capability does not match the artifact's kernels */
  AGT_ERROR_CORRUPT_ARTIFACT = 5, /* bad magic, version, checksum, truncation, inconsistent plan */
  AGT_ERROR_CUDA = 6,             /* any other CUDA driver error */
  AGT_ERROR_OUT_OF_MEMORY = 7,    /* device or host allocation failed */
  AGT_ERROR_IO = 8,               /* the artifact or its weights file could not be read */
  AGT_ERROR_NOT_LOADED = 9,       /* a run on a model that was opened but not loaded onto a device */
  AGT_ERROR_INTERNAL = 10
} agt_status;

/* Element types of inputs and outputs. */
typedef enum agt_dtype {
  AGT_DTYPE_F32 = 0,
  AGT_DTYPE_F16 = 1,
  AGT_DTYPE_BF16 = 2,
  AGT_DTYPE_I64 = 3,
  AGT_DTYPE_I32 = 4,
  AGT_DTYPE_I8 = 5,
  AGT_DTYPE_BOOL = 6,
  AGT_DTYPE_U8 = 7
} agt_dtype;

AGT_API int agt_api_version(void);
/* The message of the last failure on this thread ("" if none). Valid until the next call on this thread. */
AGT_API const char* agt_last_error(void);
/* "AGT_ERROR_NO_DRIVER" etc. */
AGT_API const char* agt_status_name(int status);
/* Bytes per element of a dtype; 0 for an unknown one. */
AGT_API size_t agt_dtype_size(int dtype);
/* "f32", "f16", ... */
AGT_API const char* agt_dtype_name(int dtype);

/* Opens the artifact carried by the .so this function lives in (found with dladdr). No GPU needed. */
AGT_API int agt_model_open(agt_model** out);
/* Opens the artifact at a path (a packed .so). No GPU needed. */
AGT_API int agt_model_open_file(const char* path, agt_model** out);
/* Loads an opened model onto a device: selects it, checks its architecture, loads the kernels,
 * allocates the arena and uploads the weights once. A model can be loaded once. */
AGT_API int agt_model_load(agt_model* model, int device);
/* agt_model_open + agt_model_load. On failure *out is NULL. */
AGT_API int agt_model_create(agt_model** out, int device);
/* Frees device memory and the model. NULL is accepted. */
AGT_API void agt_model_destroy(agt_model* model);

/* Inputs and outputs. Index-based getters return NULL / -1 for a bad index. */
AGT_API int agt_model_num_inputs(const agt_model* model);
AGT_API int agt_model_num_outputs(const agt_model* model);
AGT_API const char* agt_model_input_name(const agt_model* model, int index);
AGT_API const char* agt_model_output_name(const agt_model* model, int index);
AGT_API int agt_model_input_dtype(const agt_model* model, int index);
AGT_API int agt_model_output_dtype(const agt_model* model, int index);
AGT_API int agt_model_input_rank(const agt_model* model, int index);
AGT_API int agt_model_output_rank(const agt_model* model, int index);
/* Writes min(rank, max_dims) dimensions into dims; returns the rank, or -1 for a bad index. */
AGT_API int agt_model_input_shape(const agt_model* model, int index, int64_t* dims, int max_dims);
AGT_API int agt_model_output_shape(const agt_model* model, int index, int64_t* dims, int max_dims);
/* Size in bytes of one input / output buffer; 0 for a bad index. */
AGT_API uint64_t agt_model_input_bytes(const agt_model* model, int index);
AGT_API uint64_t agt_model_output_bytes(const agt_model* model, int index);

/* Metadata; works without a GPU. */
AGT_API const char* agt_model_name(const agt_model* model);
AGT_API const char* agt_model_precision(const agt_model* model);        /* "fp32", "tf32", "fp16", "bf16" */
AGT_API const char* agt_model_arch(const agt_model* model);             /* "sm_90" */
AGT_API const char* agt_model_compiler_version(const agt_model* model);
AGT_API const char* agt_model_weights_mode(const agt_model* model);     /* "embedded" or "external" */
AGT_API uint64_t agt_model_arena_bytes(const agt_model* model);
AGT_API uint64_t agt_model_weight_bytes(const agt_model* model);
AGT_API int agt_model_num_kernels(const agt_model* model);
AGT_API int agt_model_num_launches(const agt_model* model);
/* All of the above as one JSON object. */
AGT_API const char* agt_model_metadata_json(const agt_model* model);

/* Runs the model on a CUstream (passed as void*; NULL = the legacy default stream). inputs[i] and
 * outputs[i] are device pointers of agt_model_input_bytes / agt_model_output_bytes bytes. The call is
 * asynchronous with respect to the host: synchronise the stream before reading the outputs.
 * The launch list is captured into a CUDA graph on the first run and replayed afterwards
 * (environment AGT_NO_GRAPH=1 launches the kernels one by one instead). Kernels the compiler marked
 * for programmatic dependent launch (sm_90+) start while the kernel before them finishes, unless the
 * environment has AGT_PDL=0 as the model is loaded; then every launch is serialized. */
AGT_API int agt_model_run(agt_model* model, void* stream, const void* const* inputs, void* const* outputs);
/* Same with host buffers: copies in, runs, copies out, and waits for the result. */
AGT_API int agt_model_run_host(agt_model* model, const void* const* inputs, void* const* outputs);
/* Times `iters` runs (after `warmup` untimed ones) with CUDA events on an internal stream, with the
 * inputs and outputs left in the model's own staging buffers; writes each run's milliseconds into
 * times_ms[0..iters). */
AGT_API int agt_model_bench(agt_model* model, int warmup, int iters, float* times_ms);

/* Function pointer types for dlsym users. */
typedef int (*agt_model_create_fn)(agt_model** out, int device);
typedef int (*agt_model_open_fn)(agt_model** out);
typedef void (*agt_model_destroy_fn)(agt_model* model);
typedef int (*agt_model_run_fn)(agt_model* model, void* stream, const void* const* inputs, void* const* outputs);
typedef int (*agt_model_run_host_fn)(agt_model* model, const void* const* inputs, void* const* outputs);
typedef const char* (*agt_last_error_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* AUTOGTCO_RUNTIME_H_ */

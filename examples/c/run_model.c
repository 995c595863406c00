/* An application that runs an AutoGTCO artifact: it links nothing of AutoGTCO, opens the .so with
 * dlopen (after checking its code with autogtco/verify.h), prints its metadata (works without a GPU), then loads it on a GPU, feeds a seeded random
 * input and prints the top outputs.
 *
 *   cc -I runtime/include examples/c/run_model.c -ldl -o run_model
 *   ./run_model model.so [device] [seed]
 *
 * Exit status: 0 ok, 1 usage or artifact error, 2 the model could not be loaded on a GPU. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autogtco/runtime.h"
#include "autogtco/verify.h"

#define MAX_TOP 5

typedef int (*open_fn)(agt_model**);
typedef int (*load_fn)(agt_model*, int);
typedef void (*destroy_fn)(agt_model*);
typedef int (*count_fn)(const agt_model*);
typedef const char* (*name_fn)(const agt_model*, int);
typedef int (*dtype_fn)(const agt_model*, int);
typedef int (*shape_fn)(const agt_model*, int, int64_t*, int);
typedef uint64_t (*bytes_fn)(const agt_model*, int);
typedef const char* (*meta_fn)(const agt_model*);
typedef int (*run_host_fn)(agt_model*, const void* const*, void* const*);
typedef const char* (*error_fn)(void);

static void* sym(void* lib, const char* name) {
  void* p = dlsym(lib, name);
  if (p == NULL) {
    fprintf(stderr, "missing symbol %s: not an AutoGTCO artifact?\n", name);
    exit(1);
  }
  return p;
}

static uint64_t rng_state;
static float next_uniform(void) { /* xorshift64*, in [-1, 1) */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (float)((rng_state * 0x2545F4914F6CDD1DULL) >> 40) / (float)(1 << 23) - 1.0f;
}

static uint16_t float_to_half(float f) {
  uint32_t x, sign, mant;
  int exp;
  memcpy(&x, &f, 4);
  sign = (x >> 16) & 0x8000u;
  exp = (int)((x >> 23) & 0xff) - 127 + 15;
  mant = x & 0x7fffffu;
  if (exp <= 0) return (uint16_t)sign; /* tiny values flush to zero: fine for random inputs */
  if (exp >= 31) return (uint16_t)(sign | 0x7c00u);
  return (uint16_t)(sign | ((uint32_t)exp << 10) | (mant >> 13));
}

static float half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ffu, x;
  float f;
  if (exp == 0) {
    f = (float)mant / 1024.0f / 16384.0f;
    return sign ? -f : f;
  }
  x = sign | ((exp == 31 ? 255 : exp - 15 + 127) << 23) | (mant << 13);
  memcpy(&f, &x, 4);
  return f;
}

static float element(const void* data, int dtype, uint64_t i) {
  uint32_t x;
  float f;
  switch (dtype) {
    case AGT_DTYPE_F32: return ((const float*)data)[i];
    case AGT_DTYPE_F16: return half_to_float(((const uint16_t*)data)[i]);
    case AGT_DTYPE_BF16:
      x = (uint32_t)((const uint16_t*)data)[i] << 16;
      memcpy(&f, &x, 4);
      return f;
    case AGT_DTYPE_I64: return (float)((const int64_t*)data)[i];
    case AGT_DTYPE_I32: return (float)((const int32_t*)data)[i];
    default: return (float)((const uint8_t*)data)[i];
  }
}

static void fill_random(void* data, int dtype, uint64_t n) {
  uint64_t i;
  for (i = 0; i < n; ++i) {
    float v = next_uniform();
    uint32_t x;
    switch (dtype) {
      case AGT_DTYPE_F32: ((float*)data)[i] = v; break;
      case AGT_DTYPE_F16: ((uint16_t*)data)[i] = float_to_half(v); break;
      case AGT_DTYPE_BF16: memcpy(&x, &v, 4); ((uint16_t*)data)[i] = (uint16_t)(x >> 16); break;
      case AGT_DTYPE_I64: ((int64_t*)data)[i] = (int64_t)(v * 100); break;
      case AGT_DTYPE_I32: ((int32_t*)data)[i] = (int32_t)(v * 100); break;
      default: ((uint8_t*)data)[i] = (uint8_t)(v > 0); break;
    }
  }
}

static uint64_t element_size(int dtype) {
  switch (dtype) {
    case AGT_DTYPE_F32: case AGT_DTYPE_I32: return 4;
    case AGT_DTYPE_F16: case AGT_DTYPE_BF16: return 2;
    case AGT_DTYPE_I64: return 8;
    default: return 1;
  }
}

static void print_tensor_info(const char* role, int i, const char* name, int dtype, const int64_t* dims, int rank) {
  int d;
  printf("  %s %d: %s dtype=%d shape=[", role, i, name, dtype);
  for (d = 0; d < rank; ++d) printf("%s%lld", d ? "," : "", (long long)dims[d]);
  printf("]\n");
}

int main(int argc, char** argv) {
  void* lib;
  agt_model* model = NULL;
  int device = argc > 2 ? atoi(argv[2]) : 0;
  int i, n_in, n_out, rc;
  void** inputs;
  void** outputs;
  int64_t dims[16];
  error_fn last_error;
  char why[512];
  if (argc < 2) {
    fprintf(stderr, "usage: %s model.so [device] [seed]\n", argv[0]);
    return 1;
  }
  rng_state = argc > 3 ? strtoull(argv[3], NULL, 10) * 2654435761ULL + 1 : 88172645463325252ULL;
  /* Verify, then load: a damaged .so would crash inside dlopen itself (autogtco/verify.h). */
  if (agt_verify_code_file(argv[1], why, sizeof why) != 0) {
    fprintf(stderr, "%s\n", why);
    return 1;
  }
  lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) {
    fprintf(stderr, "cannot load %s: %s\n", argv[1], dlerror());
    return 1;
  }
  last_error = (error_fn)sym(lib, "agt_last_error");
  if (((open_fn)sym(lib, "agt_model_open"))(&model) != AGT_OK) {
    fprintf(stderr, "cannot open the artifact: %s\n", last_error());
    return 1;
  }
  printf("model %s: precision %s, arch %s, compiler %s\n", ((meta_fn)sym(lib, "agt_model_name"))(model),
         ((meta_fn)sym(lib, "agt_model_precision"))(model), ((meta_fn)sym(lib, "agt_model_arch"))(model),
         ((meta_fn)sym(lib, "agt_model_compiler_version"))(model));
  n_in = ((count_fn)sym(lib, "agt_model_num_inputs"))(model);
  n_out = ((count_fn)sym(lib, "agt_model_num_outputs"))(model);
  inputs = (void**)calloc((size_t)n_in + 1, sizeof(void*));
  outputs = (void**)calloc((size_t)n_out + 1, sizeof(void*));
  for (i = 0; i < n_in; ++i) {
    int dtype = ((dtype_fn)sym(lib, "agt_model_input_dtype"))(model, i);
    int rank = ((shape_fn)sym(lib, "agt_model_input_shape"))(model, i, dims, 16);
    uint64_t bytes = ((bytes_fn)sym(lib, "agt_model_input_bytes"))(model, i);
    print_tensor_info("input", i, ((name_fn)sym(lib, "agt_model_input_name"))(model, i), dtype, dims, rank);
    inputs[i] = malloc(bytes ? bytes : 1);
    fill_random(inputs[i], dtype, bytes / element_size(dtype));
  }
  for (i = 0; i < n_out; ++i) {
    int rank = ((shape_fn)sym(lib, "agt_model_output_shape"))(model, i, dims, 16);
    uint64_t bytes = ((bytes_fn)sym(lib, "agt_model_output_bytes"))(model, i);
    print_tensor_info("output", i, ((name_fn)sym(lib, "agt_model_output_name"))(model, i),
                      ((dtype_fn)sym(lib, "agt_model_output_dtype"))(model, i), dims, rank);
    outputs[i] = malloc(bytes ? bytes : 1);
  }
  fflush(stdout);

  rc = ((load_fn)sym(lib, "agt_model_load"))(model, device);
  if (rc != AGT_OK) {
    fprintf(stderr, "cannot load the model on GPU %d: %s (status %d)\n", device, last_error(), rc);
  } else if ((rc = ((run_host_fn)sym(lib, "agt_model_run_host"))(model, (const void* const*)inputs, outputs)) != AGT_OK) {
    fprintf(stderr, "run failed: %s\n", last_error());
  }
  for (i = 0; rc == AGT_OK && i < n_out; ++i) {
    int dtype = ((dtype_fn)sym(lib, "agt_model_output_dtype"))(model, i);
    uint64_t n = ((bytes_fn)sym(lib, "agt_model_output_bytes"))(model, i) / element_size(dtype), j;
    uint64_t top[MAX_TOP];
    int k, t, ntop = 0;
    for (j = 0; j < n; ++j) { /* insertion into a short sorted list */
      float v = element(outputs[i], dtype, j);
      for (k = 0; k < ntop && element(outputs[i], dtype, top[k]) >= v; ++k) {
      }
      if (k >= MAX_TOP) continue;
      for (t = (ntop < MAX_TOP ? ntop : MAX_TOP - 1); t > k; --t) top[t] = top[t - 1];
      top[k] = j;
      if (ntop < MAX_TOP) ++ntop;
    }
    printf("output %s top %d:", ((name_fn)sym(lib, "agt_model_output_name"))(model, i), ntop);
    for (k = 0; k < ntop; ++k) printf(" [%llu]=%g", (unsigned long long)top[k], element(outputs[i], dtype, top[k]));
    printf("\n");
  }
  ((destroy_fn)sym(lib, "agt_model_destroy"))(model);
  for (i = 0; i < n_in; ++i) free(inputs[i]);
  for (i = 0; i < n_out; ++i) free(outputs[i]);
  free(inputs);
  free(outputs);
  return rc == AGT_OK ? 0 : 2;
}

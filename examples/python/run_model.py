#!/usr/bin/env python3
"""Runs an AutoGTCO artifact from Python with ctypes: no binding, no build step.

Prints the artifact's metadata (works without a GPU), then loads it on a GPU, feeds a seeded random
input and prints the top outputs.

    python3 examples/python/run_model.py model.so [--device 0] [--seed 0] [--top 5]

Exit status: 0 ok, 1 not an artifact, 2 the model could not be loaded or run on a GPU.
"""
import argparse
import ctypes
import json
import sys

import numpy as np

# agt_dtype codes of runtime/include/autogtco/runtime.h -> numpy dtypes (bf16 travels as raw uint16).
DTYPES = {0: np.float32, 1: np.float16, 2: np.uint16, 3: np.int64, 4: np.int32, 5: np.int8, 6: np.bool_, 7: np.uint8}
DTYPE_NAMES = {0: "f32", 1: "f16", 2: "bf16", 3: "i64", 4: "i32", 5: "i8", 6: "bool", 7: "u8"}
AGT_OK = 0


def bind(lib):
    p, i, u64, s = ctypes.c_void_p, ctypes.c_int, ctypes.c_uint64, ctypes.c_char_p
    sigs = {
        "agt_model_open": (i, [ctypes.POINTER(p)]),
        "agt_model_load": (i, [p, i]),
        "agt_model_destroy": (None, [p]),
        "agt_last_error": (s, []),
        "agt_model_metadata_json": (s, [p]),
        "agt_model_num_inputs": (i, [p]),
        "agt_model_num_outputs": (i, [p]),
        "agt_model_input_name": (s, [p, i]),
        "agt_model_output_name": (s, [p, i]),
        "agt_model_input_dtype": (i, [p, i]),
        "agt_model_output_dtype": (i, [p, i]),
        "agt_model_input_shape": (i, [p, i, ctypes.POINTER(ctypes.c_int64), i]),
        "agt_model_output_shape": (i, [p, i, ctypes.POINTER(ctypes.c_int64), i]),
        "agt_model_input_bytes": (u64, [p, i]),
        "agt_model_run_host": (i, [p, ctypes.POINTER(p), ctypes.POINTER(p)]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args


def tensor_spec(lib, model, index, is_input):
    kind = "input" if is_input else "output"
    dims = (ctypes.c_int64 * 16)()
    rank = getattr(lib, f"agt_model_{kind}_shape")(model, index, dims, 16)
    name = getattr(lib, f"agt_model_{kind}_name")(model, index).decode()
    dtype = getattr(lib, f"agt_model_{kind}_dtype")(model, index)
    return name, dtype, tuple(dims[d] for d in range(rank))


def as_float(array, dtype_code):
    if dtype_code == 2:  # bf16: the high half of a float32
        return (array.astype(np.uint32) << 16).view(np.float32)
    return array.astype(np.float32)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("artifact")
    parser.add_argument("--device", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--top", type=int, default=5)
    args = parser.parse_args()

    try:
        lib = ctypes.CDLL(args.artifact, mode=ctypes.RTLD_LOCAL)
        bind(lib)
    except (OSError, AttributeError) as e:
        print(f"not an AutoGTCO artifact: {e}", file=sys.stderr)
        return 1
    model = ctypes.c_void_p()
    if lib.agt_model_open(ctypes.byref(model)) != AGT_OK:
        print(f"cannot open the artifact: {lib.agt_last_error().decode()}", file=sys.stderr)
        return 1
    meta = json.loads(lib.agt_model_metadata_json(model).decode())
    print(f"model {meta['model']}: precision {meta['precision']}, arch {meta['arch']}, "
          f"arena {meta['arena_bytes']} B, weights {meta['weight_bytes']} B ({meta['weights']}), "
          f"{meta['kernels']} kernels")
    inputs = [tensor_spec(lib, model, i, True) for i in range(lib.agt_model_num_inputs(model))]
    outputs = [tensor_spec(lib, model, i, False) for i in range(lib.agt_model_num_outputs(model))]
    for name, dtype, shape in inputs:
        print(f"  input  {name} {DTYPE_NAMES[dtype]} {shape}")
    for name, dtype, shape in outputs:
        print(f"  output {name} {DTYPE_NAMES[dtype]} {shape}")
    sys.stdout.flush()

    rng = np.random.default_rng(args.seed)
    host_in = []
    for _, dtype, shape in inputs:
        values = rng.uniform(-1, 1, size=shape).astype(np.float32)
        if dtype == 2:
            host_in.append(np.ascontiguousarray((values.view(np.uint32) >> 16).astype(np.uint16)))
        else:
            host_in.append(np.ascontiguousarray(values.astype(DTYPES[dtype])))
    host_out = [np.empty(shape, dtype=DTYPES[dtype]) for _, dtype, shape in outputs]

    if lib.agt_model_load(model, args.device) != AGT_OK:
        print(f"cannot load the model on GPU {args.device}: {lib.agt_last_error().decode()}", file=sys.stderr)
        lib.agt_model_destroy(model)
        return 2
    in_ptrs = (ctypes.c_void_p * max(1, len(host_in)))(*[a.ctypes.data for a in host_in])
    out_ptrs = (ctypes.c_void_p * max(1, len(host_out)))(*[a.ctypes.data for a in host_out])
    if lib.agt_model_run_host(model, in_ptrs, out_ptrs) != AGT_OK:
        print(f"run failed: {lib.agt_last_error().decode()}", file=sys.stderr)
        lib.agt_model_destroy(model)
        return 2
    for (name, dtype, _), array in zip(outputs, host_out):
        flat = as_float(array, dtype).ravel()
        top = np.argsort(-flat, kind="stable")[: args.top]
        print(f"output {name} top {len(top)}: " + " ".join(f"[{int(i)}]={flat[i]:g}" for i in top))
    lib.agt_model_destroy(model)
    return 0


if __name__ == "__main__":
    sys.exit(main())

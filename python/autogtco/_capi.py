"""The artifact's C API (runtime/include/autogtco/runtime.h) bound with ctypes: every compiled model
exports the same agt_* functions, so one table of signatures serves them all. No compiled extension:
the .so is self-contained and ctypes releases the GIL around each call, so a run on one thread does
not hold up the others.
"""
from __future__ import annotations

import ctypes
import json
from dataclasses import dataclass
from typing import Any, Dict, List, Tuple

from .errors import error_for

API_VERSION = 1
MAX_RANK = 16

# agt_dtype codes -> the names the artifact's metadata uses.
DTYPE_NAMES: Dict[int, str] = {0: "f32", 1: "f16", 2: "bf16", 3: "i64", 4: "i32", 5: "i8", 6: "bool", 7: "u8"}
DTYPE_SIZES: Dict[str, int] = {"f32": 4, "f16": 2, "bf16": 2, "i64": 8, "i32": 4, "i8": 1, "bool": 1, "u8": 1}

_p = ctypes.c_void_p
_i = ctypes.c_int
_u64 = ctypes.c_uint64
_s = ctypes.c_char_p
_ptrs = ctypes.POINTER(ctypes.c_void_p)
_dims = ctypes.POINTER(ctypes.c_int64)

_SIGNATURES: Dict[str, Tuple[Any, List[Any]]] = {
    "agt_api_version": (_i, []),
    "agt_last_error": (_s, []),
    "agt_status_name": (_s, [_i]),
    "agt_model_open": (_i, [ctypes.POINTER(_p)]),
    "agt_model_load": (_i, [_p, _i]),
    "agt_model_destroy": (None, [_p]),
    "agt_model_num_inputs": (_i, [_p]),
    "agt_model_num_outputs": (_i, [_p]),
    "agt_model_input_name": (_s, [_p, _i]),
    "agt_model_output_name": (_s, [_p, _i]),
    "agt_model_input_dtype": (_i, [_p, _i]),
    "agt_model_output_dtype": (_i, [_p, _i]),
    "agt_model_input_shape": (_i, [_p, _i, _dims, _i]),
    "agt_model_output_shape": (_i, [_p, _i, _dims, _i]),
    "agt_model_input_bytes": (_u64, [_p, _i]),
    "agt_model_output_bytes": (_u64, [_p, _i]),
    "agt_model_metadata_json": (_s, [_p]),
    "agt_model_run": (_i, [_p, _p, _ptrs, _ptrs]),
    "agt_model_run_host": (_i, [_p, _ptrs, _ptrs]),
    "agt_model_bench": (_i, [_p, _i, _i, ctypes.POINTER(ctypes.c_float)]),
}


@dataclass(frozen=True)
class TensorSpec:
    """An input or output of a compiled model: its name, dtype ("f16", ...), shape and size in bytes."""

    name: str
    dtype: str
    shape: Tuple[int, ...]
    nbytes: int

    def __str__(self) -> str:
        return f"{self.name}: {self.dtype}{list(self.shape)}"


class Library:
    """One artifact .so opened with dlopen (RTLD_LOCAL) and its functions given their signatures."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.cdll = ctypes.CDLL(path, mode=ctypes.RTLD_LOCAL)
        for name, (restype, argtypes) in _SIGNATURES.items():
            fn = getattr(self.cdll, name)   # AttributeError: not an artifact
            fn.restype = restype
            fn.argtypes = argtypes
        version = self.cdll.agt_api_version()
        if version != API_VERSION:
            raise error_for(5, f"{path}: the artifact's C API is version {version}; this package speaks {API_VERSION}")
        self.run = self.cdll.agt_model_run
        self.run_host = self.cdll.agt_model_run_host

    def last_error(self) -> str:
        msg = self.cdll.agt_last_error()
        return msg.decode(errors="replace") if msg else ""

    def check(self, status: int, what: str) -> None:
        """Raises the exception of a failed call; agt_last_error() is per thread, so call it on the same one."""
        if status != 0:
            raise error_for(status, f"{what}: {self.last_error()}")

    def open_model(self) -> ctypes.c_void_p:
        handle = ctypes.c_void_p()
        self.check(self.cdll.agt_model_open(ctypes.byref(handle)), f"{self.path}: agt_model_open")
        return handle

    def tensors(self, handle: ctypes.c_void_p, is_input: bool) -> Tuple[TensorSpec, ...]:
        kind = "input" if is_input else "output"
        count = getattr(self.cdll, f"agt_model_num_{kind}s")(handle)
        name_fn = getattr(self.cdll, f"agt_model_{kind}_name")
        dtype_fn = getattr(self.cdll, f"agt_model_{kind}_dtype")
        shape_fn = getattr(self.cdll, f"agt_model_{kind}_shape")
        bytes_fn = getattr(self.cdll, f"agt_model_{kind}_bytes")
        specs = []
        for i in range(count):
            dims = (ctypes.c_int64 * MAX_RANK)()
            rank = shape_fn(handle, i, dims, MAX_RANK)
            code = dtype_fn(handle, i)
            if rank < 0 or rank > MAX_RANK or code not in DTYPE_NAMES:
                raise error_for(5, f"{self.path}: {kind} #{i} has rank {rank} and dtype code {code}")
            specs.append(TensorSpec(name_fn(handle, i).decode(), DTYPE_NAMES[code],
                                    tuple(int(dims[d]) for d in range(rank)), int(bytes_fn(handle, i))))
        return tuple(specs)

    def metadata(self, handle: ctypes.c_void_p) -> Dict[str, Any]:
        text = self.cdll.agt_model_metadata_json(handle)
        return dict(json.loads(text.decode())) if text else {}

    def bench(self, handle: ctypes.c_void_p, warmup: int, iters: int) -> List[float]:
        times = (ctypes.c_float * iters)()
        self.check(self.cdll.agt_model_bench(handle, warmup, iters, times), f"{self.path}: agt_model_bench")
        return [float(t) for t in times]


def pointer_array(n: int) -> Any:
    """A reusable void*[n] (at least one element: the C API takes a non-null array even for none)."""
    return (ctypes.c_void_p * max(1, n))()


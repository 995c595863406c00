"""What a run accepts and returns: torch tensors (CUDA: zero-copy; CPU: the host path), objects with
__cuda_array_interface__ (CuPy, Numba, JAX), DLPack objects, and numpy arrays (the host path). Each
input is checked against the model's TensorSpec (kind, dtype, shape, contiguity, device) and turned
into a Buffer: a pointer plus what it came from. torch, numpy and cupy are never imported here unless
the caller handed over one of their objects (or outputs must be allocated for a DLPack/CAI input), so
`import autogtco` and the metadata work without them.
"""
from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence, Tuple

from ._capi import TensorSpec

# A model dtype -> the spelling of each array library (bf16: ml_dtypes' bfloat16 or raw uint16 bits,
# since numpy and CuPy have no bf16 of their own).
TORCH_DTYPES: Dict[str, str] = {"f32": "float32", "f16": "float16", "bf16": "bfloat16", "i64": "int64",
                                "i32": "int32", "i8": "int8", "bool": "bool", "u8": "uint8"}
NUMPY_DTYPES: Dict[str, Tuple[str, ...]] = {
    "f32": ("float32",), "f16": ("float16",), "bf16": ("bfloat16", "uint16"), "i64": ("int64",),
    "i32": ("int32",), "i8": ("int8",), "bool": ("bool",), "u8": ("uint8",)}
CAI_TYPESTRS: Dict[str, Tuple[str, ...]] = {
    "f32": ("<f4",), "f16": ("<f2",), "bf16": ("<u2", "<V2", "|V2"), "i64": ("<i8",), "i32": ("<i4",),
    "i8": ("|i1", "<i1"), "bool": ("|b1", "<b1"), "u8": ("|u1", "<u1")}
KDL_CPU, KDL_CUDA, KDL_CUDA_HOST = 1, 2, 3


@dataclass
class Buffer:
    """One checked input or output: its address, where it lives, and the object it came from."""

    ptr: int
    on_device: bool
    family: str                  # "torch", "cupy", "cai" (any other __cuda_array_interface__), "numpy"
    obj: Any                     # returned to the caller (outputs) or kept alive (inputs)
    device_index: Optional[int]  # None where the object does not say (plain CAI, host arrays)
    stream: Optional[int] = None  # the stream a CAI producer declared its data valid on


def _torch() -> Any:
    return sys.modules.get("torch")


def _import(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _describe(x: Any) -> str:
    shape = getattr(x, "shape", None)
    dtype = getattr(x, "dtype", None)
    return f"{type(x).__module__}.{type(x).__qualname__}" + (f" {dtype}{list(shape)}" if shape is not None else "")


def _expect(spec: TensorSpec) -> str:
    return f"{spec.dtype} of shape {list(spec.shape)}"


def _check_shape(shape: Sequence[int], spec: TensorSpec, where: str) -> None:
    if tuple(int(d) for d in shape) != spec.shape:
        raise ValueError(f"{where}: expected shape {list(spec.shape)}, got {list(shape)}")


def _from_torch(x: Any, spec: TensorSpec, where: str, is_output: bool) -> Buffer:
    torch = _torch()
    want = getattr(torch, TORCH_DTYPES[spec.dtype])
    if x.dtype != want:
        raise TypeError(f"{where}: expected {_expect(spec)} (torch.{TORCH_DTYPES[spec.dtype]}), got {x.dtype}")
    _check_shape(x.shape, spec, where)
    kind = x.device.type
    if kind not in ("cuda", "cpu"):
        raise TypeError(f"{where}: a tensor on '{x.device}'; a run takes CUDA or CPU tensors")
    if not x.is_contiguous():
        if kind == "cuda" or is_output:
            raise ValueError(f"{where}: the tensor is not contiguous (zero-copy needs row-major memory: "
                             "call .contiguous())")
        x = x.contiguous()   # the host path copies anyway
    if kind == "cuda":
        return Buffer(x.data_ptr(), True, "torch", x, x.device.index if x.device.index is not None else 0)
    return Buffer(x.data_ptr(), False, "torch", x, None)


def _from_numpy(x: Any, spec: TensorSpec, where: str, is_output: bool) -> Buffer:
    if x.dtype.name not in NUMPY_DTYPES[spec.dtype]:
        raise TypeError(f"{where}: expected {_expect(spec)} (numpy {' or '.join(NUMPY_DTYPES[spec.dtype])}), "
                        f"got {x.dtype.name}")
    _check_shape(x.shape, spec, where)
    if is_output:
        if not (x.flags.c_contiguous and x.flags.writeable):
            raise ValueError(f"{where}: an output array must be C-contiguous and writeable")
    elif not x.flags.c_contiguous:
        x = sys.modules["numpy"].ascontiguousarray(x)
    return Buffer(int(x.ctypes.data), False, "numpy", x, None)


def _cai_contiguous(shape: Tuple[int, ...], strides: Optional[Sequence[int]], itemsize: int) -> bool:
    if strides is None:
        return True
    expected = itemsize
    for dim, stride in reversed(list(zip(shape, strides))):
        if dim > 1 and stride != expected:
            return False
        expected *= dim
    return True


def _from_cai(x: Any, spec: TensorSpec, where: str, family: str) -> Buffer:
    cai = x.__cuda_array_interface__
    typestr = str(cai.get("typestr", ""))
    if typestr not in CAI_TYPESTRS[spec.dtype]:
        raise TypeError(f"{where}: expected {_expect(spec)} (typestr {' or '.join(CAI_TYPESTRS[spec.dtype])}), "
                        f"got typestr '{typestr}'")
    shape = tuple(int(d) for d in cai.get("shape", ()))
    _check_shape(shape, spec, where)
    if cai.get("mask") is not None:
        raise ValueError(f"{where}: masked arrays are not supported")
    if not _cai_contiguous(shape, cai.get("strides"), int(typestr[2:])):
        raise ValueError(f"{where}: the array is not C-contiguous (zero-copy needs row-major memory)")
    data = cai.get("data")
    if not data or data[0] is None:
        raise ValueError(f"{where}: __cuda_array_interface__ has no data pointer")
    device_index = None
    if family == "cupy":
        device_index = int(x.device.id)
    stream = cai.get("stream")
    return Buffer(int(data[0]), True, family, x, device_index, None if stream is None else int(stream))


def _from_dlpack(x: Any, where: str) -> Any:
    """A DLPack object as an array this module reads: numpy for host memory, torch (else CuPy) for CUDA."""
    kind, _ = x.__dlpack_device__()
    if kind in (KDL_CPU, KDL_CUDA_HOST):
        np = _import("numpy")
        if np is None:
            raise TypeError(f"{where}: a DLPack array in host memory needs numpy")
        return np.from_dlpack(x)
    if kind == KDL_CUDA:
        for lib in ("torch", "cupy"):
            mod = _import(lib)
            if mod is not None:
                return mod.from_dlpack(x)   # torch: synchronised with its current stream by the protocol
        raise TypeError(f"{where}: a CUDA DLPack array needs torch or cupy installed to be read")
    raise TypeError(f"{where}: a DLPack array on device type {kind}; a run takes CUDA or host memory")


def as_buffer(x: Any, spec: TensorSpec, where: str, is_output: bool = False) -> Buffer:
    """Checks `x` against `spec` (TypeError for a wrong kind or dtype, ValueError for a wrong shape or
    layout) and returns its Buffer. Nothing is copied to or from the GPU here."""
    torch = _torch()
    if torch is not None and isinstance(x, torch.Tensor):
        return _from_torch(x, spec, where, is_output)
    np = sys.modules.get("numpy")
    if np is not None and isinstance(x, np.ndarray):
        return _from_numpy(x, spec, where, is_output)
    if hasattr(x, "__cuda_array_interface__"):
        return _from_cai(x, spec, where, "cupy" if type(x).__module__.startswith("cupy") else "cai")
    if not is_output and hasattr(x, "__dlpack__") and hasattr(x, "__dlpack_device__"):
        return as_buffer(_from_dlpack(x, where), spec, where)
    raise TypeError(f"{where}: expected {_expect(spec)} as a torch tensor, an object with "
                    f"__cuda_array_interface__ or __dlpack__, or a numpy array; got {_describe(x)}")


def allocate(spec: TensorSpec, family: str, on_device: bool, device_index: int) -> Buffer:
    """An output buffer of the inputs' kind: torch inputs give torch tensors, CuPy inputs CuPy arrays,
    numpy inputs numpy arrays; any other GPU input torch tensors (else CuPy arrays)."""
    where = f"output '{spec.name}'"
    if not on_device:
        if family == "torch":
            torch = _torch()
            t = torch.empty(spec.shape, dtype=getattr(torch, TORCH_DTYPES[spec.dtype]))
            return Buffer(t.data_ptr(), False, "torch", t, None)
        np = sys.modules["numpy"]
        dtype: Any = NUMPY_DTYPES[spec.dtype][0]
        if spec.dtype == "bf16":
            ml = _import("ml_dtypes")
            dtype = ml.bfloat16 if ml is not None else "uint16"
        a = np.empty(spec.shape, dtype=dtype)
        return Buffer(int(a.ctypes.data), False, "numpy", a, None)
    if family in ("torch", "cai"):
        torch = _torch() if family == "torch" else _import("torch")
        if torch is not None:
            t = torch.empty(spec.shape, dtype=getattr(torch, TORCH_DTYPES[spec.dtype]),
                            device=torch.device("cuda", device_index))
            return Buffer(t.data_ptr(), True, "torch", t, device_index)
    cupy = _import("cupy")
    if cupy is not None:
        with cupy.cuda.Device(device_index):   # bf16 as raw uint16 bits: CuPy has no bf16
            a = cupy.empty(spec.shape, dtype="uint16" if spec.dtype == "bf16" else NUMPY_DTYPES[spec.dtype][0])
        return Buffer(int(a.data.ptr), True, "cupy", a, device_index)
    raise TypeError(f"{where}: no library here allocates it ({spec.dtype}, GPU {device_index}): install torch "
                    "(or CuPy), or pass out= with your own buffers")


def stream_handle(stream: Any, family: str, device_index: int, declared: Optional[int]) -> int:
    """The CUstream a device run is enqueued on: `stream` when given (an int, a torch.cuda.Stream or a
    cupy Stream); else torch's current stream for torch tensors, CuPy's for CuPy arrays, and the stream
    a CAI producer declared (1: the legacy default stream, 2: the per-thread one) for others."""
    if stream is not None:
        if isinstance(stream, int):
            return stream
        for attr in ("cuda_stream", "ptr"):
            if hasattr(stream, attr):
                return int(getattr(stream, attr))
        raise TypeError(f"stream: expected an int CUstream, a torch.cuda.Stream or a cupy Stream, got {type(stream)}")
    if family == "torch":
        torch = _torch()
        raw = getattr(torch._C, "_cuda_getCurrentRawStream", None)
        if raw is not None:
            return int(raw(device_index))
        return int(torch.cuda.current_stream(device_index).cuda_stream)
    if family == "cupy":
        return int(sys.modules["cupy"].cuda.get_current_stream().ptr)
    if declared is None or declared == 1:
        return 0
    return declared

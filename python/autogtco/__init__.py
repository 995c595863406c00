"""AutoGTCO in Python: load a compiled vision transformer (.so) and run it on torch CUDA tensors,
CuPy/JAX arrays or numpy arrays; compile a torch module or an ONNX file into one.

    import autogtco
    m = autogtco.compile(model, (x,), precision="fp16")     # or autogtco.load("vit.so", device=0)
    y = m(x)                                                  # on torch's current stream, zero-copy

The artifact is self-contained: this package talks to its C API with ctypes (no compiled extension),
and carries the `autogtco` compiler binary for compile() and the `autogtco` command.
"""
from ._binary import binary_path
from ._capi import TensorSpec
from ._compile import compile
from ._version import __version__
from .errors import (ArtifactIOError, AutogtcoError, CompileError, CorruptArtifactError, CudaError, InternalError,
                     InvalidArgumentError, NoDeviceError, NoDriverError, NotLoadedError, OutOfMemoryError,
                     WrongArchError)
from .model import Model, load

__all__ = [
    "load", "compile", "Model", "TensorSpec", "binary_path", "__version__",
    "AutogtcoError", "InvalidArgumentError", "NoDriverError", "NoDeviceError", "WrongArchError",
    "CorruptArtifactError", "CudaError", "OutOfMemoryError", "ArtifactIOError", "NotLoadedError",
    "InternalError", "CompileError",
]

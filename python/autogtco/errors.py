"""The exceptions of the package: one class per status code of the artifact's C API
(runtime/include/autogtco/runtime.h), each carrying the code and the message agt_last_error() gave.

Checks made in Python before anything runs (an input of the wrong dtype, shape or kind) raise the
built-in TypeError and ValueError instead: they are the caller's mistakes, not the artifact's.
"""
from __future__ import annotations

from typing import Dict, Type

# agt_status codes, as the header numbers them (stable: new codes are only appended).
OK = 0
INVALID_ARGUMENT = 1
NO_DRIVER = 2
NO_DEVICE = 3
WRONG_ARCH = 4
CORRUPT_ARTIFACT = 5
CUDA = 6
OUT_OF_MEMORY = 7
IO = 8
NOT_LOADED = 9
INTERNAL = 10

STATUS_NAMES: Dict[int, str] = {
    OK: "AGT_OK", INVALID_ARGUMENT: "AGT_ERROR_INVALID_ARGUMENT", NO_DRIVER: "AGT_ERROR_NO_DRIVER",
    NO_DEVICE: "AGT_ERROR_NO_DEVICE", WRONG_ARCH: "AGT_ERROR_WRONG_ARCH",
    CORRUPT_ARTIFACT: "AGT_ERROR_CORRUPT_ARTIFACT", CUDA: "AGT_ERROR_CUDA",
    OUT_OF_MEMORY: "AGT_ERROR_OUT_OF_MEMORY", IO: "AGT_ERROR_IO", NOT_LOADED: "AGT_ERROR_NOT_LOADED",
    INTERNAL: "AGT_ERROR_INTERNAL",
}


class AutogtcoError(RuntimeError):
    """A failure reported by an artifact (its status code and agt_last_error()) or by the compiler."""

    status: int = INTERNAL

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status

    @property
    def status_name(self) -> str:
        return STATUS_NAMES.get(self.status, f"AGT_STATUS_{self.status}")


class InvalidArgumentError(AutogtcoError, ValueError):
    status = INVALID_ARGUMENT


class NoDriverError(AutogtcoError):
    """libcuda.so.1 could not be loaded or initialised: this machine has no usable NVIDIA driver."""

    status = NO_DRIVER


class NoDeviceError(AutogtcoError):
    status = NO_DEVICE


class WrongArchError(AutogtcoError):
    """The GPU's compute capability does not match the kernels the artifact carries."""

    status = WRONG_ARCH


class CorruptArtifactError(AutogtcoError):
    """Not an artifact, or a damaged one (bad magic, version or checksum, truncation)."""

    status = CORRUPT_ARTIFACT


class CudaError(AutogtcoError):
    status = CUDA


class OutOfMemoryError(AutogtcoError, MemoryError):
    status = OUT_OF_MEMORY


class ArtifactIOError(AutogtcoError, OSError):
    status = IO


class NotLoadedError(AutogtcoError):
    status = NOT_LOADED


class InternalError(AutogtcoError):
    status = INTERNAL


class CompileError(AutogtcoError):
    """`autogtco compile` failed; the message is its error line, `output` all it printed."""

    def __init__(self, message: str, returncode: int, output: str) -> None:
        super().__init__(message, INTERNAL)
        self.returncode = returncode
        self.output = output


_BY_STATUS: Dict[int, Type[AutogtcoError]] = {
    INVALID_ARGUMENT: InvalidArgumentError, NO_DRIVER: NoDriverError, NO_DEVICE: NoDeviceError,
    WRONG_ARCH: WrongArchError, CORRUPT_ARTIFACT: CorruptArtifactError, CUDA: CudaError,
    OUT_OF_MEMORY: OutOfMemoryError, IO: ArtifactIOError, NOT_LOADED: NotLoadedError, INTERNAL: InternalError,
}


def error_for(status: int, message: str) -> AutogtcoError:
    """The exception for a status code of the C API (AutogtcoError itself for a code this package does not know)."""
    cls = _BY_STATUS.get(status)
    if cls is None:
        return AutogtcoError(message, status)
    return cls(message)

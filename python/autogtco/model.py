"""A compiled model in Python: load() opens an artifact .so through its own C API (metadata needs no
GPU), and a Model runs it on torch CUDA tensors (zero-copy, on torch's current stream), on any object
with __cuda_array_interface__ or DLPack, or on numpy arrays (the host path, agt_model_run_host).

Every input is checked (kind, dtype, shape, layout, device) before anything runs; the upload to the
GPU happens at the first run (or load_device()), so that a model can be inspected on any machine.
Threads: runs of one model are serialised (they share its arena, as the C API documents); runs of
different models, and load()s, may go on in parallel.
"""
from __future__ import annotations

import os
import threading
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from . import _arrays
from ._capi import Library, TensorSpec, pointer_array
from ._verify import verify_code_file
from .errors import AutogtcoError, CorruptArtifactError

Inputs = Union[Mapping[str, Any], Sequence[Any]]


class Model:
    """A loaded artifact. Construct with autogtco.load()."""

    compile_log: Optional[str] = None   # what `autogtco compile` printed, for a model from autogtco.compile()

    def __init__(self, path: "os.PathLike[str] | str", device: int = 0, verify: bool = True) -> None:
        self.path = os.path.abspath(os.fspath(path))
        self.device = int(device)
        self._handle: Any = None
        self._lock = threading.Lock()
        self._loaded = False
        self._keepalive: List[Any] = []
        if not os.path.exists(self.path):
            raise FileNotFoundError(f"no artifact at {self.path}")
        if verify:
            verify_code_file(self.path)
        try:
            self._lib = Library(self.path)
        except (OSError, AttributeError) as e:
            raise CorruptArtifactError(f"{self.path}: not an AutoGTCO artifact ({e})") from None
        self._handle = self._lib.open_model()
        self.inputs: Tuple[TensorSpec, ...] = self._lib.tensors(self._handle, True)
        self.outputs: Tuple[TensorSpec, ...] = self._lib.tensors(self._handle, False)
        self._meta = self._lib.metadata(self._handle)
        self._in_ptrs = pointer_array(len(self.inputs))
        self._out_ptrs = pointer_array(len(self.outputs))

    # ---------------------------------------------------------------------------------- metadata
    @property
    def metadata(self) -> Dict[str, Any]:
        """agt_model_metadata_json as a dict (format version, model, precision, arch, sizes, counts, properties)."""
        return dict(self._meta)

    @property
    def name(self) -> str:
        return str(self._meta.get("model", ""))

    @property
    def precision(self) -> str:
        return str(self._meta.get("precision", ""))

    @property
    def arch(self) -> str:
        return str(self._meta.get("arch", ""))

    @property
    def compiler_version(self) -> str:
        return str(self._meta.get("compiler_version", ""))

    @property
    def weights_mode(self) -> str:
        return str(self._meta.get("weights", ""))

    @property
    def arena_bytes(self) -> int:
        return int(self._meta.get("arena_bytes", 0))

    @property
    def weight_bytes(self) -> int:
        return int(self._meta.get("weight_bytes", 0))

    @property
    def num_kernels(self) -> int:
        return int(self._meta.get("kernels", 0))

    @property
    def num_launches(self) -> int:
        return int(self._meta.get("launches", 0))

    @property
    def loaded(self) -> bool:
        """Whether the kernels and weights are on the GPU yet."""
        return self._loaded

    def __repr__(self) -> str:
        ins = ", ".join(str(s) for s in self.inputs)
        outs = ", ".join(str(s) for s in self.outputs)
        state = "loaded" if self._loaded else "not loaded"
        return (f"<autogtco.Model '{self.name}' {self.precision} {self.arch}: ({ins}) -> ({outs}); "
                f"{self.num_kernels} kernels, arena {self.arena_bytes} B; GPU {self.device}, {state}>")

    # ------------------------------------------------------------------------------- life cycle
    def load_device(self) -> None:
        """Uploads the kernels and weights to GPU `device` now (the first run does it otherwise).
        Raises NoDriverError, NoDeviceError, WrongArchError, ... from agt_model_load."""
        with self._lock:
            self._load_locked()

    def _load_locked(self) -> None:
        if self._handle is None:
            raise ValueError(f"{self.path}: the model is closed")
        if not self._loaded:
            self._lib.check(self._lib.cdll.agt_model_load(self._handle, self.device),
                            f"agt_model_load (GPU {self.device})")
            self._loaded = True

    def close(self) -> None:
        """Frees the device memory (waiting for the model's last run) and the model. Idempotent."""
        with self._lock:
            if self._handle is not None:
                self._lib.cdll.agt_model_destroy(self._handle)
                self._handle = None
                self._loaded = False
                self._keepalive = []

    def __enter__(self) -> "Model":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:   # interpreter shutdown: ctypes or the lock may be gone already
            pass

    # ------------------------------------------------------------------------------------- runs
    def __call__(self, *inputs: Any, out: Optional[Inputs] = None, stream: Any = None) -> Any:
        """Runs the model on its inputs in order; returns the output, or a tuple of them when there are
        several. GPU inputs run on torch's current stream (or `stream`) without synchronising: read the
        outputs on that stream, as any torch operation's."""
        results = self._execute(list(inputs), out, stream)
        return results[0] if len(results) == 1 else tuple(results)

    def run(self, inputs: Inputs, *, out: Optional[Inputs] = None, stream: Any = None) -> Dict[str, Any]:
        """Runs the model on {input name: array} (or a sequence in input order); returns {output name: array}."""
        if isinstance(inputs, Mapping):
            names = [s.name for s in self.inputs]
            unknown = sorted(set(inputs) - set(names))
            missing = [n for n in names if n not in inputs]
            if unknown or missing:
                raise TypeError(f"{self.name}: inputs are {names}" + (f"; unknown {unknown}" if unknown else "")
                                + (f"; missing {missing}" if missing else ""))
            args = [inputs[n] for n in names]
        else:
            args = list(inputs)
        results = self._execute(args, out, stream)
        return {spec.name: r for spec, r in zip(self.outputs, results)}

    def bench(self, iters: int = 100, warmup: int = 10) -> List[float]:
        """agt_model_bench: milliseconds of `iters` graph replays (CUDA events, internal stream) on the
        inputs of the last run, the C API's own time per run without Python."""
        if iters < 1 or warmup < 0:
            raise ValueError("bench needs iters >= 1 and warmup >= 0")
        with self._lock:
            self._load_locked()
            return self._lib.bench(self._handle, warmup, iters)

    def _check_inputs(self, args: List[Any]) -> List[_arrays.Buffer]:
        if len(args) != len(self.inputs):
            raise TypeError(f"{self.name} takes {len(self.inputs)} input(s) "
                            f"({', '.join(str(s) for s in self.inputs)}), got {len(args)}")
        return [_arrays.as_buffer(x, spec, f"input '{spec.name}' (#{i})")
                for i, (x, spec) in enumerate(zip(args, self.inputs))]

    def _check_out(self, out: Inputs) -> List[_arrays.Buffer]:
        if isinstance(out, Mapping):
            names = [s.name for s in self.outputs]
            if set(out) != set(names):
                raise TypeError(f"out: the model's outputs are {names}, got {sorted(out)}")
            items = [out[n] for n in names]
        else:
            items = list(out)
            if len(items) != len(self.outputs):
                raise TypeError(f"out: the model has {len(self.outputs)} output(s), got {len(items)}")
        return [_arrays.as_buffer(x, spec, f"output '{spec.name}' (#{i})", is_output=True)
                for i, (x, spec) in enumerate(zip(items, self.outputs))]

    def _execute(self, args: List[Any], out: Optional[Inputs], stream: Any) -> List[Any]:
        ins = self._check_inputs(args)
        outs = self._check_out(out) if out is not None else []
        where = {b.on_device for b in ins + outs}
        if len(where) > 1:
            raise TypeError("inputs and outputs mix host arrays with GPU memory: all must be on the GPU "
                            "(zero-copy) or all on the host (numpy, CPU tensors)")
        on_device = where.pop() if where else stream is not None
        for b in ins + outs:
            if b.device_index is not None and b.device_index != self.device:
                raise ValueError(f"{self.name} is loaded for GPU {self.device}, but an array is on GPU {b.device_index}")
        family = ins[0].family if ins else (outs[0].family if outs else ("torch" if on_device else "numpy"))
        self.load_device()   # before allocating: no driver is NoDriverError, not the array library's error
        if out is None:
            outs = [_arrays.allocate(spec, family, on_device, self.device) for spec in self.outputs]
        if not on_device:
            return self._run_host(ins, outs)
        return self._run_device(ins, outs, family, stream)

    def _run_host(self, ins: List[_arrays.Buffer], outs: List[_arrays.Buffer]) -> List[Any]:
        with self._lock:
            self._load_locked()
            for i, b in enumerate(ins):
                self._in_ptrs[i] = b.ptr
            for i, b in enumerate(outs):
                self._out_ptrs[i] = b.ptr
            self._lib.check(self._lib.run_host(self._handle, self._in_ptrs, self._out_ptrs),
                            f"{self.path}: agt_model_run_host")
        return [b.obj for b in outs]

    def _run_device(self, ins: List[_arrays.Buffer], outs: List[_arrays.Buffer], family: str, stream: Any) -> List[Any]:
        declared = next((b.stream for b in ins if b.stream is not None), None)
        handle = _arrays.stream_handle(stream, family, self.device, declared)
        with self._lock:
            self._load_locked()
            for i, b in enumerate(ins):
                self._in_ptrs[i] = b.ptr
            for i, b in enumerate(outs):
                self._out_ptrs[i] = b.ptr
            self._lib.check(self._lib.run(self._handle, handle, self._in_ptrs, self._out_ptrs),
                            f"{self.path}: agt_model_run")
            # Inputs converted here (from DLPack) stay referenced until the next run: the copy into the
            # arena is still queued on the stream when this returns.
            self._keepalive = [b.obj for b in ins]
        if family != "torch" and stream is None:
            _record_torch_outputs(outs, handle, self.device)
        return [b.obj for b in outs]


def _record_torch_outputs(outs: List[_arrays.Buffer], handle: int, device: int) -> None:
    """torch-allocated outputs written on another stream than torch's current one (a CAI producer's):
    tell torch's caching allocator, so that it does not hand the memory out while the run is queued."""
    import sys
    torch = sys.modules.get("torch")
    if torch is None or not any(b.family == "torch" for b in outs):
        return
    current = int(torch.cuda.current_stream(device).cuda_stream)
    if handle == current:
        return
    ext = torch.cuda.ExternalStream(handle, device=torch.device("cuda", device))
    for b in outs:
        if b.family == "torch":
            b.obj.record_stream(ext)


def load(path: "os.PathLike[str] | str", device: int = 0, *, verify: bool = True) -> Model:
    """Opens a compiled artifact (no GPU needed: metadata, inputs and outputs are there at once); the
    upload to GPU `device` happens at the first run or load_device(). `verify` checks the runtime code
    before dlopen (a damaged .so would crash the process inside the dynamic loader)."""
    return Model(path, device, verify)


__all__ = ["Model", "load", "AutogtcoError"]

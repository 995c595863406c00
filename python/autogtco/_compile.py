"""autogtco.compile(): a torch module (exported with torch.onnx.export) or an ONNX file through the
`autogtco compile` binary, with the CLI's flags as keyword arguments, its progress shown, and the
artifact returned loaded. One place turns the arguments into the command line (cli_args), so that
what runs is exactly what a user would type.
"""
from __future__ import annotations

import importlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from ._binary import binary_env, binary_path
from .errors import CompileError
from .model import Model

PathLike = Union[str, "os.PathLike[str]"]
PRECISIONS = ("fp32", "tf32", "fp16", "bf16")
EXPORTERS = ("dynamo", "torchscript")
WEIGHTS = ("embedded", "external")
# compile --tune's budget and search flags (cli/cmd_tune.cpp, AddTuneBudgetOptions).
TUNE_OPTIONS = ("trials", "time_budget", "seed", "batch", "repeats", "timeout", "max_replans", "population")
Tune = Union[None, bool, int, str, Mapping[str, Any]]


def _tune_args(tune: Tune) -> List[str]:
    """tune: None/False (no tuning), True (the CLI's default budget), an int (--trials N), a str
    (--time-budget, "20m"), or a mapping of TUNE_OPTIONS ({"time_budget": "90s", "seed": 1})."""
    if tune is None or tune is False:
        return []
    if tune is True:
        return ["--tune"]
    if isinstance(tune, int):
        return ["--tune", "--trials", str(tune)]
    if isinstance(tune, str):
        return ["--tune", "--time-budget", tune]
    if isinstance(tune, Mapping):
        unknown = sorted(set(tune) - set(TUNE_OPTIONS))
        if unknown:
            raise ValueError(f"tune: unknown option(s) {unknown}; known: {list(TUNE_OPTIONS)}")
        args = ["--tune"]
        for key in TUNE_OPTIONS:
            if key in tune:
                args += ["--" + key.replace("_", "-"), str(tune[key])]
        return args
    raise TypeError(f"tune: expected None, a bool, an int (trials), a str (time budget) or a mapping, got {type(tune)}")


def cli_args(onnx: PathLike, output: PathLike, *, precision: str = "fp16", tuning_log: Optional[PathLike] = None,
             tune: Tune = None, arch: Optional[str] = None, input_shapes: Optional[Mapping[str, Sequence[int]]] = None,
             weights: Optional[str] = None, cost_model: Optional[str] = None, jobs: Optional[int] = None,
             nvrtc_cache: Optional[PathLike] = None, dump_kernels: Optional[PathLike] = None,
             max_group_size: Optional[int] = None, fold_layer_norm: bool = False, verbose: bool = False,
             extra_args: Sequence[str] = ()) -> List[str]:
    """The arguments of `autogtco compile` for these options (checked here, before anything runs)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if weights is not None and weights not in WEIGHTS:
        raise ValueError(f"weights must be one of {WEIGHTS}, got {weights!r}")
    args = (["-v"] if verbose else []) + ["compile", os.fspath(onnx), "-o", os.fspath(output), "--precision", precision]
    tune_flags = _tune_args(tune)
    if tune_flags and tuning_log is None:
        raise ValueError("tune needs tuning_log: the log it appends to (and resumes from), then compiles from")
    if arch is not None:
        args += ["--arch", arch]
    for name, shape in (input_shapes or {}).items():
        args += ["--input-shape", f"{name}={'x'.join(str(int(d)) for d in shape)}"]
    if max_group_size is not None:
        args += ["--max-group-size", str(int(max_group_size))]
    if fold_layer_norm:
        args += ["--fold-layer-norm"]
    if tuning_log is not None:
        args += ["--tuning-log", os.fspath(tuning_log)]
    if cost_model is not None:
        args += ["--cost-model", cost_model]
    if weights is not None:
        args += ["--weights", weights]
    if jobs is not None:
        args += ["-j", str(int(jobs))]
    if nvrtc_cache is not None:
        args += ["--nvrtc-cache", os.fspath(nvrtc_cache)]
    if dump_kernels is not None:
        args += ["--dump-kernels", os.fspath(dump_kernels)]
    return args + tune_flags + list(extra_args)


def run_cli(args: Sequence[str], progress: bool = True) -> str:
    """Runs the binary; its output goes to sys.stderr as it comes when `progress`. Returns what it
    printed; CompileError (with its `error:` line) when it fails."""
    binary = binary_path()
    lines: List[str] = []
    with subprocess.Popen([binary, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace", env=binary_env(binary)) as proc:
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.append(line)
                if progress:
                    sys.stderr.write(line)
                    sys.stderr.flush()
            rc = proc.wait()
        except BaseException:   # Ctrl-C included: the compiler goes with us
            proc.kill()
            raise
    text = "".join(lines)
    if rc != 0:
        errors = [ln.strip() for ln in lines if ln.startswith("error")]
        why = errors[-1] if errors else (lines[-1].strip() if lines else f"exit code {rc}")
        command = next((a for a in args if not a.startswith("-")), "")
        raise CompileError(f"autogtco {command} failed: {why}", rc, text)
    return text


def export_onnx(module: Any, example_inputs: Any, path: PathLike, exporter: str = "dynamo",
                opset: Optional[int] = None) -> None:
    """torch.onnx.export of `module` (in eval mode, without autograd) on `example_inputs` (a tensor or
    a tuple of them) into `path`, the weights inside unless they pass ~1.8 GB (ONNX's 2 GB limit)."""
    if exporter not in EXPORTERS:
        raise ValueError(f"exporter must be one of {EXPORTERS}, got {exporter!r}")
    try:
        torch = importlib.import_module("torch")
    except ImportError as e:
        raise ImportError("compiling a torch module needs torch (pip install torch onnxscript)") from e
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"expected a torch.nn.Module or the path of an .onnx file, got {type(module)}")
    if example_inputs is None:
        raise ValueError("compiling a torch module needs example_inputs (a tensor or a tuple of them)")
    args = tuple(example_inputs) if isinstance(example_inputs, (tuple, list)) else (example_inputs,)
    size = sum(t.numel() * t.element_size() for t in list(module.parameters()) + list(module.buffers()))
    training = module.training
    module.eval()
    try:
        with torch.no_grad():
            if exporter == "dynamo":
                kwargs: Dict[str, Any] = {"dynamo": True, "external_data": size > 1_800_000_000}
                if opset is not None:
                    kwargs["opset_version"] = opset
                torch.onnx.export(module, args, os.fspath(path), **kwargs)
            else:
                torch.onnx.export(module, args, os.fspath(path), dynamo=False, opset_version=opset or 17,
                                  do_constant_folding=True)
    finally:
        module.train(training)


def compile(model: Any, example_inputs: Any = None, *, precision: str = "fp16",
            tuning_log: Optional[PathLike] = None, tune: Tune = None, exporter: str = "dynamo",
            output: Optional[PathLike] = None, arch: Optional[str] = None,
            input_shapes: Optional[Mapping[str, Sequence[int]]] = None, weights: Optional[str] = None,
            cost_model: Optional[str] = None, jobs: Optional[int] = None, nvrtc_cache: Optional[PathLike] = None,
            dump_kernels: Optional[PathLike] = None, max_group_size: Optional[int] = None,
            fold_layer_norm: bool = False, opset: Optional[int] = None, onnx_path: Optional[PathLike] = None, extra_args: Sequence[str] = (),
            progress: bool = True, device: int = 0) -> Model:
    """Compiles `model` (a torch.nn.Module, or the path of an .onnx file) into an artifact and loads it.

    A module is exported first (torch.onnx.export with `exporter`, "dynamo" or "torchscript", on
    `example_inputs`) into `onnx_path` (default: a temporary file, removed afterwards). The artifact
    goes to `output` (default: beside an .onnx file as NAME.so; for a module, a new temporary folder).
    The other keywords are `autogtco compile`'s flags: precision, tuning_log, tune (True, trials as an
    int, a time budget as "20m", or a mapping of TUNE_OPTIONS; tunes on this machine's GPU first),
    arch, input_shapes ({name: shape}), weights, cost_model, jobs, nvrtc_cache, dump_kernels,
    max_group_size, fold_layer_norm; extra_args are appended as they are. The compiler's progress is shown on stderr
    (progress=False: only on failure, in the CompileError). Returns autogtco.load(output, device).
    """
    if isinstance(model, (str, os.PathLike)):
        onnx = Path(model)
        if not onnx.is_file():
            raise FileNotFoundError(f"no ONNX file at {onnx}")
        out = Path(output) if output is not None else onnx.with_suffix(".so")
        args = cli_args(onnx, out, precision=precision, tuning_log=tuning_log, tune=tune, arch=arch,
                        input_shapes=input_shapes, weights=weights, cost_model=cost_model, jobs=jobs,
                        nvrtc_cache=nvrtc_cache, dump_kernels=dump_kernels, max_group_size=max_group_size,
                        fold_layer_norm=fold_layer_norm, verbose=progress, extra_args=extra_args)
        text = run_cli(args, progress)
    else:
        name = type(model).__name__.lower() or "model"
        out = Path(output) if output is not None else Path(tempfile.mkdtemp(prefix="autogtco-")) / f"{name}.so"
        with tempfile.TemporaryDirectory(prefix="autogtco-onnx-") as tmp:
            onnx = Path(onnx_path) if onnx_path is not None else Path(tmp) / f"{name}.onnx"
            # The flags are checked before the (slow) export.
            args = cli_args(onnx, out, precision=precision, tuning_log=tuning_log, tune=tune, arch=arch,
                            input_shapes=input_shapes, weights=weights, cost_model=cost_model, jobs=jobs,
                            nvrtc_cache=nvrtc_cache, dump_kernels=dump_kernels, max_group_size=max_group_size,
                            fold_layer_norm=fold_layer_norm, verbose=progress, extra_args=extra_args)
            export_onnx(model, example_inputs, onnx, exporter, opset)
            text = run_cli(args, progress)
    m = Model(out, device)
    m.compile_log = text
    return m

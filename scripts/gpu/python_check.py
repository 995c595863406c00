#!/usr/bin/env python3
"""The Python package (python/autogtco) on a GPU (remote.sh `python`): ViT-B, tiny and full-size, built
in PyTorch (models/torch/zoo_torch.py, random weights), compiled by autogtco.compile (torch.onnx.export,
then the autogtco binary), and run from torch CUDA tensors. For each model it checks:

  run       m(x) gives a torch tensor of the output's dtype and shape on the input's GPU
  cli       the same bytes as `autogtco run --input` on the same input (bitwise; else within fp16 tolerance)
  host      the numpy path gives the same bytes
  torch     within tolerance of PyTorch's fp32 forward (relative L2)
  nosync    m(x) returns while a long kernel is still pending on the stream (no synchronisation inside)
  stream    on a side stream, behind a long kernel and the copy that writes the input, the outputs read
            after only a stream wait are right; the same run sent to another stream (stream=) is wrong,
            which shows the check can tell
  cai,dlpack  the same bytes from objects that offer only __cuda_array_interface__ / __dlpack__
  threads   4 threads on their own streams, 10 runs each on their own inputs: each result bitwise right
and times, per call: `autogtco bench` (the C API's graph replays, CUDA events), Model.bench (the same
in this process), m(x) back to back (CUDA events around the loop: the GPU-side time per call, and the
host time to issue one), m(x, out=...) and the bare ctypes call, so the Python overhead shows against the
C API's own time.

    python3 scripts/gpu/python_check.py [--models tiny full] [--artifact PATH ...] [--exporter dynamo]
        [--tuning-log FILE] [--iters 300] [--out DIR] [--installed]
--artifact: a given .so instead (every check but `torch`). --installed: the autogtco importable as
installed (a wheel) instead of this checkout's python/. Exit code 0 when every check passed.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
FP16_RTOL = 2e-2   # relative L2, as `autogtco run --compare` is used for fp16 artifacts


class Report:
    def __init__(self) -> None:
        self.checks: List[Dict[str, Any]] = []
        self.timings: List[Dict[str, Any]] = []

    def check(self, model: str, name: str, ok: bool, detail: str) -> bool:
        self.checks.append({"model": model, "check": name, "ok": bool(ok), "detail": detail})
        print(f"  {'PASS' if ok else 'FAIL'} {name:<8} {detail}", flush=True)
        return ok


def rel_l2(a: np.ndarray, b: np.ndarray) -> float:
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    return float(np.linalg.norm(a64 - b64)) / max(float(np.linalg.norm(b64)), 1e-30)


def same(a: np.ndarray, b: np.ndarray) -> Tuple[bool, str]:
    """Bitwise, else within fp16 tolerance: (ok, how)."""
    if a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes():
        return True, "bitwise equal"
    if a.shape != b.shape:
        return False, f"shapes {a.shape} vs {b.shape}"
    err = rel_l2(a, b)
    return err <= FP16_RTOL, f"not bitwise: relative L2 {err:.2e}, max |diff| {np.abs(a.astype(np.float64) - b).max():.3e}"


def first(out: Any) -> Any:
    """The first output of m(...): the result itself for one output, else the tuple's first."""
    return out[0] if isinstance(out, tuple) else out


def raw(t: torch.Tensor) -> np.ndarray:
    """A tensor's bytes as numpy (bf16 as its raw uint16 bits, as the host path returns it without ml_dtypes)."""
    return t.view(torch.int16).cpu().numpy().view(np.uint16) if t.dtype == torch.bfloat16 else t.cpu().numpy()


def output_file(name: str) -> str:
    """cli/cmd_run.cpp's FileNameFor: the .npy file `autogtco run` writes an output to."""
    s = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    return ("_" + s if not s or s[0] == "." else s) + ".npy"


def sleep_cycles_per_ms() -> float:
    torch.cuda.synchronize()
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    s.record()
    torch.cuda._sleep(20_000_000)
    e.record()
    e.synchronize()
    return 20_000_000 / max(s.elapsed_time(e), 1e-3)


def random_input(spec: Any, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    t = torch.randn(spec.shape, generator=g)
    dtype = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}.get(spec.dtype)
    if dtype is None:
        t = torch.randint(0, 10, spec.shape, generator=g).to({"i64": torch.int64, "i32": torch.int32}[spec.dtype])
        return t.cuda()
    return t.to(dtype).cuda()


def check_model(autogtco: Any, tag: str, m: Any, module: Optional[torch.nn.Module], rep: Report,
                work: Path, iters: int, cycles_per_ms: float) -> None:
    print(f"== {tag}: {m!r}", flush=True)
    if len(m.inputs) != 1:
        rep.check(tag, "run", False, f"{len(m.inputs)} inputs: this script feeds one")
        return
    x = random_input(m.inputs[0], 0)
    y = first(m(x))
    spec = m.outputs[0]
    torch.cuda.synchronize()
    ok_meta = (tuple(y.shape) == spec.shape and y.device == x.device and
               str(y.dtype) == "torch." + {"f32": "float32", "f16": "float16", "bf16": "bfloat16"}.get(spec.dtype, "?"))
    rep.check(tag, "run", ok_meta, f"{spec.name}: {y.dtype}{list(y.shape)} on {y.device}")
    y_np = raw(y)

    # The CLI on the same input.
    np.save(work / f"{tag}-input.npy", x.cpu().numpy())
    binary = autogtco.binary_path()
    from autogtco._binary import binary_env
    r = subprocess.run([binary, "run", m.path, "--input", f"{m.inputs[0].name}={work / f'{tag}-input.npy'}",
                        "--out-dir", str(work / f"{tag}-cli")], capture_output=True, text=True, env=binary_env(binary))
    if r.returncode != 0:
        rep.check(tag, "cli", False, f"autogtco run failed: {r.stderr.strip()[-300:]}")
    else:
        ok, how = same(y_np, np.load(work / f"{tag}-cli" / output_file(spec.name)))
        rep.check(tag, "cli", ok, f"vs `autogtco run`: {how}")

    host0 = np.asarray(first(m(raw(x))))
    ok, how = same(host0.view(y_np.dtype), y_np)
    rep.check(tag, "host", ok, f"numpy path vs torch path: {how}")

    if module is not None:
        with torch.no_grad():
            ref = module(x)
        ref = ref if isinstance(ref, torch.Tensor) else ref[0]
        err = rel_l2(y.float().cpu().numpy(), ref.float().cpu().numpy())
        rep.check(tag, "torch", err <= FP16_RTOL, f"vs PyTorch fp32: relative L2 {err:.2e} (tolerance {FP16_RTOL:g})")

    # No synchronisation inside: the call returns while a 200 ms kernel is still ahead of it.
    torch.cuda.synchronize()
    torch.cuda._sleep(int(200 * cycles_per_ms))
    t0 = time.perf_counter()
    y_ns = first(m(x))
    host_ms = (time.perf_counter() - t0) * 1e3
    pending = not torch.cuda.current_stream().query()
    got = y_ns.cpu()
    rep.check(tag, "nosync", host_ms < 50 and pending and torch.equal(got, y.cpu()),
              f"m(x) returned in {host_ms:.2f} ms behind a 200 ms kernel (still pending: {pending}); result right")

    # The stream test: input written on a side stream behind a long kernel, the run on that stream.
    def side_stream_run(stream_arg: Any) -> torch.Tensor:
        torch.cuda.synchronize()
        s = torch.cuda.Stream()
        xin = torch.zeros_like(x)
        with torch.cuda.stream(s):
            torch.cuda._sleep(int(100 * cycles_per_ms))
            xin.copy_(x)
            out = m(xin, stream=stream_arg)
        torch.cuda.current_stream().wait_stream(s)   # the only ordering: no synchronize
        result = first(out).cpu()
        torch.cuda.synchronize()
        return result

    right = torch.equal(side_stream_run(None), y.cpu())
    control = not torch.equal(side_stream_run(torch.cuda.Stream()), y.cpu())
    rep.check(tag, "stream", right and control,
              f"on torch's current (side) stream: {'right' if right else 'WRONG'}; the same run on another "
              f"stream: {'wrong, as it must be' if control else 'right (the check cannot tell streams apart)'}")

    class Cai:
        def __init__(self, t: torch.Tensor) -> None:
            self.t, self.__cuda_array_interface__ = t, t.__cuda_array_interface__

    class DLPack:
        def __init__(self, t: torch.Tensor) -> None:
            self.t = t

        def __dlpack__(self, *args: Any, **kwargs: Any) -> Any:
            return self.t.__dlpack__(*args, **kwargs)

        def __dlpack_device__(self) -> Any:
            return self.t.__dlpack_device__()

    for name, wrapped in (("cai", Cai(x)), ("dlpack", DLPack(x))):
        try:
            out = m(wrapped)
            torch.cuda.synchronize()
            out0 = first(out)
            rep.check(tag, name, torch.equal(out0.cpu(), y.cpu()), f"{type(out0).__name__} outputs, same bytes")
        except Exception as e:   # reported, not fatal
            rep.check(tag, name, False, f"{type(e).__name__}: {e}")

    # Threads, each on its own stream and inputs.
    xs = [random_input(m.inputs[0], 100 + i) for i in range(4)]
    refs = []
    for xi in xs:
        refs.append(first(m(xi)).clone())
    torch.cuda.synchronize()
    wrong: List[str] = []

    def worker(i: int) -> None:
        s = torch.cuda.Stream()
        with torch.cuda.stream(s):
            for k in range(10):
                out = first(m(xs[i]))
                s.synchronize()
                if not torch.equal(out, refs[i]):
                    wrong.append(f"thread {i} run {k}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rep.check(tag, "threads", not wrong, "4 threads x 10 runs on their own streams: " + (", ".join(wrong[:4]) or "all right"))

    time_model(autogtco, tag, m, x, rep, iters)


def time_model(autogtco: Any, tag: str, m: Any, x: torch.Tensor, rep: Report, iters: int) -> None:
    binary = autogtco.binary_path()
    from autogtco._binary import binary_env
    r = subprocess.run([binary, "bench", m.path, "--iters", str(iters), "--warmup", "30"], capture_output=True,
                       text=True, env=binary_env(binary))
    found = re.search(r"median ([0-9.]+) ms", r.stdout)
    cli_ms = float(found.group(1)) if found else float("nan")
    c_ms = statistics.median(m.bench(iters, 30))

    def loop(call: Any) -> Tuple[float, float]:
        for _ in range(30):
            call()
        torch.cuda.synchronize()
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        t0 = time.perf_counter()
        for _ in range(iters):
            call()
        host_us = (time.perf_counter() - t0) / iters * 1e6
        e.record()
        e.synchronize()
        return s.elapsed_time(e) / iters, host_us

    y = m(x)
    out = [y] if isinstance(y, torch.Tensor) else list(y)
    py_ms, py_us = loop(lambda: m(x))
    out_ms, out_us = loop(lambda: m(x, out=out))
    # The floor: agt_model_run through ctypes with the pointer arrays filled once.
    lib, handle = m._lib, m._handle
    ins, outs = m._in_ptrs, m._out_ptrs
    ins[0], outs[0] = x.data_ptr(), out[0].data_ptr()
    stream = torch.cuda.current_stream().cuda_stream
    raw_ms, raw_us = loop(lambda: lib.run(handle, stream, ins, outs))
    row = {"model": tag, "autogtco_bench_ms": cli_ms, "model_bench_ms": c_ms, "python_call_ms": py_ms,
           "python_call_host_us": py_us, "python_out_ms": out_ms, "python_out_host_us": out_us,
           "ctypes_run_ms": raw_ms, "ctypes_run_host_us": raw_us, "iters": iters}
    rep.timings.append(row)
    print(f"  time     autogtco bench {cli_ms:.4f} ms | Model.bench {c_ms:.4f} ms | m(x) {py_ms:.4f} ms/call on the GPU, "
          f"{py_us:.1f} us host | m(x, out=) {out_ms:.4f} ms, {out_us:.1f} us | bare agt_model_run {raw_ms:.4f} ms, "
          f"{raw_us:.1f} us | overhead m(x) - autogtco bench {1e3 * (py_ms - cli_ms):+.1f} us", flush=True)


def compile_vit(autogtco: Any, tiny: bool, args: argparse.Namespace, work: Path) -> Tuple[str, Any, torch.nn.Module]:
    sys.path.insert(0, str(ROOT / "models" / "torch"))
    import zoo_torch
    module, shape, _ = zoo_torch.build("vit-base-16", tiny=tiny)
    log = args.tuning_log
    if log is None and not tiny and (ROOT / "models/tuning/h100/vit-base-16.jsonl").exists():
        log = str(ROOT / "models/tuning/h100/vit-base-16.jsonl")
    tag = "vit-b-tiny" if tiny else "vit-b"
    t0 = time.time()
    m = autogtco.compile(module, torch.randn(shape), precision="fp16", exporter=args.exporter,
                         output=work / f"{tag}.so", tuning_log=log, nvrtc_cache=args.nvrtc_cache,
                         progress=args.verbose)
    lines = [ln.strip() for ln in (m.compile_log or "").splitlines() if re.match(r"\s*(compiled|programs|time) ", ln)]
    print(f"compile {tag} ({args.exporter} export{', log ' + Path(log).name if log else ''}): {time.time() - t0:.1f} s; "
          + " | ".join(lines), flush=True)
    return tag, m, module.cuda().eval()


def guarded(rep: Report, tag: str, fn: Any) -> None:
    """Runs one model's checks; an exception fails that model, and the others still run."""
    try:
        fn()
    except Exception:
        rep.check(tag, "error", False, traceback.format_exc(limit=4).strip().replace("\n", " | "))
        torch.cuda.synchronize()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="*", default=["tiny", "full"], choices=["tiny", "full"])
    ap.add_argument("--artifact", action="append", default=[], help="a compiled .so to check as well")
    ap.add_argument("--exporter", default="dynamo", choices=["dynamo", "torchscript"])
    ap.add_argument("--tuning-log", default=None, help="for the full-size model (default: the committed ViT-B log)")
    ap.add_argument("--nvrtc-cache", default="/tmp/agt-nvrtc-cache")
    ap.add_argument("--iters", type=int, default=300)
    ap.add_argument("--out", default=None, help="folder for the artifacts and python_check.json")
    ap.add_argument("--installed", action="store_true", help="import autogtco as installed, not from python/")
    ap.add_argument("--verbose", action="store_true", help="show the compiler's progress")
    args = ap.parse_args()
    if not args.installed:
        sys.path.insert(0, str(ROOT / "python"))
    import autogtco

    work = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="agt-pycheck-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"{torch.cuda.get_device_name(0)}, torch {torch.__version__}, autogtco {autogtco.__version__} "
          f"from {Path(autogtco.__file__).parent}, binary {autogtco.binary_path()}", flush=True)
    rep = Report()
    cycles = sleep_cycles_per_ms()
    for which in args.models:
        try:
            tag, m, module = compile_vit(autogtco, which == "tiny", args, work)
        except Exception as e:
            rep.check(which, "compile", False, f"{type(e).__name__}: {str(e)[-400:]}")
            continue
        guarded(rep, tag, lambda: check_model(autogtco, tag, m, module, rep, work, args.iters, cycles))
        m.close()
    for path in args.artifact:
        with autogtco.load(path) as m:
            guarded(rep, Path(path).stem, lambda: check_model(autogtco, Path(path).stem, m, None, rep, work,
                                                              args.iters, cycles))
    failed = [c for c in rep.checks if not c["ok"]]
    (work / "python_check.json").write_text(json.dumps({"checks": rep.checks, "timings": rep.timings}, indent=2) + "\n")
    print(f"{len(rep.checks) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

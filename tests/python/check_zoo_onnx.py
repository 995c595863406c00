#!/usr/bin/env python3
"""The zoo's ONNX as other tools see it: every tiny zoo model (and one written with external data)
passes onnx.checker (full check, with shape inference), its inferred output shapes match the declared
ones, and onnxruntime (CPU) runs it with finite outputs that depend on the input (random weights that
make every input look alike would hide bugs from the numerical tests downstream). Where the binary
has the `run` command, the frontend + reference interpreter must also agree with onnxruntime on each
output (relative L2 error < 1e-5, issue 3's bar).

Usage: check_zoo_onnx.py PATH/TO/autogtco
"""
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

MODELS = ["vit-base-16", "vit-large-16", "vit-huge-14", "setr-naive-base", "setr-naive", "setr-pup",
          "detr-resnet50-e3", "detr-resnet50-e6", "detr-resnet50-e12"]


def declared_shapes(graph):
    return {o.name: [d.dim_value for d in o.type.tensor_type.shape.dim] for o in graph.output}


def check(path: Path, binary: str, interpreter: bool) -> list:
    errors = []
    model = onnx.load(str(path))   # loads external data too, from the model's folder
    onnx.checker.check_model(model, full_check=True)
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True, data_prop=True)
    if declared_shapes(inferred.graph) != declared_shapes(model.graph):
        errors.append(f"{path.name}: inferred output shapes {declared_shapes(inferred.graph)} "
                      f"!= declared {declared_shapes(model.graph)}")
    if model.ir_version != 8 or model.opset_import[0].version != 17:
        errors.append(f"{path.name}: ir_version {model.ir_version}, opset {model.opset_import[0].version}")
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    runs = []
    for seed in (0, 1):
        x = np.random.default_rng(seed).standard_normal(inp.shape).astype(np.float32)
        runs.append(sess.run(None, {inp.name: x}))
        if seed == 0:
            x0 = x
    for meta, a, b in zip(sess.get_outputs(), runs[0], runs[1]):
        if not np.isfinite(a).all():
            errors.append(f"{path.name}: output {meta.name} has non-finite values")
        if float(a.std()) < 1e-3:
            errors.append(f"{path.name}: output {meta.name} is nearly constant (std {a.std():.2e})")
        rel = float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))
        if rel < 1e-3:
            errors.append(f"{path.name}: output {meta.name} barely depends on the input (rel diff {rel:.2e})")
        print(f"{path.name:28s} {meta.name:12s} {str(a.shape):18s} std {a.std():.3f} input-sensitivity {rel:.3f}")
    if interpreter:
        work = path.parent / (path.stem + "_interp")
        (work / "ort").mkdir(parents=True, exist_ok=True)
        np.save(work / "input.npy", x0)
        for meta, a in zip(sess.get_outputs(), runs[0]):
            np.save(work / "ort" / f"{meta.name}.npy", a)
        r = subprocess.run([binary, "run", str(path), "--input", f"{inp.name}={work / 'input.npy'}",
                            "--out-dir", str(work / "ref"), "--compare", str(work / "ort"), "--tolerance", "1e-5"],
                           capture_output=True, text=True)
        print("   reference interpreter vs onnxruntime:",
              " ".join(line.strip() for line in r.stdout.splitlines() if "relative L2" in line))
        if r.returncode != 0:
            errors.append(f"{path.name}: autogtco run --compare failed (rc {r.returncode}): "
                          f"{(r.stderr or r.stdout).strip()[-500:]}")
    return errors


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    binary = sys.argv[1]
    errors = []
    help_text = subprocess.run([binary, "--help"], capture_output=True, text=True).stdout
    interpreter = any(line.split()[:1] == ["run"] for line in help_text.splitlines())
    if not interpreter:
        print("note: this autogtco has no `run` command yet: reference-interpreter comparison skipped")
    with tempfile.TemporaryDirectory(prefix="agt_zoo_py_") as tmp:
        jobs = [(m, Path(tmp) / f"{m}-tiny.onnx", []) for m in MODELS]
        jobs.append(("detr-resnet50-e6", Path(tmp) / "ext" / "detr-ext.onnx", ["--external-data"]))
        for name, path, extra in jobs:
            path.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run([binary, "zoo", name, "--tiny", "--seed", "3", "-o", str(path), *extra],
                           check=True, stdout=subprocess.DEVNULL)
            if extra and not Path(str(path) + ".data").exists():
                errors.append(f"{path.name}: --external-data wrote no side file")
            try:
                errors += check(path, binary, interpreter)
            except Exception as e:  # checker and runtime errors: report them all, then fail
                errors.append(f"{path.name}: {type(e).__name__}: {e}")
    for e in errors:
        print("FAIL:", e, file=sys.stderr)
    print(f"{len(jobs)} models checked, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

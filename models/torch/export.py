#!/usr/bin/env python3
"""Exports a zoo model from PyTorch to ONNX, as users' models reach the compiler, together with a
seeded input and onnxruntime's outputs for it (the reference the frontend's tests compare with).
Runs on the GPU machine (torch, timm, torchvision, transformers, onnx, onnxruntime); never downloads.

    python3 models/torch/export.py --model vit-base-16 --tiny --exporter torchscript --out DIR
    python3 models/torch/export.py --model detr-resnet50-e6-hf --tiny --exporter dynamo --out DIR
    python3 models/torch/export.py --model corpus:hf-swin --exporter dynamo --opset 20 --out DIR   (corpus.py)

DIR receives:
    model.onnx (+ model.onnx.data when the exporter or the size calls for external data)
    input.npy                    the input (float32, seeded normal)
    <output name>.npy            onnxruntime's (CPU) outputs for input.npy
    torch_<output name>.npy      PyTorch's outputs, for comparison
    meta.json                    model, exporter, versions, opset, parameter count, shapes, errors
Exit code 0 when the export ran, onnx.checker passed and onnxruntime agrees with PyTorch
(relative L2 error < 1e-4 on each output); 1 otherwise (the files written so far remain).
"""
import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import zoo_torch  # noqa: E402  (sets the offline switches before transformers is imported)

import numpy as np  # noqa: E402
import torch  # noqa: E402


def export_torchscript(model, x, path, outputs, opset):
    kwargs = dict(input_names=["input"], output_names=outputs, opset_version=opset, do_constant_folding=True)
    try:
        torch.onnx.export(model, (x,), str(path), dynamo=False, **kwargs)
    except TypeError:   # torch releases before the dynamo flag existed
        torch.onnx.export(model, (x,), str(path), **kwargs)


def export_dynamo(model, x, path, outputs, opset):
    kwargs = dict(input_names=["input"], output_names=outputs, opset_version=opset, dynamo=True)
    try:
        program = torch.onnx.export(model, (x,), external_data=False, **kwargs)
    except TypeError:
        program = torch.onnx.export(model, (x,), **kwargs)
    if program is None:
        raise RuntimeError("torch.onnx.export(dynamo=True) returned no program")
    try:
        program.save(str(path), external_data=None)
    except TypeError:
        program.save(str(path))


def rel_l2(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="zoo name; ViT and DETR also as NAME-hf (transformers); corpus:NAME (corpus.py)")
    p.add_argument("--tiny", action="store_true", help="the 2-layer narrow version")
    p.add_argument("--exporter", choices=["torchscript", "dynamo"], required=True)
    p.add_argument("--impl", choices=["torchvision", "hf"], default="torchvision", help="DETR implementation")
    p.add_argument("--opset", type=int, default=None, help="default 17 (torchscript), 18 (dynamo)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="output folder")
    args = p.parse_args()

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    opset = args.opset or (17 if args.exporter == "torchscript" else 18)
    meta = {"model": args.model, "tiny": args.tiny, "exporter": args.exporter, "impl": args.impl,
            "opset": opset, "seed": args.seed, "torch": torch.__version__, "ok": False}

    def finish(code):
        (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
        print(json.dumps({k: meta[k] for k in ("model", "exporter", "ok") if k in meta}))
        return code

    try:
        if args.model.startswith("corpus:"):   # models/torch/corpus.py: tiny by construction
            import corpus
            model, shape, outputs = corpus.build(args.model[len("corpus:"):], seed=args.seed)
        else:
            model, shape, outputs = zoo_torch.build(args.model, tiny=args.tiny, impl=args.impl, seed=args.seed)
        meta["parameters"] = zoo_torch.count_parameters(model)
        meta["input_shape"] = list(shape)
        x = torch.randn(shape, generator=torch.Generator().manual_seed(args.seed + 1))
        np.save(out / "input.npy", x.numpy())
        with torch.no_grad():
            ref = model(x)
        ref = ref if isinstance(ref, (tuple, list)) else (ref,)
        for name, t in zip(outputs, ref):
            np.save(out / f"torch_{name}.npy", t.detach().float().numpy())

        path = out / "model.onnx"
        t0 = time.time()
        with torch.no_grad():
            if args.exporter == "torchscript":
                export_torchscript(model, x, path, outputs, opset)
            else:
                export_dynamo(model, x, path, outputs, opset)
        meta["export_seconds"] = round(time.time() - t0, 2)

        import onnx
        import onnxruntime as ort
        onnx.checker.check_model(str(path))   # by path: works for models with external data too
        m = onnx.load(str(path), load_external_data=False)
        meta["onnx_opset"] = max(o.version for o in m.opset_import if o.domain in ("", "ai.onnx"))
        hist = {}
        for n in m.graph.node:
            hist[n.op_type] = hist.get(n.op_type, 0) + 1
        meta["op_histogram"] = dict(sorted(hist.items()))
        meta["onnx_bytes"] = os.path.getsize(path)

        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        feed = {sess.get_inputs()[0].name: x.numpy()}
        got = sess.run(None, feed)
        meta["outputs"] = {}
        ok = True
        for meta_out, value, want in zip(sess.get_outputs(), got, ref):
            np.save(out / f"{meta_out.name}.npy", value)
            err = rel_l2(value, want.detach().float().numpy())
            finite = bool(np.isfinite(value).all())
            meta["outputs"][meta_out.name] = {"shape": list(value.shape), "rel_l2_vs_torch": err, "finite": finite}
            ok = ok and finite and err < 1e-4
        meta["ok"] = ok
        return finish(0 if ok else 1)
    except Exception as e:  # report, keep what was written, and fail
        meta["error"] = f"{type(e).__name__}: {e}"
        meta["traceback"] = traceback.format_exc()
        print(meta["traceback"], file=sys.stderr)
        return finish(1)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Ours beside torch.compile(mode="reduce-overhead") for zoo models, in the same call (remote.sh `vstorch`).

For each model: torch's own version of it (models/torch/zoo_torch.py: the same architecture, random
weights, fp16, batch 1, eval) timed eager and under torch.compile reduce-overhead with CUDA events
around each forward (median of --iters after --warmup, inputs rotated among 8 fresh random tensors);
ours, the .so compiled from the zoo's ONNX (--so NAME=PATH), timed by `autogtco bench` (graph
replays, CUDA events, median) twice, before and after torch, so a drift of the card shows.

    python3 scripts/gpu/vs_torch.py --so vit-base-16=/tmp/vit.so [--so ...] [--iters 100] [--warmup 20]
"""
import argparse
import re
import subprocess
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "models" / "torch"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import torch_vit  # noqa: E402
import zoo_torch  # noqa: E402


def time_torch(fn, xs, iters, warmup, graphs):
    return torch_vit.bench(fn, xs, iters, warmup, graphs)[0]   # the median, timed as torch_vit.py times


def time_ours(so, iters):
    r = subprocess.run(["autogtco", "bench", so, "--iters", str(iters), "--warmup", "30"], capture_output=True, text=True)
    m = re.search(r"median\s*[:=]?\s*([0-9.]+)\s*ms", r.stdout + r.stderr)
    if not m:
        raise SystemExit(f"autogtco bench {so}: no median in its output:\n{r.stdout}\n{r.stderr}")
    return float(m.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--so", action="append", default=[], help="NAME=PATH: a zoo model and our artifact of it")
    ap.add_argument("--iters", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=20)
    args = ap.parse_args()
    print(f"{torch.cuda.get_device_name(0)}, torch {torch.__version__}, fp16, batch 1, ms (medians)")
    print(f"{'model':<18} {'ours':>8} {'eager':>8} {'compile':>8} {'ours(2)':>8} {'vs compile':>10}")
    for spec in args.so:
        name, so = spec.split("=", 1)
        ours1 = time_ours(so, 300)
        model, shape, _ = zoo_torch.build(name)
        model = model.half().cuda()
        g = torch.Generator(device="cuda").manual_seed(1)
        xs = [torch.randn(*shape, device="cuda", generator=g).half() for _ in range(8)]
        eager = time_torch(model, xs, args.iters, args.warmup, False)
        compiled = torch.compile(model, mode="reduce-overhead")
        comp = time_torch(compiled, xs, args.iters, args.warmup, True)
        ours2 = time_ours(so, 300)
        ours = min(ours1, ours2)
        print(f"{name:<18} {ours1:8.3f} {eager:8.3f} {comp:8.3f} {ours2:8.3f} {comp / ours:9.2f}x", flush=True)
        del model, compiled
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()

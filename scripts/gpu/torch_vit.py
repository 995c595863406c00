#!/usr/bin/env python3
"""torch's batch-1 fp16 latency of timm ViTs on this GPU, beside ours in the same call (remote.sh `torchvit`).

BASELINES.md measured torch.compile on an H100; the lent machine may be another card (an H200), so the
curve is compared with torch timed here, the same way: random weights, fp16, batch 1, CUDA events around
each forward, median of --iters after --warmup, inputs rotated among 8 fresh random tensors (never zeros).
Modes: eager and torch.compile(mode="reduce-overhead") (Inductor + CUDA graphs), BASELINES' best for ViT.

    python3 scripts/gpu/torch_vit.py [--models vit_base_patch16_224 ...] [--iters 100] [--warmup 20]
"""
import argparse
import statistics
import time

import timm
import torch


def bench(fn, xs, iters, warmup, graphs):
    times = []
    with torch.inference_mode():
        for i in range(warmup):
            if graphs:
                torch.compiler.cudagraph_mark_step_begin()
            fn(xs[i % len(xs)])
        torch.cuda.synchronize()
        for i in range(iters):
            s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            if graphs:
                torch.compiler.cudagraph_mark_step_begin()
            s.record()
            out = fn(xs[i % len(xs)])
            e.record()
            e.synchronize()
            outs = out if isinstance(out, (tuple, list)) else (out,)   # DETR returns (logits, boxes)
            if not all(torch.isfinite(o.float()).all() for o in outs):
                raise SystemExit("non-finite output")
            times.append(s.elapsed_time(e))
    return statistics.median(times), min(times), max(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", nargs="+", default=["vit_base_patch16_224"])
    ap.add_argument("--iters", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=20)
    a = ap.parse_args()
    torch.manual_seed(0)
    print(f"# {torch.cuda.get_device_name()} torch {torch.__version__} timm {timm.__version__}")
    print(f"{'model':24s} {'mode':16s} {'median ms':>10s} {'min':>8s} {'max':>8s} {'compile s':>10s}")
    for name in a.models:
        model = timm.create_model(name, pretrained=False).cuda().half().eval()
        size = model.default_cfg["input_size"]
        xs = [torch.randn(1, *size, device="cuda", dtype=torch.half) for _ in range(8)]
        for mode in ["eager", "reduce-overhead"]:
            t0 = time.time()
            fn = model if mode == "eager" else torch.compile(model, mode=mode)
            if mode != "eager":
                with torch.inference_mode():
                    fn(xs[0])
                    fn(xs[1])
                torch.cuda.synchronize()
            comp = time.time() - t0
            med, lo, hi = bench(fn, xs, a.iters, a.warmup, mode != "eager")
            print(f"{name:24s} {mode:16s} {med:10.3f} {lo:8.3f} {hi:8.3f} {comp:10.1f}", flush=True)


if __name__ == "__main__":
    main()

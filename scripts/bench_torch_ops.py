#!/usr/bin/env python3
"""Torch side of the codegen micro-benchmark (tests/codegen/test_gpu_numerics.cpp, tag [.bench]).

Times ViT-Base-16's four Linear shapes (x @ W + b through torch.nn.functional.linear, the same as
torch.matmul plus bias) and its attention (torch's scaled_dot_product_attention, 12 heads x 197 x 64)
at fp16 on the GPU, per call over rounds of 30 back-to-back calls between CUDA events, and prints the same table as
the C++ benchmark. Run on the GPU machine:  python3 scripts/bench_torch_ops.py

Then the attention shapes of ViT-B/L/H, SETR and DETR (tests/codegen/test_attention_mma.cpp, tag
[.bench][attention]): torch's SDPA eager and captured in a CUDA graph of 50 calls (median of 5 replays, as
the C++ side times its kernels). With --ours FILE (the CSV that test writes to $AGT_BENCH_OUT) it prints our
times beside torch's and the ratios.
"""
import argparse
import csv
import os

import torch
import torch.nn.functional as F


def median_us(fn, warmup=10, reps=30, rounds=5):
    """Time per call: median over rounds of `reps` back-to-back calls between one pair of events (as the
    C++ side does), so that launch latency overlaps the kernels."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(rounds):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        for _ in range(reps):
            fn()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b) * 1000.0 / reps)
    times.sort()
    return times[len(times) // 2]


def graph_us(fn, reps=50, rounds=5):
    """Time per call with `reps` calls captured once in a CUDA graph: median over `rounds` replays."""
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(3):
            fn()
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        for _ in range(reps):
            fn()
    g.replay()
    torch.cuda.synchronize()
    times = []
    for _ in range(rounds):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        g.replay()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b) * 1000.0 / reps)
    times.sort()
    return times[len(times) // 2]


ATTENTION_SHAPES = [("vit-b 12x197x64", 12, 197, 197, 64), ("vit-l 16x197x64", 16, 197, 197, 64),
                    ("vit-h 16x257x80", 16, 257, 257, 80), ("setr 16x577x64", 16, 577, 577, 64),
                    ("detr self 8x1050x32", 8, 1050, 1050, 32), ("detr cross 8x100x1050x32", 8, 100, 1050, 32)]


def attention(ours_path):
    dev = torch.device("cuda")
    dt = torch.float16
    ours = {}
    if ours_path and os.path.exists(ours_path):
        with open(ours_path) as f:
            for row in csv.reader(f):
                ours[row[0]] = (float(row[5]), float(row[6]), float(row[7]), row[8])
    print()
    print(f"attention, fp16, us per call: torch SDPA eager (30 back-to-back) and in a CUDA graph (50 calls, median of 5 replays)")
    print(f"{'shape':26s} {'sdpa eager':>10s} {'sdpa graph':>10s} {'ours dflt':>10s} {'ours best':>10s} "
          f"{'graph/dflt':>10s} {'graph/best':>10s}  backend")
    for name, h, mq, nk, d in ATTENTION_SHAPES:
        q = torch.randn(1, h, mq, d, device=dev, dtype=dt)
        k = torch.randn(1, h, nk, d, device=dev, dtype=dt)
        v = torch.randn(1, h, nk, d, device=dev, dtype=dt)
        fn = lambda: F.scaled_dot_product_attention(q, k, v)
        eager = median_us(fn)
        graph = graph_us(fn)
        backend = "?"
        try:
            from torch.nn.attention import SDPBackend, sdpa_kernel
            for b in (SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.CUDNN_ATTENTION, SDPBackend.MATH):
                try:
                    with sdpa_kernel(b):
                        F.scaled_dot_product_attention(q, k, v)
                    backend = b.name.lower()
                    break
                except RuntimeError:
                    continue
        except ImportError:
            pass
        line = f"{name:26s} {eager:10.2f} {graph:10.2f}"
        if name in ours:
            _, dflt, best, ann = ours[name]
            line += f" {dflt:10.2f} {best:10.2f} {graph / dflt:10.2f} {graph / best:10.2f}"
        else:
            line += f" {'-':>10s} {'-':>10s} {'-':>10s} {'-':>10s}"
        print(line + f"  {backend} (first that runs)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", help="CSV of our attention times (from the [.bench][attention] test)")
    ap.add_argument("--attention-only", action="store_true")
    args = ap.parse_args()
    if not args.attention_only:
        linears()
    attention(args.ours)


def linears():
    dev = torch.device("cuda")
    dt = torch.float16
    print(f"torch {torch.__version__} on {torch.cuda.get_device_name()}, fp16, us per call (median of 5 rounds of 30 back-to-back calls)")
    print(f"{'op':28s} {'torch':>10s} {'TFLOP/s':>10s}")
    for name, m, k, n in [("linear 197x768x2304 (qkv)", 197, 768, 2304), ("linear 197x768x768 (proj)", 197, 768, 768),
                          ("linear 197x768x3072 (fc1)", 197, 768, 3072), ("linear 197x3072x768 (fc2)", 197, 3072, 768)]:
        x = torch.randn(1, m, k, device=dev, dtype=dt)
        w = torch.randn(n, k, device=dev, dtype=dt) * 0.02
        b = torch.randn(n, device=dev, dtype=dt)
        us = median_us(lambda: F.linear(x, w, b))
        mm = median_us(lambda: torch.matmul(x, w.t()))
        print(f"{name:28s} {us:10.2f} {2 * m * k * n / us / 1e6:10.1f}   (torch.matmul alone {mm:.2f})")
    q, kk, v = (torch.randn(1, 12, 197, 64, device=dev, dtype=dt) for _ in range(3))
    us = median_us(lambda: F.scaled_dot_product_attention(q, kk, v))
    print(f"{'attention 12x197x197x64':28s} {us:10.2f} {4 * 12 * 197 * 197 * 64 / us / 1e6:10.1f}")


if __name__ == "__main__":
    main()

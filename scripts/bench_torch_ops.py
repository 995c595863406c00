#!/usr/bin/env python3
"""Torch side of the codegen micro-benchmark (tests/codegen/test_gpu_numerics.cpp, tag [.bench]).

Times ViT-Base-16's four Linear shapes (x @ W + b through torch.nn.functional.linear, the same as
torch.matmul plus bias) and its attention (torch's scaled_dot_product_attention, 12 heads x 197 x 64)
at fp16 on the GPU, per call over rounds of 30 back-to-back calls between CUDA events, and prints the same table as
the C++ benchmark. Run on the GPU machine:  python3 scripts/bench_torch_ops.py
"""
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


def main():
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

#!/usr/bin/env python3
"""The convolution kernel table (issue 14): torch.nn.functional.conv2d (fp16, channels-last, with bias:
cuDNN) at the conv shapes of ResNet-50 at 800x1333 and SETR-PUP's head, beside ours.

Ours come from the hidden benchmark of tests/codegen/test_conv_sm90.cpp as CSV
(name,c,h,w,o,k,stride,pad,us: the default program of each shape with its fused epilogue, timed in a
CUDA graph by GpuHarness::Time, 20 launches per replay on the same buffers). Torch is timed the same
way: a CUDA graph of 20 calls on the same input and weight (so both sides see the same L2), 5 warm-up
replays, the median of 40 replays (CUDA events) over 20. The stem's input has 3 channels for torch and
8 (zero-padded by the layout pass) for ours. Prints each shape, ours, cuDNN, ours/cuDNN, then the
geometric mean and the worst.

    AGT_CONV_BENCH_OUT=ours.csv build/bin/test_codegen "micro-benchmark: the model conv shapes on the Hopper core"
    python3 scripts/gpu/bench_conv_torch.py --ours ours.csv
"""
import argparse
import csv
import math
import statistics

import torch
import torch.nn.functional as F

PER_GRAPH = 20
SAMPLES = 40


def time_conv(c, h, w, o, k, stride, pad):
    gen = torch.Generator(device="cuda").manual_seed(7)
    x = (torch.rand(1, c, h, w, device="cuda", generator=gen, dtype=torch.float16) * 2 - 1).to(memory_format=torch.channels_last)
    wt = (torch.rand(o, c, k, k, device="cuda", generator=gen, dtype=torch.float16) * 0.2 - 0.1).to(memory_format=torch.channels_last)
    b = torch.rand(o, device="cuda", generator=gen, dtype=torch.float16)
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):  # cuDNN's algorithm choice and workspace outside the capture
        for _ in range(3):
            y = F.conv2d(x, wt, b, stride=stride, padding=pad)
    torch.cuda.current_stream().wait_stream(s)
    torch.cuda.synchronize()
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        for _ in range(PER_GRAPH):
            y = F.conv2d(x, wt, b, stride=stride, padding=pad)
    del y
    for _ in range(5):
        g.replay()
    torch.cuda.synchronize()
    times = []
    for _ in range(SAMPLES):
        e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        e0.record()
        g.replay()
        e1.record()
        e1.synchronize()
        times.append(e0.elapsed_time(e1) * 1000.0 / PER_GRAPH)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", required=True, help="CSV from the conv micro-benchmark")
    args = ap.parse_args()
    torch.backends.cudnn.benchmark = True
    rows = list(csv.reader(open(args.ours)))
    print(f"{'shape':32s} {'ours us':>9s} {'cuDNN us':>9s} {'ours/cuDNN':>10s}")
    ratios = []
    for name, c, h, w, o, k, stride, pad, us in rows:
        c, h, w, o, k, stride, pad = (int(v) for v in (c, h, w, o, k, stride, pad))
        torch_c = 3 if name.startswith("r50.stem") else c
        t = time_conv(torch_c, h, w, o, k, stride, pad)
        r = float(us) / t
        ratios.append(r)
        print(f"{name:32s} {float(us):9.2f} {t:9.2f} {r:10.3f}")
    gm = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    print(f"geomean ours/cuDNN {gm:.3f}, worst {max(ratios):.3f}, above 1.5: {sum(r > 1.5 for r in ratios)} of {len(ratios)}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Times torch.nn.functional.linear (fp16, with bias: cuBLAS) at every Linear shape of ViT-B/L/H, SETR
and DETR, under the same conditions as build/bin/bench_gemm_sm90: a CUDA graph of 20 calls cycling
through 4 copies of the weight (so L2 does not keep it), random inputs, 5 warm-up replays, then the
median of 60 timed replays (CUDA events), divided by 20. Prints the same table keys (name M N K).

With --ours FILE (bench_gemm_sm90's output) it prints the joined table instead: each of ours (the
columns its header names: the default configuration, and the sweep's best) beside torch, with
ours/torch ratios, their geometric mean and worst.

    build/bin/bench_gemm_sm90 > ours.txt && python3 scripts/gpu/bench_linear_torch.py --ours ours.txt
"""
import argparse
import math
import statistics

import torch
import torch.nn.functional as F

PER_GRAPH = 20
COPIES = 4
SAMPLES = 60


def shapes():
    out = []
    for prefix, m, d, qkv, mlp in [("vit-b", 197, 768, 2304, 3072), ("vit-l", 197, 1024, 3072, 4096),
                                   ("vit-h", 257, 1280, 3840, 5120), ("setr", 577, 1024, 3072, 4096),
                                   ("detr-enc", 1050, 256, 768, 2048), ("detr-dec", 100, 256, 768, 2048),
                                   ("setr-b", 577, 768, 2304, 3072)]:
        out += [(prefix + ".qkv", m, d, qkv), (prefix + ".proj", m, d, d), (prefix + ".fc1", m, d, mlp),
                (prefix + ".fc2", m, mlp, d)]
    # The patch embeddings as GEMMs, and SETR-Naive's 1x1 head conv as a Linear (bench_gemm_sm90.cpp).
    out += [("vit-b.patch", 196, 768, 768), ("vit-l.patch", 196, 768, 1024), ("setr.patch", 576, 768, 1024),
            ("setr-b.patch", 576, 768, 768), ("setr.head", 576, 1024, 256)]
    return out  # (name, M, K, N)


def time_linear(m, k, n):
    gen = torch.Generator(device="cuda").manual_seed(7)
    x = torch.rand(m, k, device="cuda", generator=gen, dtype=torch.float16) * 2 - 1
    ws = [torch.rand(n, k, device="cuda", generator=gen, dtype=torch.float16) * 2 - 1 for _ in range(COPIES)]
    b = torch.rand(n, device="cuda", generator=gen, dtype=torch.float16) * 2 - 1
    out = torch.empty(m, n, device="cuda", dtype=torch.float16)
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):  # warm cuBLAS (workspace, heuristics) outside the capture
        for w in ws:
            out.copy_(F.linear(x, w, b))
    torch.cuda.current_stream().wait_stream(s)
    torch.cuda.synchronize()
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        for i in range(PER_GRAPH):
            y = F.linear(x, ws[i % COPIES], b)
    del y
    for _ in range(5):
        g.replay()
    torch.cuda.synchronize()
    times = []
    e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    for _ in range(SAMPLES):
        e0.record()
        g.replay()
        e1.record()
        e1.synchronize()
        times.append(e0.elapsed_time(e1) * 1000.0 / PER_GRAPH)
    return statistics.median(times)


def read_ours(path):
    """bench_gemm_sm90's table: its header names the columns; every `<x>_us` with an `<x>_config`
    beside it is one of ours (default_us / default_config, best_us / best_config; older tables: kn, nk)."""
    rows, cols = {}, None
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                continue
            p = line.split()
            if p and p[0] == "name":
                cols = p
                continue
            if cols is None or len(p) != len(cols):
                continue
            rows[p[0]] = dict(zip(cols, p))
    if cols is None:
        return {}, []
    kinds = [c[:-3] for c in cols if c.endswith("_us") and c[:-3] + "_config" in cols]
    return rows, kinds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", help="bench_gemm_sm90's table, to join")
    args = ap.parse_args()
    ours, kinds = read_ours(args.ours) if args.ours else (None, [])
    print(f"# torch {torch.__version__} F.linear fp16 + bias on {torch.cuda.get_device_name()}, "
          f"median of {SAMPLES} graph replays x {PER_GRAPH} calls, {COPIES} weight copies")
    if ours is None:
        print(f"{'name':<14} {'M':>5} {'N':>5} {'K':>5} {'torch_us':>9} {'TF/s':>7}")
    else:
        head = "".join(f" {k + '_us':>10} {k + '/torch':>13}" for k in kinds)
        cfgs = "".join(f" {k + '_config':<20}" for k in kinds)
        print(f"{'name':<14} {'M':>5} {'N':>5} {'K':>5} {'torch_us':>9}{head}{cfgs}")
    ratios = {k: [] for k in kinds}
    for name, m, k, n in shapes():
        t = time_linear(m, k, n)
        tf = 2.0 * m * n * k / t * 1e-6
        if ours is None:
            print(f"{name:<14} {m:>5} {n:>5} {k:>5} {t:>9.2f} {tf:>7.1f}", flush=True)
            continue
        o = ours.get(name)
        if o is None:
            print(f"{name:<14} {m:>5} {n:>5} {k:>5} {t:>9.2f}   (not in {args.ours})", flush=True)
            continue
        line = f"{name:<14} {m:>5} {n:>5} {k:>5} {t:>9.2f}"
        for kind in kinds:
            us = float(o[kind + "_us"])
            if us < 1e29:
                ratios[kind].append(us / t)
            line += f" {us:>10.2f} {us / t:>13.2f}"
        for kind in kinds:
            line += f" {o[kind + '_config']:<20}"
        print(line, flush=True)
    for kind in kinds:
        r = ratios[kind]
        if r:
            gm = math.exp(sum(math.log(x) for x in r) / len(r))
            print(f"# {kind}: geometric mean ours/torch {gm:.3f}, worst {max(r):.2f}, "
                  f"{sum(1 for x in r if x > 1.0)} of {len(r)} shapes above 1.0, {sum(1 for x in r if x > 1.25)} above 1.25")


if __name__ == "__main__":
    main()

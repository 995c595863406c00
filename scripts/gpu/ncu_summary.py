#!/usr/bin/env python3
"""Per-kernel GPU time of an artifact from Nsight Compute's CSV (remote.sh's `profile` step).

Input: `ncu --csv --metrics gpu__time_duration.sum ...` output (lines before the CSV header are skipped).
Kernels are grouped by name, grid and block (the artifact's kernels are named by sketch, agt_gemm and the
like; grid and block tell its tasks apart). The number of model runs profiled is taken as the fewest
launches of one group (a model has kernels that run once), unless --runs says it.

    python3 scripts/gpu/ncu_summary.py ncu.csv [--runs N]
"""
import argparse
import csv
import statistics
import sys

SCALE_US = {"nsecond": 1e-3, "ns": 1e-3, "usecond": 1.0, "us": 1.0, "msecond": 1e3, "ms": 1e3, "second": 1e6, "s": 1e6}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--runs", type=int, default=0)
    a = ap.parse_args()
    lines = open(a.csv, encoding="utf-8", errors="replace").read().splitlines()
    start = next((i for i, l in enumerate(lines) if l.startswith('"ID"')), None)
    if start is None:
        sys.exit("no ncu CSV header in " + a.csv + " (did ncu run? see its messages above)")
    groups, order = {}, []
    # Only the CSV's own lines: the profiled program's output can be mixed in.
    for row in csv.DictReader(l for l in lines[start:] if l.startswith('"')):
        if row.get("Metric Name") != "gpu__time_duration.sum":
            continue
        us = float(row["Metric Value"].replace(",", "")) * SCALE_US.get(row.get("Metric Unit", "nsecond"), 1e-3)
        key = (row["Kernel Name"], row.get("Grid Size", ""), row.get("Block Size", ""))
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(us)
    if not groups:
        sys.exit("no gpu__time_duration.sum rows")
    runs = a.runs or min(len(v) for v in groups.values())
    total = sum(sum(v) for v in groups.values()) / runs
    print(f"{len(order)} kernel configurations, {runs} runs profiled, {total:.1f} us of kernel time per run")
    print(f"{'kernel':24s} {'grid':>16s} {'block':>14s} {'per run':>7s} {'median us':>10s} {'us per run':>10s} {'share':>6s}")
    for key in sorted(order, key=lambda k: -sum(groups[k])):
        v = groups[key]
        per_run = sum(v) / runs
        print(f"{key[0][:24]:24s} {key[1]:>16s} {key[2]:>14s} {len(v) / runs:7.1f} {statistics.median(v):10.2f} "
              f"{per_run:10.1f} {100 * per_run / total:5.1f}%")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The GPU time of a model's first kernels in one run, from remote.sh profile's Nsight Compute CSV
(ncu-MODEL.csv: every launch of the profiled runs, in order). A run's launches are the CSV's launches
split into --runs equal parts; the last run is used (the others warm up). Prints the sum of the first
--count launches of that run, the run's total, and the share; with --list, each of those launches.

    python3 scripts/gpu/ncu_prefix.py docs/results/.../ncu-detr-resnet50-e6.csv --runs 3 --count 57

DETR's backbone is its first launches up to and including input_proj (`autogtco inspect --fusion`
lists the phases in launch order; the artifact adds its input cast in front).
"""
import argparse
import csv
import sys

SCALE_US = {"nsecond": 1e-3, "ns": 1e-3, "usecond": 1.0, "us": 1.0, "msecond": 1e3, "ms": 1e3}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--runs", type=int, required=True, help="model runs profiled (warm-up included)")
    ap.add_argument("--count", type=int, required=True, help="launches from the start of a run to sum")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    lines = open(a.csv, encoding="utf-8", errors="replace").read().splitlines()
    start = next((i for i, l in enumerate(lines) if l.startswith('"ID"')), None)
    if start is None:
        sys.exit("no ncu CSV header in " + a.csv)
    launches = []
    for row in csv.DictReader(l for l in lines[start:] if l.startswith('"')):
        if row.get("Metric Name") == "gpu__time_duration.sum":
            us = float(row["Metric Value"].replace(",", "")) * SCALE_US.get(row.get("Metric Unit", "nsecond"), 1e-3)
            launches.append((row["Kernel Name"], row.get("Grid Size", ""), us))
    if len(launches) % a.runs:
        sys.exit(f"{len(launches)} launches do not split into {a.runs} runs")
    per_run = len(launches) // a.runs
    run = launches[-per_run:]
    head = run[:a.count]
    if a.list:
        for i, (name, grid, us) in enumerate(head):
            print(f"{i:4d} {name[:40]:40s} {grid:16s} {us:9.2f}")
    total = sum(us for _, _, us in run)
    part = sum(us for _, _, us in head)
    print(f"{per_run} launches per run; first {len(head)}: {part:.1f} us of {total:.1f} us ({100 * part / total:.1f}%)")


if __name__ == "__main__":
    main()

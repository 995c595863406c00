#!/usr/bin/env python3
"""Cuts a tuning log at points of cumulative tuning time, for the tuning curve (remote.sh's `curve` step).

Tuning time is summed over the gaps between consecutive records; a gap over --max-gap seconds is a pause
between runs (another session, a resumed `tune`) and counts as nothing, so a log grown over several runs
gives one time axis. For each point P (seconds) it writes OUT_DIR/curve-P.jsonl with the records measured
within the first P seconds, and prints "P records" per line.

    python3 scripts/gpu/tuning_curve.py LOG OUT_DIR 120 300 600 1200
"""
import argparse
import json
import os


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("out_dir")
    ap.add_argument("points", nargs="+", type=int, help="cumulative tuning seconds")
    ap.add_argument("--max-gap", type=float, default=60.0, help="longest gap that counts as tuning time (s)")
    a = ap.parse_args()
    lines = [l for l in open(a.log, encoding="utf-8").read().splitlines() if l.strip()]
    cum, prev, stamps = 0.0, None, []
    for l in lines:
        try:
            t = json.loads(l).get("time", 0)
        except json.JSONDecodeError:
            t = 0
        if prev is not None and t and 0 <= t - prev <= a.max_gap:
            cum += t - prev
        if t:
            prev = t
        stamps.append(cum)
    os.makedirs(a.out_dir, exist_ok=True)
    print(f"total {cum:.0f} s of tuning in {len(lines)} records")
    for p in a.points:
        kept = [l for l, c in zip(lines, stamps) if c <= p]
        with open(os.path.join(a.out_dir, f"curve-{p}.jsonl"), "w", encoding="utf-8") as f:
            f.write("\n".join(kept) + ("\n" if kept else ""))
        print(p, len(kept))


if __name__ == "__main__":
    main()

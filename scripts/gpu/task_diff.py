#!/usr/bin/env python3
"""Tasks of one model's fusion plan that another's lacks, with their signatures.

    autogtco inspect --fusion --format json A.onnx > a.json
    autogtco inspect --fusion --format json B.onnx > b.json
    python3 scripts/gpu/task_diff.py a.json b.json

Prints each task id of A that B's plan does not have (a task a log tuned for B cannot supply), its
weight, ops and task signature, then the counts. Used to find why an export misses the zoo's log.
"""
import json
import sys


def tasks(path):
    with open(path) as f:
        return {t["id"]: t for t in json.load(f)["fusion"]["tasks"]}


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: task_diff.py A.json B.json")
    a, b = tasks(sys.argv[1]), tasks(sys.argv[2])
    missing = [t for k, t in a.items() if k not in b]
    for t in missing:
        print(f"== {t['id']} x{t['weight']} {t['ops']}")
        print(t["signature"])
    print(f"{len(missing)} of {len(a)} tasks of {sys.argv[1]} are not tasks of {sys.argv[2]} ({len(b)} tasks)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Prints the parameter count of each zoo model as PyTorch builds it (full size, and with --tiny the
tiny versions), next to `autogtco zoo list`'s when the binary is given: the two zoos must agree
(BatchNorm running statistics are buffers in torch and are not counted by either).

    python3 models/torch/count_params.py [--tiny] [--autogtco build/bin/autogtco]
"""
import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import zoo_torch  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tiny", action="store_true")
    p.add_argument("--autogtco", default=None)
    args = p.parse_args()
    cpp = {}
    if args.autogtco:
        cmd = [args.autogtco, "zoo", "list"] + (["--tiny"] if args.tiny else [])
        for line in subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()[1:]:
            f = line.split()
            cpp[f[0]] = float(f[2]) * 1e6
    names = zoo_torch.MODELS + [m + "-hf" for m in zoo_torch.MODELS if m.startswith("detr-")]
    bad = 0
    for name in names:
        try:
            model, shape, _ = zoo_torch.build(name, tiny=args.tiny)
            n = zoo_torch.count_parameters(model)
            ref = cpp.get(name.removesuffix("-hf"))
            diff = "" if ref is None else f"  zoo {ref / 1e6:10.3f} M  diff {100 * (n - ref) / ref:+.3f}%"
            print(f"{name:24s} {n / 1e6:10.3f} M  input {'x'.join(map(str, shape))}{diff}")
            del model
        except Exception as e:
            bad += 1
            print(f"{name:24s} FAILED: {type(e).__name__}: {e}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

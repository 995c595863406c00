#!/usr/bin/env python3
"""scripts/gpu/task_diff.py on the committed PyTorch fixtures: the tool the GPU machine's hfdetr step uses
to say which of an export's tasks a zoo plan lacks.

    check_task_diff.py AUTOGTCO

Hugging Face's tiny DETR-E6 from the two exporters differs in one place: the dynamo exporter dropped the
class head's all-zero bias (transformers zero-initialises Linear biases), so that head is a bias-free
linear there and a linear with a bias in the TorchScript export (tests/data/torch/README.md). The diff
must name exactly that task each way, with its signature, and nothing between an export and itself.
"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "data", "torch")
TOOL = os.path.join(ROOT, "scripts", "gpu", "task_diff.py")


def plan(autogtco, name, out_dir):
    path = os.path.join(out_dir, name + ".json")
    with open(path, "w") as f:
        subprocess.run([autogtco, "inspect", "--fusion", "--format", "json",
                        os.path.join(FIXTURES, name, "model.onnx")], stdout=f, check=True)
    return path


def diff(a, b):
    return subprocess.run([sys.executable, TOOL, a, b], capture_output=True, text=True, check=True).stdout


def main():
    autogtco = sys.argv[1]
    with tempfile.TemporaryDirectory() as d:
        ts = plan(autogtco, "detr-resnet50-e6-hf-torchscript", d)
        dy = plan(autogtco, "detr-resnet50-e6-hf-dynamo", d)
        n_ts = len(json.load(open(ts))["fusion"]["tasks"])
        failures = []
        out = diff(ts, dy)
        headers = [l for l in out.splitlines() if l.startswith("== ")]
        if len(headers) != 1 or not headers[0].endswith(" x1 linear"):
            failures.append(f"TorchScript vs dynamo: expected one linear task, got {headers}")
        if "%t0 = linear(%in0, %in1, %in2)" not in out:
            failures.append("TorchScript vs dynamo: the task's signature (a linear with a bias) is missing")
        if f"1 of {n_ts} tasks of {ts} are not tasks of {dy}" not in out:
            failures.append(f"TorchScript vs dynamo: wrong count line: {out.splitlines()[-1:]}")
        back = diff(dy, ts)
        if "%t0 = linear(%in0, %in1) :" not in back or back.count("\n== ") + back.startswith("== ") != 1:
            failures.append(f"dynamo vs TorchScript: expected the bias-free linear alone:\n{back}")
        same = diff(ts, ts)
        if not same.startswith(f"0 of {n_ts} tasks"):
            failures.append(f"an export against itself: {same}")
        for f in failures:
            print("FAIL:", f)
        if failures:
            sys.exit(1)
        print(f"task_diff.py: one task differs between the HF DETR exports ({n_ts} tasks each), none against itself")


if __name__ == "__main__":
    main()

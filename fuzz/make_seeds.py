#!/usr/bin/env python3
"""Writes the seed corpus of the loader's fuzz target: small ONNX models with the graph structure of
real exports but almost no weight bytes, so that libFuzzer's mutations run fast.

Node metadata and value_info are dropped, and each float initializer or Constant node of more
than 16 elements becomes a ConstantOfShape node of the same shape and type (the importer folds it
back into a constant), so every seed still imports and runs the frontend passes. Sources: the PyTorch fixtures (tests/data/torch/*/model.onnx), the tiny zoo models (when
an autogtco binary is given) and the small helper models of tests/python/check_onnxruntime.py.

usage: make_seeds.py OUT_DIR [PATH/TO/autogtco]
"""
import glob
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def lighten(m):
    g = m.graph
    # The dynamo exporter's per-node metadata (stack traces) and value_info are most of its bytes.
    for n in g.node:
        del n.metadata_props[:]
        n.doc_string = ""
    del g.value_info[:]
    del m.metadata_props[:]
    keep, nodes = [], []
    for t in g.initializer:
        n = int(np.prod(t.dims)) if len(t.dims) else 1
        if n <= 16 or t.data_type not in (onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16):
            keep.append(t)
            continue
        shape = numpy_helper.from_array(np.array(list(t.dims), np.int64), t.name + ".shape")
        keep.append(shape)
        fill = helper.make_tensor("value", t.data_type, [1], [0.01])
        nodes.append(helper.make_node("ConstantOfShape", [shape.name], [t.name], value=fill))
    del g.initializer[:]
    g.initializer.extend(keep)
    rest = []
    for n in g.node:   # Constant nodes holding weights, as the TorchScript exporter writes some
        v = n.attribute[0].t if n.op_type == "Constant" and n.attribute and n.attribute[0].name == "value" else None
        if v is not None and v.data_type == onnx.TensorProto.FLOAT and int(np.prod(v.dims)) > 16:
            shape = numpy_helper.from_array(np.array(list(v.dims), np.int64), n.output[0] + ".shape")
            g.initializer.append(shape)
            fill = helper.make_tensor("value", v.data_type, [1], [0.01])
            n = helper.make_node("ConstantOfShape", [shape.name], [n.output[0]], value=fill)
        rest.append(n)
    del g.node[:]
    g.node.extend(nodes + rest)
    return m


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    sources = sorted(glob.glob(os.path.join(ROOT, "tests/data/torch/*/model.onnx")))
    tmp = tempfile.mkdtemp(prefix="agt_seeds_")
    if len(sys.argv) > 2:
        zoo = subprocess.run([sys.argv[2], "zoo", "list"], capture_output=True, text=True, check=True)
        for line in zoo.stdout.splitlines()[1:]:
            z = line.split()[0]
            p = os.path.join(tmp, f"zoo-{z}.onnx")
            subprocess.run([sys.argv[2], "zoo", z, "--tiny", "-o", p], capture_output=True, check=True)
            sources.append(p)
    sys.path.insert(0, os.path.join(ROOT, "tests/python"))
    import check_onnxruntime as cases
    for name, build in cases.CASES.items():
        p = os.path.join(tmp, f"case-{name}.onnx")
        onnx.save(build(), p)
        sources.append(p)
    total = 0
    for src in sources:
        name = os.path.basename(os.path.dirname(src)) if src.endswith("/model.onnx") else os.path.basename(src)[:-5]
        m = lighten(onnx.load(src))
        data = m.SerializeToString()
        with open(os.path.join(out, name + ".onnx"), "wb") as f:
            f.write(data)
        total += len(data)
    print(f"make_seeds: {len(sources)} seeds, {total} bytes in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

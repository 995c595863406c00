#!/usr/bin/env python3
"""Strips what carries no semantics from ONNX files in place: each node's metadata_props (the dynamo
exporter's stack traces and module paths, 40-70% of a tiny export's bytes) and doc strings, the graph's
value_info doc strings. The graph, its initializers and the model-level metadata are left as they are,
so the file computes exactly what it did (the corpus keeps the exporters' outputs beside it).

    python3 models/torch/strip_metadata.py model.onnx [...]
"""
import sys

import onnx


def strip_graph(g):
    for n in g.node:
        del n.metadata_props[:]
        n.doc_string = ""
        for a in n.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                strip_graph(a.g)
            for sub in a.graphs:
                strip_graph(sub)
    for v in list(g.value_info) + list(g.input) + list(g.output):
        v.doc_string = ""
        del v.metadata_props[:]
    for t in g.initializer:
        del t.metadata_props[:]


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: strip_metadata.py model.onnx [...]")
    for path in sys.argv[1:]:
        m = onnx.load(path, load_external_data=False)
        strip_graph(m.graph)
        for f in m.functions:
            for n in f.node:
                del n.metadata_props[:]
                n.doc_string = ""
        onnx.save(m, path)


if __name__ == "__main__":
    main()

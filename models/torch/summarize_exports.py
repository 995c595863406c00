#!/usr/bin/env python3
"""One line per export folder under OUT (export.py's meta.json), failures with their error, then the
count of failures; an export that left no meta.json is reported from its log. Shared by
export_fixtures.sh and export_corpus.sh.

    python3 models/torch/summarize_exports.py OUT
"""
import json
import pathlib
import sys


def main():
    out = pathlib.Path(sys.argv[1])
    bad = 0
    for meta in sorted(out.glob("*/meta.json")):
        m = json.loads(meta.read_text())
        errs = ", ".join(f"{k} {v['rel_l2_vs_torch']:.1e}" for k, v in m.get("outputs", {}).items())
        print(f"{'ok  ' if m['ok'] else 'FAIL'} {meta.parent.name:40s} params {m.get('parameters', 0):>9} "
              f"opset {m.get('onnx_opset', '?')} ops {len(m.get('op_histogram', {})):3d} bytes {m.get('onnx_bytes', 0):>9}  "
              f"{errs}  {m.get('error', '')[:200]}")
        bad += not m["ok"]
    for log in sorted(out.glob("*.log")):
        if not (out / log.stem / "meta.json").exists():
            lines = log.read_text().strip().splitlines() or ["(empty log)"]
            print(f"FAIL {log.stem:40s} no meta.json: {lines[-1][:200]}")
            bad += 1
    print(f"{bad} failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

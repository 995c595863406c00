#!/usr/bin/env bash
# Exports the tiny zoo models from PyTorch with both exporters, in parallel, into OUT/<model>-<exporter>/
# (model.onnx, input.npy, onnxruntime's outputs, meta.json: see export.py), then prints one line per
# export. For the GPU machine (torch, timm, torchvision, transformers); CPU is enough.
#   bash models/torch/export_fixtures.sh OUT [model ...]     (default: all nine, and DETR-E6 from transformers)
set -uo pipefail
OUT=${1:?usage: export_fixtures.sh OUT [model ...]}
shift
HERE=$(cd "$(dirname "$0")" && pwd)
models=("$@")
[ ${#models[@]} -eq 0 ] && models=(vit-base-16 vit-large-16 vit-huge-14 setr-naive-base setr-naive setr-pup
                                   detr-resnet50-e3 detr-resnet50-e6 detr-resnet50-e12 detr-resnet50-e6-hf)
mkdir -p "$OUT"
jobs=()
for m in "${models[@]}"; do for e in torchscript dynamo; do jobs+=("$m $e"); done; done
printf '%s\n' "${jobs[@]}" | xargs -P "${JOBS:-8}" -L 1 bash -c \
  'python3 "$0/export.py" --model "$2" --tiny --exporter "$3" --out "$1/$2-$3" > "$1/$2-$3.log" 2>&1' "$HERE" "$OUT" \
  || true
# bash -c gets $0 = this folder, $1 = OUT, then xargs appends "model exporter" as $2 $3.
python3 - "$OUT" <<'PY'
import json, sys, pathlib
out = pathlib.Path(sys.argv[1])
bad = 0
for meta in sorted(out.glob("*/meta.json")):
    m = json.loads(meta.read_text())
    errs = ", ".join(f"{k} {v['rel_l2_vs_torch']:.1e}" for k, v in m.get("outputs", {}).items())
    ops = len(m.get("op_histogram", {}))
    print(f"{'ok  ' if m['ok'] else 'FAIL'} {meta.parent.name:36s} params {m.get('parameters', 0):>9} "
          f"opset {m.get('onnx_opset', '?')} ops {ops:3d} bytes {m.get('onnx_bytes', 0):>9}  {errs}  {m.get('error', '')[:200]}")
    bad += not m["ok"]
for log in sorted(out.glob("*.log")):
    if not (out / log.stem / "meta.json").exists():
        lines = log.read_text().strip().splitlines() or ["(empty log)"]
        print(f"FAIL {log.stem:36s} no meta.json: {lines[-1][:200]}")
        bad += 1
print(f"{bad} failed")
PY

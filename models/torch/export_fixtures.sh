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
python3 "$HERE/summarize_exports.py" "$OUT"

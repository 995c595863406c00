#!/usr/bin/env bash
# Exports the corpus (models/torch/corpus.py: tiny, random, the vision transformers users deploy) with
# both exporters: TorchScript at opset 17, dynamo at opset 18 and at this torch's default (20 for torch
# 2.11), into OUT/<case>-<exporter>/ (what export.py writes), then one line per export, failures with
# their error: the cases an exporter itself cannot export are reported here, not hidden. For the GPU
# machine (torch, timm, transformers, torchvision); CPU is enough.
#   bash models/torch/export_corpus.sh OUT [case ...]          (default: every case of corpus.py)
# Copy the folders that pass into tests/data/corpus/ to make them part of CI's checks.
set -uo pipefail
OUT=${1:?usage: export_corpus.sh OUT [case ...]}
shift
HERE=$(cd "$(dirname "$0")" && pwd)
cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
  mapfile -t cases < <(cd "$HERE" && python3 -c "import corpus; print('\n'.join(sorted(corpus.CORPUS)))")
fi
mkdir -p "$OUT"
jobs=()
for c in "${cases[@]}"; do
  jobs+=("$c torchscript 17" "$c dynamo 18" "$c dynamo ${DYNAMO_OPSET:-20}")
done
printf '%s\n' "${jobs[@]}" | xargs -P "${JOBS:-8}" -L 1 bash -c \
  'python3 "$0/export.py" --model "corpus:$2" --exporter "$3" --opset "$4" --out "$1/$2-$3$4" > "$1/$2-$3$4.log" 2>&1' "$HERE" "$OUT" \
  || true
# The dynamo exporter's per-node stack traces are most of a tiny export's bytes and carry no semantics.
for f in "$OUT"/*/model.onnx; do [ -f "$f" ] && python3 "$HERE/strip_metadata.py" "$f"; done
python3 "$HERE/summarize_exports.py" "$OUT"

#!/usr/bin/env bash
# Runs on the GPU machine, in the repository root, with .carry/ carried:
#   bash scripts/gpu/remote.sh [steps...]     steps: info gputests bench torchbench export e2e benchmodels tune all
# (e2e, benchmodels: the nine full-size models, scripts/gpu/models.sh)
# Everything it prints that matters also lands in $OUT (when set) so it comes back.
set -uo pipefail
CARRY=${CARRY:-.carry}
OUT=${OUT:-/tmp/agt-out}
mkdir -p "$OUT"
export LD_LIBRARY_PATH="$PWD/$CARRY/lib:/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}"
export PATH="$PWD/$CARRY/bin:$PATH"
export PYTHONUNBUFFERED=1
steps=("$@"); [ ${#steps[@]} -eq 0 ] && steps=(info gputests)
[ "${steps[0]}" = all ] && steps=(info gputests bench torchbench export)

for s in "${steps[@]}"; do
  case "$s" in
    info)
      nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee "$OUT/info.txt"
      autogtco --version | tee -a "$OUT/info.txt"
      python3 -c "import torch; print('torch', torch.__version__, torch.version.cuda)" | tee -a "$OUT/info.txt" ;;
    gputests)
      for t in "$CARRY"/bin/test_*; do
        echo "== $(basename "$t") [gpu]"
        "$t" "[gpu]" --durations no 2>&1 | tee -a "$OUT/gputests.log" | tail -n 60
      done ;;
    bench)
      [ -x "$CARRY/bin/bench_codegen" ] && "$CARRY/bin/bench_codegen" 2>&1 | tee "$OUT/bench_codegen.txt" ;;
    torchbench)
      python3 scripts/bench_torch_ops.py 2>&1 | tee "$OUT/bench_torch.txt" ;;
    export)
      mkdir -p "$OUT/fixtures"
      for m in vit-base-16 setr-pup detr-resnet50-e6; do
        for e in torchscript dynamo; do
          python3 models/torch/export.py --model "$m" --tiny --exporter "$e" --out "$OUT/fixtures/$m-$e" 2>&1 | tail -n 5
        done
      done
      (cd "$OUT" && tar czf fixtures.tgz fixtures && rm -rf fixtures) ;;
    e2e|benchmodels)
      OUT="$OUT" bash scripts/gpu/models.sh "$s" ;;
    tune)
      # ViT-Base-16 fp16 tuned for $TUNE_MINUTES (default 8: a device command runs at most 10 minutes),
      # resuming from the committed log when there is one; the log lands in $OUT/models/tuning/h100/.
      # Copy it back to models/tuning/h100/ and run the step again to tune longer.
      mins=${TUNE_MINUTES:-8}
      mkdir -p "$OUT/models/tuning/h100"
      log="$OUT/models/tuning/h100/vit-base-16.jsonl"
      [ -f models/tuning/h100/vit-base-16.jsonl ] && cp models/tuning/h100/vit-base-16.jsonl "$log"
      autogtco zoo vit-base-16 -o /tmp/vit-base-16.onnx >/dev/null
      autogtco -v tune /tmp/vit-base-16.onnx --tuning-log "$log" --precision fp16 --time-budget "${mins}m" \
        --nvrtc-cache /tmp/agt-nvrtc-cache 2> "$OUT/tune-vit-base-16.log" | tee "$OUT/tune-vit-base-16.txt"
      tail -n 5 "$OUT/tune-vit-base-16.log" ;;
    *) echo "unknown step $s" ;;
  esac
done

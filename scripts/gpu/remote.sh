#!/usr/bin/env bash
# Runs on the GPU machine, in the repository root, with .carry/ carried:
#   bash scripts/gpu/remote.sh [steps...]     steps: info gputests bench torchbench export all
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
    *) echo "unknown step $s" ;;
  esac
done

#!/usr/bin/env bash
# Full-size zoo models on the GPU machine (called by remote.sh; autogtco on PATH):
#   models.sh e2e          zoo -> compile (fp16, fp32) -> `autogtco run` of the .onnx (reference interpreter)
#                          and of the .so (GPU) with the same --random-inputs; a table of the relative L2
#                          error per output with PASS/FAIL at DESIGN.md's tolerances
#   models.sh benchmodels  zoo -> compile fp16 -> `autogtco bench`: median/min/max latency per model
# Environment: MODELS (default: the nine), E2E_PRECISIONS (default "fp16 fp32"), WORK (scratch folder),
# BUDGET_S (stop starting new models after this many seconds; 0 = no limit), OUT (tables are copied there).
set -uo pipefail
step=${1:?usage: models.sh e2e|benchmodels}
OUT=${OUT:-/tmp/agt-out}
WORK=${WORK:-/tmp/agt-models}
MODELS=${MODELS:-"vit-base-16 vit-large-16 vit-huge-14 setr-naive-base setr-naive setr-pup detr-resnet50-e3 detr-resnet50-e6 detr-resnet50-e12"}
E2E_PRECISIONS=${E2E_PRECISIONS:-"fp16 fp32"}
BUDGET_S=${BUDGET_S:-0}
mkdir -p "$WORK" "$OUT"
start=$(date +%s)

over_budget() { [ "$BUDGET_S" -gt 0 ] && [ $(( $(date +%s) - start )) -ge "$BUDGET_S" ]; }
tolerance() { case $1 in fp32) echo 1e-4 ;; tf32) echo 5e-3 ;; *) echo 2e-2 ;; esac; }
onnx() { [ -f "$WORK/$1.onnx" ] || autogtco zoo "$1" -o "$WORK/$1.onnx" > "$WORK/$1.zoo.txt" 2>&1; }
artifact() {  # model precision
  [ -f "$WORK/$1-$2.so" ] && return 0
  autogtco compile "$WORK/$1.onnx" -o "$WORK/$1-$2.so" --precision "$2" > "$WORK/$1-$2.compile.txt" 2>&1
  local rc=$?
  [ $rc -ne 0 ] && tail -n 3 "$WORK/$1-$2.compile.txt" >&2
  return $rc
}

case "$step" in
  e2e)
    table="$OUT/e2e.txt"
    printf '%-18s %-5s %-22s %-12s %-6s %s\n' model prec output "rel L2" result "seconds (compile, run)" | tee "$table"
    for m in $MODELS; do
      if over_budget; then echo "$m: skipped (BUDGET_S=$BUDGET_S reached)" | tee -a "$table"; continue; fi
      onnx "$m" || { echo "$m: zoo failed" | tee -a "$table"; continue; }
      t0=$(date +%s)
      if ! autogtco run "$WORK/$m.onnx" --random-inputs 7 --out-dir "$WORK/$m-ref" > "$WORK/$m-ref.txt" 2>&1; then
        echo "$m: interpreter failed: $(tail -n 1 "$WORK/$m-ref.txt")" | tee -a "$table"; continue
      fi
      ref_s=$(( $(date +%s) - t0 ))
      for p in $E2E_PRECISIONS; do
        t1=$(date +%s)
        if ! artifact "$m" "$p"; then echo "$m $p: compile failed: $(tail -n 1 "$WORK/$m-$p.compile.txt")" | tee -a "$table"; continue; fi
        t2=$(date +%s)
        autogtco run "$WORK/$m-$p.so" --random-inputs 7 --out-dir "$WORK/$m-$p-out" --compare "$WORK/$m-ref" \
          --tolerance "$(tolerance "$p")" > "$WORK/$m-$p-run.txt" 2>&1
        t3=$(date +%s)
        if ! grep -q "relative L2" "$WORK/$m-$p-run.txt"; then
          echo "$m $p: run failed: $(tail -n 1 "$WORK/$m-$p-run.txt")" | tee -a "$table"; continue
        fi
        awk -v m="$m" -v p="$p" -v secs="$((t2 - t1)), $((t3 - t2)) (interpreter ${ref_s})" '
          /: .* -> / { name = $1; sub(/:$/, "", name) }
          /relative L2 error/ { for (i = 1; i <= NF; ++i) if ($i == "error") err = $(i + 1);
                                res = ($0 ~ /\(ok\)/) ? "PASS" : "FAIL";
                                printf "%-18s %-5s %-22s %-12s %-6s %s\n", m, p, name, err, res, secs }' \
          "$WORK/$m-$p-run.txt" | tee -a "$table"
        [ "$p" != fp16 ] && rm -f "$WORK/$m-$p.so" "$WORK/$m-$p.weights"
        rm -rf "$WORK/$m-$p-out"
      done
      rm -rf "$WORK/$m-ref"
    done ;;
  benchmodels)
    table="$OUT/benchmodels.txt"
    printf '%-18s %-10s %-10s %-10s %-11s %-11s %s\n' model "median ms" "min ms" "max ms" kernels/launches arena weights | tee "$table"
    for m in $MODELS; do
      if over_budget; then echo "$m: skipped (BUDGET_S=$BUDGET_S reached)" | tee -a "$table"; continue; fi
      onnx "$m" && artifact "$m" fp16 || { echo "$m: build failed" | tee -a "$table"; continue; }
      if ! autogtco bench "$WORK/$m-fp16.so" --iters 100 --warmup 10 > "$WORK/$m-bench.txt" 2>&1; then
        echo "$m: bench failed: $(tail -n 1 "$WORK/$m-bench.txt")" | tee -a "$table"; continue
      fi
      awk -v m="$m" '
        /kernels,/ { for (i = 1; i <= NF; ++i) { if ($i == "kernels,") k = $(i - 1); if ($i == "launches,") l = $(i - 1);
                                                   if ($i == "arena") a = $(i + 1) $(i + 2); if ($i == "weights") w = $(i + 1) $(i + 2) } }
        /median/ { for (i = 1; i <= NF; ++i) { if ($i == "median") md = $(i + 1); if ($i == "min") mn = $(i + 1); if ($i == "max") mx = $(i + 1) } }
        END { sub(/,$/, "", a); printf "%-18s %-10s %-10s %-10s %-11s %-11s %s\n", m, md, mn, mx, k "/" l, a, w }' \
        "$WORK/$m-bench.txt" | tee -a "$table"
    done ;;
  *) echo "unknown step $step"; exit 2 ;;
esac

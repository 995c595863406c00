#!/usr/bin/env bash
# `make run`: the main job, end to end: a zoo model written as ONNX, loaded by the frontend and inspected
# (the fusion report), compiled into an artifact (no GPU needed; from the committed tuning log when there
# is one), and its tiny version run through the reference interpreter. On a GPU machine, `autogtco run`
# and `autogtco bench` of the .so follow (README).
set -euo pipefail
BUILD=${1:-build}
BIN=$BUILD/bin/autogtco
OUT=$BUILD/run
mkdir -p "$OUT"
MODEL=${AGT_RUN_MODEL:-vit-base-16}

echo "== autogtco zoo list"
"$BIN" zoo list
echo
echo "== $MODEL: write ONNX, inspect, fusion plan"
"$BIN" zoo "$MODEL" -o "$OUT/$MODEL.onnx"
"$BIN" inspect "$OUT/$MODEL.onnx" --fusion | grep -v "^  not fused: layer_norm" | tail -n 40
echo
echo "== $MODEL: compile (fp16, sm_90)"
LOG=models/tuning/h100/$(awk -v m="$MODEL" '$1 == m { print $2 }' models/tuning/h100/aliases.txt | grep . || echo "$MODEL").jsonl
"$BIN" compile "$OUT/$MODEL.onnx" -o "$OUT/$MODEL.so" --precision fp16 $([ -f "$LOG" ] && echo --tuning-log "$LOG")
echo
echo "== $MODEL (tiny): reference interpreter"
"$BIN" zoo "$MODEL" --tiny -o "$OUT/$MODEL-tiny.onnx"
"$BIN" run "$OUT/$MODEL-tiny.onnx" --random-inputs 1 --out-dir "$OUT/$MODEL-tiny-out"

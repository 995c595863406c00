#!/usr/bin/env bash
# `make run`: the main job, end to end, with whatever exists today: a zoo model written as ONNX, loaded by
# the frontend and inspected (with the fusion report when DPOF is built), then run through the reference
# interpreter. Later: zoo model -> compile -> report.
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
"$BIN" inspect "$OUT/$MODEL.onnx" --fusion | tail -n 40
echo
echo "== $MODEL (tiny): reference interpreter"
"$BIN" zoo "$MODEL" --tiny -o "$OUT/$MODEL-tiny.onnx"
"$BIN" run "$OUT/$MODEL-tiny.onnx" --random-inputs 1 --out-dir "$OUT/$MODEL-tiny-out"

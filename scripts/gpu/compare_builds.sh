#!/usr/bin/env bash
# Two builds of autogtco side by side on the GPU machine (a refactor's check: same kernels, same speed):
#   OLD=.carry-old bash scripts/gpu/compare_builds.sh
# $OLD holds the older build's bin/autogtco and lib/ (the artifact stub beside it), packed like .carry
# (scripts/gpu/pack.sh with CARRY=.carry-old on a checkout of the old commit); the newer build is on
# PATH (remote.sh's .carry). For each of $MODELS (full-size zoo, fp16): --dump-kernels of both builds
# diffed (and of ViT-B from its committed tuning log), the task ids compared, and both artifacts timed
# in the same call, alternating old/new $ROUNDS times (median of each `autogtco bench`). Tables go to $OUT.
set -uo pipefail
OLD=${OLD:-.carry-old}
OUT=${OUT:-/tmp/agt-out}
WORK=${WORK:-/tmp/agt-compare}
MODELS=${MODELS:-"vit-base-16 vit-large-16 vit-huge-14 setr-naive-base setr-naive setr-pup detr-resnet50-e3 detr-resnet50-e6 detr-resnet50-e12"}
BENCH_MODELS=${BENCH_MODELS:-"vit-base-16 setr-pup detr-resnet50-e6"}
ROUNDS=${ROUNDS:-3}
mkdir -p "$WORK" "$OUT"
old_bin="$PWD/$OLD/bin/autogtco"
new_bin=$(command -v autogtco)
[ -x "$old_bin" ] || { echo "compare_builds: no $old_bin"; exit 2; }
table="$OUT/compare_builds.txt"
: > "$table"

compile() {  # binary tag model [extra flags...]
  local bin=$1 tag=$2 m=$3; shift 3
  rm -rf "$WORK/$m-$tag-kernels"
  "$bin" compile "$WORK/$m.onnx" -o "$WORK/$m-$tag.so" --precision fp16 --dump-kernels "$WORK/$m-$tag-kernels" \
    --nvrtc-cache "/tmp/agt-nvrtc-$tag" "$@" > "$WORK/$m-$tag.compile.txt" 2>&1
}

for m in $MODELS; do
  [ -f "$WORK/$m.onnx" ] || "$new_bin" zoo "$m" -o "$WORK/$m.onnx" > /dev/null 2>&1 || { echo "$m: zoo failed" | tee -a "$table"; continue; }
  variants=(untuned)
  [ "$m" = vit-base-16 ] && [ -f models/tuning/h100/vit-base-16.jsonl ] && variants+=(tuned)
  for v in "${variants[@]}"; do
    flags=(); [ "$v" = tuned ] && flags=(--tuning-log models/tuning/h100/vit-base-16.jsonl)
    compile "$old_bin" old "$m" "${flags[@]}" || { echo "$m $v: old compile failed: $(tail -n 1 "$WORK/$m-old.compile.txt")" | tee -a "$table"; continue; }
    compile "$new_bin" new "$m" "${flags[@]}" || { echo "$m $v: new compile failed: $(tail -n 1 "$WORK/$m-new.compile.txt")" | tee -a "$table"; continue; }
    n=$(ls "$WORK/$m-new-kernels" | wc -l)
    if diff -r "$WORK/$m-old-kernels" "$WORK/$m-new-kernels" > "$WORK/$m-$v.diff"; then
      echo "$m $v: kernels identical ($n task kernels, same task ids)" | tee -a "$table"
    else
      echo "$m $v: kernels DIFFER ($(grep -c '^[<>]' "$WORK/$m-$v.diff") lines; $WORK/$m-$v.diff)" | tee -a "$table"
      head -n 20 "$WORK/$m-$v.diff" >> "$table"
    fi
    if cmp -s "$WORK/$m-old.so" "$WORK/$m-new.so"; then echo "  artifacts byte-identical" | tee -a "$table"; fi
    case " $BENCH_MODELS " in *" $m "*) ;; *) rm -f "$WORK/$m-old.so" "$WORK/$m-new.so"; continue ;; esac
    for r in $(seq "$ROUNDS"); do
      for tag in old new; do
        med=$("$new_bin" bench "$WORK/$m-$tag.so" --iters 200 --warmup 30 2>&1 | grep -E "median" | head -n 1)
        echo "  $m $v round $r $tag: $med" | tee -a "$table"
      done
    done
    rm -f "$WORK/$m-old.so" "$WORK/$m-new.so"
  done
done

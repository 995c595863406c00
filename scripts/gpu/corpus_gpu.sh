#!/usr/bin/env bash
# Issue 15 on the GPU machine: each case of the committed corpus (tests/data/corpus.tar.xz) compiled for
# fp16 and run on its input.npy, each output compared with the onnxruntime output committed beside it
# (relative L2 < 2e-2). One line per case into $OUT/corpus_gpu.txt, then the count of failures.
set -uo pipefail
OUT=${OUT:-/tmp/agt-out}
W=/tmp/corpus-gpu; rm -rf "$W"; mkdir -p "$W"
tar xJf tests/data/corpus.tar.xz -C "$W"
one() {
  local d=$1 c; c=$(basename "$d")
  local in; in=$(python3 -c "import onnx; print(onnx.load('$d/model.onnx', load_external_data=False).graph.input[0].name)")
  if ! autogtco compile "$d/model.onnx" -o "$W/$c.so" --precision fp16 --nvrtc-cache /tmp/agt-nvrtc-cache > "$W/$c.compile.log" 2>&1; then
    echo "FAIL $c compile: $(tail -n 1 "$W/$c.compile.log")"; return
  fi
  local r; r=$(autogtco run "$W/$c.so" --input "$in=$d/input.npy" --out-dir "$W/$c.out" --compare "$d" --tolerance 2e-2 2>&1)
  if [ $? -eq 0 ]; then
    echo "ok   $c $(echo "$r" | grep -o 'relative L2 error [0-9.e+-]*' | tr '\n' ' ')"
  else
    echo "FAIL $c run: $(echo "$r" | tail -n 2 | tr '\n' ' ')"
  fi
}
export -f one; export W
ls -d "$W"/corpus/*/ | xargs -P 8 -I{} bash -c 'one {}' | sort > "$OUT/corpus_gpu.txt"
cat "$OUT/corpus_gpu.txt"
echo "$(grep -c '^FAIL' "$OUT/corpus_gpu.txt") of $(wc -l < "$OUT/corpus_gpu.txt") cases failed" | tee -a "$OUT/corpus_gpu.txt"

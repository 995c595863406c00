#!/usr/bin/env bash
# Runs on the GPU machine, in the repository root, with .carry/ carried:
#   bash scripts/gpu/remote.sh [steps...]     steps: info gputests bench torchbench sm90 ncu conv hfdetr corpusgpu hfprofile pdl lnfold gap vszoo export corpus e2e benchmodels tune tunefresh loo curve profile compare vstorch torchvit python all
# (tunefresh: $TUNE_MODEL tuned from an empty log, then compiled from it and timed; loo: $LOO_MODEL compiled
#  untuned with default annotations and with a cost model trained on the committed logs of the other models)
# (conv: the core's convolution mode, tests and the kernel table beside cuDNN; hfdetr: a full-size HF DETR export beside the zoo's)
# (sm90: the Hopper GEMM core's tests, its Linear-shape table beside torch's F.linear, HGMMA in its SASS)
# (e2e, benchmodels: the nine full-size models, scripts/gpu/models.sh; vstorch: zoo models beside torch.compile, vs_torch.py)
# (python: the Python package on this GPU, ViT-B tiny and full from torch tensors, scripts/gpu/python_check.py)
# (multigpu: tune --devices 0 against --devices all, same model and budget, then a worker killed mid-run; docs/multi-gpu.md)
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

# The committed log model $1 compiles from: its own, or the one models/tuning/h100/aliases.txt names.
log_name() { awk -v m="$1" '$1 == m { print $2 }' models/tuning/h100/aliases.txt | grep . || echo "$1"; }

# The tuning log of $TUNE_MODEL with the most records: this warm machine's copy or the committed file (a tune
# step killed at its limit leaves /tmp's copy behind the file it returned, which gets committed).
TUNE_MODEL=${TUNE_MODEL:-vit-base-16}
longest_log() {
  local best="" n_best=-1 f n
  for f in "/tmp/agt-tune/tuning-$TUNE_MODEL.jsonl" "models/tuning/h100/$TUNE_MODEL.jsonl"; do
    [ -f "$f" ] || continue
    n=$(wc -l < "$f")
    if [ "$n" -gt "$n_best" ]; then best=$f; n_best=$n; fi
  done
  echo "$best"
}

# /tmp/$TUNE_MODEL.onnx, written by the zoo once per machine.
tune_model_onnx() { [ -f "/tmp/$TUNE_MODEL.onnx" ] || autogtco zoo "$TUNE_MODEL" -o "/tmp/$TUNE_MODEL.onnx" >/dev/null; }

for s in "${steps[@]}"; do
  case "$s" in
    info)
      nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv | tee -a "$OUT/gputests.log"
      autogtco --version | tee -a "$OUT/gputests.log"
      python3 -c "import torch; print('torch', torch.__version__, torch.version.cuda)" | tee -a "$OUT/gputests.log" ;;
    gputests)
      # GPUTESTS narrows the binaries ("test_driver test_runtime"); default: every test_* carried.
      # GPUTEST_FILTER replaces the Catch2 test spec "[gpu]" (one argument: names or tags, comma-separated).
      bins=("$CARRY"/bin/test_*); [ -n "${GPUTESTS:-}" ] && { bins=(); for b in $GPUTESTS; do bins+=("$CARRY/bin/$b"); done; }
      for t in "${bins[@]}"; do
        echo "== $(basename "$t") [gpu]"
        "$t" "${GPUTEST_FILTER:-[gpu]}" --durations no 2>&1 | tee -a "$OUT/gputests.log" | tail -n 60
      done ;;
    bench)
      # The codegen micro-benchmarks (hidden Catch2 cases): ViT-B's Linear layers and attention, and the
      # tensor-core attention at ViT/SETR/DETR shapes; scripts/bench_torch_ops.py (torchbench) times torch beside them.
      AGT_BENCH_OUT=/tmp/ours_attention.csv "$CARRY/bin/test_codegen" "[.bench][gpu]" --durations no 2>&1 \
        | tee "$OUT/bench_codegen.txt" ;;
    torchbench)
      python3 scripts/bench_torch_ops.py --ours /tmp/ours_attention.csv 2>&1 | tee "$OUT/bench_torch.txt" ;;
    sm90)
      # The Hopper GEMM core: its [sm90] tests (CPU and [gpu]), the Linear-shape table (the default
      # configuration, and with SM90_SWEEP=1 the sweep's best; every sweep timing in sm90_sweep.txt)
      # beside torch's F.linear, and HGMMA / UTMALDG / local-memory counts in each carried cubin's SASS.
      # The cubins pack.sh (or pack_sm90.sh) carried: compiled here would take NVRTC a few seconds each.
      # SCRIPTS: where bench_linear_torch.py is (a carried copy when the checkout is another branch's);
      # SM90_TESTS: the Catch2 filter (from another branch's checkout: "[sm90] ~*docs/hopper*", since
      # the golden kernels it compares live in this branch's docs/hopper).
      export AGT_NVRTC_CACHE="$PWD/$CARRY/nvrtc-cache-sm90"
      SCRIPTS=${SCRIPTS:-scripts/gpu}
      timeout 150 "$CARRY/bin/test_codegen" "${SM90_TESTS:-[sm90]}" --durations yes 2>&1 | tee "$OUT/sm90_tests.txt" | tail -n 70
      sweep=(); [ "${SM90_SWEEP:-1}" = 1 ] && sweep=(--sweep --sweep-log "$OUT/sm90_sweep.txt")
      # SM90_SHAPES=a,b: time only these rows (e.g. setr-b.fc2,vit-h.proj); torch's table still lists every shape.
      [ -n "${SM90_SHAPES:-}" ] && sweep+=(--shapes "$SM90_SHAPES")
      # SM90_NK=1: the sweep also times [N, K]-weight twins (`_nk`) of the staged split 1-2 configurations.
      [ "${SM90_NK:-0}" = 1 ] && sweep+=(--nk)
      timeout 240 "$CARRY/bin/bench_gemm_sm90" "${sweep[@]}" > "$OUT/sm90_ours.txt" 2> "$OUT/sm90_ours.err"; cat "$OUT/sm90_ours.txt"; tail -n 20 "$OUT/sm90_ours.err"
      # The defaults timed again: the run-to-run spread (SM90_REPEAT=0 skips it).
      [ "${SM90_REPEAT:-1}" = 1 ] && timeout 30 "$CARRY/bin/bench_gemm_sm90" > "$OUT/sm90_ours_repeat.txt" 2>&1
      timeout 60 python3 "$SCRIPTS/bench_linear_torch.py" --ours "$OUT/sm90_ours.txt" 2>&1 | tee "$OUT/sm90_vs_torch.txt"
      for f in "$AGT_NVRTC_CACHE"/*.cubin; do
        sass=$(cuobjdump -sass "$f")
        echo "$(grep -m1 -o 'agt_gemm_sm90[A-Za-z0-9_]*' <<< "$sass"): $(grep -c HGMMA <<< "$sass") HGMMA, $(grep -c UTMALDG <<< "$sass") UTMALDG, $(grep -c -E 'LDL|STL' <<< "$sass") LDL/STL"
      done > "$OUT/sm90_sass.txt"; grep -v " 0 LDL/STL" "$OUT/sm90_sass.txt" | head -n 12 ;;
    conv)
      # The Hopper core's convolution mode (issue 14): its tests (CPU, NVRTC and [gpu]: odd shapes, then every
      # ResNet-50 / SETR-PUP conv shape against the interpreter), then the kernel table: the model shapes'
      # default programs timed (test_conv_sm90.cpp's benchmark) beside cuDNN (scripts/gpu/bench_conv_torch.py).
      export AGT_NVRTC_CACHE="$PWD/$CARRY/nvrtc-cache-sm90"
      timeout 300 "$CARRY/bin/test_codegen" "conv on the Hopper core*" --durations yes 2>&1 | tee "$OUT/conv_tests.txt" | tail -n 90
      AGT_CONV_BENCH_OUT=/tmp/conv_ours.csv timeout 150 "$CARRY/bin/test_codegen" "micro-benchmark: the model conv shapes on the Hopper core" \
        2>&1 | tee "$OUT/conv_ours.txt" | tail -n 20
      timeout 120 python3 scripts/gpu/bench_conv_torch.py --ours /tmp/conv_ours.csv 2>&1 | tee "$OUT/conv_vs_cudnn.txt" ;;
    hfdetr)
      # Issue 14: a full-size Hugging Face DETR (transformers DetrForObjectDetection, timm ResNet-50, 800x1333)
      # exported here ($HFDETR_EXPORTER: torchscript, the default, or dynamo), compiled fp16 with the zoo DETR-E6's
      # tuning log (this call's tune, else the committed one), run on the export's input against PyTorch fp32,
      # and timed alternately with the zoo's.
      d=/tmp/hfdetr; rm -rf "$d"
      python3 models/torch/export.py --model detr-resnet50-e6-hf --exporter "${HFDETR_EXPORTER:-torchscript}" --out "$d" 2>&1 | tail -n 1 | tee -a "$OUT/hfdetr.txt"
      mkdir -p "$d/ref"; for f in "$d"/torch_*.npy; do cp "$f" "$d/ref/$(basename "$f" | sed 's/^torch_//')"; done
      log=""; for l in "$OUT/tuning-detr-resnet50-e6.jsonl" models/tuning/h100/detr-resnet50-e6.jsonl; do [ -f "$l" ] && { log=$l; break; }; done
      # HFDETR_TUNE_S=N: first tune the export for N seconds, resuming from that log (copied to
      # $OUT/tuning-detr-resnet50-e6.jsonl, which comes back): the tasks the log lacks run first.
      if [ "${HFDETR_TUNE_S:-0}" -gt 0 ]; then
        [ "$log" = "$OUT/tuning-detr-resnet50-e6.jsonl" ] || cp "$log" "$OUT/tuning-detr-resnet50-e6.jsonl"
        log="$OUT/tuning-detr-resnet50-e6.jsonl"
        autogtco -v tune "$d/model.onnx" --tuning-log "$log" --precision fp16 --time-budget "${HFDETR_TUNE_S}s" \
          --nvrtc-cache /tmp/agt-nvrtc-cache 2> /tmp/hfdetr-tune.err | tail -n 6 | sed 's/^/tune: /' | tee -a "$OUT/hfdetr.txt"
        tail -n 5 /tmp/hfdetr-tune.err | sed 's/^/tune stderr: /' >> "$OUT/hfdetr.txt"
      fi
      autogtco compile "$d/model.onnx" -o /tmp/hfdetr.so --precision fp16 ${log:+--tuning-log "$log"} --nvrtc-cache /tmp/agt-nvrtc-cache 2>&1 \
        | grep -E "^compiled|tasks|programs|error" | tee -a "$OUT/hfdetr.txt"
      [ -f /tmp/detr-resnet50-e6.onnx ] || autogtco zoo detr-resnet50-e6 -o /tmp/detr-resnet50-e6.onnx > /dev/null
      autogtco compile /tmp/detr-resnet50-e6.onnx -o /tmp/zoodetr.so --precision fp16 ${log:+--tuning-log "$log"} --nvrtc-cache /tmp/agt-nvrtc-cache 2>&1 \
        | grep -E "^compiled|tasks|programs|error" | tee -a "$OUT/hfdetr.txt"
      # Which of the export's tasks the zoo's plan (from the same log) does not have, with their signatures.
      for m in hf zoo; do
        src=$d/model.onnx; [ $m = zoo ] && src=/tmp/detr-resnet50-e6.onnx
        autogtco inspect --fusion --format json "$src" ${log:+--tuning-log "$log"} > "/tmp/hfdetr-plan-$m.json" 2>&1
        # HFDETR_PLANS=1: both text plans (their first 60 KB), to set the two graphs' groups side by side,
        # with -v so that the planner's calibration line comes too (unmeasured estimates scaled by measured/estimated per
        # kind, over the measured groups this model's DPOF meets: the likely reason two exports part ways).
        [ "${HFDETR_PLANS:-0}" = 1 ] && autogtco -v inspect --fusion "$src" ${log:+--tuning-log "$log"} 2>&1 | grep -v "^ *$" | head -c 60000 > "$OUT/hfdetr-plan-$m.txt"
        [ "${HFDETR_PLANS:-0}" = 1 ] && grep -m1 "plan: measured times" "$OUT/hfdetr-plan-$m.txt" | sed "s/^/$m: /" | tee -a "$OUT/hfdetr.txt"
      done
      python3 scripts/gpu/task_diff.py /tmp/hfdetr-plan-hf.json /tmp/hfdetr-plan-zoo.json > "$OUT/hfdetr-taskdiff-${HFDETR_EXPORTER:-torchscript}.txt" 2>&1
      tail -n 1 "$OUT/hfdetr-taskdiff-${HFDETR_EXPORTER:-torchscript}.txt" | tee -a "$OUT/hfdetr.txt"
      in=$(python3 -c "import onnx; print(onnx.load('$d/model.onnx', load_external_data=False).graph.input[0].name)")
      autogtco run /tmp/hfdetr.so --input "$in=$d/input.npy" --out-dir "$d/out" --compare "$d/ref" --tolerance 2e-2 2>&1 | tail -n 4 | tee -a "$OUT/hfdetr.txt"
      for i in 1 2 3; do
        echo "zoo: $(autogtco bench /tmp/zoodetr.so --iters 200 --warmup 30 2>&1 | grep -E "median|error")"
        echo "hf:  $(autogtco bench /tmp/hfdetr.so --iters 200 --warmup 30 2>&1 | grep -E "median|error")"
      done | tee -a "$OUT/hfdetr.txt"
      # transformers' DETR under torch.compile reduce-overhead in this call, beside our artifact of its export
      # (HFDETR_TORCH=0 skips it: its compile takes minutes).
      [ "${HFDETR_TORCH:-1}" = 1 ] && python3 scripts/gpu/vs_torch.py --so "detr-resnet50-e6-hf=/tmp/hfdetr.so" 2>&1 | grep -v Warning | tee -a "$OUT/hfdetr.txt" ;;
    ncu)
      # Nsight Compute on Linear shapes: cuBLAS's kernel (name, speed of light, memory) beside ours
      # (NCU_SHAPES, NCU_OURS: scripts/gpu/ncu_linear.sh).
      OUT="$OUT" CARRY="$CARRY" bash scripts/gpu/ncu_linear.sh > "$OUT/ncu_linear.txt" 2>&1
      grep -E "^== |Context [0-9]+, Stream|Duration|Memory Throughput|Executed Ipc Active|Issue Slots Busy|Warp Cycles Per Issued|Stall|L2 Cache Throughput|DRAM Throughput|Compute \(SM\) Throughput|Cluster Size|Grid Size|Registers Per|Dynamic Shared" "$OUT/ncu_linear.txt" | head -n 120 ;;
    corpusgpu)
      # Issue 15: every case of tests/data/corpus.tar.xz compiled fp16 here and run on its input.npy against
      # the onnxruntime outputs it was committed with (rel L2 < 2e-2, DESIGN.md's fp16 tolerance), 8 at a time.
      OUT="$OUT" bash scripts/gpu/corpus_gpu.sh ;;
    pdl)
      # Issue 17: zoo models ($PDL_MODELS, default ViT-B) compiled fp16 with their committed logs, each timed
      # with programmatic dependent launch (the default) and without (AGT_PDL=0), alternately, 3 rounds.
      for m in ${PDL_MODELS:-vit-base-16}; do
        [ -f "/tmp/$m.onnx" ] || autogtco zoo "$m" -o "/tmp/$m.onnx" > /dev/null
        log=models/tuning/h100/$(log_name "$m").jsonl; [ -f "$log" ] || log=""
        autogtco compile "/tmp/$m.onnx" -o "/tmp/pdl-$m.so" --precision fp16 ${log:+--tuning-log "$log"} --nvrtc-cache /tmp/agt-nvrtc-cache 2>&1 \
          | grep -E "^compiled|launches|programs|error" | tee -a "$OUT/pdl.txt"
        for i in 1 2 3; do
          echo "$m pdl:    $(autogtco bench "/tmp/pdl-$m.so" --iters 300 --warmup 30 2>&1 | grep -E "median|error")"
          echo "$m no-pdl: $(AGT_PDL=0 autogtco bench "/tmp/pdl-$m.so" --iters 300 --warmup 30 2>&1 | grep -E "median|error")"
        done | tee -a "$OUT/pdl.txt"
      done ;;
    lnfold)
      # Issue 17's LayerNorm fold: each of $LNFOLD_MODELS (default ViT-B) compiled fp16 four ways: with its
      # log and with none (default annotations), each with and without --fold-layer-norm (with a log that
      # lacks the fused groups the planner may keep some LayerNorms apart). The log: $OUT/tuning-$m.jsonl
      # when a tune step of this call wrote one (TUNE_FLAGS=--fold-layer-norm measures fused groups), else
      # the committed one. Each folded artifact's output is compared with its unfolded twin's on one random
      # input; then all four are timed alternately, 3 rounds, with PDL (the default), and the folded+log one without (AGT_PDL=0).
      for m in ${LNFOLD_MODELS:-vit-base-16}; do
        [ -f "/tmp/$m.onnx" ] || autogtco zoo "$m" -o "/tmp/$m.onnx" > /dev/null
        log=$OUT/tuning-$m.jsonl; [ -f "$log" ] || log=models/tuning/h100/$(log_name "$m").jsonl; [ -f "$log" ] || log=""
        echo "$m: log $log ($( [ -n "$log" ] && wc -l < "$log") records)" | tee -a "$OUT/lnfold.txt"
        in=$(python3 -c "import onnx; print(onnx.load('/tmp/$m.onnx', load_external_data=False).graph.input[0].name)")
        python3 -c "import numpy as np, onnx; m = onnx.load('/tmp/$m.onnx', load_external_data=False); d = [x.dim_value or 1 for x in m.graph.input[0].type.tensor_type.shape.dim]; np.save('/tmp/lnfold-in.npy', np.random.default_rng(5).standard_normal(d).astype(np.float32))"
        for t in log none; do
          for v in plain ln; do
            autogtco compile "/tmp/$m.onnx" -o "/tmp/lnfold-$m-$v-$t.so" --precision fp16 $([ $t = log ] && [ -n "$log" ] && echo --tuning-log "$log") \
              $([ $v = ln ] && echo --fold-layer-norm) --nvrtc-cache /tmp/agt-nvrtc-cache 2>&1 \
              | grep -E "launches|programs|error" | sed "s/^/$m $v $t: /" | tee -a "$OUT/lnfold.txt"
          done
          rm -rf "/tmp/lnfold-out-$t" && autogtco run "/tmp/lnfold-$m-plain-$t.so" --input "$in=/tmp/lnfold-in.npy" --out-dir "/tmp/lnfold-out-$t" 2>&1 | tail -n 1
          autogtco run "/tmp/lnfold-$m-ln-$t.so" --input "$in=/tmp/lnfold-in.npy" --out-dir "/tmp/lnfold-lnout-$t" --compare "/tmp/lnfold-out-$t" --tolerance 2e-2 2>&1 \
            | tail -n 2 | sed "s/^/$m ln vs plain ($t): /" | tee -a "$OUT/lnfold.txt"
        done
        for i in 1 2 3; do
          for a in plain-log ln-log plain-none ln-none; do
            echo "$m $a pdl: $(autogtco bench "/tmp/lnfold-$m-$a.so" --iters 300 --warmup 30 2>&1 | grep -E "median|error")"
          done
          echo "$m ln-log no-pdl: $(AGT_PDL=0 autogtco bench "/tmp/lnfold-$m-ln-log.so" --iters 300 --warmup 30 2>&1 | grep -E "median|error")"
        done | tee -a "$OUT/lnfold.txt"
      done ;;
    gap)
      # Issue 17's report: for each of $GAP_MODELS (default ViT-B), compiled fp16 with its committed log
      # (GAP_FOLD=1: and --fold-layer-norm), the end-to-end median (autogtco bench, CUDA graph) and a CUPTI
      # trace of 50 graph replays (trace_model: span, the launches' summed durations, the time some launch
      # is on the GPU, the idle rest = the launch gaps, the overlap programmatic launch buys; per-launch
      # start and end in $OUT/trace-MODEL-MODE.csv), each in the three launch modes below. GAP_NCU=1 adds the Nsight Compute
      # kernel sum of earlier sessions (kernels serialised and timed alone: more than the run itself).
      ncu_bin=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -n 1)
      for m in ${GAP_MODELS:-vit-base-16}; do
        [ -f "/tmp/$m.onnx" ] || autogtco zoo "$m" -o "/tmp/$m.onnx" > /dev/null
        log=models/tuning/h100/$(log_name "$m").jsonl; [ -f "$log" ] || log=""
        autogtco compile "/tmp/$m.onnx" -o "/tmp/gap-$m.so" --precision fp16 ${log:+--tuning-log "$log"} --nvrtc-cache /tmp/agt-nvrtc-cache \
          $([ "${GAP_FOLD:-0}" = 1 ] && echo --fold-layer-norm) 2>&1 | grep -E "launches|error" | sed "s/^/$m: /" | tee -a "$OUT/gap.txt"
        # three launch modes: programmatic (the default), programmatic with single-wave grids spread one
        # CTA per SM (AGT_PDL_SPREAD=1, runtime::SpreadSharedBytes), and serialised (AGT_PDL=0)
        for mode in pdl spread serial; do
          pdl=1; spread=0; [ "$mode" = serial ] && pdl=0; [ "$mode" = spread ] && spread=1
          echo "$m $mode: $(AGT_PDL=$pdl AGT_PDL_SPREAD=$spread autogtco bench "/tmp/gap-$m.so" --iters 300 --warmup 30 2>&1 | grep -E "median|error")" | tee -a "$OUT/gap.txt"
          AGT_PDL=$pdl AGT_PDL_SPREAD=$spread trace_model "/tmp/gap-$m.so" --runs 50 --warmup 20 --top 8 --csv "$OUT/trace-$m-$mode.csv" 2>&1 | sed "s/^/$m $mode trace: /" | tee -a "$OUT/gap.txt"
        done
        if [ "${GAP_NCU:-0}" = 1 ]; then
          "$ncu_bin" --clock-control none --cache-control none --metrics gpu__time_duration.sum --csv \
            autogtco bench "/tmp/gap-$m.so" --iters 2 --warmup 1 > "/tmp/gap-$m.csv" 2> "/tmp/gap-$m.err"
          echo "$m: ncu kernels: $(python3 scripts/gpu/ncu_summary.py "/tmp/gap-$m.csv" 2>&1 | head -n 1)" | tee -a "$OUT/gap.txt"
        fi
      done ;;
    vszoo)
      # Issue 15: the full-size $VSZOO_MODEL (default vit-base-16; timm / torchvision / transformers as
      # zoo_torch.py builds it) exported here with both exporters, each compiled fp16 with the zoo model's
      # committed tuning log (how many of its tasks the log had), run against PyTorch fp32 on the export's
      # input, and timed alternately with the zoo's own artifact from the same log.
      # VSZOO_IMPL=hf: the Hugging Face build of the same architecture (zoo_torch.py: NAME-hf; ViT, DETR).
      m=${VSZOO_MODEL:-vit-base-16}; src=$m; [ "${VSZOO_IMPL:-}" = hf ] && src=$m-hf
      log=models/tuning/h100/$(log_name "$m").jsonl; [ -f "$log" ] || log=""
      [ -f "/tmp/$m.onnx" ] || autogtco zoo "$m" -o "/tmp/$m.onnx" > /dev/null
      autogtco compile "/tmp/$m.onnx" -o "/tmp/vszoo-zoo.so" --precision fp16 ${log:+--tuning-log "$log"} --nvrtc-cache /tmp/agt-nvrtc-cache 2>&1 \
        | grep -E "^compiled|tasks|programs|error" | sed 's/^/zoo: /' | tee -a "$OUT/vszoo.txt"
      for e in torchscript dynamo; do
        d=/tmp/vszoo-$e; rm -rf "$d"
        python3 models/torch/export.py --model "$src" --exporter "$e" --out "$d" 2>&1 | tail -n 1 | sed "s/^/$e: /" | tee -a "$OUT/vszoo.txt"
        mkdir -p "$d/ref"; for f in "$d"/torch_*.npy; do cp "$f" "$d/ref/$(basename "$f" | sed 's/^torch_//')"; done
        autogtco compile "$d/model.onnx" -o "/tmp/vszoo-$e.so" --precision fp16 ${log:+--tuning-log "$log"} --nvrtc-cache /tmp/agt-nvrtc-cache 2>&1 \
          | grep -E "^compiled|tasks|programs|error" | sed "s/^/$e: /" | tee -a "$OUT/vszoo.txt"
        in=$(python3 -c "import onnx; print(onnx.load('$d/model.onnx', load_external_data=False).graph.input[0].name)")
        autogtco run "/tmp/vszoo-$e.so" --input "$in=$d/input.npy" --out-dir "$d/out" --compare "$d/ref" --tolerance 2e-2 2>&1 | tail -n 3 | sed "s/^/$e: /" | tee -a "$OUT/vszoo.txt"
      done
      for i in 1 2 3; do
        for e in zoo torchscript dynamo; do
          echo "$e: $(autogtco bench "/tmp/vszoo-$e.so" --iters 300 --warmup 30 2>&1 | grep -E "median|error")"
        done
      done | tee -a "$OUT/vszoo.txt"
      # The export's own PyTorch model (timm / transformers) under torch.compile reduce-overhead in this call,
      # beside our artifact of its dynamo export (VSZOO_TORCH=0 skips it).
      [ "${VSZOO_TORCH:-1}" = 1 ] && python3 scripts/gpu/vs_torch.py --so "$src=/tmp/vszoo-dynamo.so" 2>&1 | grep -v Warning | tee -a "$OUT/vszoo.txt" ;;
    hfprofile)
      # After hfdetr: both artifacts' launches under Nsight Compute (caches not flushed between kernels, clocks
      # left alone), 2 runs each, with each plan's phases in launch order, so the HF export's kernels can be set
      # beside the zoo's one by one (scripts/gpu/ncu_prefix.py --list; the artifact's input cast comes first).
      log=""; for l in "$OUT/tuning-detr-resnet50-e6.jsonl" models/tuning/h100/detr-resnet50-e6.jsonl; do [ -f "$l" ] && { log=$l; break; }; done
      ncu_bin=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -n 1)
      for m in hf zoo; do
        src=/tmp/hfdetr/model.onnx; [ $m = zoo ] && src=/tmp/detr-resnet50-e6.onnx
        autogtco inspect --fusion "$src" ${log:+--tuning-log "$log"} > "$OUT/plan-$m.txt" 2>&1
        "$ncu_bin" --clock-control none --cache-control none --metrics gpu__time_duration.sum --csv \
          autogtco bench /tmp/${m}detr.so --iters 1 --warmup 1 > "$OUT/ncu-$m.csv" 2> /tmp/ncu-$m.err
        tail -n 3 /tmp/ncu-$m.err
        python3 scripts/gpu/ncu_summary.py "$OUT/ncu-$m.csv" 2>&1 | head -n 3
      done ;;
    export)
      mkdir -p "$OUT/fixtures"
      for m in vit-base-16 setr-pup detr-resnet50-e6; do
        for e in torchscript dynamo; do
          python3 models/torch/export.py --model "$m" --tiny --exporter "$e" --out "$OUT/fixtures/$m-$e" 2>&1 | tail -n 5
        done
      done
      (cd "$OUT" && tar czf fixtures.tgz fixtures && rm -rf fixtures) ;;
    corpus)
      # The corpus (models/torch/corpus.py) with both exporters at three opsets (export_corpus.sh); the
      # folders come back as $OUT/corpus.tgz. Copied to tests/data/corpus/, CI checks each one
      # (tests/python/check_onnxruntime.py: interpreter against onnxruntime, fp16 compile).
      # One archive per exporter and opset (each file that comes back is at most 16 MiB), and the folders' sizes.
      JOBS=${JOBS:-12} bash models/torch/export_corpus.sh /tmp/corpus ${CORPUS_CASES:-} 2>&1 | tail -n 90 | tee "$OUT/corpus.txt"
      du -sk /tmp/corpus/*/ | sort -n | tail -n 90 > "$OUT/corpus-sizes.txt"
      for v in torchscript17 dynamo18 dynamo20; do (cd /tmp && tar czf "$OUT/corpus-$v.tgz" corpus/*-$v corpus/*-$v.log 2>/dev/null); done
      ls -la "$OUT" ;;
    e2e|benchmodels)
      OUT="$OUT" bash scripts/gpu/models.sh "$s" ;;
    tune)
      # $TUNE_MODEL (a zoo name, default vit-base-16) in fp16, tuned for $TUNE_SECONDS (default 480: a
      # device command runs at most 10 minutes), resuming from its log. The log comes back as
      # $OUT/tuning-$TUNE_MODEL.jsonl: copy it to models/tuning/h100/$TUNE_MODEL.jsonl and commit it; run
      # the step again (next call) to tune longer. The log grows in $OUT, so that what was measured comes
      # back even when the step is killed at its time limit; a copy in /tmp/agt-tune carries it to the
      # next call while the machine stays warm (before the returned file is committed); a fresh machine
      # starts from the committed one.
      secs=${TUNE_SECONDS:-480}
      mkdir -p /tmp/agt-tune
      log="$OUT/tuning-$TUNE_MODEL.jsonl"
      [ -f "$log" ] || { best=$(longest_log); [ -n "$best" ] && cp "$best" "$log"; }
      tune_model_onnx
      # TUNE_FLAGS: more planning flags, e.g. --fold-layer-norm (compile from the log with the same flags).
      # shellcheck disable=SC2086
      autogtco -v tune "/tmp/$TUNE_MODEL.onnx" --tuning-log "$log" --precision fp16 --time-budget "${secs}s" ${TUNE_FLAGS:-} \
        --nvrtc-cache /tmp/agt-nvrtc-cache 2> /tmp/tune-stderr.log | tee "$OUT/tune.txt"
      cp "$log" "/tmp/agt-tune/tuning-$TUNE_MODEL.jsonl"
      echo "== tune stderr (last 40 lines)" >> "$OUT/tune.txt"; tail -n 40 /tmp/tune-stderr.log | tee -a "$OUT/tune.txt" ;;
    tunefresh)
      # $TUNE_MODEL fp16 tuned for $TUNE_SECONDS from an empty log (the tuner's rules, not a resumed log's
      # luck): the run's summary, its re-plan reports, how many records the early cut stopped, then the
      # model compiled from that log and timed. The log comes back as $OUT/fresh-$TUNE_MODEL.jsonl.
      secs=${TUNE_SECONDS:-300}
      log="$OUT/fresh-$TUNE_MODEL.jsonl"; rm -f "$log"
      tune_model_onnx
      autogtco -v tune "/tmp/$TUNE_MODEL.onnx" --tuning-log "$log" --precision fp16 --time-budget "${secs}s" \
        --nvrtc-cache /tmp/agt-nvrtc-cache 2> /tmp/fresh-stderr.log | tee "$OUT/fresh-$TUNE_MODEL.txt"
      { grep -E "co-optimisation|giving up" /tmp/fresh-stderr.log
        echo "records $(wc -l < "$log"), early-cut $(grep -c '"cut":true' "$log"), failed $(grep -vc '"error":"none"' "$log")"; } \
        | tee -a "$OUT/fresh-$TUNE_MODEL.txt"
      autogtco compile "/tmp/$TUNE_MODEL.onnx" -o "/tmp/fresh-$TUNE_MODEL.so" --precision fp16 --tuning-log "$log" \
        --nvrtc-cache /tmp/agt-nvrtc-cache 2>&1 | grep -E "graph|programs|error" | tee -a "$OUT/fresh-$TUNE_MODEL.txt"
      for i in 1 2; do autogtco bench "/tmp/fresh-$TUNE_MODEL.so" --iters 300 --warmup 30 2>&1 | grep -E "median|error"; done \
        | tee -a "$OUT/fresh-$TUNE_MODEL.txt" ;;
    loo)
      # Leave-one-out: $LOO_MODEL (default vit-large-16) compiled untuned twice, with default annotations and
      # with a cost model trained on every committed log but its own; both timed, alternately.
      m=${LOO_MODEL:-vit-large-16}
      [ -f "/tmp/$m.onnx" ] || autogtco zoo "$m" -o "/tmp/$m.onnx" >/dev/null
      others=$(ls models/tuning/h100/*.jsonl | grep -v "/$m.jsonl$")
      # shellcheck disable=SC2086
      autogtco cost-model train $others -o /tmp/loo.json | tee "$OUT/loo-$m.txt"
      for cm in none /tmp/loo.json; do
        tag=$(basename "$cm" .json)
        autogtco compile "/tmp/$m.onnx" -o "/tmp/loo-$m-$tag.so" --precision fp16 --cost-model "$cm" \
          --nvrtc-cache /tmp/agt-nvrtc-cache 2>&1 | grep -E "graph|programs|error" | tee -a "$OUT/loo-$m.txt"
      done
      for i in 1 2 3; do
        for tag in none loo; do
          echo "$tag: $(autogtco bench "/tmp/loo-$m-$tag.so" --iters 300 --warmup 30 2>&1 | grep -E "median|error")"
        done
      done | tee -a "$OUT/loo-$m.txt" ;;
    curve)
      # The tuning curve of $TUNE_MODEL fp16: its log (from this call's tune step, else the longer of the
      # warm machine's copy and the committed one) cut at $CURVE seconds of cumulative tuning time
      # (scripts/gpu/tuning_curve.py), each prefix compiled (DPOF's estimate in the summary) and timed,
      # next to the untuned artifact.
      log="$OUT/tuning-$TUNE_MODEL.jsonl"; [ -f "$log" ] || log=$(longest_log)
      [ -n "$log" ] || { echo "curve: no tuning log for $TUNE_MODEL"; continue; }
      tune_model_onnx
      python3 scripts/gpu/tuning_curve.py "$log" /tmp/curve ${CURVE:-120 300 600 1200} | tee "$OUT/curve.txt"
      : > /tmp/curve/curve-0.jsonl
      for t in 0 ${CURVE:-120 300 600 1200}; do
        echo "== after ${t}s of tuning: $(wc -l < /tmp/curve/curve-$t.jsonl) records" | tee -a "$OUT/curve.txt"
        autogtco compile "/tmp/$TUNE_MODEL.onnx" -o "/tmp/curve-$t.so" --precision fp16 --tuning-log /tmp/curve/curve-$t.jsonl \
          --nvrtc-cache /tmp/agt-nvrtc-cache 2>&1 | grep -E "graph|programs|launches|error" | tee -a "$OUT/curve.txt"
        autogtco bench "/tmp/curve-$t.so" --iters 300 --warmup 30 2>&1 | grep -E "median|error" | tee -a "$OUT/curve.txt"
      done ;;
    profile)
      # Per-kernel GPU time of $TUNE_MODEL fp16 compiled from its longest tuning log (untuned without one):
      # Nsight Compute with the clocks left alone (--clock-control none; KINDS.md: it reads counters on
      # Firecracker machines, not on gVisor ones), summed per kernel configuration (scripts/gpu/ncu_summary.py).
      log=$(longest_log)
      tune_model_onnx
      autogtco compile "/tmp/$TUNE_MODEL.onnx" -o /tmp/profile.so --precision fp16 ${log:+--tuning-log "$log"} \
        --nvrtc-cache /tmp/agt-nvrtc-cache 2>&1 | grep -E "graph|programs|launches|error" | tee "$OUT/profile.txt"
      ncu_bin=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -n 1)
      if [ -z "$ncu_bin" ]; then echo "profile: no ncu on this machine" | tee -a "$OUT/profile.txt"; continue; fi
      "$ncu_bin" --clock-control none --metrics gpu__time_duration.sum --csv \
        autogtco bench /tmp/profile.so --iters 2 --warmup 1 > /tmp/ncu.csv 2> /tmp/ncu.err
      tail -n 5 /tmp/ncu.err | tee -a "$OUT/profile.txt"
      python3 scripts/gpu/ncu_summary.py /tmp/ncu.csv 2>&1 | tee -a "$OUT/profile.txt"
      cp /tmp/ncu.csv "$OUT/ncu-$TUNE_MODEL.csv" ;;   # every launch in order (scripts/gpu/ncu_prefix.py sums a model's first kernels)
    compare)
      # An older build (OLD, default .carry-old) against this one: kernels diffed, artifacts timed (compare_builds.sh).
      OUT="$OUT" bash scripts/gpu/compare_builds.sh ;;
    vstorch)
      # Zoo models ($VS_MODELS, default ViT-B) compiled fp16 here ($VS_COMPILE_OPTS added) with the first
      # log there is of $OUT/tuning-NAME.jsonl (tune), $OUT/fresh-NAME.jsonl (tunefresh) and
      # $VS_LOG_DIR/NAME.jsonl (default models/tuning/h100),
      # then timed beside torch eager and torch.compile reduce-overhead in this call (vs_torch.py).
      specs=()
      for m in ${VS_MODELS:-vit-base-16}; do
        [ -f "/tmp/$m.onnx" ] || autogtco zoo "$m" -o "/tmp/$m.onnx" > /dev/null
        logopt=()
        for l in "$OUT/tuning-$m.jsonl" "$OUT/fresh-$m.jsonl" "${VS_LOG_DIR:-models/tuning/h100}/$(log_name "$m").jsonl"; do [ -f "$l" ] && { logopt=(--tuning-log "$l"); break; }; done
        autogtco compile "/tmp/$m.onnx" -o "/tmp/vs-$m.so" --precision fp16 "${logopt[@]}" ${VS_COMPILE_OPTS:-} --nvrtc-cache /tmp/agt-nvrtc-cache 2>&1 \
          | grep -E "^compiled|tasks|programs|error" | tee -a "$OUT/vs_torch.txt"
        specs+=(--so "$m=/tmp/vs-$m.so")
      done
      python3 scripts/gpu/vs_torch.py "${specs[@]}" 2>&1 | grep -v Warning | tee -a "$OUT/vs_torch.txt" ;;
    torchvit)
      # torch (eager, torch.compile reduce-overhead) on this GPU for the ViTs, beside ours (scripts/gpu/torch_vit.py).
      python3 scripts/gpu/torch_vit.py --models ${TORCH_MODELS:-vit_base_patch16_224} 2>&1 | grep -v Warning | tee "$OUT/torch_vit.txt" ;;
    python)
      # The Python package (python/autogtco): ViT-B tiny and full-size from PyTorch through autogtco.compile,
      # run from torch CUDA tensors beside `autogtco run` and PyTorch, the stream and thread checks, and the
      # per-call time beside `autogtco bench` (scripts/gpu/python_check.py; PY_CHECK_OPTS adds its flags).
      # Also the zoo's ViT-B compiled from its committed tuning log (README's artifact): --artifact, every check
      # but PyTorch's. The binary is the carried one; python_check.json lands in $OUT/python (the .so files removed after).
      [ -f /tmp/vit-base-16.onnx ] || autogtco zoo vit-base-16 -o /tmp/vit-base-16.onnx > /dev/null
      autogtco compile /tmp/vit-base-16.onnx -o /tmp/py-vit-base-16.so --precision fp16 --tuning-log models/tuning/h100/vit-base-16.jsonl \
        --nvrtc-cache /tmp/agt-nvrtc-cache 2>&1 | grep -E "^compiled|programs|error" | tee "$OUT/python_check.txt"
      AUTOGTCO_BINARY="$PWD/$CARRY/bin/autogtco" python3 scripts/gpu/python_check.py --out "$OUT/python" \
        --artifact /tmp/py-vit-base-16.so ${PY_CHECK_OPTS:-} 2>&1 | grep -v -E "^\[torch.onnx\]|torchvision::" | tee -a "$OUT/python_check.txt"
      rm -f "$OUT"/python/*.so ;;
    multigpu)
      # Issue 19 on a host with 2+ GPUs (docs/multi-gpu.md): $TUNE_MODEL fp16 tuned from an empty log for
      # $MULTIGPU_SECONDS (default 150) with --devices 0, then --devices all, each with its own empty NVRTC
      # cache (neither inherits the other's compiles); trials per minute and the tuned estimate of each,
      # both logs compiled and timed alternately; then --devices all for $MULTIGPU_KILL_SECONDS (default 70)
      # with GPU 1's worker SIGKILLed after 25 s, and its log checked: records = trials, no program twice,
      # every record tagged with its GPU. Everything lands in $OUT/multigpu/ (summary.txt first).
      # MULTIGPU_ALL_OPTS adds flags to the --devices all runs only (e.g. "--batch 32": each GPU's share of a
      # round as with one GPU, the per-round search and model update paid once per 32 programs).
      secs=${MULTIGPU_SECONDS:-150}; ksecs=${MULTIGPU_KILL_SECONDS:-70}
      d="$OUT/multigpu"; mkdir -p "$d"
      nvidia-smi --query-gpu=index,name,pci.bus_id --format=csv | tee "$d/gpus.txt"
      if [ "$(nvidia-smi -L | grep -c GPU)" -lt 2 ]; then echo "multigpu: fewer than 2 GPUs here" | tee "$d/summary.txt"; continue; fi
      tune_model_onnx
      for dev in 0 all; do
        rm -rf "/tmp/mg-cache-$dev" "$d/tune-$dev.jsonl"
        autogtco -v tune "/tmp/$TUNE_MODEL.onnx" --tuning-log "$d/tune-$dev.jsonl" --precision fp16 --time-budget "${secs}s" \
          --devices "$dev" --seed 1 --nvrtc-cache "/tmp/mg-cache-$dev" $([ "$dev" = all ] && echo "${MULTIGPU_ALL_OPTS:-}") \
          > "$d/tune-$dev.txt" 2> "$d/tune-$dev.err"
        echo "--devices $dev: rc $?, $(grep -E '^trials ' "$d/tune-$dev.txt")" | tee -a "$d/summary.txt"
        grep -E "^GPU |^compile |^estimated" "$d/tune-$dev.txt" | tee -a "$d/summary.txt"
      done
      python3 - "$d" "$secs" <<'PY' | tee -a "$d/summary.txt"
import json, sys
d, secs = sys.argv[1], float(sys.argv[2])
rate = {}
for dev in ("0", "all"):
    recs = [json.loads(l) for l in open(f"{d}/tune-{dev}.jsonl") if l.strip()]
    t = [r["time"] for r in recs if "time" in r]
    span = max(t) - min(t) if len(t) > 1 else secs
    rate[dev] = 60.0 * len(recs) / secs
    devs = sorted({r["env"].get("device", -1) for r in recs})
    print(f"--devices {dev}: {len(recs)} records in {secs:.0f} s = {rate[dev]:.1f} trials/min (records span {span} s), GPUs {devs}")
print(f"speed-up --devices all / --devices 0: {rate['all'] / max(rate['0'], 1e-9):.2f}x (goal >= 1.8 on two GPUs)")
PY
      for dev in 0 all; do
        autogtco compile "/tmp/$TUNE_MODEL.onnx" -o "/tmp/mg-$dev.so" --precision fp16 --tuning-log "$d/tune-$dev.jsonl" \
          --nvrtc-cache "/tmp/mg-cache-$dev" 2>&1 | grep -E "^compiled|programs|error" >> "$d/compile.txt"
      done
      for i in 1 2; do for dev in 0 all; do
        echo "--devices $dev log, bench $i: $(autogtco bench "/tmp/mg-$dev.so" --iters 300 --warmup 30 2>&1 | grep -E "median|error")"
      done; done | tee -a "$d/summary.txt"
      # A worker killed mid-run: no record lost or duplicated.
      rm -f "$d/kill.jsonl"
      autogtco -v tune "/tmp/$TUNE_MODEL.onnx" --tuning-log "$d/kill.jsonl" --precision fp16 --time-budget "${ksecs}s" \
        --devices all --seed 2 --nvrtc-cache /tmp/mg-cache-all > "$d/kill.txt" 2> "$d/kill.err" &
      tpid=$!
      sleep 25
      victim=$(pgrep -P "$tpid" -f "tune-worker.*--device=1" | head -n 1)
      echo "killing GPU 1's worker: pid ${victim:-none} (tuner $tpid)" | tee -a "$d/summary.txt"
      [ -n "$victim" ] && kill -9 "$victim"
      wait "$tpid"; echo "kill run: rc $?, $(grep -E '^trials ' "$d/kill.txt")" | tee -a "$d/summary.txt"
      grep -E "^GPU |^compile " "$d/kill.txt" | tee -a "$d/summary.txt"
      grep -E "exited without answering|cannot start again" "$d/kill.err" | head -n 5 | tee -a "$d/summary.txt"
      python3 - "$d/kill.jsonl" "$d/kill.txt" <<'PY' | tee -a "$d/summary.txt"
import json, re, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
m = re.search(r"^trials (\d+)", open(sys.argv[2]).read(), re.M)
trials = int(m.group(1)) if m else -1
keys = [r["task"] + json.dumps(r["program"], sort_keys=True) for r in recs]
untagged = sum(1 for r in recs if "device" not in r["env"])
failed = sum(1 for r in recs if r["result"]["error"] != "none")
ok = len(recs) == trials and len(set(keys)) == len(keys) and untagged == 0
print(f"kill run: {len(recs)} records, tuner counted {trials} trials, {len(keys) - len(set(keys))} duplicated, "
      f"{untagged} without a GPU, {failed} failed: {'PASS' if ok else 'FAIL'}")
PY
      ;;
    *) echo "unknown step $s" ;;
  esac
done

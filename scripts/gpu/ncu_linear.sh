#!/usr/bin/env bash
# Nsight Compute on a few Linear shapes, cuBLAS (torch's F.linear) beside the Hopper core's kernels,
# caches and clocks left alone: which kernel cuBLAS picks (its name says tile, cluster, split / stream-K),
# and for each kernel the speed-of-light, memory and launch sections (L2 and DRAM throughput, cluster
# size, registers, shared memory). Run on the GPU machine from remote.sh's environment:
#   NCU_SHAPES="setr-b.fc2:577:3072:768" NCU_OURS="regex ..." bash scripts/gpu/ncu_linear.sh
# NCU_SHAPES: name:M:K:N entries (space-separated) for torch; NCU_OURS: "shape=kernel-regex" entries for
# bench_gemm_sm90 --sweep --shapes shape (one profiled launch each, after 3 skipped).
set -uo pipefail
OUT=${OUT:-/tmp/agt-out}
CARRY=${CARRY:-.carry}
ncu_bin=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -n 1)
sections=(--section SpeedOfLight --section MemoryWorkloadAnalysis --section ComputeWorkloadAnalysis --section WarpStateStats --section LaunchStats --section Occupancy)
for s in ${NCU_SHAPES:-setr-b.fc2:577:3072:768}; do
  IFS=: read -r name m k n <<< "$s"
  echo "== torch F.linear $name ($m x $k -> $n)"
  "$ncu_bin" --clock-control none --cache-control none --kernel-name regex:'gemm|xmma|cutlass|sm90' \
    --launch-skip 3 --launch-count 1 "${sections[@]}" \
    python3 -c "
import torch, torch.nn.functional as F
x = torch.rand($m, $k, device='cuda', dtype=torch.float16)
w = torch.rand($n, $k, device='cuda', dtype=torch.float16)
b = torch.rand($n, device='cuda', dtype=torch.float16)
for _ in range(6): y = F.linear(x, w, b)
torch.cuda.synchronize()" 2>&1 | grep -v "^==PROF==" | sed "s/^/torch $name: /"
done
export AGT_NVRTC_CACHE="$PWD/$CARRY/nvrtc-cache-sm90"
for e in ${NCU_OURS:-}; do
  shape=${e%%=*}; re=${e#*=}
  echo "== ours $shape $re"
  "$ncu_bin" --clock-control none --cache-control none --kernel-name regex:"$re" --launch-skip 3 --launch-count 1 \
    "${sections[@]}" "$CARRY/bin/bench_gemm_sm90" --sweep --shapes "$shape" 2>&1 | grep -v "^==PROF==" \
    | grep -v "^sweep\|^fused\|^#\|^name\|^$shape" | sed "s/^/ours $shape: /"
done

#!/usr/bin/env bash
# Gathers what the GPU machine needs for remote.sh's `sm90` step alone into DEST (default .carry-sm90),
# from a build folder already built (test_codegen, bench_gemm_sm90) and its NVRTC cache (filled by
# `test_codegen "[sm90]"` and `bench_gemm_sm90 --compile-only`): the two binaries, the shared libraries
# a bare machine lacks, the cubins, and the scripts the step runs (so DEST also works from a checkout
# of another branch: run `CARRY=DEST SCRIPTS=DEST/scripts bash DEST/scripts/remote.sh sm90` there).
# A .gitignore of `*` inside DEST keeps git from seeing it. Builds nothing.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
BUILD=${BUILD:-build}
DEST=${1:-.carry-sm90}
rm -rf "$DEST" && mkdir -p "$DEST/bin" "$DEST/lib" "$DEST/scripts"
echo '*' > "$DEST/.gitignore"
cp "$BUILD/bin/test_codegen" "$BUILD/bin/bench_gemm_sm90" "$DEST/bin/"
cp -r "$BUILD/nvrtc-cache-sm90" "$DEST/"
cp scripts/gpu/remote.sh scripts/gpu/bench_linear_torch.py "$DEST/scripts/"
for f in "$DEST"/bin/*; do
  ldd "$f" 2>/dev/null | awk '/=> \//{print $3}' | while read -r lib; do
    case "$(basename "$lib")" in
      libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|libgcc_s.so*|libstdc++.so*|ld-linux*|libnvrtc*|libcuda.so*) ;;
      *) cp -nL "$lib" "$DEST/lib/" ;;
    esac
  done
done
strip --strip-debug "$DEST"/bin/* 2>/dev/null || true
du -sh "$DEST"

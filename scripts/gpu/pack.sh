#!/usr/bin/env bash
# Build here (no GPU) and gather what the GPU machine needs into .carry/ (at most 64 MiB travels):
# the autogtco binary, the test executables, the artifact stub, and every shared library the binaries
# need that a bare Ubuntu 24.04 + CUDA 13 machine lacks (NVRTC comes from that machine's CUDA).
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
# BUILD: the build folder; TARGETS: build only these (space-separated; default: everything);
# CARRY: the folder to fill (default .carry; remote.sh reads the same variable).
BUILD=${BUILD:-build}
CARRY=${CARRY:-.carry}
# (.gitignore already ignores /.carry/, so a CARRY under it needs no entry.)
case "$CARRY" in .carry|.carry/*) ;; *) grep -qx "/$CARRY/" .git/info/exclude 2>/dev/null || echo "/$CARRY/" >> .git/info/exclude ;; esac
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
if [ -n "${TARGETS:-}" ]; then
  # shellcheck disable=SC2086
  cmake --build "$BUILD" -j "$(nproc)" --target $TARGETS
else
  cmake --build "$BUILD" -j "$(nproc)"
fi
rm -rf "$CARRY" && mkdir -p "$CARRY/bin" "$CARRY/lib"
# Test executables travel only when they have [gpu] cases (ALL_TESTS=1: all of them); the rest run
# here and in CI, and leaving them saves about 16 MiB of the 64 that travel.
for b in "$BUILD"/bin/*; do
  [ -x "$b" ] && [ -f "$b" ] || continue
  case "$(basename "$b")" in
    test_*) [ "${ALL_TESTS:-0}" = 1 ] || [ "$("$b" --list-test-names-only "[gpu]" 2>/dev/null | grep -c .)" -gt 0 ] || continue ;;
  esac
  cp "$b" "$CARRY/bin/"
done
cp "$BUILD"/lib/*.so "$CARRY/lib/" 2>/dev/null || true
# The sm_90a GEMM core's cubins compiled here (test_codegen "[sm90]", bench_gemm_sm90 --compile-only):
# the GPU machine loads them instead of compiling again (AGT_NVRTC_CACHE, or beside bin/).
[ -d "$BUILD/nvrtc-cache-sm90" ] && cp -r "$BUILD/nvrtc-cache-sm90" "$CARRY/"
# Shared libraries from Debian that the remote machine may not have (fmt, spdlog, xgboost, ...).
for f in "$CARRY"/bin/* "$CARRY"/lib/*.so; do
  ldd "$f" 2>/dev/null | awk '/=> \//{print $3}' | while read -r lib; do
    case "$(basename "$lib")" in
      libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|libgcc_s.so*|libstdc++.so*|ld-linux*|libnvrtc*|libcuda.so*) ;;
      *) cp -nL "$lib" "$CARRY/lib/" ;;
    esac
  done
done
strip --strip-debug "$CARRY"/bin/* 2>/dev/null || true
du -sh "$CARRY"

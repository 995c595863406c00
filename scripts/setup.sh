#!/usr/bin/env bash
# Installs what AutoGTCO needs to build and test: Debian packages through apt-get and the
# test-only Python packages through pip. Idempotent, and silent when everything is present.
set -euo pipefail

DEBS=(cmake g++ make pkg-config libprotobuf-dev protobuf-compiler libonnx-dev libcli11-dev
      libspdlog-dev libfmt-dev nlohmann-json3-dev catch2 libxgboost-dev
      clang libclang-rt-dev    # clang + libFuzzer: the loader's fuzz target (fuzz/, `make fuzz`)
      python3-venv python3-pip)   # the Python package's test: its wheel into a fresh virtual environment
# setuptools + wheel: the package's wheel, built without build isolation by its test (no network).
PIPS=(numpy onnx onnxruntime setuptools wheel)

missing=()
for p in "${DEBS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if command -v "$PY" >/dev/null 2>&1; then
  pymissing=()
  for m in "${PIPS[@]}"; do
    "$PY" -c "import $m" 2>/dev/null || pymissing+=("$m")
  done
  if [ ${#pymissing[@]} -gt 0 ]; then
    echo "setup: pip installing ${pymissing[*]}" >&2
    "$PY" -m pip install -q --disable-pip-version-check "${pymissing[@]}" >/dev/null
  fi
fi

if [ ! -x /usr/local/cuda/bin/nvcc ] && [ ! -f /usr/local/cuda/include/nvrtc.h ]; then
  echo "setup: warning: the CUDA toolkit is not at /usr/local/cuda (NVRTC is needed to build)" >&2
fi

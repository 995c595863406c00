#!/usr/bin/env bash
# The Python package as a user gets it: its wheel built from this checkout with this build's autogtco
# (setup.py with AUTOGTCO_NO_CMAKE=1: the binary under test, not a rebuild), installed into a fresh
# virtual environment, and tests/python/test_package.py run there from outside the source tree, so
# that `import autogtco` and the `autogtco` command are the installed ones. No network: the wheel is
# built without build isolation (setuptools and wheel from scripts/setup.sh), numpy comes from the
# interpreter's own site-packages (--system-site-packages), the package itself with --no-deps.
#   bash tests/python/check_package.sh SOURCE_DIR BUILD_DIR PYTHON
set -euo pipefail
src=$(cd "$1" && pwd); build=$(cd "$2" && pwd); py=${3:-python3}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
unset PYTHONPATH AUTOGTCO_BINARY

for m in setuptools wheel venv ensurepip numpy; do
  "$py" -c "import $m" 2>/dev/null || { echo "check_package: $py lacks '$m' (scripts/setup.sh installs it)" >&2; exit 1; }
done

# A copy of what `pip install .` reads: the build writes its egg-info and build/python beside it.
mkdir -p "$tmp/src"
cp "$src/pyproject.toml" "$src/setup.py" "$tmp/src/"
cp -r "$src/python" "$tmp/src/"
rm -rf "$tmp"/src/python/*.egg-info
find "$tmp/src" -name __pycache__ -prune -exec rm -rf {} +

echo "== wheel"
AUTOGTCO_BUILD_DIR="$build" AUTOGTCO_NO_CMAKE=1 "$py" -m pip wheel --no-build-isolation --no-deps --no-index \
  --disable-pip-version-check -q -w "$tmp/dist" "$tmp/src"
wheels=("$tmp"/dist/autogtco-*-py3-none-linux_*.whl)
[ -f "${wheels[0]}" ] || { echo "check_package: no platform wheel in $tmp/dist: $(ls "$tmp/dist")" >&2; exit 1; }
echo "$(basename "${wheels[0]}"): $(du -k "${wheels[0]}" | cut -f1) KiB"

echo "== fresh virtual environment"
"$py" -m venv --system-site-packages "$tmp/venv"
"$tmp/venv/bin/python" -m pip install --no-index --no-deps --disable-pip-version-check -q "${wheels[0]}"

echo "== tests"
cd "$tmp"
AGT_EXPECT_INSTALLED=1 AGT_WHEEL="${wheels[0]}" "$tmp/venv/bin/python" "$src/tests/python/test_package.py" -v

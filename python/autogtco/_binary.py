"""The `autogtco` binary that the wheel carries (autogtco/bin/autogtco, its artifact stub and the shared
libraries it needs in autogtco/lib/), and the console script `autogtco`: a shim that execs it.

Where the binary is taken from, first match: $AUTOGTCO_BINARY; the package's bin/ (a wheel); the
build tree of a source checkout (build/bin/autogtco beside python/, for editable installs and
PYTHONPATH=python); an ELF `autogtco` on PATH (the GPU machine's .carry/bin).
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Dict, List, Optional

_PACKAGE = Path(__file__).resolve().parent


def _is_elf(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def binary_path() -> str:
    """The autogtco executable; FileNotFoundError saying where it looked when there is none."""
    tried: List[str] = []
    env = os.environ.get("AUTOGTCO_BINARY")
    candidates: List[Optional[Path]] = [Path(env) if env else None, _PACKAGE / "bin" / "autogtco",
                                        _PACKAGE.parent.parent / "build" / "bin" / "autogtco"]
    on_path = shutil.which("autogtco")
    candidates.append(Path(on_path) if on_path else None)
    for c in candidates:
        if c is None:
            continue
        tried.append(str(c))
        if c.is_file() and os.access(c, os.X_OK) and _is_elf(c):
            return str(c)
    raise FileNotFoundError("the autogtco binary was not found (looked at " + ", ".join(tried) + "): install the "
                            "wheel, build the checkout (make build), or set AUTOGTCO_BINARY")


def binary_env(binary: str) -> Dict[str, str]:
    """The environment to run `binary` in: the libraries a wheel bundles (its lib/ beside bin/) first."""
    env = dict(os.environ)
    lib = _PACKAGE / "lib"
    if Path(binary).resolve().is_relative_to(_PACKAGE) and lib.is_dir():
        env["LD_LIBRARY_PATH"] = os.pathsep.join(p for p in (str(lib), env.get("LD_LIBRARY_PATH", "")) if p)
    return env


def main() -> None:
    """The console script: `autogtco ARGS...` runs the binary with the same arguments and exit code."""
    try:
        binary = binary_path()
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    os.execve(binary, [binary] + sys.argv[1:], binary_env(binary))


if __name__ == "__main__":
    main()

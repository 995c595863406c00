"""The wheel's binary part (pyproject.toml has the rest): build_py adds to the pure-Python package
    autogtco/bin/autogtco                      the compiler (debug info stripped)
    autogtco/lib/libagt_artifact_stub.so       the runtime every artifact is packed from (the binary
                                               looks for it in <its folder>/../lib)
    autogtco/lib/lib*.so*                      the Debian libraries it links that a bare machine lacks
                                               (as scripts/gpu/pack.sh gathers them; NVRTC and the
                                               C/C++ runtime excluded); the console script puts this
                                               folder first on LD_LIBRARY_PATH
and the wheel is tagged for this platform (py3-none-linux_x86_64: no Python extension inside).

Where the binary comes from: $AUTOGTCO_BUILD_DIR (default build/), where `cmake --build --target
autogtco` runs first, so that a fresh clone builds it and a built tree is brought up to date;
AUTOGTCO_NO_CMAKE=1 takes what is there as it is (tests pack the binary they test).
AUTOGTCO_BUNDLE_LIBS=0 leaves the Debian libraries out.
"""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sysconfig
from pathlib import Path
from typing import List, Tuple

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:   # setuptools before 70.1
    from wheel.bdist_wheel import bdist_wheel

ROOT = Path(__file__).resolve().parent
# Left to the machine: the C and C++ runtime, the dynamic loader, NVRTC (the CUDA toolkit's) and the driver.
SYSTEM_LIBS = ("libc.so", "libm.so", "libdl.so", "libpthread.so", "librt.so", "libgcc_s.so", "libstdc++.so",
               "ld-linux", "libnvrtc", "libcuda.so", "linux-vdso")


def compiled_files() -> Tuple[Path, Path]:
    build = Path(os.environ.get("AUTOGTCO_BUILD_DIR", ROOT / "build")).resolve()
    if os.environ.get("AUTOGTCO_NO_CMAKE") != "1":
        if not (build / "CMakeCache.txt").exists():
            subprocess.check_call(["cmake", "-S", str(ROOT), "-B", str(build), "-DCMAKE_BUILD_TYPE=RelWithDebInfo"])
        jobs = os.environ.get("AUTOGTCO_BUILD_JOBS", str(os.cpu_count() or 1))
        subprocess.check_call(["cmake", "--build", str(build), "--target", "autogtco", "-j", jobs])
    binary = build / "bin" / "autogtco"
    stub = build / "lib" / "libagt_artifact_stub.so"
    for f in (binary, stub):
        if not f.is_file():
            raise SystemExit(f"setup.py: {f} is missing: build the project first (make build), or unset "
                             "AUTOGTCO_NO_CMAKE so that setup.py builds it")
    return binary, stub


def linked_libraries(binary: Path) -> List[Path]:
    """The shared libraries `binary` loads that are not the machine's own (ldd's resolved paths)."""
    try:
        out = subprocess.run(["ldd", str(binary)], check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    libs = []
    for line in out.splitlines():
        parts = line.split("=>")
        if len(parts) != 2 or not parts[1].strip().startswith("/"):
            continue
        path = Path(parts[1].split("(")[0].strip())
        if not path.name.startswith(SYSTEM_LIBS):
            libs.append(path)
    return libs


class BuildWithBinary(build_py):
    def run(self) -> None:
        super().run()
        binary, stub = compiled_files()
        package = Path(self.build_lib) / "autogtco"
        (package / "bin").mkdir(parents=True, exist_ok=True)
        (package / "lib").mkdir(parents=True, exist_ok=True)
        target = package / "bin" / "autogtco"
        if shutil.which("strip") and os.environ.get("AUTOGTCO_STRIP", "1") == "1":
            subprocess.check_call(["strip", "--strip-debug", "-o", str(target), str(binary)])
        else:
            shutil.copyfile(binary, target)
        target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        shutil.copyfile(stub, package / "lib" / stub.name)
        if os.environ.get("AUTOGTCO_BUNDLE_LIBS", "1") == "1":
            for lib in linked_libraries(binary):
                shutil.copyfile(lib, package / "lib" / lib.name)   # follows links: the file under its soname


class BinaryDistribution(Distribution):
    """Platform-specific contents (the binary), so the files go to platlib, at the wheel's root."""

    def has_ext_modules(self) -> bool:
        return True


class PlatformWheel(bdist_wheel):
    """A wheel for this platform, for any Python 3: it carries an executable, no extension module."""

    def get_tag(self) -> Tuple[str, str, str]:
        return "py3", "none", sysconfig.get_platform().replace("-", "_").replace(".", "_")


setup(distclass=BinaryDistribution, cmdclass={"build_py": BuildWithBinary, "bdist_wheel": PlatformWheel},
      options={"build": {"build_base": os.environ.get("AUTOGTCO_SETUP_BUILD_BASE", "build/python")}})

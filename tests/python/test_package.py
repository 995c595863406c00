#!/usr/bin/env python3
"""Tests of the Python package (python/autogtco) on a machine without a GPU: compile() of an ONNX file
through the binary the package carries, the artifact's metadata, the exception a run raises without a
driver, inputs refused for their kind, dtype, shape or layout before anything runs, damaged artifacts
refused before dlopen, the C API's thread rules, the compile flags.

tests/python/check_package.sh runs it in a fresh virtual environment where the wheel is installed
(AGT_EXPECT_INSTALLED=1 adds the checks of the installation itself); from a checkout:
    PYTHONPATH=python python3 tests/python/test_package.py -v     (the binary from build/bin)
"""
from __future__ import annotations

import ctypes
import importlib.util
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import unittest
import zipfile
from pathlib import Path
from typing import Any, List

import numpy as np

import autogtco
from autogtco import _compile, _verify

INSTALLED = os.environ.get("AGT_EXPECT_INSTALLED") == "1"


def _has_driver() -> bool:
    """Whether libcuda.so.1 loads, as the runtime loads it (dlopen by that name)."""
    try:
        ctypes.CDLL("libcuda.so.1")
        return True
    except OSError:
        return False


HAS_DRIVER = _has_driver()
X = np.zeros((1, 3, 32, 32), np.float32)   # the tiny ViT's input


class FakeCudaArray:
    """An object with __cuda_array_interface__ (as CuPy or Numba give): its pointer is never touched here."""

    def __init__(self, typestr: str, shape: tuple, strides: Any = None, mask: Any = None, ptr: int = 0x7F0000000000,
                 stream: Any = None) -> None:
        self.__cuda_array_interface__ = {"typestr": typestr, "shape": shape, "strides": strides,
                                         "data": (ptr, False), "version": 3, "mask": mask, "stream": stream}


class HostDLPack:
    """Only the DLPack protocol of a host array (as a CPU JAX array offers)."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def __dlpack__(self, **kwargs: Any) -> Any:
        return self.array.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> Any:
        return self.array.__dlpack_device__()


def cli(*args: str) -> subprocess.CompletedProcess:
    binary = autogtco.binary_path()
    from autogtco._binary import binary_env
    return subprocess.run([binary, *args], capture_output=True, text=True, env=binary_env(binary))


class PackageTest(unittest.TestCase):
    tmp: str
    so: str
    model: autogtco.Model

    @classmethod
    def setUpClass(cls) -> None:
        cls.tmp = tempfile.mkdtemp(prefix="agt-pytest-")
        onnx = os.path.join(cls.tmp, "tiny.onnx")
        r = cli("zoo", "vit-base-16", "--tiny", "-o", onnx)
        assert r.returncode == 0, r.stderr
        cls.so = os.path.join(cls.tmp, "tiny.so")
        cls.model = autogtco.compile(onnx, output=cls.so, precision="fp16", progress=False)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.model.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # ------------------------------------------------------------------------- the installation
    @unittest.skipUnless(INSTALLED, "not run from the installed wheel")
    def test_installed_package_and_binary(self) -> None:
        self.assertTrue(autogtco.__file__.startswith(sys.prefix), (autogtco.__file__, sys.prefix))
        package = Path(autogtco.__file__).parent
        self.assertEqual(Path(autogtco.binary_path()), package / "bin" / "autogtco")
        self.assertTrue((package / "lib" / "libagt_artifact_stub.so").is_file())
        self.assertTrue((package / "py.typed").is_file())
        names = zipfile.ZipFile(os.environ["AGT_WHEEL"]).namelist()
        self.assertIn("autogtco/bin/autogtco", names)
        self.assertIn("autogtco/lib/libagt_artifact_stub.so", names)

    @unittest.skipUnless(INSTALLED, "not run from the installed wheel")
    def test_console_script_and_module_run_the_binary(self) -> None:
        for cmd in ([os.path.join(sys.prefix, "bin", "autogtco"), "--version"],
                    [sys.executable, "-m", "autogtco", "--version"]):
            r = subprocess.run(cmd, capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.strip(), f"autogtco {autogtco.__version__}")
        # The exit code and the error line come through the shim.
        r = subprocess.run([os.path.join(sys.prefix, "bin", "autogtco"), "verify", "/nonexistent.so"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("error", r.stderr)

    def test_binary_and_package_versions_agree(self) -> None:
        r = cli("--version")
        self.assertEqual(r.stdout.strip(), f"autogtco {autogtco.__version__}")

    # ---------------------------------------------------------------------- compile and metadata
    def test_compile_returns_the_loaded_artifact(self) -> None:
        m = self.model
        self.assertEqual(m.path, os.path.abspath(self.so))
        self.assertIn("compiled tiny (fp16, sm_90)", m.compile_log or "")
        self.assertNotIn("] info ", m.compile_log or "")   # progress=False: no stage log

    def test_compile_shows_its_progress_on_stderr(self) -> None:
        code = ("import sys, autogtco; m = autogtco.compile(sys.argv[1], output=sys.argv[2], arch='sm_80'); "
                "print(m.arch, m.path)")
        out = os.path.join(self.tmp, "progress.so")
        r = subprocess.run([sys.executable, "-c", code, os.path.join(self.tmp, "tiny.onnx"), out],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), f"sm_80 {out}")
        self.assertIn("] info ", r.stderr)   # the stages as they pass (-v)
        self.assertIn("codegen+nvrtc", r.stderr)
        self.assertIn("compiled tiny (fp16, sm_80)", r.stderr)

    def test_metadata_without_a_gpu(self) -> None:
        m = self.model
        self.assertEqual((m.name, m.precision, m.arch, m.weights_mode), ("tiny", "fp16", "sm_90", "embedded"))
        self.assertEqual(m.compiler_version, autogtco.__version__)
        self.assertEqual(m.inputs, (autogtco.TensorSpec("input", "f32", (1, 3, 32, 32), 12288),))
        self.assertEqual(m.outputs, (autogtco.TensorSpec("logits", "f32", (1, 10), 40),))
        self.assertGreater(m.num_kernels, 0)
        self.assertEqual(m.num_kernels, m.metadata["kernels"])
        self.assertGreaterEqual(m.num_launches, m.num_kernels)
        self.assertGreater(m.arena_bytes, 0)
        self.assertGreater(m.weight_bytes, 100_000)
        self.assertFalse(m.loaded)
        self.assertIn("input: f32[1, 3, 32, 32]", repr(m))

    def test_import_and_metadata_need_neither_torch_nor_numpy(self) -> None:
        code = ("import sys, autogtco; m = autogtco.load(sys.argv[1]); m.metadata; m.inputs; "
                "print('torch' in sys.modules, 'numpy' in sys.modules)")
        r = subprocess.run([sys.executable, "-c", code, self.so], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "False False")

    # --------------------------------------------------------------------------- without a GPU
    @unittest.skipIf(HAS_DRIVER, "this machine has an NVIDIA driver")
    def test_run_without_a_driver_raises_no_driver_error(self) -> None:
        m = autogtco.load(self.so)
        for attempt in (lambda: m(X), lambda: m.run({"input": X}), m.load_device, m.bench):
            with self.assertRaises(autogtco.NoDriverError) as ctx:
                attempt()
            self.assertEqual(ctx.exception.status_name, "AGT_ERROR_NO_DRIVER")
            self.assertIn("libcuda.so.1", str(ctx.exception))
        self.assertFalse(m.loaded)
        self.assertEqual(m.name, "tiny")   # still readable
        # Valid zero-copy arguments get past every check to the same error.
        with self.assertRaises(autogtco.NoDriverError):
            m(FakeCudaArray("<f4", (1, 3, 32, 32)), out=[FakeCudaArray("<f4", (1, 10))])
        with self.assertRaises(autogtco.NoDriverError):
            m(HostDLPack(X))

    @unittest.skipIf(HAS_DRIVER, "this machine has an NVIDIA driver")
    def test_threads_get_the_same_clean_error(self) -> None:
        errors: List[BaseException] = []

        def worker(shared: autogtco.Model) -> None:
            for m in (autogtco.load(self.so), shared):
                try:
                    m(X)
                except BaseException as e:   # noqa: B902 - collected and checked below
                    errors.append(e)

        shared = autogtco.load(self.so)
        threads = [threading.Thread(target=worker, args=(shared,)) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(errors), 16)
        for e in errors:
            self.assertIsInstance(e, autogtco.NoDriverError)
            self.assertIn("libcuda.so.1", str(e))

    # ------------------------------------------------------------- inputs refused before any run
    def test_wrong_dtype_shape_count_or_kind_is_refused(self) -> None:
        m = self.model
        with self.assertRaisesRegex(TypeError, r"input 'input' \(#0\): expected f32 .*got float16"):
            m(X.astype(np.float16))
        with self.assertRaisesRegex(ValueError, r"expected shape \[1, 3, 32, 32\], got \[1, 3, 32, 31\]"):
            m(np.zeros((1, 3, 32, 31), np.float32))
        with self.assertRaisesRegex(ValueError, "expected shape"):
            m(np.zeros((3, 32, 32), np.float32))
        with self.assertRaisesRegex(TypeError, "takes 1 input"):
            m()
        with self.assertRaisesRegex(TypeError, "takes 1 input"):
            m(X, X)
        with self.assertRaisesRegex(TypeError, r"unknown \['pixels'\]; missing \['input'\]"):
            m.run({"pixels": X})
        with self.assertRaisesRegex(TypeError, "got builtins.list"):
            m(X.tolist())
        with self.assertRaisesRegex(TypeError, "expected f32"):
            m(HostDLPack(X.astype(np.float64)))
        self.assertFalse(m.loaded)

    def test_zero_copy_arrays_are_checked(self) -> None:
        m = self.model
        with self.assertRaisesRegex(TypeError, "typestr <f4.*got typestr '<f2'"):
            m(FakeCudaArray("<f2", (1, 3, 32, 32)))
        with self.assertRaisesRegex(ValueError, "expected shape"):
            m(FakeCudaArray("<f4", (1, 3, 32, 16)))
        with self.assertRaisesRegex(ValueError, "not C-contiguous"):
            m(FakeCudaArray("<f4", (1, 3, 32, 32), strides=(24576, 8192, 256, 8)))
        with self.assertRaisesRegex(ValueError, "masked"):
            m(FakeCudaArray("<f4", (1, 3, 32, 32), mask=object()))
        # Strides of a contiguous array, and any stride on a dimension of one, are accepted.
        if not HAS_DRIVER:
            with self.assertRaises(autogtco.NoDriverError):
                m(FakeCudaArray("<f4", (1, 3, 32, 32), strides=(7, 4096, 128, 4)),
                  out=[FakeCudaArray("<f4", (1, 10))])

    def test_outputs_given_with_out_are_checked(self) -> None:
        m = self.model
        with self.assertRaisesRegex(TypeError, r"output 'logits' \(#0\): expected f32"):
            m(X, out=[np.zeros((1, 10), np.float16)])
        with self.assertRaisesRegex(ValueError, "expected shape"):
            m(X, out=[np.zeros((10,), np.float32)])
        frozen = np.zeros((1, 10), np.float32)
        frozen.flags.writeable = False
        with self.assertRaisesRegex(ValueError, "writeable"):
            m(X, out=[frozen])
        with self.assertRaisesRegex(TypeError, "has 1 output"):
            m(X, out=[])
        with self.assertRaisesRegex(TypeError, "outputs are"):
            m(X, out={"y": np.zeros((1, 10), np.float32)})
        with self.assertRaisesRegex(TypeError, "mix host arrays with GPU memory"):
            m(X, out=[FakeCudaArray("<f4", (1, 10))])

    # ------------------------------------------------- what reaches the C API (its runs stubbed)
    def test_device_path_hands_the_pointers_and_the_stream_to_agt_model_run(self) -> None:
        m = autogtco.load(self.so)
        m._loaded = True   # as after agt_model_load; the run itself is stubbed below
        calls: List[Any] = []
        status = [0]

        def fake_run(handle: Any, stream: Any, ins: Any, outs: Any) -> int:
            calls.append((stream, ins[0], outs[0]))
            return status[0]

        m._lib.run = fake_run
        y = FakeCudaArray("<f4", (1, 10), ptr=0x2000)
        for declared, expected in ((None, 0), (1, 0), (2, 2), (0x5555, 0x5555)):
            self.assertIs(m(FakeCudaArray("<f4", (1, 3, 32, 32), ptr=0x1000, stream=declared), out=[y]), y)
            self.assertEqual(calls[-1], (expected, 0x1000, 0x2000))

        class TorchLikeStream:
            cuda_stream = 0x77

        x = FakeCudaArray("<f4", (1, 3, 32, 32), ptr=0x1000, stream=2)
        for stream, expected in ((0x66, 0x66), (TorchLikeStream(), 0x77)):
            self.assertEqual(m.run({"input": x}, out={"logits": y}, stream=stream), {"logits": y})
            self.assertEqual(calls[-1], (expected, 0x1000, 0x2000))
        status[0] = 6
        with self.assertRaises(autogtco.CudaError) as ctx:
            m(x, out=[y])
        self.assertIn("agt_model_run", str(ctx.exception))
        m._handle = None   # never loaded for real: nothing to free on a device

    def test_host_path_reads_the_inputs_and_returns_what_the_run_wrote(self) -> None:
        m = autogtco.load(self.so)
        m._loaded = True

        def fake_run_host(handle: Any, ins: Any, outs: Any) -> int:
            src = (ctypes.c_float * 3072).from_address(ins[0])
            dst = (ctypes.c_float * 10).from_address(outs[0])
            for i in range(10):
                dst[i] = 2 * src[i]
            return 0

        m._lib.run_host = fake_run_host
        x = np.arange(3072, dtype=np.float32).reshape(1, 3, 32, 32)
        y = m(x)
        self.assertIsInstance(y, np.ndarray)
        self.assertEqual((y.shape, y.dtype), ((1, 10), np.float32))
        np.testing.assert_array_equal(y.ravel(), 2 * x.ravel()[:10])
        reversed_x = np.ascontiguousarray(x[..., ::-1])   # a strided view goes through a contiguous copy
        np.testing.assert_array_equal(m(x[..., ::-1]).ravel(), 2 * reversed_x.ravel()[:10])
        out = np.full((1, 10), -1, np.float32)
        self.assertIs(m.run([x], out=[out])["logits"], out)
        np.testing.assert_array_equal(out.ravel(), 2 * x.ravel()[:10])
        m._handle = None

    # -------------------------------------------------------------------------- damaged artifacts
    def _copy(self, name: str, data: bytes) -> str:
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_damaged_artifacts_are_refused_before_dlopen(self) -> None:
        good = Path(self.so).read_bytes()
        offset = struct.unpack_from("<Q", good, len(good) - 64 + 8)[0]

        def flipped(at: int) -> bytes:
            b = bytearray(good)
            b[at] ^= 0x10
            return bytes(b)

        for at in (5, offset // 2, offset - 1):   # the ELF header, the code, the last byte before the payload
            with self.assertRaisesRegex(autogtco.CorruptArtifactError, "runtime code or its dynamic tables"):
                autogtco.load(self._copy(f"code{at}.so", flipped(at)))
        with self.assertRaisesRegex(autogtco.CorruptArtifactError, "no AutoGTCO footer"):
            autogtco.load(self._copy("truncated.so", good[: len(good) // 2]))
        with self.assertRaisesRegex(autogtco.CorruptArtifactError, "footer checksum"):
            autogtco.load(self._copy("footer.so", flipped(len(good) - 64 + 20)))
        # A byte of the payload: dlopen is fine, agt_model_open's own checks say so.
        with self.assertRaises(autogtco.CorruptArtifactError) as ctx:
            autogtco.load(self._copy("payload.so", flipped(offset + 40)))
        self.assertEqual(ctx.exception.status_name, "AGT_ERROR_CORRUPT_ARTIFACT")
        with self.assertRaisesRegex(autogtco.CorruptArtifactError, "not a regular file"):
            autogtco.load(self.tmp)
        with self.assertRaises(FileNotFoundError):
            autogtco.load(os.path.join(self.tmp, "missing.so"))
        with self.assertRaises(autogtco.CorruptArtifactError):
            autogtco.load(os.path.join(self.tmp, "tiny.onnx"))

    def test_checksum_is_the_c_one(self) -> None:
        # The footer's own checksum, computed by the C packer, over its first 48 bytes.
        good = Path(self.so).read_bytes()
        footer = good[-64:]
        self.assertEqual(_verify.checksum64(footer[:48]), struct.unpack_from("<Q", footer, 48)[0])
        # Streaming in odd pieces gives the one-shot sum.
        data = bytes(range(256)) * 5 + b"xyz"
        c = _verify.Checksum64()
        for i in range(0, len(data), 7):
            c.update(data[i:i + 7])
        self.assertEqual(c.finish(), _verify.checksum64(data))
        self.assertNotEqual(_verify.checksum64(data), _verify.checksum64(data[:-1]))

    # ------------------------------------------------------------------------------ life cycle
    def test_close_and_context_manager(self) -> None:
        with autogtco.load(self.so) as m:
            self.assertEqual(m.name, "tiny")
        m.close()   # idempotent
        with self.assertRaisesRegex(ValueError, "closed"):
            m(X)

    # ---------------------------------------------------------------------------------- compile
    def test_compile_flags_are_the_cli_flags(self) -> None:
        args = _compile.cli_args("m.onnx", "m.so", precision="bf16", tuning_log="m.jsonl", tune={"time_budget": "90s", "seed": 3},
                                 arch="sm_80", input_shapes={"pixel_values": (1, 3, 224, 224)}, weights="external",
                                 cost_model="shipped", jobs=2, nvrtc_cache="cache", dump_kernels="k",
                                 max_group_size=8, fold_layer_norm=True, verbose=True, extra_args=["--no-such-flag"])
        self.assertEqual(args, ["-v", "compile", "m.onnx", "-o", "m.so", "--precision", "bf16", "--arch", "sm_80",
                                "--input-shape", "pixel_values=1x3x224x224", "--max-group-size", "8", "--fold-layer-norm",
                                "--tuning-log", "m.jsonl", "--cost-model", "shipped", "--weights", "external",
                                "-j", "2", "--nvrtc-cache", "cache", "--dump-kernels", "k",
                                "--tune", "--time-budget", "90s", "--seed", "3", "--no-such-flag"])
        self.assertEqual(_compile.cli_args("a.onnx", "a.so", tune=200, tuning_log="t.jsonl")[-3:], ["--tune", "--trials", "200"])
        self.assertEqual(_compile.cli_args("a.onnx", "a.so", tune="20m", tuning_log="t.jsonl")[-3:],
                         ["--tune", "--time-budget", "20m"])

    def test_compile_refuses_bad_arguments_before_running(self) -> None:
        onnx = os.path.join(self.tmp, "tiny.onnx")
        with self.assertRaisesRegex(ValueError, "precision"):
            autogtco.compile(onnx, precision="fp8")
        with self.assertRaisesRegex(ValueError, "tuning_log"):
            autogtco.compile(onnx, tune=True)
        with self.assertRaisesRegex(ValueError, "unknown option"):
            autogtco.compile(onnx, tune={"budget": "1m"}, tuning_log="t.jsonl")
        with self.assertRaises(FileNotFoundError):
            autogtco.compile(os.path.join(self.tmp, "missing.onnx"))
        if importlib.util.find_spec("torch") is None:
            with self.assertRaisesRegex(ImportError, "needs torch"):
                autogtco.compile(object(), ())
        else:
            with self.assertRaisesRegex(TypeError, "torch.nn.Module or the path"):
                autogtco.compile(object(), ())

    def test_compile_failure_raises_compile_error_with_the_cli_line(self) -> None:
        bad = self._copy("bad.onnx", b"this is not an ONNX model")
        with self.assertRaises(autogtco.CompileError) as ctx:
            autogtco.compile(bad, output=os.path.join(self.tmp, "bad.so"), progress=False)
        self.assertEqual(ctx.exception.returncode, 2)
        self.assertIn("autogtco compile failed: error:", str(ctx.exception))
        self.assertIn("bad.onnx", str(ctx.exception))
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "bad.so")))


if __name__ == "__main__":
    unittest.main()

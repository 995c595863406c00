#!/usr/bin/env python3
"""Cross-check of the ONNX frontend + reference interpreter against onnxruntime (CPU).

Builds small models with onnx's helper API (each exercising a family of importers and passes, in
the op patterns PyTorch's exporters write), plus every tiny zoo model, runs them in onnxruntime and
through `autogtco run`, and compares each output by relative L2 error (< 1e-5). The committed
PyTorch exports (tests/data/torch/*/, and the corpus of real exports, tests/data/corpus.tar.xz: those
also compiled for fp16) run the same way on their own input.npy; onnxruntime here is also checked
against the outputs the fixture was committed with.

usage: check_onnxruntime.py PATH/TO/autogtco [--keep DIR]
"""
import glob
import os
import subprocess
import sys
import tarfile
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

TOL = 1e-5
RNG = np.random.default_rng(1234)


def init(name, arr):
    return numpy_helper.from_array(np.asarray(arr), name)


def randn(*shape, scale=0.5):
    return (RNG.standard_normal(shape) * scale).astype(np.float32)


def model(nodes, inputs, outputs, inits, opset=17, name="m"):
    g = helper.make_graph(nodes, name, inputs, outputs, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def vi(name, shape, t=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, t, shape)


def mlp_gemm():
    nodes = [
        helper.make_node("Flatten", ["x"], ["f"], axis=1),
        helper.make_node("Gemm", ["f", "w1", "b1"], ["h"], transB=1, alpha=0.5, beta=2.0),
        helper.make_node("Relu", ["h"], ["r"]),
        helper.make_node("Gemm", ["r", "w2", "b2"], ["o"]),
        helper.make_node("Softmax", ["o"], ["y"], axis=-1),
    ]
    inits = [init("w1", randn(16, 12)), init("b1", randn(16)), init("w2", randn(16, 5)), init("b2", randn(1, 5))]
    return model(nodes, [vi("x", ["N", 3, 4])], [vi("y", None)], inits)


def conv_bn_pool_resize():
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("BatchNormalization", ["c", "s", "bb", "m", "v"], ["n"], epsilon=1e-5),
        helper.make_node("Relu", ["n"], ["r"]),
        helper.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p", "w2"], ["c2"], group=4),
        helper.make_node("Resize", ["c2", "", "sc"], ["up"], mode="linear", coordinate_transformation_mode="half_pixel"),
        helper.make_node("Resize", ["c2", "", "", "sz"], ["up2"], mode="linear",
                         coordinate_transformation_mode="align_corners"),
        helper.make_node("Resize", ["c2", "", "sc"], ["up3"], mode="nearest",
                         coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
    ]
    inits = [init("w", randn(4, 3, 3, 3)), init("b", randn(4)), init("s", randn(4) + 1), init("bb", randn(4)),
             init("m", randn(4)), init("v", np.abs(randn(4)) + 0.5), init("w2", randn(4, 1, 1, 1)),
             init("sc", np.array([1, 1, 2, 2], np.float32)), init("sz", np.array([1, 4, 7, 9], np.int64))]
    return model(nodes, [vi("x", [1, 3, 8, 8])], [vi("up", None), vi("up2", None), vi("up3", None)], inits)


def shape_arith():
    # The TorchScript exporter's view/reshape pattern: Shape -> Gather -> Unsqueeze -> Concat -> Reshape.
    nodes = [
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node("Gather", ["s", "i0"], ["n"], axis=0),
        helper.make_node("Gather", ["s", "i1"], ["t"], axis=0),
        helper.make_node("Unsqueeze", ["n", "ax0"], ["n1"]),
        helper.make_node("Unsqueeze", ["t", "ax0"], ["t1"]),
        helper.make_node("Concat", ["n1", "t1", "heads", "m1"], ["shape"], axis=0),
        helper.make_node("Reshape", ["x", "shape"], ["r"]),
        helper.make_node("Transpose", ["r"], ["tr"], perm=[0, 2, 1, 3]),
        helper.make_node("MatMul", ["tr", "trT"], ["att"]),
        helper.make_node("ConstantOfShape", ["n1"], ["ones"], value=helper.make_tensor("v", TensorProto.FLOAT, [1], [1.0])),
        helper.make_node("Range", ["r0", "t", "r1"], ["pos"]),
        helper.make_node("Cast", ["pos"], ["posf"], to=TensorProto.FLOAT),
        helper.make_node("Equal", ["pos", "r1"], ["eq"]),
        helper.make_node("Where", ["eq", "posf", "ones"], ["sel"]),
        helper.make_node("Mul", ["att", "sel"], ["y"]),
        helper.make_node("Transpose", ["tr"], ["trT"], perm=[0, 1, 3, 2]),
    ]
    # Transpose trT must come before its use: reorder.
    nodes = nodes[:8] + [nodes[-1]] + nodes[8:-1]
    inits = [init("i0", np.array(0, np.int64)), init("i1", np.array(1, np.int64)),
             init("ax0", np.array([0], np.int64)), init("heads", np.array([2], np.int64)),
             init("m1", np.array([-1], np.int64)), init("r0", np.array(0, np.int64)), init("r1", np.array(1, np.int64))]
    return model(nodes, [vi("x", ["batch", 5, 8])], [vi("y", None)], inits)


def ln_gelu_decomposed():
    # nn.LayerNorm and nn.GELU as the TorchScript exporter writes them below opset 17.
    nodes = [
        helper.make_node("ReduceMean", ["x"], ["mu"], axes=[-1]),
        helper.make_node("Sub", ["x", "mu"], ["d"]),
        helper.make_node("Pow", ["d", "two"], ["sq"]),
        helper.make_node("ReduceMean", ["sq"], ["var"], axes=[-1]),
        helper.make_node("Add", ["var", "eps"], ["ve"]),
        helper.make_node("Sqrt", ["ve"], ["sd"]),
        helper.make_node("Div", ["d", "sd"], ["nrm"]),
        helper.make_node("Mul", ["nrm", "g"], ["ng"]),
        helper.make_node("Add", ["ng", "b"], ["ln"]),
        helper.make_node("MatMul", ["ln", "w"], ["mm"]),
        helper.make_node("Add", ["bias", "mm"], ["h"]),
        helper.make_node("Div", ["h", "sqrt2"], ["hd"]),
        helper.make_node("Erf", ["hd"], ["e"]),
        helper.make_node("Add", ["e", "one"], ["e1"]),
        helper.make_node("Mul", ["h", "e1"], ["he"]),
        helper.make_node("Mul", ["he", "half"], ["y"]),
    ]
    inits = [init("two", np.array(2.0, np.float32)), init("eps", np.array(1e-6, np.float32)),
             init("g", randn(8) + 1), init("b", randn(8)), init("w", randn(8, 6)), init("bias", randn(6)),
             init("sqrt2", np.array(1.4142135, np.float32)), init("one", np.array(1.0, np.float32)),
             init("half", np.array(0.5, np.float32))]
    return model(nodes, [vi("x", [1, 7, 8])], [vi("y", None)], inits, opset=13)


def movement_opset18():
    nodes = [
        helper.make_node("Split", ["x"], ["a", "b", "c"], axis=2, num_outputs=3),
        helper.make_node("Slice", ["a", "st", "en", "ax", "sp"], ["sl"]),
        helper.make_node("Concat", ["sl", "b"], ["cat"], axis=1),
        helper.make_node("Pad", ["cat", "pads", "pv"], ["pd"], mode="constant"),
        helper.make_node("Pad", ["c", "pads2"], ["pr"], mode="reflect"),
        helper.make_node("ReduceSum", ["pd", "rax"], ["rs"], keepdims=1),
        helper.make_node("ReduceMax", ["pr", "rax"], ["rm"], keepdims=0),
        helper.make_node("Tile", ["rs", "reps"], ["tl"]),
        helper.make_node("Expand", ["c", "eshape"], ["ex"]),
        helper.make_node("CumSum", ["ex", "cax"], ["cs"], exclusive=1),
        helper.make_node("LayerNormalization", ["x", "lg", "lb"], ["ln"], axis=-1, epsilon=1e-5),
        helper.make_node("Identity", ["ln"], ["gl"]),
        helper.make_node("Clip", ["gl", "lo", "hi"], ["cl"]),
    ]
    inits = [init("st", np.array([1, -1], np.int64)), init("en", np.array([4, -100], np.int64)),
             init("ax", np.array([1, 2], np.int64)), init("sp", np.array([1, -1], np.int64)),
             init("pads", np.array([0, 1, 0, 0, 2, 0], np.int64)), init("pv", np.array(0.25, np.float32)),
             init("pads2", np.array([0, 0, 1, 0, 0, 1], np.int64)), init("rax", np.array([2], np.int64)),
             init("reps", np.array([1, 1, 3], np.int64)), init("eshape", np.array([2, 1, 1], np.int64)),
             init("cax", np.array(1, np.int64)), init("lg", randn(9) + 1), init("lb", randn(9)),
             init("lo", np.array(-0.5, np.float32)), init("hi", np.array(0.5, np.float32))]
    outs = [vi(n, None) for n in ["tl", "rm", "cs", "cl"]]
    return model(nodes, [vi("x", [1, 5, 9])], outs, inits, opset=18)


def gelu_opset20():
    nodes = [helper.make_node("Gelu", ["x"], ["g"]), helper.make_node("Gelu", ["x"], ["t"], approximate="tanh"),
             helper.make_node("Sum", ["g", "t", "x"], ["y"])]
    return model(nodes, [vi("x", [2, 33])], [vi("y", None)], [], opset=20)


def norms_pools_opset18():
    """LogSoftmax, InstanceNormalization, GroupNormalization (scale and bias per group before opset 21)
    and AveragePool (padded, with and without the padding counted), as the importers decompose them."""
    nodes = [
        helper.make_node("LogSoftmax", ["x"], ["ls"], axis=1),
        helper.make_node("InstanceNormalization", ["x", "is", "ib"], ["inorm"], epsilon=1e-3),
        helper.make_node("GroupNormalization", ["x", "gs", "gb"], ["gn"], num_groups=2, epsilon=1e-5),
        helper.make_node("AveragePool", ["x"], ["ap"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("AveragePool", ["x"], ["api"], kernel_shape=[3, 2], pads=[1, 0, 1, 1], count_include_pad=1),
        helper.make_node("AveragePool", ["x"], ["apv"], kernel_shape=[2, 2], strides=[2, 2]),
    ]
    inits = [init("is", randn(6) + 1), init("ib", randn(6)), init("gs", randn(2) + 1), init("gb", randn(2))]
    outs = [vi(n, None) for n in ["ls", "inorm", "gn", "ap", "api", "apv"]]
    return model(nodes, [vi("x", [2, 6, 7, 9])], outs, inits, opset=18)


def groupnorm_opset21():
    """GroupNormalization from opset 21: scale and bias per channel."""
    nodes = [helper.make_node("GroupNormalization", ["x", "gs", "gb"], ["gn"], num_groups=3, epsilon=1e-5),
             helper.make_node("LogSoftmax", ["gn"], ["y"])]
    inits = [init("gs", randn(6) + 1), init("gb", randn(6))]
    return model(nodes, [vi("x", [1, 6, 5, 4])], [vi("y", None)], inits, opset=21)


def einsum_forms():
    """Einsum as exporters write it: attention's two products, a product by a constant weight (a
    linear after the passes), an outer product, ellipsis batching, a one-operand transpose with a sum,
    the implicit output, and a letter only one operand has, summed away."""
    nodes = [
        helper.make_node("Einsum", ["q", "k"], ["s"], equation="bhqd,bhkd->bhqk"),
        helper.make_node("Einsum", ["s", "k"], ["o"], equation="bhqk,bhkd->bhqd"),
        helper.make_node("Einsum", ["o", "w"], ["lin"], equation="bhqd,de->bhqe"),
        helper.make_node("Einsum", ["t", "f"], ["outer"], equation="i,j->ij"),
        helper.make_node("Einsum", ["q", "k"], ["ell"], equation="...qd,...kd->...qk"),
        helper.make_node("Einsum", ["q"], ["tr"], equation="bhqd->bdh"),
        helper.make_node("Einsum", ["t", "m"], ["imp"], equation="i,ij"),
        helper.make_node("Einsum", ["q", "k"], ["part"], equation="bhqd,bhkd->bq"),
    ]
    inits = [init("w", randn(4, 6)), init("m", randn(5, 3))]
    ins = [vi("q", [2, 3, 5, 4]), vi("k", [2, 3, 7, 4]), vi("t", [5]), vi("f", [6])]
    outs = [vi(n, None) for n in ["lin", "outer", "ell", "tr", "imp", "part"]]
    return model(nodes, ins, outs, inits, opset=17)


def argmax_forms():
    """ArgMax / ArgMin on values with ties (x scaled and floored to a few levels): keepdims on and off,
    a negative axis, select_last_index, and the indices used (cast to float and added)."""
    nodes = [
        helper.make_node("Mul", ["x", "three"], ["x3"]),
        helper.make_node("Floor", ["x3"], ["q"]),
        helper.make_node("ArgMax", ["q"], ["amax"], axis=1),
        helper.make_node("ArgMin", ["q"], ["amin"], axis=-1, keepdims=0, select_last_index=1),
        helper.make_node("ArgMax", ["q"], ["alast"], axis=2, keepdims=0, select_last_index=1),
        helper.make_node("Cast", ["amin"], ["aminf"], to=TensorProto.FLOAT),
        helper.make_node("Add", ["aminf", "bias"], ["y"]),
    ]
    inits = [init("three", np.array(3.0, np.float32)), init("bias", randn(5))]
    outs = [vi("amax", None, TensorProto.INT64), vi("alast", None, TensorProto.INT64), vi("y", None)]
    return model(nodes, [vi("x", [2, 5, 7])], outs, inits, opset=13)


def reduce_forms():
    """The reductions imported as another reduction of a map of x: ReduceL2 as F.normalize writes it
    (SwinV2's cosine attention: x / max(||x||, eps) over the last axis), ReduceSumSquare, ReduceL1 and
    ReduceMin with axes as an input (opset 18) and keepdims off."""
    nodes = [
        helper.make_node("ReduceL2", ["x", "last"], ["n2"], keepdims=1),
        helper.make_node("Max", ["n2", "eps"], ["n2c"]),
        helper.make_node("Div", ["x", "n2c"], ["normed"]),
        helper.make_node("ReduceSumSquare", ["x", "ax01"], ["ss"], keepdims=0),
        helper.make_node("ReduceL1", ["x", "ax1"], ["l1"], keepdims=1),
        helper.make_node("ReduceMin", ["x", "ax02"], ["mn"], keepdims=0),
    ]
    inits = [init("last", np.array([-1], np.int64)), init("eps", np.array(1e-12, np.float32)),
             init("ax01", np.array([0, 1], np.int64)), init("ax1", np.array([1], np.int64)),
             init("ax02", np.array([0, 2], np.int64))]
    outs = [vi("normed", None), vi("ss", None), vi("l1", None), vi("mn", None)]
    return model(nodes, [vi("x", [2, 5, 7])], outs, inits, opset=18)


def select_scatter_cubic():
    """Resize in cubic mode (PyTorch's bicubic: pytorch_half_pixel, coefficient -0.75; half_pixel with
    exclude_outside; align_corners with -0.5 from scales), TopK (largest along the last axis, smallest
    along the first; the input is tie-free), ScatterND (plain with a negative index, and add with a
    repeated index)."""
    nodes = [
        helper.make_node("Resize", ["img", "", "", "sz1"], ["bicubic"], mode="cubic",
                         coordinate_transformation_mode="pytorch_half_pixel", cubic_coeff_a=-0.75),
        helper.make_node("Resize", ["img", "", "", "sz2"], ["cubic_excl"], mode="cubic",
                         coordinate_transformation_mode="half_pixel", exclude_outside=1),
        helper.make_node("Resize", ["img", "", "sc3"], ["cubic_ac"], mode="cubic",
                         coordinate_transformation_mode="align_corners", cubic_coeff_a=-0.5),
        helper.make_node("TopK", ["rows", "k5"], ["top_v", "top_i"], axis=-1),
        helper.make_node("TopK", ["rows", "k2"], ["low_v", "low_i"], axis=0, largest=0),
        helper.make_node("Mul", ["upd", "two"], ["upd2"]),
        helper.make_node("ScatterND", ["table", "sidx", "upd2"], ["scattered"]),
        helper.make_node("ScatterND", ["table", "aidx", "upd3"], ["accumulated"], reduction="add"),
    ]
    inits = [init("sz1", np.array([1, 3, 12, 12], np.int64)), init("sz2", np.array([1, 3, 5, 9], np.int64)),
             init("sc3", np.array([1, 1, 1.5, 2], np.float32)), init("k5", np.array([5], np.int64)),
             init("k2", np.array([2], np.int64)), init("two", np.array(2.0, np.float32)),
             init("sidx", np.array([[1], [-1]], np.int64)), init("aidx", np.array([[0], [2], [0]], np.int64)),
             init("upd3", randn(3, 6))]
    ins = [vi("img", [1, 3, 7, 7]), vi("rows", [4, 20]), vi("upd", [2, 6]), vi("table", [5, 6])]
    outs = [vi(n, None) for n in ["bicubic", "cubic_excl", "cubic_ac", "top_v"]] + [vi("top_i", None, TensorProto.INT64)] + \
           [vi("low_v", None), vi("low_i", None, TensorProto.INT64), vi("scattered", None), vi("accumulated", None)]
    return model(nodes, ins, outs, inits, opset=18)


def conv_transpose_forms():
    """ConvTranspose as PyTorch's exporters write it: stride 2, kernel 4, pads 1 (a 2x upsampling head)
    with a bias; groups 2 with dilation 2, output_padding 1 and uneven pads; stride 3 with a 1x2 kernel."""
    nodes = [
        helper.make_node("ConvTranspose", ["x", "w1", "b1"], ["up"], strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("ConvTranspose", ["x", "w2"], ["grouped"], strides=[2, 2], dilations=[2, 2], group=2,
                         pads=[1, 0, 2, 1], output_padding=[1, 1]),
        helper.make_node("ConvTranspose", ["x", "w3"], ["odd"], strides=[3, 3], kernel_shape=[1, 2]),
    ]
    inits = [init("w1", randn(4, 6, 4, 4)), init("b1", randn(6)), init("w2", randn(4, 3, 3, 3)), init("w3", randn(4, 5, 1, 2))]
    outs = [vi(n, None) for n in ["up", "grouped", "odd"]]
    return model(nodes, [vi("x", [1, 4, 5, 7])], outs, inits, opset=17)


CASES = {
    "mlp_gemm": mlp_gemm,
    "conv_bn_pool_resize": conv_bn_pool_resize,
    "shape_arith": shape_arith,
    "ln_gelu_decomposed": ln_gelu_decomposed,
    "movement_opset18": movement_opset18,
    "gelu_opset20": gelu_opset20,
    "norms_pools_opset18": norms_pools_opset18,
    "groupnorm_opset21": groupnorm_opset21,
    "einsum_forms": einsum_forms,
    "argmax_forms": argmax_forms,
    "reduce_forms": reduce_forms,
    "select_scatter_cubic": select_scatter_cubic,
    "conv_transpose_forms": conv_transpose_forms,
}


def concrete(shape):
    return [d if isinstance(d, int) else 1 for d in shape]


FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "torch")
# The corpus travels as one xz archive (its three exports of a case share their weights, which xz stores
# once: 1.8 MB against 12.5 unpacked), unpacked into the work folder; a corpus/ folder beside it (a fresh
# export being tried) is read instead.
CORPUS = os.path.join(os.path.dirname(FIXTURES), "corpus")
CORPUS_ARCHIVE = CORPUS + ".tar.xz"


def rel_l2(got, want):
    return np.linalg.norm(got.astype(np.float64) - want) / max(np.linalg.norm(want.astype(np.float64)), 1e-30)


def check(autogtco, path, workdir, fixture=None):
    name = os.path.basename(fixture) if fixture else os.path.splitext(os.path.basename(path))[0]
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    feeds, args = {}, []
    for i, inp in enumerate(sess.get_inputs()):
        if fixture:
            f = os.path.join(fixture, "input.npy")
            x = np.load(f)
        else:
            x = RNG.uniform(-1, 1, concrete(inp.shape)).astype(np.float32)
            f = os.path.join(workdir, f"{name}.in{i}.npy")
            np.save(f, x)
        feeds[inp.name] = x
        args += ["--input", f"{inp.name}={f}"]
    ref = sess.run(None, feeds)
    if fixture:
        for o, want in zip(sess.get_outputs(), ref):
            committed = np.load(os.path.join(fixture, o.name + ".npy"))
            err = rel_l2(want, committed)
            if err >= TOL:
                print(f"FAIL {name}/{o.name}: this onnxruntime differs from the committed outputs, relative L2 {err:.2e}")
                return False
    out_dir = os.path.join(workdir, name + ".out")
    r = subprocess.run([autogtco, "run", path, "--out-dir", out_dir] + args, capture_output=True, text=True)
    if r.returncode != 0:
        print(f"FAIL {name}: autogtco run exited {r.returncode}: {r.stderr.strip()}")
        return False
    ok = True
    for o, want in zip(sess.get_outputs(), ref):
        got = np.load(os.path.join(out_dir, o.name + ".npy"))
        if got.shape != want.shape:
            print(f"FAIL {name}/{o.name}: shape {got.shape} vs onnxruntime {want.shape}")
            ok = False
            continue
        if np.issubdtype(want.dtype, np.integer):
            # Indices (TopK, ArgMax) must be exactly onnxruntime's.
            same = np.array_equal(got, want)
            ok &= same
            print(f"{'ok' if same else 'FAIL':4} {name}/{o.name} {tuple(got.shape)} integers {'equal' if same else 'differ'}")
            continue
        err = rel_l2(got, want)
        status = "ok" if err < TOL else "FAIL"
        ok &= err < TOL
        print(f"{status:4} {name}/{o.name} {tuple(got.shape)} relative L2 {err:.2e}")
    return ok


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    autogtco = sys.argv[1]
    keep = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--keep" else None
    workdir = keep or tempfile.mkdtemp(prefix="agt_ort_")
    os.makedirs(workdir, exist_ok=True)
    paths = []
    for name, build in CASES.items():
        m = build()
        p = os.path.join(workdir, name + ".onnx")
        onnx.save(m, p)
        paths.append(p)
    zoo = subprocess.run([autogtco, "zoo", "list"], capture_output=True, text=True)
    for line in zoo.stdout.splitlines()[1:]:
        z = line.split()[0]
        p = os.path.join(workdir, f"zoo_{z}_tiny.onnx")
        r = subprocess.run([autogtco, "zoo", z, "--tiny", "-o", p], capture_output=True, text=True)
        if r.returncode != 0:
            print(f"FAIL zoo {z}: {r.stderr.strip()}")
            return 1
        paths.append(p)
    ok = all([check(autogtco, p, workdir) for p in paths])
    fixtures = sorted(d for d in glob.glob(os.path.join(FIXTURES, "*")) if os.path.isdir(d))
    ok = all([check(autogtco, os.path.join(d, "model.onnx"), workdir, fixture=d) for d in fixtures]) and ok
    # The corpus of real exports (models/torch/export_corpus.sh), when committed: each against
    # onnxruntime as above, then compiled for fp16 without a GPU.
    corpus_dir = CORPUS
    if not os.path.isdir(corpus_dir) and os.path.isfile(CORPUS_ARCHIVE):
        with tarfile.open(CORPUS_ARCHIVE, "r:xz") as t:
            t.extractall(workdir, filter="data")
        corpus_dir = os.path.join(workdir, "corpus")
    corpus = sorted(d for d in glob.glob(os.path.join(corpus_dir, "*")) if os.path.isdir(d))
    if os.path.isfile(CORPUS_ARCHIVE) and not corpus:
        print(f"FAIL {CORPUS_ARCHIVE}: no cases in it")
        ok = False
    # One NVRTC cache for the corpus: the same architecture's exports share their kernels.
    cache = os.path.join(workdir, "nvrtc-cache")
    for d in corpus:
        ok = check(autogtco, os.path.join(d, "model.onnx"), workdir, fixture=d) and ok
        so = os.path.join(workdir, os.path.basename(d) + ".so")
        r = subprocess.run([autogtco, "compile", os.path.join(d, "model.onnx"), "-o", so, "--precision", "fp16",
                            "--nvrtc-cache", cache], capture_output=True, text=True)
        print(f"{'ok' if r.returncode == 0 else 'FAIL':4} {os.path.basename(d)}: compile fp16 "
              f"{'' if r.returncode == 0 else r.stderr.strip()[-300:]}")
        ok = ok and r.returncode == 0
    print("all outputs match onnxruntime" if ok else "MISMATCHES")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

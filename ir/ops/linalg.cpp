// Matrix products and convolution of the op table: matmul (numpy semantics: batched, broadcasting
// batch dims, 1-D operands promoted then squeezed), linear (x @ w + b, w in ONNX MatMul layout
// [K, N]), conv2d (NCHW, strides, ONNX-ordered pads, dilations, groups) and max_pool, and their
// channels-last forms conv2d_nhwc / max_pool_nhwc (the NCHW references on permuted copies). The products
// run on the blocked fp64-accumulating GEMM of gemm.h, split over the interpreter's threads.
#include <array>
#include <cmath>

#include "ir/ops/gemm.h"
#include "ir/ops/op_helpers.h"

namespace agt::ir {
namespace {

using ops::One;

// --- matmul -------------------------------------------------------------------------------------
// The numpy view of a matmul: batch shape, M, K, N, and whether M or N are squeezed at the end.
struct MatMulDims {
  Shape batch;
  int64_t m = 1, k = 1, n = 1;
  bool squeeze_m = false, squeeze_n = false;
  Shape out;
};

Expected<MatMulDims> MatMulShape(const TensorType& a, const TensorType& b) {
  if (a.rank() == 0 || b.rank() == 0) {
    return Status::Errorf("matmul operands must have rank >= 1, got {} and {}", a.ToString(), b.ToString());
  }
  MatMulDims d;
  Shape as = a.shape, bs = b.shape;
  if (as.size() == 1) {
    as.insert(as.begin(), 1);
    d.squeeze_m = true;
  }
  if (bs.size() == 1) {
    bs.push_back(1);
    d.squeeze_n = true;
  }
  d.m = as[as.size() - 2];
  d.k = as.back();
  d.n = bs.back();
  if (bs[bs.size() - 2] != d.k) {
    return Status::Errorf("matmul inner dims differ: {} has K={} but {} has K={}", a.ToString(), d.k, b.ToString(),
                          bs[bs.size() - 2]);
  }
  TensorType ab{a.dtype, Shape(as.begin(), as.end() - 2)}, bb{b.dtype, Shape(bs.begin(), bs.end() - 2)};
  std::vector<TensorType> batches = {ab, bb};
  auto batch = ops::BroadcastShapes(batches);
  if (!batch.ok()) {
    return Status::Errorf("matmul batch dims of {} and {} do not broadcast", a.ToString(), b.ToString());
  }
  d.batch = *batch;
  d.out = d.batch;
  if (!d.squeeze_m) d.out.push_back(d.m);
  if (!d.squeeze_n) d.out.push_back(d.n);
  return d;
}

Expected<std::vector<TensorType>> InferMatMul(const Attrs&, std::span<const TensorType> in) {
  AGT_RETURN_IF_ERROR(ops::RequireSameDType(in[0], in[1], "matmul operands"));
  AGT_RETURN_IF_ERROR(ops::RequireNumeric(in[0], "matmul operand"));
  AGT_ASSIGN_OR_RETURN(MatMulDims d, MatMulShape(in[0], in[1]));
  return One(TensorType{in[0].dtype, d.out});
}

Status RefMatMul(const Attrs&, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext& ctx) {
  AGT_ASSIGN_OR_RETURN(MatMulDims d, MatMulShape(in[0]->type(), in[1]->type()));
  std::vector<float> a = in[0]->ToF32(), b = in[1]->ToF32();
  std::vector<float> c(static_cast<size_t>(out[0].num_elements()));
  // Batch offsets of each operand through broadcasting over the batch dims.
  Shape ab(in[0]->shape().begin(), in[0]->shape().end() - (d.squeeze_m ? 1 : 2));
  Shape bb(in[1]->shape().begin(), in[1]->shape().end() - (d.squeeze_n ? 1 : 2));
  std::vector<std::vector<int64_t>> strides = {ops::BroadcastStrides(ab, d.batch), ops::BroadcastStrides(bb, d.batch)};
  int64_t mk = d.m * d.k, kn = d.k * d.n, mn = d.m * d.n;
  ops::ForEachBroadcast(d.batch, strides, [&](int64_t i, const std::vector<int64_t>& off) {
    ops::Gemm(a.data() + off[0] * mk, b.data() + off[1] * kn, nullptr, c.data() + i * mn, d.m, d.n, d.k,
              ctx.num_threads);
  });
  ops::StoreF32(out[0], c);
  return Status::Ok();
}

// --- linear -------------------------------------------------------------------------------------
Expected<std::vector<TensorType>> InferLinear(const Attrs&, std::span<const TensorType> in) {
  const TensorType& x = in[0];
  const TensorType& w = in[1];
  AGT_RETURN_IF_ERROR(ops::RequireFloat(x, "input"));
  AGT_RETURN_IF_ERROR(ops::RequireSameDType(x, w, "input and weight"));
  if (x.rank() < 1) return Status::Errorf("input must have rank >= 1, got {}", x.ToString());
  if (w.rank() != 2) return Status::Errorf("weight must be [K, N], got {}", w.ToString());
  if (w.shape[0] != x.shape.back()) {
    return Status::Errorf("weight {} does not match input {}: K={} vs {}", w.ToString(), x.ToString(), w.shape[0],
                          x.shape.back());
  }
  if (in.size() > 2) {
    AGT_RETURN_IF_ERROR(ops::RequireSameDType(x, in[2], "input and bias"));
    if (in[2].shape != Shape{w.shape[1]}) {
      return Status::Errorf("bias must be [{}], got {}", w.shape[1], in[2].ToString());
    }
  }
  Shape out = x.shape;
  out.back() = w.shape[1];
  return One(TensorType{x.dtype, out});
}

Status RefLinear(const Attrs&, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext& ctx) {
  const Tensor& x = *in[0];
  int64_t k = x.shape().back(), n = in[1]->shape()[1];
  int64_t m = k == 0 ? 0 : x.num_elements() / k;
  std::vector<float> xv = x.ToF32(), w = in[1]->ToF32();
  std::vector<float> bias = in.size() > 2 ? in[2]->ToF32() : std::vector<float>();
  std::vector<float> c(static_cast<size_t>(m * n));
  ops::Gemm(xv.data(), w.data(), bias.empty() ? nullptr : bias.data(), c.data(), m, n, k, ctx.num_threads);
  ops::StoreF32(out[0], c);
  return Status::Ok();
}

// --- conv2d and max_pool: shared window arithmetic ----------------------------------------------
struct Window {
  int64_t kh, kw, sh, sw, pt, pl, pb, pr, dh, dw;
};

Expected<Window> ReadWindow(const Attrs& attrs, int64_t kh, int64_t kw) {
  std::vector<int64_t> s = ops::AttrInts(attrs, AttrKey::kStrides, {1, 1});
  std::vector<int64_t> p = ops::AttrInts(attrs, AttrKey::kPads, {0, 0, 0, 0});
  std::vector<int64_t> dl = ops::AttrInts(attrs, AttrKey::kDilations, {1, 1});
  if (s.size() != 2 || s[0] < 1 || s[1] < 1) return Status::Errorf("strides {} must be 2 positive ints", ops::IntsStr(s));
  if (dl.size() != 2 || dl[0] < 1 || dl[1] < 1) {
    return Status::Errorf("dilations {} must be 2 positive ints", ops::IntsStr(dl));
  }
  if (p.size() != 4 || *std::min_element(p.begin(), p.end()) < 0) {
    return Status::Errorf("pads {} must be 4 non-negative ints (top, left, bottom, right)", ops::IntsStr(p));
  }
  if (kh < 1 || kw < 1) return Status::Errorf("kernel {}x{} must be positive", kh, kw);
  return Window{kh, kw, s[0], s[1], p[0], p[1], p[2], p[3], dl[0], dl[1]};
}

// Output extent of one spatial dim; ceil_mode as PyTorch and ONNX: a last window must start inside
// the input or its leading padding.
int64_t OutExtent(int64_t in, int64_t k, int64_t s, int64_t p0, int64_t p1, int64_t d, bool ceil_mode) {
  int64_t span = in + p0 + p1 - (d * (k - 1) + 1);
  if (span < 0) return 0;
  int64_t o = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  if (ceil_mode && (o - 1) * s >= in + p0) --o;
  return o;
}

Expected<std::vector<TensorType>> InferConv2d(const Attrs& attrs, std::span<const TensorType> in) {
  const TensorType& x = in[0];
  const TensorType& w = in[1];
  AGT_RETURN_IF_ERROR(ops::RequireFloat(x, "input"));
  AGT_RETURN_IF_ERROR(ops::RequireSameDType(x, w, "input and weight"));
  if (x.rank() != 4) return Status::Errorf("input must be 4-D NCHW, got {}", x.ToString());
  if (w.rank() != 4) return Status::Errorf("weight must be 4-D [O, C/group, kh, kw], got {}", w.ToString());
  int64_t g = ops::AttrInt(attrs, AttrKey::kGroup, 1);
  if (g < 1 || x.shape[1] % g != 0 || w.shape[0] % g != 0) {
    return Status::Errorf("group {} must divide the input channels {} and the output channels {}", g, x.shape[1],
                          w.shape[0]);
  }
  if (w.shape[1] * g != x.shape[1]) {
    return Status::Errorf("weight {} expects {} input channels per group, input {} has {} / {} groups", w.ToString(),
                          w.shape[1], x.ToString(), x.shape[1], g);
  }
  if (in.size() > 2) {
    AGT_RETURN_IF_ERROR(ops::RequireSameDType(x, in[2], "input and bias"));
    if (in[2].shape != Shape{w.shape[0]}) return Status::Errorf("bias must be [{}], got {}", w.shape[0], in[2].ToString());
  }
  AGT_ASSIGN_OR_RETURN(Window win, ReadWindow(attrs, w.shape[2], w.shape[3]));
  int64_t oh = OutExtent(x.shape[2], win.kh, win.sh, win.pt, win.pb, win.dh, false);
  int64_t ow = OutExtent(x.shape[3], win.kw, win.sw, win.pl, win.pr, win.dw, false);
  if (oh < 1 || ow < 1) return Status::Errorf("kernel {} does not fit input {} with the padding given", w.ToString(), x.ToString());
  return One(TensorType{x.dtype, {x.shape[0], w.shape[0], oh, ow}});
}

// conv2d as GEMM per group over chunks of output pixels: W[Og, Cg*kh*kw] x col[Cg*kh*kw, P].
// Chunking bounds the im2col buffer (DETR's 800x1333 stem would need 150 MB unchunked).
Status RefConv2d(const Attrs& attrs, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext& ctx) {
  const Shape& xs = in[0]->shape();
  const Shape& ws = in[1]->shape();
  AGT_ASSIGN_OR_RETURN(Window win, ReadWindow(attrs, ws[2], ws[3]));
  int64_t g = ops::AttrInt(attrs, AttrKey::kGroup, 1);
  int64_t nb = xs[0], c = xs[1], h = xs[2], w = xs[3];
  int64_t o = ws[0], cg = ws[1], og = o / g;
  int64_t oh = out[0].shape()[2], ow = out[0].shape()[3];
  int64_t kk = cg * win.kh * win.kw, pixels = oh * ow;
  std::vector<float> x = in[0]->ToF32(), wt = in[1]->ToF32();
  std::vector<float> bias = in.size() > 2 ? in[2]->ToF32() : std::vector<float>();
  std::vector<float> y(static_cast<size_t>(out[0].num_elements()));
  // Weight rows are [Cg*kh*kw] already; GEMM wants B as [K, P] (col) and A as [Og, K] (weights).
  const int64_t chunk = std::max<int64_t>(1, std::min<int64_t>(pixels, (1 << 22) / std::max<int64_t>(kk, 1)));
  std::vector<float> col(static_cast<size_t>(kk * chunk));
  std::vector<float> res(static_cast<size_t>(og * chunk));
  for (int64_t b = 0; b < nb; ++b) {
    for (int64_t gi = 0; gi < g; ++gi) {
      for (int64_t p0 = 0; p0 < pixels; p0 += chunk) {
        int64_t pc = std::min(chunk, pixels - p0);
        ops::ParallelFor(kk, ctx.num_threads, [&](int64_t rb, int64_t re) {
          for (int64_t r = rb; r < re; ++r) {
            int64_t ci = r / (win.kh * win.kw), ky = (r / win.kw) % win.kh, kx = r % win.kw;
            const float* plane = x.data() + ((b * c) + gi * cg + ci) * h * w;
            float* dst = col.data() + r * pc;
            for (int64_t p = 0; p < pc; ++p) {
              int64_t oy = (p0 + p) / ow, ox = (p0 + p) % ow;
              int64_t iy = oy * win.sh - win.pt + ky * win.dh, ix = ox * win.sw - win.pl + kx * win.dw;
              dst[p] = (iy >= 0 && iy < h && ix >= 0 && ix < w) ? plane[iy * w + ix] : 0.0f;
            }
          }
        }, 16);
        ops::Gemm(wt.data() + gi * og * kk, col.data(), nullptr, res.data(), og, pc, kk, ctx.num_threads);
        for (int64_t oc = 0; oc < og; ++oc) {
          int64_t ch = gi * og + oc;
          float bv = bias.empty() ? 0.0f : bias[ch];
          float* dst = y.data() + (b * o + ch) * pixels + p0;
          for (int64_t p = 0; p < pc; ++p) dst[p] = res[oc * pc + p] + bv;
        }
      }
    }
  }
  ops::StoreF32(out[0], y);
  return Status::Ok();
}

Expected<std::vector<TensorType>> InferMaxPool(const Attrs& attrs, std::span<const TensorType> in) {
  const TensorType& x = in[0];
  AGT_RETURN_IF_ERROR(ops::RequireFloat(x, "input"));
  if (x.rank() != 4) return Status::Errorf("input must be 4-D NCHW, got {}", x.ToString());
  AGT_ASSIGN_OR_RETURN(std::vector<int64_t> k, ops::RequiredInts(attrs, AttrKey::kKernelShape));
  if (k.size() != 2) return Status::Errorf("kernel_shape {} must have 2 entries", ops::IntsStr(k));
  AGT_ASSIGN_OR_RETURN(Window win, ReadWindow(attrs, k[0], k[1]));
  bool ceil_mode = ops::AttrInt(attrs, AttrKey::kCeilMode, 0) != 0;
  int64_t oh = OutExtent(x.shape[2], win.kh, win.sh, win.pt, win.pb, win.dh, ceil_mode);
  int64_t ow = OutExtent(x.shape[3], win.kw, win.sw, win.pl, win.pr, win.dw, ceil_mode);
  if (oh < 1 || ow < 1) return Status::Errorf("kernel {} does not fit input {}", ops::IntsStr(k), x.ToString());
  return One(TensorType{x.dtype, {x.shape[0], x.shape[1], oh, ow}});
}

Status RefMaxPool(const Attrs& attrs, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext&) {
  const Shape& xs = in[0]->shape();
  AGT_ASSIGN_OR_RETURN(std::vector<int64_t> k, ops::RequiredInts(attrs, AttrKey::kKernelShape));
  AGT_ASSIGN_OR_RETURN(Window win, ReadWindow(attrs, k[0], k[1]));
  int64_t planes = xs[0] * xs[1], h = xs[2], w = xs[3];
  int64_t oh = out[0].shape()[2], ow = out[0].shape()[3];
  std::vector<float> x = in[0]->ToF32();
  std::vector<float> y(static_cast<size_t>(out[0].num_elements()));
  for (int64_t pl = 0; pl < planes; ++pl) {
    const float* src = x.data() + pl * h * w;
    for (int64_t oy = 0; oy < oh; ++oy) {
      for (int64_t ox = 0; ox < ow; ++ox) {
        // Padding never wins: cells outside the input are skipped, not read as zeros.
        float m = -INFINITY;
        for (int64_t ky = 0; ky < win.kh; ++ky) {
          int64_t iy = oy * win.sh - win.pt + ky * win.dh;
          if (iy < 0 || iy >= h) continue;
          for (int64_t kx = 0; kx < win.kw; ++kx) {
            int64_t ix = ox * win.sw - win.pl + kx * win.dw;
            if (ix < 0 || ix >= w) continue;
            float v = src[iy * w + ix];
            if (std::isnan(v) || v > m) m = v;
            if (std::isnan(m)) break;
          }
        }
        y[(pl * oh + oy) * ow + ox] = m;
      }
    }
  }
  ops::StoreF32(out[0], y);
  return Status::Ok();
}


// --- conv2d_nhwc and max_pool_nhwc: the NCHW rules and references on permuted views -------------
// perm applied to a 4-D shape / tensor: out dim d is in dim perm[d].
Shape Permute4(const Shape& s, const std::array<int, 4>& perm) { return {s[perm[0]], s[perm[1]], s[perm[2]], s[perm[3]]}; }

Tensor Permute4(const Tensor& t, const std::array<int, 4>& perm) {
  const Shape& s = t.shape();
  Shape os = Permute4(s, perm);
  std::array<int64_t, 4> in_stride = {s[1] * s[2] * s[3], s[2] * s[3], s[3], 1};
  std::vector<int64_t> map(static_cast<size_t>(t.num_elements()));
  size_t i = 0;
  for (int64_t a = 0; a < os[0]; ++a)
    for (int64_t b = 0; b < os[1]; ++b)
      for (int64_t c = 0; c < os[2]; ++c)
        for (int64_t d = 0; d < os[3]; ++d)
          map[i++] = a * in_stride[perm[0]] + b * in_stride[perm[1]] + c * in_stride[perm[2]] + d * in_stride[perm[3]];
  Tensor out(TensorType{t.dtype(), os});
  ops::GatherElements(t, out, map);
  return out;
}

constexpr std::array<int, 4> kToNchw = {0, 3, 1, 2};   // [N, H, W, C] -> [N, C, H, W] (and [O, kh, kw, C] -> [O, C, kh, kw])
constexpr std::array<int, 4> kToNhwc = {0, 2, 3, 1};

// The channels-last types of an NCHW rule's inputs and outputs.
std::vector<TensorType> ToNchw(std::span<const TensorType> in, size_t four_d) {
  std::vector<TensorType> t(in.begin(), in.end());
  for (size_t i = 0; i < std::min(four_d, t.size()); ++i) {
    if (t[i].rank() == 4) t[i].shape = Permute4(t[i].shape, kToNchw);
  }
  return t;
}

Expected<std::vector<TensorType>> InferNhwc(decltype(InferConv2d)* nchw, const Attrs& attrs, std::span<const TensorType> in,
                                            size_t four_d) {
  for (size_t i = 0; i < std::min(four_d, in.size()); ++i) {
    if (in[i].rank() != 4) return Status::Errorf("{} must be 4-D channels-last, got {}", i == 0 ? "input" : "weight", in[i].ToString());
  }
  std::vector<TensorType> t = ToNchw(in, four_d);
  AGT_ASSIGN_OR_RETURN(std::vector<TensorType> out, nchw(attrs, t));
  out[0].shape = Permute4(out[0].shape, kToNhwc);
  return out;
}

Status RefNhwc(decltype(RefConv2d)* nchw, const Attrs& attrs, std::span<const Tensor* const> in, std::span<Tensor> out,
               const RefContext& ctx, size_t four_d) {
  std::vector<Tensor> held;
  held.reserve(in.size());
  std::vector<const Tensor*> args;
  for (size_t i = 0; i < in.size(); ++i) {
    held.push_back(i < four_d ? Permute4(*in[i], kToNchw) : *in[i]);
  }
  for (const Tensor& t : held) args.push_back(&t);
  Tensor y(TensorType{out[0].dtype(), Permute4(out[0].shape(), kToNchw)});
  AGT_RETURN_IF_ERROR(nchw(attrs, args, std::span<Tensor>(&y, 1), ctx));
  out[0] = Permute4(y, kToNhwc);
  return Status::Ok();
}

Expected<std::vector<TensorType>> InferConv2dNhwc(const Attrs& attrs, std::span<const TensorType> in) {
  return InferNhwc(InferConv2d, attrs, in, 2);
}
Status RefConv2dNhwc(const Attrs& attrs, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext& ctx) {
  return RefNhwc(RefConv2d, attrs, in, out, ctx, 2);
}
Expected<std::vector<TensorType>> InferMaxPoolNhwc(const Attrs& attrs, std::span<const TensorType> in) {
  return InferNhwc(InferMaxPool, attrs, in, 1);
}
Status RefMaxPoolNhwc(const Attrs& attrs, std::span<const Tensor* const> in, std::span<Tensor> out, const RefContext& ctx) {
  return RefNhwc(RefMaxPool, attrs, in, out, ctx, 1);
}

std::vector<AttrSpec> WindowAttrs() {
  return {ops::IntsAttr(AttrKey::kStrides, std::vector<int64_t>{1, 1}),
          ops::IntsAttr(AttrKey::kPads, std::vector<int64_t>{0, 0, 0, 0}),
          ops::IntsAttr(AttrKey::kDilations, std::vector<int64_t>{1, 1})};
}

}  // namespace

OpDef DescribeMatMul() { return OpDef{2, 2, {}, InferMatMul, RefMatMul}; }
OpDef DescribeLinear() { return OpDef{2, 3, {}, InferLinear, RefLinear}; }
OpDef DescribeConv2d() {
  std::vector<AttrSpec> a = WindowAttrs();
  a.push_back(ops::IntAttr(AttrKey::kGroup, 1));
  return OpDef{2, 3, std::move(a), InferConv2d, RefConv2d};
}
std::vector<AttrSpec> MaxPoolAttrs() {
  std::vector<AttrSpec> a = WindowAttrs();
  a.insert(a.begin(), ops::IntsAttr(AttrKey::kKernelShape, std::nullopt));
  a.push_back(ops::IntAttr(AttrKey::kCeilMode, 0));
  return a;
}
OpDef DescribeMaxPool() { return OpDef{1, 1, MaxPoolAttrs(), InferMaxPool, RefMaxPool}; }
OpDef DescribeConv2dNhwc() { return OpDef{2, 3, WindowAttrs(), InferConv2dNhwc, RefConv2dNhwc}; }
OpDef DescribeMaxPoolNhwc() { return OpDef{1, 1, MaxPoolAttrs(), InferMaxPoolNhwc, RefMaxPoolNhwc}; }

}  // namespace agt::ir

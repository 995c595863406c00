// Layers in the ONNX op patterns of PyTorch's TorchScript exporter (opset 17); see layers.h.
#include "models/layers.h"

#include <cmath>
#include <limits>

namespace agt::models {
namespace {

int64_t Axis(int64_t axis, size_t rank) { return axis < 0 ? axis + static_cast<int64_t>(rank) : axis; }

int64_t ConvOut(int64_t in, int64_t k, int64_t s, int64_t p) { return (in + 2 * p - k) / s + 1; }

}  // namespace

Val Linear(OnnxBuilder& b, const Val& x, int64_t out_features, float weight_std) {
  int64_t in = x.shape.back();
  Val w = b.Param("weight", {in, out_features}, Init::Normal(0.0f, weight_std));
  Val bias = b.Param("bias", {out_features}, Init::Normal(0.0f, 0.02f));
  Val y = MatMul(b, x, w);
  return Add(b, bias, y);   // the exporter puts the bias first: Add(bias, MatMul)
}

Val LinearGemm(OnnxBuilder& b, const Val& x, int64_t out_features, float weight_std) {
  int64_t in = x.shape.back();
  Val w = b.Param("weight", {out_features, in}, Init::Normal(0.0f, weight_std));
  Val bias = b.Param("bias", {out_features}, Init::Normal(0.0f, 0.02f));
  b.AddFlops(2 * x.shape[0] * in * out_features);
  return b.Op("Gemm", {x, w, bias}, {x.shape[0], out_features},
              {AttrFloat("alpha", 1.0f), AttrFloat("beta", 1.0f), AttrInt("transB", 1)});
}

Val LayerNorm(OnnxBuilder& b, const Val& x, float eps) {
  int64_t d = x.shape.back();
  Val scale = b.Param("weight", {d}, Init::Normal(1.0f, 0.1f));
  Val bias = b.Param("bias", {d}, Init::Normal(0.0f, 0.02f));
  return b.Op("LayerNormalization", {x, scale, bias}, x.shape,
              {AttrInt("axis", -1), AttrFloat("epsilon", eps)});
}

Val GeluErf(OnnxBuilder& b, const Val& x) {
  Val t = b.Op("Div", {x, b.ScalarF32(1.41421353816986083984f)}, x.shape);
  t = b.Op("Erf", {t}, x.shape);
  t = b.Op("Add", {t, b.ScalarF32(1.0f)}, x.shape);
  t = b.Op("Mul", {x, t}, x.shape);
  return b.Op("Mul", {t, b.ScalarF32(0.5f)}, x.shape);
}

Val Relu(OnnxBuilder& b, const Val& x) { return b.Op("Relu", {x}, x.shape); }
Val Sigmoid(OnnxBuilder& b, const Val& x) { return b.Op("Sigmoid", {x}, x.shape); }

Val Add(OnnxBuilder& b, const Val& x, const Val& y) {
  return b.Op("Add", {x, y}, BroadcastShapes(x.shape, y.shape));
}
Val Mul(OnnxBuilder& b, const Val& x, const Val& y) {
  return b.Op("Mul", {x, y}, BroadcastShapes(x.shape, y.shape));
}
Val Div(OnnxBuilder& b, const Val& x, const Val& y) {
  return b.Op("Div", {x, y}, BroadcastShapes(x.shape, y.shape));
}

Val MatMul(OnnxBuilder& b, const Val& x, const Val& y) {
  // Batch dims broadcast; the last two are [M,K] x [K,N]. A rank-2 y is a weight shared by all rows.
  Shape xb(x.shape.begin(), x.shape.end() - 2);
  Shape yb(y.shape.begin(), y.shape.end() - 2);
  Shape out = BroadcastShapes(xb, yb);
  int64_t m = x.shape[x.shape.size() - 2];
  int64_t k = x.shape.back();
  int64_t n = y.shape.back();
  out.push_back(m);
  out.push_back(n);
  b.AddFlops(2 * NumElements(out) * k);
  return b.Op("MatMul", {x, y}, out);
}

Val Reshape(OnnxBuilder& b, const Val& x, Shape shape) {
  Val s = b.VecI64(shape);
  return b.Op("Reshape", {x, s}, std::move(shape));
}

Val Transpose(OnnxBuilder& b, const Val& x, std::vector<int64_t> perm) {
  Shape out;
  for (int64_t p : perm) out.push_back(x.shape[p]);
  return b.Op("Transpose", {x}, out, {AttrInts("perm", std::move(perm))});
}

Val Softmax(OnnxBuilder& b, const Val& x, int64_t axis) {
  return b.Op("Softmax", {x}, x.shape, {AttrInt("axis", axis)});
}

Val Unsqueeze(OnnxBuilder& b, const Val& x, int64_t axis) {
  int64_t a = axis < 0 ? axis + static_cast<int64_t>(x.shape.size()) + 1 : axis;
  Shape out = x.shape;
  out.insert(out.begin() + a, 1);
  return b.Op("Unsqueeze", {x, b.VecI64({axis})}, out, {}, x.elem_type);
}

Val Squeeze(OnnxBuilder& b, const Val& x, int64_t axis) {
  Shape out = x.shape;
  out.erase(out.begin() + Axis(axis, x.shape.size()));
  return b.Op("Squeeze", {x, b.VecI64({axis})}, out, {}, x.elem_type);
}

Val Concat(OnnxBuilder& b, const std::vector<Val>& xs, int64_t axis) {
  int64_t a = Axis(axis, xs[0].shape.size());
  Shape out = xs[0].shape;
  out[a] = 0;
  for (const Val& x : xs) out[a] += x.shape[a];
  return b.Op("Concat", xs, out, {AttrInt("axis", axis)}, xs[0].elem_type);
}

Val SliceAxis(OnnxBuilder& b, const Val& x, int64_t axis, int64_t start, int64_t end, int64_t step) {
  int64_t a = Axis(axis, x.shape.size());
  int64_t dim = x.shape[a];
  int64_t s = start < 0 ? start + dim : start;
  int64_t e = end == std::numeric_limits<int64_t>::max() ? dim : (end < 0 ? end + dim : std::min(end, dim));
  Shape out = x.shape;
  out[a] = e > s ? (e - s + step - 1) / step : 0;
  return b.Op("Slice", {x, b.VecI64({start}), b.VecI64({end}), b.VecI64({axis}), b.VecI64({step})},
              out, {}, x.elem_type);
}

Val GatherIndex(OnnxBuilder& b, const Val& x, int64_t axis, int64_t index) {
  Shape out = x.shape;
  out.erase(out.begin() + Axis(axis, x.shape.size()));
  Val idx = b.ConstI64({}, {index});
  return b.Op("Gather", {x, idx}, out, {AttrInt("axis", axis)}, x.elem_type);
}

std::vector<Val> Unbind(OnnxBuilder& b, const Val& x, int64_t axis) {
  int64_t a = Axis(axis, x.shape.size());
  int64_t n = x.shape[a];
  Shape piece = x.shape;
  piece[a] = 1;
  std::vector<Val> parts = b.OpMulti("Split", {x, b.VecI64(std::vector<int64_t>(n, 1))},
                                     std::vector<Shape>(n, piece), {AttrInt("axis", axis)});
  std::vector<Val> out;
  for (const Val& p : parts) out.push_back(Squeeze(b, p, axis));
  return out;
}

Val Conv2d(OnnxBuilder& b, const Val& x, int64_t out_channels, int64_t kernel, int64_t stride,
           int64_t pad, bool bias, float gain) {
  int64_t cin = x.shape[1];
  float fan_in = static_cast<float>(cin * kernel * kernel);
  Val w = b.Param("weight", {out_channels, cin, kernel, kernel}, Init::Normal(0.0f, gain / std::sqrt(fan_in)));
  std::vector<Val> ins = {x, w};
  if (bias) ins.push_back(b.Param("bias", {out_channels}, Init::Normal(0.0f, 0.02f)));
  Shape out = {x.shape[0], out_channels, ConvOut(x.shape[2], kernel, stride, pad),
               ConvOut(x.shape[3], kernel, stride, pad)};
  b.AddFlops(2 * NumElements(out) * cin * kernel * kernel);
  return b.Op("Conv", ins, out,
              {AttrInts("dilations", {1, 1}), AttrInt("group", 1), AttrInts("kernel_shape", {kernel, kernel}),
               AttrInts("pads", {pad, pad, pad, pad}), AttrInts("strides", {stride, stride})});
}

Val BatchNorm(OnnxBuilder& b, const Val& x, float eps, float gamma) {
  int64_t c = x.shape[1];
  Val scale = b.Param("weight", {c}, Init::Normal(gamma, 0.1f * gamma));
  Val bias = b.Param("bias", {c}, Init::Normal(0.0f, 0.05f));
  Val mean = b.Buffer("running_mean", {c}, Init::Normal(0.0f, 0.05f));
  Val var = b.Buffer("running_var", {c}, Init::Uniform(0.8f, 1.2f));
  return b.Op("BatchNormalization", {x, scale, bias, mean, var}, x.shape,
              {AttrFloat("epsilon", eps), AttrFloat("momentum", 0.9f)});
}

Val MaxPool(OnnxBuilder& b, const Val& x, int64_t kernel, int64_t stride, int64_t pad) {
  Shape out = {x.shape[0], x.shape[1], ConvOut(x.shape[2], kernel, stride, pad),
               ConvOut(x.shape[3], kernel, stride, pad)};
  return b.Op("MaxPool", {x}, out,
              {AttrInt("ceil_mode", 0), AttrInts("dilations", {1, 1}), AttrInts("kernel_shape", {kernel, kernel}),
               AttrInts("pads", {pad, pad, pad, pad}), AttrInts("strides", {stride, stride})});
}

Val ResizeBilinear(OnnxBuilder& b, const Val& x, int64_t factor) {
  Val roi = b.ConstF32({0}, {});
  float f = static_cast<float>(factor);
  Val scales = b.ConstF32({4}, {1.0f, 1.0f, f, f});
  Shape out = {x.shape[0], x.shape[1], x.shape[2] * factor, x.shape[3] * factor};
  return b.Op("Resize", {x, roi, scales}, out,
              {AttrString("coordinate_transformation_mode", "half_pixel"), AttrFloat("cubic_coeff_a", -0.75f),
               AttrString("mode", "linear"), AttrString("nearest_mode", "floor")});
}

}  // namespace agt::models

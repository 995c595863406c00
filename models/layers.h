// Layers as PyTorch's TorchScript exporter (opset 17) writes them: the ONNX op patterns a user's
// exported model contains, and therefore the patterns the frontend must recognise. Each helper adds
// its parameters under the builder's current scope, computes its output's static shape, and adds the
// matrix FLOPs it performs. Shared by the ViT, SETR, ResNet and DETR families.
#pragma once

#include <cstdint>
#include <vector>

#include "models/onnx_builder.h"

namespace agt::models {

// nn.Linear on an input of rank > 2: MatMul(x, W[K,N]) then Add(bias), the weight stored transposed
// as the exporter stores it. Weights trunc-normal(0.02); biases small but non-zero, so that a
// compiler that drops a bias is caught by the numerical tests.
Val Linear(OnnxBuilder& b, const Val& x, int64_t out_features, float weight_std = 0.02f);
// nn.Linear on a rank-2 input: the exporter emits Gemm(x, W[N,K], bias, transB=1).
Val LinearGemm(OnnxBuilder& b, const Val& x, int64_t out_features, float weight_std = 0.02f);
// nn.LayerNorm over the last axis: LayerNormalization (opset 17), scale near 1, bias near 0.
Val LayerNorm(OnnxBuilder& b, const Val& x, float eps);
// nn.GELU() (erf form) decomposed: x * 0.5 * (1 + erf(x / sqrt(2))) as Div, Erf, Add, Mul, Mul.
Val GeluErf(OnnxBuilder& b, const Val& x);

Val Relu(OnnxBuilder& b, const Val& x);
Val Sigmoid(OnnxBuilder& b, const Val& x);
// Broadcasting binary ops.
Val Add(OnnxBuilder& b, const Val& x, const Val& y);
Val Mul(OnnxBuilder& b, const Val& x, const Val& y);
Val Div(OnnxBuilder& b, const Val& x, const Val& y);
Val MatMul(OnnxBuilder& b, const Val& x, const Val& y);   // batched, counts FLOPs

Val Reshape(OnnxBuilder& b, const Val& x, Shape shape);   // constant shape tensor, no -1
Val Transpose(OnnxBuilder& b, const Val& x, std::vector<int64_t> perm);
Val Softmax(OnnxBuilder& b, const Val& x, int64_t axis = -1);
Val Unsqueeze(OnnxBuilder& b, const Val& x, int64_t axis);
Val Squeeze(OnnxBuilder& b, const Val& x, int64_t axis);
Val Concat(OnnxBuilder& b, const std::vector<Val>& xs, int64_t axis);
// x[..., start:end:step] along one axis, as Slice with constant starts/ends/axes/steps; end may be
// INT64_MAX, as torch writes an open end.
Val SliceAxis(OnnxBuilder& b, const Val& x, int64_t axis, int64_t start, int64_t end, int64_t step = 1);
// x[..., index] along one axis: Gather with a scalar index (drops the axis).
Val GatherIndex(OnnxBuilder& b, const Val& x, int64_t axis, int64_t index);
// tensor.unbind(axis): Split into ones, then Squeeze each.
std::vector<Val> Unbind(OnnxBuilder& b, const Val& x, int64_t axis);

// nn.Conv2d (NCHW): weight kaiming-normal with the given gain (sqrt(2) before a ReLU).
Val Conv2d(OnnxBuilder& b, const Val& x, int64_t out_channels, int64_t kernel, int64_t stride,
           int64_t pad, bool bias, float gain);
// nn.BatchNorm2d in eval mode: BatchNormalization with running statistics near identity; `gamma`
// scales the affine weight (small for the last BN of a residual branch keeps activations bounded).
Val BatchNorm(OnnxBuilder& b, const Val& x, float eps, float gamma = 1.0f);
Val MaxPool(OnnxBuilder& b, const Val& x, int64_t kernel, int64_t stride, int64_t pad);
// F.interpolate(scale_factor=f, mode="bilinear", align_corners=False): Resize with an empty roi and
// constant scales, mode "linear", coordinate_transformation_mode "half_pixel".
Val ResizeBilinear(OnnxBuilder& b, const Val& x, int64_t factor);

}  // namespace agt::models

// The graph passes of compiler/passes, one per file, each a function over a Graph that returns
// whether it changed anything, or an error. pipeline.h runs them in order.
#pragma once

#include "ir/graph.h"
#include "ir/status.h"

namespace agt::passes {

// constant_folding.cpp: nodes whose inputs are all constants become constants (outputs up to
// kFoldMaxElements elements; larger results stay computed at run time).
inline constexpr int64_t kFoldMaxElements = int64_t{1} << 26;
Expected<bool> RunConstantFolding(ir::Graph& g);
// dead_code.cpp: nodes whose results reach no output, and unused constants, are removed.
Expected<bool> RunDeadCodeElimination(ir::Graph& g);
// remove_noops.cpp: identity, reshape to the same shape, reshape of a reshape, transpose by the
// identity permutation (and other ops that change nothing) are removed.
Expected<bool> RunRemoveNoOps(ir::Graph& g);
// canonical_gelu.cpp: the erf form x*0.5*(1+erf(x/sqrt2)) and the tanh form of GELU, in the
// association orders exporters write, become one gelu op.
Expected<bool> RunCanonicalGelu(ir::Graph& g);
// canonical_layer_norm.cpp: ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div(/Mul/Add) becomes layer_norm.
Expected<bool> RunCanonicalLayerNorm(ir::Graph& g);
// slices_to_split.cpp: slices of one value that cut one axis into consecutive pieces (the dynamo
// exporter's unbind) become one split.
Expected<bool> RunSlicesToSplit(ir::Graph& g);
// canonical_views.cpp: a chain of reshapes (inserting or removing unit dims only) and transposes
// becomes one reshape placing the unit dims, then one transpose.
Expected<bool> RunCanonicalViews(ir::Graph& g);
// softmax_nan_guard.cpp: where(is_nan(softmax(s)), 0, softmax(s)) is the softmax when s has no mask.
Expected<bool> RunSoftmaxNanGuard(ir::Graph& g);
// canonical_operand_order.cpp: an add's or a mul's operands ordered deeper first.
Expected<bool> RunCanonicalOperandOrder(ir::Graph& g);
// matmul_to_linear.cpp: matmul by a constant 2-D weight (+ a constant bias add) becomes linear.
Expected<bool> RunMatMulToLinear(ir::Graph& g);
// fold_batch_norm.cpp: batch_norm after conv2d with constant parameters folds into the conv.
Expected<bool> RunFoldBatchNorm(ir::Graph& g);
// canonical_matmul_scale.cpp: scalar factors on a matmul's right operand (before or after a
// transpose) and on its result move onto its left operand: one form of the attention scale.
Expected<bool> RunCanonicalMatMulScale(ir::Graph& g);
// fold_scale_into_linear.cpp: a mul (or div) by one constant number after a linear layer, through
// single-use reshapes and transposes, folds into the layer's weight and bias.
Expected<bool> RunFoldScaleIntoLinear(ir::Graph& g);
// concat_sibling_linears.cpp: one attention's separate q, k, v projections of the same activation ->
// one linear over the weights side by side and a split of its result (horizontal fusion).
Expected<bool> RunConcatSiblingLinears(ir::Graph& g);
// canonical_qkv_split.cpp: a qkv result split along its last axis into heads (split, reshape, transpose)
// -> timm's spelling (reshape to [B, T, 3, H, D], transpose, split along the first axis).
Expected<bool> RunCanonicalQkvSplit(ir::Graph& g);
// A non-overlapping patch-embedding conv followed by its flatten to tokens -> im2col reshapes + linear.
Expected<bool> RunPatchEmbedToLinear(ir::Graph& g);
// A 1x1 conv over tokens turned into an image (transpose + reshape) -> linear on the tokens, then the
// image (its ReLU along); compiler/passes/conv_as_linear.cpp.
Expected<bool> RunTokenConvToLinear(ir::Graph& g);
// channels_last.cpp: convs and max-pools channels-last (1x1 convs as linears), the transposes around
// them sunk through element-wise ops and cancelled.
Expected<bool> RunChannelsLast(ir::Graph& g);
// tf32_weights.cpp (a precision pass, pipeline.h): each linear's constant [K, N] weight stored as
// [N, K] and read through a transpose, the K-major operand the Hopper core's tf32 wgmma needs.
Expected<bool> RunTf32KMajorWeights(ir::Graph& g);
// A LayerNorm read only by a linear layer gives gamma and beta to the layer's weight and bias and stays
// affine-free in front of it: the norm prologue of the Hopper GEMM core (opt-in, fold_layer_norm_affine.cpp).
Expected<bool> RunFoldLayerNormAffine(ir::Graph& g);

}  // namespace agt::passes

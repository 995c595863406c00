// OnnxBuilder: the small helper the zoo's model families write ONNX through. It adds nodes and
// initializers with unique, torch-like names ("/blocks.0/attn/MatMul", "blocks.0.attn.qkv.weight"),
// tracks the static shape of every value it creates (all zoo models are static, batch 1), draws
// seeded random weights, and counts parameters and matrix FLOPs as layers are added, so that
// `autogtco zoo list` needs no separate shape inference.
//
// Weights are drawn per initializer from a stream seeded by (model seed, initializer name): the
// same seed gives the same bytes whatever order the layers are built in. In skeleton mode
// (materialize = false) initializers carry dims and type but no data: enough to count parameters
// and FLOPs of the 600M-parameter models in milliseconds; such a model is not meant to be written.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <onnx/onnx.pb.h>

namespace agt::models {

using Shape = std::vector<int64_t>;

int64_t NumElements(const Shape& s);

// A value of the graph being built: its ONNX name, static shape and element type (a
// onnx::TensorProto::DataType). An empty name stands for an omitted optional input.
struct Val {
  std::string name;
  Shape shape;
  int32_t elem_type = onnx::TensorProto::FLOAT;
};

// How an initializer's values are drawn. kNormal is a bounded near-normal (Irwin-Hall sum of four
// uniforms, rescaled: mean `a`, standard deviation `b`, never beyond 3.5 std), which plays the role of
// timm's trunc_normal_ at a fraction of Box-Muller's cost for the 632M values of ViT-Huge.
struct Init {
  enum class Kind { kNormal, kUniform, kConstant };
  Kind kind = Kind::kConstant;
  float a = 0.0f;
  float b = 0.0f;
  static Init Normal(float mean, float stddev) { return {Kind::kNormal, mean, stddev}; }
  static Init Uniform(float lo, float hi) { return {Kind::kUniform, lo, hi}; }
  static Init Constant(float v) { return {Kind::kConstant, v, 0.0f}; }
};

// Attribute constructors, so that a node reads as Op("Conv", {...}, shape, {AttrInts("strides", ...)}).
onnx::AttributeProto AttrInt(std::string_view name, int64_t v);
onnx::AttributeProto AttrInts(std::string_view name, std::vector<int64_t> v);
onnx::AttributeProto AttrFloat(std::string_view name, float v);
onnx::AttributeProto AttrString(std::string_view name, std::string_view v);
onnx::AttributeProto AttrTensor(std::string_view name, const onnx::TensorProto& t);

// Numpy broadcasting of two static shapes (the caller guarantees they broadcast).
Shape BroadcastShapes(const Shape& a, const Shape& b);

// A finished model with the numbers the builder counted while building it.
struct BuiltModel {
  onnx::ModelProto proto;
  int64_t parameters = 0;   // trainable parameters (BatchNorm running statistics excluded)
  int64_t flops = 0;        // 2 x multiply-accumulates of MatMul, Gemm and Conv
};

class OnnxBuilder {
 public:
  OnnxBuilder(std::string graph_name, uint64_t seed, bool materialize);

  // Name scopes: "blocks.3" then "attn" give parameters "blocks.3.attn.*" and nodes "/blocks.3/attn/*".
  class ScopeGuard {
   public:
    explicit ScopeGuard(OnnxBuilder* b) : b_(b) {}
    ScopeGuard(const ScopeGuard&) = delete;
    ScopeGuard& operator=(const ScopeGuard&) = delete;
    ~ScopeGuard() { b_->scopes_.pop_back(); }

   private:
    OnnxBuilder* b_;
  };
  [[nodiscard]] ScopeGuard Scope(std::string name);

  Val Input(std::string name, Shape shape);
  // Declares a graph output under `name` (torch's output_names), renaming the value where it is
  // produced and used.
  void Output(const Val& v, const std::string& name);

  // A trainable parameter (counted by ParameterCount): f32, named <scope>.<leaf>.
  Val Param(std::string_view leaf, Shape shape, Init init);
  // A buffer that is part of the model but not trained (BatchNorm running statistics): f32.
  Val Buffer(std::string_view leaf, Shape shape, Init init);
  // Constants the exporter folds into initializers (shape tensors, scalars, axes), named like
  // torch's "onnx::Reshape_12".
  Val ConstF32(Shape shape, std::vector<float> values);
  Val ConstI64(Shape shape, std::vector<int64_t> values);
  Val ConstBool(Shape shape, std::vector<uint8_t> values);
  Val ScalarF32(float v) { return ConstF32({}, {v}); }
  Val VecI64(std::vector<int64_t> v) {
    Shape s{static_cast<int64_t>(v.size())};
    return ConstI64(std::move(s), std::move(v));
  }

  // Adds a node with one output of the given shape (and element type).
  Val Op(std::string_view op_type, std::vector<Val> inputs, Shape out_shape,
         std::vector<onnx::AttributeProto> attrs = {},
         int32_t out_type = onnx::TensorProto::FLOAT);
  // Adds a node with several outputs.
  std::vector<Val> OpMulti(std::string_view op_type, std::vector<Val> inputs,
                           std::vector<Shape> out_shapes, std::vector<onnx::AttributeProto> attrs = {});

  // Multiply-accumulate FLOPs (2 per MAC) of MatMul, Gemm and Conv, the quantity BASELINES.md
  // tabulates; the layer helpers add to it.
  void AddFlops(int64_t flops) { flops_ += flops; }
  int64_t flops() const { return flops_; }
  int64_t parameter_count() const { return params_; }

  // Moves the finished model out (IR version 8, opset 17). The builder is spent afterwards.
  BuiltModel Finish();

 private:
  std::string ParamName(std::string_view leaf) const;
  std::string NodeName(std::string_view op_type);
  onnx::TensorProto* NewInitializer(const std::string& name, const Shape& shape, int32_t type);
  void Fill(onnx::TensorProto* t, int64_t n, Init init);

  onnx::ModelProto model_;
  onnx::GraphProto* graph_;
  uint64_t seed_;
  bool materialize_;
  std::vector<std::string> scopes_;
  std::unordered_map<std::string, int> name_counts_;
  int64_t const_counter_ = 0;
  int64_t flops_ = 0;
  int64_t params_ = 0;
};

}  // namespace agt::models

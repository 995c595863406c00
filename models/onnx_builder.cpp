// OnnxBuilder: nodes, initializers, names and seeded weights for the zoo's ONNX models.
#include "models/onnx_builder.h"

#include <bit>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

namespace agt::models {
namespace {

static_assert(std::endian::native == std::endian::little, "ONNX raw_data is little-endian");

// SplitMix64: small, fast, and the same on every platform (unlike std::normal_distribution).
uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : s) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

std::string Join(const std::vector<std::string>& parts, char sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out.push_back(sep);
    out += p;
  }
  return out;
}

}  // namespace

int64_t NumElements(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

onnx::AttributeProto AttrInt(std::string_view name, int64_t v) {
  onnx::AttributeProto a;
  a.set_name(std::string(name));
  a.set_type(onnx::AttributeProto::INT);
  a.set_i(v);
  return a;
}

onnx::AttributeProto AttrInts(std::string_view name, std::vector<int64_t> v) {
  onnx::AttributeProto a;
  a.set_name(std::string(name));
  a.set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a.add_ints(x);
  return a;
}

onnx::AttributeProto AttrFloat(std::string_view name, float v) {
  onnx::AttributeProto a;
  a.set_name(std::string(name));
  a.set_type(onnx::AttributeProto::FLOAT);
  a.set_f(v);
  return a;
}

onnx::AttributeProto AttrString(std::string_view name, std::string_view v) {
  onnx::AttributeProto a;
  a.set_name(std::string(name));
  a.set_type(onnx::AttributeProto::STRING);
  a.set_s(std::string(v));
  return a;
}

onnx::AttributeProto AttrTensor(std::string_view name, const onnx::TensorProto& t) {
  onnx::AttributeProto a;
  a.set_name(std::string(name));
  a.set_type(onnx::AttributeProto::TENSOR);
  *a.mutable_t() = t;
  return a;
}

Shape BroadcastShapes(const Shape& a, const Shape& b) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    out[i] = da == 1 ? db : da;
  }
  return out;
}

OnnxBuilder::OnnxBuilder(std::string graph_name, uint64_t seed, bool materialize)
    : seed_(seed), materialize_(materialize) {
  model_.set_ir_version(8);
  model_.set_producer_name("autogtco-zoo");
  model_.set_producer_version(AGT_VERSION);
  auto* opset = model_.add_opset_import();
  opset->set_domain("");
  opset->set_version(17);
  graph_ = model_.mutable_graph();
  graph_->set_name(std::move(graph_name));
}

OnnxBuilder::ScopeGuard OnnxBuilder::Scope(std::string name) {
  scopes_.push_back(std::move(name));
  return ScopeGuard(this);
}

static void SetValueInfo(onnx::ValueInfoProto* vi, const Val& v) {
  vi->set_name(v.name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(v.elem_type);
  auto* shape = tt->mutable_shape();
  for (int64_t d : v.shape) shape->add_dim()->set_dim_value(d);
}

Val OnnxBuilder::Input(std::string name, Shape shape) {
  Val v{std::move(name), std::move(shape)};
  SetValueInfo(graph_->add_input(), v);
  return v;
}

void OnnxBuilder::Output(const Val& v, const std::string& name) {
  for (auto& node : *graph_->mutable_node()) {
    for (auto& out : *node.mutable_output()) {
      if (out == v.name) out = name;
    }
    for (auto& in : *node.mutable_input()) {
      if (in == v.name) in = name;
    }
  }
  Val renamed = v;
  renamed.name = name;
  SetValueInfo(graph_->add_output(), renamed);
}

std::string OnnxBuilder::ParamName(std::string_view leaf) const {
  std::string scope = Join(scopes_, '.');
  return scope.empty() ? std::string(leaf) : scope + "." + std::string(leaf);
}

std::string OnnxBuilder::NodeName(std::string_view op_type) {
  std::string base = "/" + Join(scopes_, '/');
  if (base.size() > 1) base += "/";
  base += op_type;
  int k = name_counts_[base]++;
  return k == 0 ? base : fmt::format("{}_{}", base, k);
}

onnx::TensorProto* OnnxBuilder::NewInitializer(const std::string& name, const Shape& shape, int32_t type) {
  auto* t = graph_->add_initializer();
  t->set_name(name);
  t->set_data_type(type);
  for (int64_t d : shape) t->add_dims(d);
  return t;
}

void OnnxBuilder::Fill(onnx::TensorProto* t, int64_t n, Init init) {
  if (!materialize_) return;
  std::string* raw = t->mutable_raw_data();
  raw->resize(static_cast<size_t>(n) * sizeof(float));
  char* out = raw->data();
  // Mixing in the graph's name keeps the tiny ViT-Base and ViT-Large, which share parameter names,
  // from sharing weights.
  uint64_t state = seed_ ^ Fnv1a(t->name()) ^ (Fnv1a(graph_->name()) * 0x9E3779B97F4A7C15ull);
  SplitMix64(state);
  constexpr float kInv16 = 1.0f / 65536.0f;
  const float sqrt3 = std::sqrt(3.0f);
  for (int64_t i = 0; i < n; ++i) {
    float v = init.a;
    if (init.kind == Init::Kind::kUniform) {
      float u = static_cast<float>(SplitMix64(state) >> 40) * (1.0f / 16777216.0f);
      v = init.a + (init.b - init.a) * u;
    } else if (init.kind == Init::Kind::kNormal) {
      uint64_t r = SplitMix64(state);
      float s = 0.0f;
      for (int k = 0; k < 4; ++k) s += (static_cast<float>((r >> (16 * k)) & 0xffff) + 0.5f) * kInv16;
      // Sum of four U(0,1): mean 2, variance 1/3.
      v = init.a + init.b * (s - 2.0f) * sqrt3;
    }
    std::memcpy(out + i * sizeof(float), &v, sizeof(float));
  }
}

Val OnnxBuilder::Param(std::string_view leaf, Shape shape, Init init) {
  std::string name = ParamName(leaf);
  auto* t = NewInitializer(name, shape, onnx::TensorProto::FLOAT);
  int64_t n = NumElements(shape);
  Fill(t, n, init);
  params_ += n;
  return Val{name, std::move(shape)};
}

Val OnnxBuilder::Buffer(std::string_view leaf, Shape shape, Init init) {
  std::string name = ParamName(leaf);
  auto* t = NewInitializer(name, shape, onnx::TensorProto::FLOAT);
  Fill(t, NumElements(shape), init);
  return Val{name, std::move(shape)};
}

Val OnnxBuilder::ConstF32(Shape shape, std::vector<float> values) {
  std::string name = fmt::format("onnx::Const_{}", const_counter_++);
  auto* t = NewInitializer(name, shape, onnx::TensorProto::FLOAT);
  t->set_raw_data(values.data(), values.size() * sizeof(float));
  return Val{name, std::move(shape)};
}

Val OnnxBuilder::ConstI64(Shape shape, std::vector<int64_t> values) {
  std::string name = fmt::format("onnx::Const_{}", const_counter_++);
  auto* t = NewInitializer(name, shape, onnx::TensorProto::INT64);
  t->set_raw_data(values.data(), values.size() * sizeof(int64_t));
  return Val{name, std::move(shape), onnx::TensorProto::INT64};
}

Val OnnxBuilder::ConstBool(Shape shape, std::vector<uint8_t> values) {
  std::string name = fmt::format("onnx::Const_{}", const_counter_++);
  auto* t = NewInitializer(name, shape, onnx::TensorProto::BOOL);
  t->set_raw_data(values.data(), values.size());
  return Val{name, std::move(shape), onnx::TensorProto::BOOL};
}

Val OnnxBuilder::Op(std::string_view op_type, std::vector<Val> inputs, Shape out_shape,
                    std::vector<onnx::AttributeProto> attrs, int32_t out_type) {
  std::vector<Val> outs = OpMulti(op_type, std::move(inputs), {std::move(out_shape)}, std::move(attrs));
  outs[0].elem_type = out_type;
  return outs[0];
}

std::vector<Val> OnnxBuilder::OpMulti(std::string_view op_type, std::vector<Val> inputs,
                                      std::vector<Shape> out_shapes,
                                      std::vector<onnx::AttributeProto> attrs) {
  auto* node = graph_->add_node();
  std::string name = NodeName(op_type);
  node->set_name(name);
  node->set_op_type(std::string(op_type));
  for (const Val& in : inputs) node->add_input(in.name);
  std::vector<Val> outs;
  for (size_t i = 0; i < out_shapes.size(); ++i) {
    std::string out = fmt::format("{}_output_{}", name, i);
    node->add_output(out);
    outs.push_back(Val{out, std::move(out_shapes[i])});
  }
  for (auto& a : attrs) *node->add_attribute() = std::move(a);
  return outs;
}

BuiltModel OnnxBuilder::Finish() { return BuiltModel{std::move(model_), params_, flops_}; }

}  // namespace agt::models

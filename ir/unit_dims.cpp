// Dropping unit dims from a group graph (ir/unit_dims.h): one rule per op family, each saying how the
// op's attributes read once its operands lose their unit dims, or that they cannot.
#include "ir/unit_dims.h"

#include <algorithm>
#include <optional>
#include <unordered_map>

namespace agt::ir {

namespace {

// Positions of the dims that stay (extent other than 1).
std::vector<int64_t> KeptDims(const Shape& s) {
  std::vector<int64_t> kept;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != 1) kept.push_back(static_cast<int64_t>(i));
  }
  return kept;
}

Shape Squeezed(const Shape& s) {
  Shape out;
  for (int64_t d : s) {
    if (d != 1) out.push_back(d);
  }
  return out;
}

// Where dim `axis` of `s` sits once the unit dims are gone (-1: it is one of them).
int64_t NewAxis(const Shape& s, int64_t axis) {
  if (s[static_cast<size_t>(axis)] == 1) return -1;
  return std::count_if(s.begin(), s.begin() + axis, [](int64_t d) { return d != 1; });
}

// Whether `operand`, broadcast against `out` (aligned from the right), lines up the same way once
// both lose their unit dims: its dims of extent > 1 must face the last ones of `out`'s, in order.
// [T, C] against [T, 1, C] does; [6, 1] against [6, 64] would face its 6 with the 64.
bool AlignedAfterDrop(const Shape& operand, const Shape& out) {
  if (operand.size() > out.size()) return false;
  const std::vector<int64_t> kept_out = KeptDims(out);
  const int64_t offset = static_cast<int64_t>(out.size() - operand.size());
  std::vector<int64_t> faces;
  for (size_t i = 0; i < operand.size(); ++i) {
    if (operand[i] != 1) faces.push_back(offset + static_cast<int64_t>(i));
  }
  if (faces.size() > kept_out.size()) return false;
  return std::equal(faces.begin(), faces.end(), kept_out.end() - static_cast<std::ptrdiff_t>(faces.size()));
}

// An axis counted the way the original was: from the end when it was negative, so that a group
// that had no unit dims to drop and one that had print the same attribute.
int64_t SameSign(int64_t axis, int64_t original, size_t rank) {
  return original < 0 ? axis - static_cast<int64_t>(rank) : axis;
}

std::optional<Attrs> TransposeAttrs(const Node& n) {
  const Shape& in = n.input(0)->shape();
  const Shape& out = n.output(0)->shape();
  const std::vector<int64_t>& perm = n.attrs().ints(AttrKey::kPerm);
  if (perm.size() != in.size()) return std::nullopt;   // the empty default (reverse) is spelled out by the importer
  std::vector<int64_t> squeezed;
  for (size_t j = 0; j < out.size(); ++j) {
    if (out[j] != 1) squeezed.push_back(NewAxis(in, perm[j]));
  }
  Attrs a = n.attrs();
  a.set(AttrKey::kPerm, squeezed);
  return a;
}

std::optional<Attrs> MatMulAttrs(const Node& n) {
  const Shape& a = n.input(0)->shape();
  const Shape& b = n.input(1)->shape();
  const Shape& out = n.output(0)->shape();
  if (a.size() < 2 || b.size() < 2 || out.size() < 2) return std::nullopt;
  for (const Shape* s : {&a, &b, &out}) {
    if ((*s)[s->size() - 1] == 1 || (*s)[s->size() - 2] == 1) return std::nullopt;   // the matrices stay whole
  }
  const Shape batch_out(out.begin(), out.end() - 2);
  for (const Shape* s : {&a, &b}) {
    if (!AlignedAfterDrop(Shape(s->begin(), s->end() - 2), batch_out)) return std::nullopt;
  }
  return n.attrs();
}

std::optional<Attrs> LinearAttrs(const Node& n) {
  const Shape& x = n.input(0)->shape();
  const Shape& w = n.input(1)->shape();
  if (x.empty() || x.back() == 1 || w.size() != 2 || w[0] == 1 || w[1] == 1) return std::nullopt;
  if (Squeezed(x).size() < 2) return std::nullopt;   // a lone row keeps its row dim
  return n.attrs();
}

std::optional<Attrs> SoftmaxAttrs(const Node& n) {
  const Shape& x = n.input(0)->shape();
  auto axis = NormalizeAxis(n.attrs().i(AttrKey::kAxis), static_cast<int64_t>(x.size()));
  if (!axis || NewAxis(x, *axis) < 0) return std::nullopt;
  Attrs a = n.attrs();
  a.set(AttrKey::kAxis, SameSign(NewAxis(x, *axis), n.attrs().i(AttrKey::kAxis), Squeezed(x).size()));
  return a;
}

// layer_norm normalises over dims [axis, rank): the axis becomes the number of dims kept before it.
std::optional<Attrs> LayerNormAttrs(const Node& n) {
  const Shape& x = n.input(0)->shape();
  auto axis = NormalizeAxis(n.attrs().i(AttrKey::kAxis), static_cast<int64_t>(x.size()));
  if (!axis) return std::nullopt;
  const int64_t before = std::count_if(x.begin(), x.begin() + *axis, [](int64_t d) { return d != 1; });
  if (before == static_cast<int64_t>(Squeezed(x).size())) return std::nullopt;   // nothing left to normalise
  Attrs a = n.attrs();
  a.set(AttrKey::kAxis, SameSign(before, n.attrs().i(AttrKey::kAxis), Squeezed(x).size()));
  return a;
}

// Reducing over a unit dim changes nothing, so such axes drop out; the others are renumbered, and the
// result keeps no reduced dim (kept, they would be unit dims).
std::optional<Attrs> ReduceAttrs(const Node& n) {
  const Shape& x = n.input(0)->shape();
  const std::vector<int64_t>& axes = n.attrs().ints(AttrKey::kAxes);
  std::vector<int64_t> squeezed;
  for (int64_t raw : axes) {
    auto axis = NormalizeAxis(raw, static_cast<int64_t>(x.size()));
    if (!axis) return std::nullopt;
    if (int64_t na = NewAxis(x, *axis); na >= 0) squeezed.push_back(SameSign(na, raw, Squeezed(x).size()));
  }
  if (squeezed.empty()) return std::nullopt;   // empty axes would mean all of them
  Attrs a = n.attrs();
  a.set(AttrKey::kAxes, squeezed);
  a.set(AttrKey::kKeepDims, int64_t{0});   // the kept reduced dims are unit dims: dropped with the others
  return a;
}

// The node's attributes once its operands lose their unit dims; nullopt when the op has no rule or
// the drop would change what it computes.
std::optional<Attrs> SqueezedAttrs(const Node& n) {
  switch (n.op()) {
    case OpKind::kReshape: {
      Attrs a = n.attrs();
      a.set(AttrKey::kShape, Squeezed(n.output(0)->shape()));
      return a;
    }
    case OpKind::kTranspose: return TransposeAttrs(n);
    case OpKind::kMatMul: return MatMulAttrs(n);
    case OpKind::kLinear: return LinearAttrs(n);
    case OpKind::kSoftmax: return SoftmaxAttrs(n);
    case OpKind::kLayerNorm: return LayerNormAttrs(n);
    case OpKind::kReduceMean:
    case OpKind::kReduceSum:
    case OpKind::kReduceMax: return ReduceAttrs(n);
    case OpKind::kBatchNorm: return std::nullopt;   // per-channel operands along dim 1
    default: break;
  }
  if (n.pattern() == OpPattern::kElemWise) return n.attrs();
  if (n.pattern() == OpPattern::kBroadcast) {
    for (const Value* in : n.inputs()) {
      if (!AlignedAfterDrop(in->shape(), n.output(0)->shape())) return std::nullopt;
    }
    return n.attrs();
  }
  return std::nullopt;
}

bool HasUnitDim(const Graph& g) {
  for (const Value* v : g.values()) {
    if (std::count(v->shape().begin(), v->shape().end(), 1) > 0) return true;
  }
  return false;
}

}  // namespace

std::unique_ptr<Graph> SqueezeUnitDims(const Graph& g) {
  if (!HasUnitDim(g)) return nullptr;
  auto out = std::make_unique<Graph>(g.name());
  std::unordered_map<const Value*, Value*> map;
  // A computed value left with no dim at all would change what the kernels index by: not dropped.
  auto squeezed_type = [](const Value* v) -> std::optional<TensorType> {
    TensorType t{v->dtype(), Squeezed(v->shape())};
    if (t.shape.empty() && !v->shape().empty() && !v->is_constant()) return std::nullopt;
    return t;
  };
  for (const Value* v : g.inputs()) {
    auto t = squeezed_type(v);
    if (!t) return nullptr;
    map[v] = out->AddInput(v->name(), *t);
  }
  for (const Value* v : g.constants()) map[v] = out->AddConstant(v->name(), v->data().Reshaped(Squeezed(v->shape())));
  for (const auto& node : g.nodes()) {
    std::optional<Attrs> attrs = SqueezedAttrs(*node);
    if (!attrs) return nullptr;
    std::vector<Value*> ins;
    for (const Value* v : node->inputs()) ins.push_back(map.at(v));
    std::vector<std::string> names;
    for (const Value* o : node->outputs()) names.push_back(o->name());
    auto made = out->AddNode(node->op(), std::move(ins), std::move(*attrs), node->name(), nullptr, names);
    if (!made.ok()) return nullptr;
    for (size_t i = 0; i < node->num_outputs(); ++i) {
      auto t = squeezed_type(node->output(i));
      // Shape inference on the rewritten node must land on the original result, unit dims dropped.
      if (!t || (*made)->output(i)->type() != *t) return nullptr;
      map[node->output(i)] = (*made)->output(i);
    }
  }
  std::vector<Value*> outputs;
  for (const Value* v : g.outputs()) outputs.push_back(map.at(v));
  out->SetOutputs(std::move(outputs));
  return out;
}

}  // namespace agt::ir

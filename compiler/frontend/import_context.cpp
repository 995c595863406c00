// The state of one ONNX import (see import_context.h).
#include "compiler/frontend/import_context.h"

#include <cmath>

#include "compiler/frontend/tensor_proto.h"
#include "compiler/passes/evaluate.h"

namespace agt::frontend {

ImportContext::ImportContext(ir::Graph& graph, const FrontendOptions& options, int64_t opset, std::string model_name,
                             std::string base_dir)
    : graph_(graph), options_(options), opset_(opset), model_name_(std::move(model_name)), base_dir_(std::move(base_dir)) {}

Expected<ir::Value*> ImportContext::Lookup(const std::string& onnx_name) {
  auto it = values_.find(onnx_name);
  if (it != values_.end()) return it->second;
  auto init = initializers_.find(onnx_name);
  if (init != initializers_.end()) {
    auto t = TensorFromProto(*init->second, base_dir_);
    if (!t.ok()) return t.status().WithContext(model_name_);
    ir::Value* v = graph_.AddConstant(onnx_name, std::move(t).value());
    values_[onnx_name] = v;
    return v;
  }
  if (node_ != nullptr) return Error("input '{}' is not defined by any earlier node, input or initializer", onnx_name);
  return Status::Errorf("{}: value '{}' is not defined", model_name_, onnx_name);
}

void ImportContext::BeginNode(const onnx::NodeProto& node, std::string name) {
  node_ = &node;
  node_display_name_ = std::move(name);
  created_.clear();
}

std::string ImportContext::Where() const {
  if (node_ == nullptr) return model_name_;
  return fmt::format("node '{}' ({}, opset {}) in {}", node_display_name_, node_->op_type(), opset_, model_name_);
}

Expected<ir::Value*> ImportContext::Input(int i) {
  if (!HasInput(i)) return Error("input {} is required but missing", i);
  return Lookup(node_->input(i));
}

Expected<ir::Value*> ImportContext::OptionalInput(int i) {
  if (!HasInput(i)) return static_cast<ir::Value*>(nullptr);
  return Lookup(node_->input(i));
}

Expected<const ir::Tensor*> ImportContext::ConstInput(int i, std::string_view what) {
  AGT_ASSIGN_OR_RETURN(ir::Value * v, Input(i));
  if (!v->is_constant()) {
    return Error("input {} ('{}', the {}) must be a constant after shape folding, but it is computed at run time", i,
                 node_->input(i), what);
  }
  return &v->data();
}

Expected<std::vector<int64_t>> ImportContext::ConstInts(int i, std::string_view what) {
  AGT_ASSIGN_OR_RETURN(const ir::Tensor* t, ConstInput(i, what));
  if (ir::IsFloat(t->dtype())) return Error("the {} (input {}) must be integers, got {}", what, i, t->type().ToString());
  return t->ToI64();
}

Expected<std::vector<double>> ImportContext::ConstFloats(int i, std::string_view what) {
  AGT_ASSIGN_OR_RETURN(const ir::Tensor* t, ConstInput(i, what));
  std::vector<double> out;
  for (int64_t k = 0; k < t->num_elements(); ++k) {
    out.push_back(ir::IsFloat(t->dtype()) ? static_cast<double>(t->GetF32(k)) : static_cast<double>(t->GetI64(k)));
  }
  return out;
}

bool ImportContext::OutputUsed(int i) const {
  if (i >= node_->output_size() || node_->output(i).empty()) return false;
  return used_names_.count(node_->output(i)) > 0;
}

Status ImportContext::SetOutput(int i, ir::Value* v) {
  if (i >= node_->output_size()) return Error("has no output {}", i);
  const std::string& name = node_->output(i);
  if (name.empty()) return Status::Ok();
  if (created_.count(v)) {
    graph_.RenameValue(v, name);
    created_.erase(v);   // a value bound to two outputs keeps the first name
  }
  values_[name] = v;
  return Status::Ok();
}

// --- attributes ----------------------------------------------------------------------------------
const onnx::AttributeProto* ImportContext::Attr(std::string_view name) const {
  for (const auto& a : node_->attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

void ImportContext::AttrKindError(const onnx::AttributeProto& a, std::string_view wanted) const {
  if (!attr_status_.ok()) return;
  attr_status_ = Status::Errorf("{}: attribute '{}' must be {}, but the model gives {}", Where(), a.name(), wanted,
                                onnx::AttributeProto::AttributeType_Name(a.type()));
}

// An attribute written without a type (type UNDEFINED, as some writers leave it) is read by the field
// that holds a value; a typed attribute must have the kind the op reads.
int64_t ImportContext::AttrInt(std::string_view name, int64_t def) const {
  const auto* a = Attr(name);
  if (a == nullptr) return def;
  if (a->type() != onnx::AttributeProto::INT && a->type() != onnx::AttributeProto::UNDEFINED) {
    AttrKindError(*a, "an int");
    return def;
  }
  return a->i();
}

double ImportContext::AttrFloat(std::string_view name, double def) const {
  const auto* a = Attr(name);
  if (a == nullptr) return def;
  if (a->type() == onnx::AttributeProto::INT) return static_cast<double>(a->i());   // an integral float, exactly
  if (a->type() != onnx::AttributeProto::FLOAT && a->type() != onnx::AttributeProto::UNDEFINED) {
    AttrKindError(*a, "a float");
    return def;
  }
  return a->f();
}

std::vector<int64_t> ImportContext::AttrInts(std::string_view name, std::vector<int64_t> def) const {
  const auto* a = Attr(name);
  if (a == nullptr) return def;
  if (a->type() != onnx::AttributeProto::INTS && a->type() != onnx::AttributeProto::UNDEFINED) {
    AttrKindError(*a, "a list of ints");
    return def;
  }
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

std::vector<float> ImportContext::AttrFloats(std::string_view name) const {
  const auto* a = Attr(name);
  if (a == nullptr) return {};
  if (a->type() != onnx::AttributeProto::FLOATS && a->type() != onnx::AttributeProto::UNDEFINED) {
    AttrKindError(*a, "a list of floats");
    return {};
  }
  return std::vector<float>(a->floats().begin(), a->floats().end());
}

std::string ImportContext::AttrString(std::string_view name, std::string def) const {
  const auto* a = Attr(name);
  if (a == nullptr) return def;
  if (a->type() != onnx::AttributeProto::STRING && a->type() != onnx::AttributeProto::UNDEFINED) {
    AttrKindError(*a, "a string");
    return def;
  }
  return a->s();
}

// --- emitting ------------------------------------------------------------------------------------
Expected<std::vector<ir::Value*>> ImportContext::EmitMulti(ir::OpKind op, std::vector<ir::Value*> inputs,
                                                           ir::Attrs attrs) {
  std::string base = node_->output_size() > 0 && !node_->output(0).empty() ? node_->output(0) : node_display_name_;
  base = fmt::format("{}.{}", base, temp_counter_++);
  bool all_const = !inputs.empty();
  for (ir::Value* v : inputs) {
    if (v == nullptr) return Error("internal: missing operand for {}", ir::OpName(op));
    all_const &= v->is_constant();
  }
  if (all_const) {
    Status st = ir::CheckAndFillAttrs(op, attrs);
    if (!st.ok()) return Wrap(st);
    std::vector<ir::TensorType> types;
    for (ir::Value* v : inputs) types.push_back(v->type());
    auto out_types = ir::InferTypes(op, attrs, types);
    if (!out_types.ok()) return Wrap(out_types.status());
    for (const auto& t : *out_types) {
      if (Status st = CheckShapeSize(t.shape); !st.ok()) return Wrap(st);
    }
    bool small = true;
    for (const auto& t : *out_types) small &= t.num_elements() <= options_.fold_max_elements;
    if (small) {
      std::vector<const ir::Tensor*> args;
      for (ir::Value* v : inputs) args.push_back(&v->data());
      auto outs = passes::EvaluateOp(op, attrs, args);
      if (!outs.ok()) return Wrap(outs.status());
      std::vector<ir::Value*> vals;
      for (size_t i = 0; i < outs->size(); ++i) {
        ir::Value* c = graph_.AddConstant(i == 0 ? base : fmt::format("{}_{}", base, i), std::move((*outs)[i]));
        created_.insert(c);
        vals.push_back(c);
      }
      return vals;
    }
  }
  auto node = graph_.AddNode(op, std::move(inputs), std::move(attrs), node_display_name_, nullptr, {base});
  if (!node.ok()) return Status::Errorf("{}: {}", Where(), node.status().message());
  std::vector<ir::Value*> vals((*node)->outputs().begin(), (*node)->outputs().end());
  for (ir::Value* v : vals) {
    created_.insert(v);
    if (Status st = CheckShapeSize(v->shape()); !st.ok()) return Wrap(st);
  }
  return vals;
}

Expected<ir::Value*> ImportContext::Emit(ir::OpKind op, std::vector<ir::Value*> inputs, ir::Attrs attrs) {
  AGT_ASSIGN_OR_RETURN(std::vector<ir::Value*> outs, EmitMulti(op, std::move(inputs), std::move(attrs)));
  if (outs.size() != 1) return Error("internal: {} gave {} outputs, expected 1", ir::OpName(op), outs.size());
  return outs[0];
}

ir::Value* ImportContext::Constant(ir::Tensor t) {
  std::string base = node_ != nullptr && node_->output_size() > 0 && !node_->output(0).empty() ? node_->output(0)
                                                                                               : std::string("const");
  ir::Value* c = graph_.AddConstant(fmt::format("{}.{}", base, temp_counter_++), std::move(t));
  created_.insert(c);
  return c;
}

ir::Value* ImportContext::Scalar(double v, ir::DType dtype) {
  ir::Tensor t(ir::TensorType{dtype, {}});
  if (ir::IsFloat(dtype)) t.SetF32(0, static_cast<float>(v));
  else t.SetI64(0, static_cast<int64_t>(v));
  return Constant(std::move(t));
}

Expected<ir::Value*> ImportContext::Cast(ir::Value* v, ir::DType to) {
  if (v->dtype() == to) return v;
  return Emit(ir::OpKind::kCast, {v}, ir::Attrs{{ir::AttrKey::kTo, to}});
}

Expected<ir::Value*> ImportContext::Reshape(ir::Value* v, const ir::Shape& shape) {
  if (v->shape() == shape) return v;
  return Emit(ir::OpKind::kReshape, {v}, ir::Attrs{{ir::AttrKey::kShape, shape}});
}

}  // namespace agt::frontend

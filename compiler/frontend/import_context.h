// The state of one ONNX import: the IR graph being built, the map from ONNX value names to IR
// values, and the node being imported. Importers (importers_*.cpp) read their node's inputs and
// attributes through it and emit IR ops with Emit, which evaluates an op at once when all its
// inputs are constants: that is how shape arithmetic (Shape -> Gather -> Concat -> Reshape) folds
// away during import. Errors built here name the node, its op type and the model.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>
#include <onnx/onnx.pb.h>

#include "compiler/frontend/onnx_loader.h"
#include "ir/graph.h"
#include "ir/status.h"

namespace agt::frontend {

class ImportContext {
 public:
  ImportContext(ir::Graph& graph, const FrontendOptions& options, int64_t opset, std::string model_name,
                std::string base_dir);

  ir::Graph& graph() { return graph_; }
  int64_t opset() const { return opset_; }
  const std::string& model_name() const { return model_name_; }
  const std::string& base_dir() const { return base_dir_; }
  const FrontendOptions& options() const { return options_; }

  // --- the value map ---------------------------------------------------------------------------
  // Registers an initializer; it becomes an IR constant when first used.
  void AddInitializer(const onnx::TensorProto* t) { initializers_[t->name()] = t; }
  bool IsInitializer(const std::string& name) const { return initializers_.count(name) > 0; }
  void Bind(const std::string& onnx_name, ir::Value* v) { values_[onnx_name] = v; }
  // The IR value of an ONNX name (materialising an initializer); error when unknown.
  Expected<ir::Value*> Lookup(const std::string& onnx_name);

  // --- the current node ------------------------------------------------------------------------
  void BeginNode(const onnx::NodeProto& node, std::string name);
  const onnx::NodeProto& node() const { return *node_; }
  const std::string& node_name() const { return node_display_name_; }
  const std::string& op_type() const { return node_->op_type(); }

  // Number of inputs given (trailing omitted ones not counted; empty names count).
  int num_inputs() const { return node_->input_size(); }
  bool HasInput(int i) const { return i < node_->input_size() && !node_->input(i).empty(); }
  // Input i; an error when absent.
  Expected<ir::Value*> Input(int i);
  // Input i or null when omitted.
  Expected<ir::Value*> OptionalInput(int i);
  // Input i as a constant tensor: an error naming the node when it is not constant after folding.
  Expected<const ir::Tensor*> ConstInput(int i, std::string_view what);
  Expected<std::vector<int64_t>> ConstInts(int i, std::string_view what);
  Expected<std::vector<double>> ConstFloats(int i, std::string_view what);

  int num_outputs() const { return node_->output_size(); }
  // Whether output i exists and something (a node or the graph) reads it.
  bool OutputUsed(int i) const;
  // Binds output i to `v`; a value created for this node takes the ONNX output's name.
  Status SetOutput(int i, ir::Value* v);

  // --- attributes ------------------------------------------------------------------------------
  const onnx::AttributeProto* Attr(std::string_view name) const;
  bool HasAttr(std::string_view name) const { return Attr(name) != nullptr; }
  int64_t AttrInt(std::string_view name, int64_t def) const;
  double AttrFloat(std::string_view name, double def) const;
  std::vector<int64_t> AttrInts(std::string_view name, std::vector<int64_t> def = {}) const;
  std::vector<float> AttrFloats(std::string_view name) const;
  std::string AttrString(std::string_view name, std::string def) const;
  // An attribute of the wrong kind (a float where an int belongs, ...) is not converted: the reader
  // returns its default and the error waits here, so that the importer's caller refuses the node.
  Status TakeAttrStatus() {
    Status s = attr_status_;
    attr_status_ = Status::Ok();
    return s;
  }

  // --- emitting --------------------------------------------------------------------------------
  // Adds an IR op for the current node (folded into a constant when every input is constant).
  Expected<ir::Value*> Emit(ir::OpKind op, std::vector<ir::Value*> inputs, ir::Attrs attrs = {});
  Expected<std::vector<ir::Value*>> EmitMulti(ir::OpKind op, std::vector<ir::Value*> inputs, ir::Attrs attrs = {});
  // A new constant, named after the current node.
  ir::Value* Constant(ir::Tensor t);
  // A scalar constant of a given dtype.
  ir::Value* Scalar(double v, ir::DType dtype);
  // Shorthands that skip the op when it would do nothing.
  Expected<ir::Value*> Cast(ir::Value* v, ir::DType to);
  Expected<ir::Value*> Reshape(ir::Value* v, const ir::Shape& shape);

  // "node 'name' (OpType) in model.onnx: message"
  template <typename... Args>
  Status Error(fmt::format_string<Args...> f, Args&&... args) const {
    return Status::Error(fmt::format("{}: {}", Where(), fmt::format(f, std::forward<Args>(args)...)));
  }
  std::string Where() const;
  // Adds the node's context to an error from elsewhere (op schemas, shape rules).
  Status Wrap(const Status& s) const { return s.WithContext(Where()); }

  // Values read by later nodes or graph outputs, for OutputUsed (filled by the loader).
  void SetUsedNames(std::unordered_set<std::string> used) { used_names_ = std::move(used); }

 private:
  ir::Graph& graph_;
  const FrontendOptions& options_;
  int64_t opset_;
  std::string model_name_;
  std::string base_dir_;
  std::unordered_map<std::string, ir::Value*> values_;
  std::unordered_map<std::string, const onnx::TensorProto*> initializers_;
  std::unordered_set<std::string> used_names_;
  const onnx::NodeProto* node_ = nullptr;
  std::string node_display_name_;
  std::unordered_set<const ir::Value*> created_;   // values created for the current node
  int temp_counter_ = 0;
  mutable Status attr_status_;
  // Records the first attribute-kind error of the node.
  void AttrKindError(const onnx::AttributeProto& a, std::string_view wanted) const;
};

}  // namespace agt::frontend

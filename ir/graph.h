// The graph IR: a typed SSA graph. The Graph owns its nodes and values (unique_ptr); edges are plain
// pointers that the rewrite helpers keep consistent. Every value has exactly one producer (a node's
// output, a graph input, or a constant holding its data) and a list of uses. Nodes are kept in
// topological order in a list, so insertion before/after a node is O(1).
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "ir/attrs.h"
#include "ir/dtype.h"
#include "ir/ops.h"
#include "ir/status.h"
#include "ir/tensor.h"

namespace agt::ir {

class Graph;
class Node;
struct GraphTestAccess;   // defined only in tests/ir/test_verifier.cpp, to corrupt internals on purpose

enum class ValueKind : uint8_t { kNodeOutput, kGraphInput, kConstant };

struct Use {
  Node* node;
  int operand;   // index into node->inputs()
  bool operator==(const Use&) const = default;
};

class Value {
 public:
  int64_t id() const { return id_; }
  const std::string& name() const { return name_; }   // unique in its graph; rename via Graph
  const TensorType& type() const { return type_; }
  DType dtype() const { return type_.dtype; }
  const Shape& shape() const { return type_.shape; }
  ValueKind kind() const { return kind_; }
  bool is_constant() const { return kind_ == ValueKind::kConstant; }
  bool is_graph_input() const { return kind_ == ValueKind::kGraphInput; }

  Node* producer() const { return producer_; }   // null unless kind() == kNodeOutput
  int output_index() const { return output_index_; }
  const Tensor& data() const { return *data_; }  // constants only
  const std::vector<Use>& uses() const { return uses_; }
  bool has_uses() const { return !uses_.empty(); }

 private:
  friend class Graph;
  friend class Node;
  friend struct GraphTestAccess;
  int64_t id_ = 0;
  std::string name_;
  TensorType type_;
  ValueKind kind_ = ValueKind::kNodeOutput;
  Node* producer_ = nullptr;
  int output_index_ = 0;
  std::shared_ptr<const Tensor> data_;  // shared so that graph copies do not copy gigabytes of weights
  std::vector<Use> uses_;
};

class Node {
 public:
  int64_t id() const { return id_; }
  OpKind op() const { return op_; }
  const OpInfo& info() const { return GetOpInfo(op_); }
  std::string_view op_name() const { return OpName(op_); }
  OpPattern pattern() const { return info().pattern; }
  // The name of the node this came from (the ONNX node name), for diagnostics.
  const std::string& name() const { return name_; }
  void set_name(std::string n) { name_ = std::move(n); }

  const std::vector<Value*>& inputs() const { return inputs_; }
  Value* input(size_t i) const { return inputs_[i]; }
  size_t num_inputs() const { return inputs_.size(); }
  const std::vector<Value*>& outputs() const { return outputs_; }
  Value* output(size_t i = 0) const { return outputs_[i]; }
  size_t num_outputs() const { return outputs_.size(); }
  const Attrs& attrs() const { return attrs_; }

  // Replaces operand i, keeping both values' use lists right.
  void set_input(size_t i, Value* v);

  // "node 'name' (softmax)" for error messages.
  std::string Describe() const;

 private:
  friend class Graph;
  friend struct GraphTestAccess;
  int64_t id_ = 0;
  OpKind op_ = OpKind::kIdentity;
  std::string name_;
  std::vector<Value*> inputs_;
  std::vector<Value*> outputs_;
  Attrs attrs_;
  std::list<std::unique_ptr<Node>>::iterator pos_;
};

class Graph {
 public:
  explicit Graph(std::string name = "main") : name_(std::move(name)) {}
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  Graph(Graph&&) = default;
  Graph& operator=(Graph&&) = default;

  // A deep copy (constants' data is shared, being immutable).
  std::unique_ptr<Graph> Clone() const;

  const std::string& name() const { return name_; }
  void set_name(std::string n) { name_ = std::move(n); }

  // --- building -------------------------------------------------------------------------------
  Value* AddInput(std::string name, TensorType type);
  Value* AddConstant(std::string name, Tensor data);
  Value* AddConstant(std::string name, std::shared_ptr<const Tensor> data);
  // Creates a node: checks attrs against the schema (filling defaults), infers output types, and
  // inserts it before `before` (at the end when null). Output names are given or generated.
  Expected<Node*> AddNode(OpKind op, std::vector<Value*> inputs, Attrs attrs = {}, std::string name = "",
                          Node* before = nullptr, std::vector<std::string> output_names = {});
  // Like AddNode, but after `after`.
  Expected<Node*> AddNodeAfter(Node* after, OpKind op, std::vector<Value*> inputs, Attrs attrs = {},
                               std::string name = "");
  // Creates a node with the output types given (the parser uses this; the verifier checks them).
  Node* CreateNodeUnchecked(OpKind op, std::vector<Value*> inputs, Attrs attrs, std::vector<TensorType> output_types,
                            std::vector<std::string> output_names, std::string name = "", Node* before = nullptr);
  void SetOutputs(std::vector<Value*> outputs);
  void AddOutput(Value* v) { outputs_.push_back(v); }
  void SetOutput(size_t i, Value* v) { outputs_[i] = v; }

  // --- rewriting ------------------------------------------------------------------------------
  // Every use of `from` (and graph-output slot) now reads `to`.
  void ReplaceAllUsesWith(Value* from, Value* to);
  // Erases a node whose outputs have no uses and are not graph outputs.
  Status EraseNode(Node* node);
  // Moves `node` just before `before`.
  void MoveBefore(Node* node, Node* before);
  // Removes constants and inputs that are unused (inputs are kept: they are the interface).
  void RemoveUnusedConstants();
  // Erases nodes whose results reach no graph output. Returns the number erased.
  int EliminateDeadNodes();

  // --- reading --------------------------------------------------------------------------------
  const std::list<std::unique_ptr<Node>>& nodes() const { return nodes_; }
  size_t num_nodes() const { return nodes_.size(); }
  const std::vector<Value*>& inputs() const { return inputs_; }
  const std::vector<Value*>& outputs() const { return outputs_; }
  bool IsGraphOutput(const Value* v) const;
  // Constants in creation order.
  std::vector<Value*> constants() const;
  std::vector<Value*> values() const;
  Value* FindValue(std::string_view name) const;
  Node* FindNode(std::string_view name) const;
  // A value name not yet used, built from `base`.
  std::string UniqueName(std::string_view base) const;
  // Renames a value; the name is made unique if taken.
  void RenameValue(Value* v, std::string name);


 private:
  friend struct GraphTestAccess;
  Value* NewValue(std::string name, TensorType type, ValueKind kind);
  std::string name_;
  std::list<std::unique_ptr<Node>> nodes_;
  std::vector<std::unique_ptr<Value>> values_;
  std::vector<Value*> inputs_;
  std::vector<Value*> outputs_;
  std::unordered_map<std::string, Value*> value_by_name_;
  int64_t next_id_ = 0;
};

}  // namespace agt::ir

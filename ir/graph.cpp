// The graph IR: construction and the rewrite helpers that keep use lists and order right.
#include "ir/graph.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

namespace agt::ir {

void Node::set_input(size_t i, Value* v) {
  Value* old = inputs_[i];
  if (old == v) return;
  auto& uses = old->uses_;
  auto it = std::find(uses.begin(), uses.end(), Use{this, static_cast<int>(i)});
  if (it != uses.end()) uses.erase(it);
  inputs_[i] = v;
  v->uses_.push_back(Use{this, static_cast<int>(i)});
}

std::string Node::Describe() const {
  if (name_.empty()) return fmt::format("node '{}' ({})", outputs_.empty() ? "?" : outputs_[0]->name(), op_name());
  return fmt::format("node '{}' ({})", name_, op_name());
}

Value* Graph::NewValue(std::string name, TensorType type, ValueKind kind) {
  auto v = std::make_unique<Value>();
  v->id_ = next_id_++;
  if (name.empty() || value_by_name_.count(name)) name = UniqueName(name.empty() ? "v" : name);
  v->name_ = std::move(name);
  v->type_ = std::move(type);
  v->kind_ = kind;
  Value* raw = v.get();
  value_by_name_[raw->name_] = raw;
  values_.push_back(std::move(v));
  return raw;
}

std::string Graph::UniqueName(std::string_view base) const {
  std::string b(base.empty() ? "v" : base);
  if (!value_by_name_.count(b)) return b;
  for (int64_t i = 1;; ++i) {
    std::string c = fmt::format("{}.{}", b, i);
    if (!value_by_name_.count(c)) return c;
  }
}

void Graph::RenameValue(Value* v, std::string name) {
  if (v->name_ == name) return;
  value_by_name_.erase(v->name_);
  if (name.empty() || value_by_name_.count(name)) name = UniqueName(name);
  v->name_ = std::move(name);
  value_by_name_[v->name_] = v;
}

Value* Graph::AddInput(std::string name, TensorType type) {
  Value* v = NewValue(std::move(name), std::move(type), ValueKind::kGraphInput);
  inputs_.push_back(v);
  return v;
}

Value* Graph::AddConstant(std::string name, Tensor data) {
  return AddConstant(std::move(name), std::make_shared<const Tensor>(std::move(data)));
}

Value* Graph::AddConstant(std::string name, std::shared_ptr<const Tensor> data) {
  Value* v = NewValue(std::move(name), data->type(), ValueKind::kConstant);
  v->data_ = std::move(data);
  return v;
}

Node* Graph::CreateNodeUnchecked(OpKind op, std::vector<Value*> inputs, Attrs attrs,
                                 std::vector<TensorType> output_types, std::vector<std::string> output_names,
                                 std::string name, Node* before) {
  auto n = std::make_unique<Node>();
  n->id_ = next_id_++;
  n->op_ = op;
  n->name_ = std::move(name);
  n->attrs_ = std::move(attrs);
  n->inputs_ = std::move(inputs);
  Node* raw = n.get();
  for (size_t i = 0; i < raw->inputs_.size(); ++i) raw->inputs_[i]->uses_.push_back(Use{raw, static_cast<int>(i)});
  for (size_t i = 0; i < output_types.size(); ++i) {
    std::string oname = i < output_names.size() ? output_names[i] : std::string();
    if (oname.empty()) oname = raw->name_.empty() ? std::string(OpName(op)) : raw->name_;
    Value* v = NewValue(std::move(oname), std::move(output_types[i]), ValueKind::kNodeOutput);
    v->producer_ = raw;
    v->output_index_ = static_cast<int>(i);
    raw->outputs_.push_back(v);
  }
  auto where = before ? before->pos_ : nodes_.end();
  raw->pos_ = nodes_.insert(where, std::move(n));
  return raw;
}

Expected<Node*> Graph::AddNode(OpKind op, std::vector<Value*> inputs, Attrs attrs, std::string name, Node* before,
                               std::vector<std::string> output_names) {
  std::string where = name.empty() ? fmt::format("{} node", OpName(op)) : fmt::format("node '{}' ({})", name, OpName(op));
  Status st = CheckAndFillAttrs(op, attrs);
  if (!st.ok()) return st.WithContext(where);
  std::vector<TensorType> in_types;
  in_types.reserve(inputs.size());
  for (Value* v : inputs) {
    if (v == nullptr) return Status::Errorf("{}: missing input", where);
    in_types.push_back(v->type());
  }
  auto out = InferTypes(op, attrs, in_types);
  if (!out.ok()) return out.status().WithContext(where);
  return CreateNodeUnchecked(op, std::move(inputs), std::move(attrs), std::move(out).value(), std::move(output_names),
                             std::move(name), before);
}

Expected<Node*> Graph::AddNodeAfter(Node* after, OpKind op, std::vector<Value*> inputs, Attrs attrs, std::string name) {
  auto next = std::next(after->pos_);
  Node* before = next == nodes_.end() ? nullptr : next->get();
  return AddNode(op, std::move(inputs), std::move(attrs), std::move(name), before);
}

void Graph::SetOutputs(std::vector<Value*> outputs) { outputs_ = std::move(outputs); }

void Graph::ReplaceAllUsesWith(Value* from, Value* to) {
  if (from == to) return;
  std::vector<Use> uses = from->uses_;
  for (const Use& u : uses) u.node->set_input(static_cast<size_t>(u.operand), to);
  for (Value*& o : outputs_) {
    if (o == from) o = to;
  }
}

Status Graph::EraseNode(Node* node) {
  for (Value* o : node->outputs_) {
    if (o->has_uses()) return Status::Errorf("cannot erase {}: output '{}' still has uses", node->Describe(), o->name());
    if (IsGraphOutput(o)) return Status::Errorf("cannot erase {}: '{}' is a graph output", node->Describe(), o->name());
  }
  for (size_t i = 0; i < node->inputs_.size(); ++i) {
    auto& uses = node->inputs_[i]->uses_;
    auto it = std::find(uses.begin(), uses.end(), Use{node, static_cast<int>(i)});
    if (it != uses.end()) uses.erase(it);
  }
  std::unordered_set<const Value*> dead(node->outputs_.begin(), node->outputs_.end());
  for (const Value* o : node->outputs_) value_by_name_.erase(o->name());
  std::erase_if(values_, [&](const std::unique_ptr<Value>& v) { return dead.count(v.get()) > 0; });
  nodes_.erase(node->pos_);
  return Status::Ok();
}

void Graph::MoveBefore(Node* node, Node* before) {
  if (node == before) return;
  nodes_.splice(before->pos_, nodes_, node->pos_);
}

void Graph::RemoveUnusedConstants() {
  std::erase_if(values_, [&](const std::unique_ptr<Value>& v) {
    bool dead = v->is_constant() && !v->has_uses() && !IsGraphOutput(v.get());
    if (dead) value_by_name_.erase(v->name());
    return dead;
  });
}

int Graph::EliminateDeadNodes() {
  std::vector<Node*> order;
  for (const auto& n : nodes_) order.push_back(n.get());
  int erased = 0;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Node* n = *it;
    bool live = false;
    for (Value* o : n->outputs_) live |= o->has_uses() || IsGraphOutput(o);
    if (!live && EraseNode(n).ok()) ++erased;
  }
  return erased;
}

bool Graph::IsGraphOutput(const Value* v) const {
  return std::find(outputs_.begin(), outputs_.end(), v) != outputs_.end();
}

std::vector<Value*> Graph::constants() const {
  std::vector<Value*> out;
  for (const auto& v : values_) {
    if (v->is_constant()) out.push_back(v.get());
  }
  return out;
}

std::vector<Value*> Graph::values() const {
  std::vector<Value*> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v.get());
  return out;
}

Value* Graph::FindValue(std::string_view name) const {
  auto it = value_by_name_.find(std::string(name));
  return it == value_by_name_.end() ? nullptr : it->second;
}

Node* Graph::FindNode(std::string_view name) const {
  for (const auto& n : nodes_) {
    if (n->name_ == name) return n.get();
  }
  return nullptr;
}

std::unique_ptr<Graph> Graph::Clone() const {
  auto g = std::make_unique<Graph>(name_);
  std::unordered_map<const Value*, Value*> map;
  for (const auto& v : values_) {
    if (v->is_graph_input()) continue;
    if (v->is_constant()) map[v.get()] = g->AddConstant(v->name(), v->data_);
  }
  for (Value* in : inputs_) map[in] = g->AddInput(in->name(), in->type());
  for (const auto& n : nodes_) {
    std::vector<Value*> ins;
    for (Value* v : n->inputs_) ins.push_back(map.at(v));
    std::vector<TensorType> types;
    std::vector<std::string> names;
    for (Value* o : n->outputs_) {
      types.push_back(o->type());
      names.push_back(o->name());
    }
    Node* c = g->CreateNodeUnchecked(n->op_, std::move(ins), n->attrs_, std::move(types), std::move(names), n->name_);
    for (size_t i = 0; i < n->outputs_.size(); ++i) map[n->outputs_[i]] = c->outputs_[i];
  }
  for (Value* o : outputs_) g->outputs_.push_back(map.at(o));
  return g;
}

}  // namespace agt::ir

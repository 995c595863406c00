// Extracting a group of nodes into a standalone Graph with canonical names (ir/subgraph.h). Names
// come only from position (inputs by first use, results by node order, constants by first use) and
// the node order only from the group's structure (StructuralOrder), so two groups that compute the
// same thing print to the same text wherever they sit in a model and however it was written.
#include "ir/subgraph.h"

#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "ir/unit_dims.h"

namespace agt::ir {

namespace {

// Whether `v` leaves the group: a graph output, or read by a node outside it.
bool Escapes(const Graph& g, const Value* v, const std::unordered_set<const Node*>& group) {
  bool escapes = g.IsGraphOutput(v);
  for (const Use& u : v->uses()) escapes |= !group.count(u.node);
  return escapes;
}

// The group's nodes in an order that follows from its structure, not from where an exporter put
// them: a depth-first post-order from the group's results (in the graph's order), each node's
// operands visited in canonical operand order. Two groups that compute the same thing with their
// independent branches written in another order (q scaled before k is transposed, or after) get
// the same order, so the same names and the same text. Iterative: groups may be whole graphs.
std::vector<const Node*> StructuralOrder(const Graph& g, std::span<const Node* const> nodes,
                                         const std::unordered_set<const Node*>& group, const Operands& operands) {
  std::vector<const Node*> order;
  order.reserve(nodes.size());
  std::unordered_set<const Node*> done;
  std::vector<std::pair<const Node*, size_t>> stack;   // node, next operand to visit
  auto visit = [&](const Node* root) {   // root: marked done by the caller
    stack.emplace_back(root, 0);
    while (!stack.empty()) {
      auto& [n, next] = stack.back();
      const std::vector<Value*>& ins = operands.at(n);
      if (next < ins.size()) {
        const Node* p = ins[next++]->producer();
        if (p != nullptr && group.count(p) && !done.count(p)) {
          done.insert(p);   // on the stack now: a DAG never reaches it again before it is emitted
          stack.emplace_back(p, 0);
        }
        continue;
      }
      order.push_back(n);
      stack.pop_back();
    }
  };
  for (const Node* n : nodes) {
    for (const Value* o : n->outputs()) {
      if (Escapes(g, o, group) && !done.count(n)) {
        done.insert(n);
        visit(n);
      }
    }
  }
  // Nodes no result depends on (their values unused: only a graph being built has them) keep their place at the end.
  for (const Node* n : nodes) {
    if (!done.count(n)) order.push_back(n);
  }
  return order;
}

}  // namespace

Operands CanonicalOperandOrder(std::span<const Node* const> nodes) {
  Operands out;
  std::unordered_map<const Value*, int64_t> depth;
  auto depth_of = [&](const Value* v) {
    auto it = depth.find(v);
    return it == depth.end() ? int64_t{0} : it->second;
  };
  for (const Node* n : nodes) {
    std::vector<Value*> ins = n->inputs();
    int64_t d = 0;
    for (const Value* v : ins) d = std::max(d, depth_of(v));
    if ((n->op() == OpKind::kAdd || n->op() == OpKind::kMul) && ins.size() == 2 && depth_of(ins[0]) < depth_of(ins[1])) {
      std::swap(ins[0], ins[1]);
    }
    for (const Value* o : n->outputs()) depth[o] = d + 1;
    out.emplace(n, std::move(ins));
  }
  return out;
}

Expected<Subgraph> ExtractSubgraph(const Graph& g, std::span<const Node* const> nodes, const ExtractOptions& options) {
  // Membership and order: every node must be in `g`, and `nodes` must follow g's order.
  std::unordered_map<const Node*, size_t> position;
  size_t index = 0;
  for (const auto& n : g.nodes()) position[n.get()] = index++;
  std::unordered_set<const Node*> group;
  size_t last = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    auto it = position.find(nodes[i]);
    if (nodes[i] == nullptr || it == position.end()) {
      return Status::Errorf("ExtractSubgraph: node {} of the group is not in graph '{}'", i, g.name());
    }
    if (!group.insert(nodes[i]).second) {
      return Status::Errorf("ExtractSubgraph: {} appears twice in the group", nodes[i]->Describe());
    }
    if (i > 0 && it->second < last) {
      return Status::Errorf("ExtractSubgraph: {} is out of the graph's order", nodes[i]->Describe());
    }
    last = it->second;
  }

  const Operands operands = CanonicalOperandOrder(nodes);
  const std::vector<const Node*> ordered = StructuralOrder(g, nodes, group, operands);
  Subgraph sub;
  sub.graph = std::make_unique<Graph>("group");
  Graph& sg = *sub.graph;
  std::unordered_map<const Value*, Value*> map;   // original value -> subgraph value
  int64_t next_const = 0;
  int64_t next_result = 0;
  for (const Node* n : ordered) {
    std::vector<Value*> ins;
    ins.reserve(n->num_inputs());
    for (const Value* v : operands.at(n)) {
      auto it = map.find(v);
      if (it == map.end()) {
        Value* nv = nullptr;
        if (v->is_constant() && v->data().num_elements() <= options.inline_constant_max_elements) {
          nv = sg.AddConstant(fmt::format("c{}", next_const++), v->data());
        } else {
          // Values produced by a group node are always mapped already (the group is in order), so
          // anything else comes from outside: an activation, a graph input or a large weight.
          nv = sg.AddInput(fmt::format("in{}", sub.inputs.size()), v->type());
          sub.inputs.push_back(v);
        }
        it = map.emplace(v, nv).first;
      }
      ins.push_back(it->second);
    }
    std::vector<TensorType> types;
    std::vector<std::string> names;
    for (const Value* o : n->outputs()) {
      types.push_back(o->type());
      names.push_back(fmt::format("t{}", next_result++));
    }
    Node* c = sg.CreateNodeUnchecked(n->op(), std::move(ins), n->attrs(), std::move(types), std::move(names));
    for (size_t i = 0; i < n->num_outputs(); ++i) map[n->output(i)] = c->output(i);
  }

  for (const Node* n : nodes) {
    for (const Value* o : n->outputs()) {
      if (Escapes(g, o, group)) {
        sg.AddOutput(map.at(o));
        sub.outputs.push_back(o);
      }
    }
  }
  if (options.squeeze_unit_dims) sub.graph = CanonicalForm(std::move(sub.graph));
  return sub;
}

std::unique_ptr<Graph> CanonicalForm(std::unique_ptr<Graph> g) {
  std::unique_ptr<Graph> squeezed = SqueezeUnitDims(*g);
  return squeezed ? std::move(squeezed) : std::move(g);
}

}  // namespace agt::ir

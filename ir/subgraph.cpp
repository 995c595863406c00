// Extracting a group of nodes into a standalone Graph with canonical names (ir/subgraph.h). Names
// come only from position (inputs by first use, results by node order, constants by first use), so
// two groups that compute the same thing print to the same text wherever they sit in a model.
#include "ir/subgraph.h"

#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "ir/unit_dims.h"

namespace agt::ir {

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

  Subgraph sub;
  sub.graph = std::make_unique<Graph>("group");
  Graph& sg = *sub.graph;
  std::unordered_map<const Value*, Value*> map;   // original value -> subgraph value
  int64_t next_const = 0;
  int64_t next_result = 0;
  for (const Node* n : nodes) {
    std::vector<Value*> ins;
    ins.reserve(n->num_inputs());
    for (const Value* v : n->inputs()) {
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
      bool escapes = g.IsGraphOutput(o);
      for (const Use& u : o->uses()) escapes |= !group.count(u.node);
      if (escapes) {
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

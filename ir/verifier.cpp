// The IR verifier.
#include "ir/verifier.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

namespace agt::ir {

Status Verify(const Graph& g) {
  std::unordered_set<const Value*> defined;
  std::unordered_set<const Value*> all;
  std::unordered_set<std::string> names;
  for (const Value* v : g.values()) {
    all.insert(v);
    if (!names.insert(v->name()).second) return Status::Errorf("value name '{}' is defined twice", v->name());
    if (v->is_constant()) {
      if (v->type() != v->data().type()) {
        return Status::Errorf("constant '{}' has type {} but its data is {}", v->name(), v->type().ToString(),
                              v->data().type().ToString());
      }
      defined.insert(v);
    }
  }
  for (const Value* v : g.inputs()) {
    if (!v->is_graph_input()) return Status::Errorf("graph input '{}' is not marked as an input", v->name());
    defined.insert(v);
  }

  // Expected use lists, rebuilt from the operands.
  std::unordered_map<const Value*, std::vector<Use>> expected_uses;
  for (const auto& up : g.nodes()) {
    const Node* n = up.get();
    for (size_t i = 0; i < n->num_inputs(); ++i) {
      const Value* in = n->input(i);
      if (in == nullptr) return Status::Errorf("{}: operand {} is null", n->Describe(), i);
      if (!all.count(in)) return Status::Errorf("{}: operand {} is not a value of this graph", n->Describe(), i);
      if (!defined.count(in)) {
        return Status::Errorf("{}: operand '{}' is used before it is defined (nodes are not in topological order)",
                              n->Describe(), in->name());
      }
      expected_uses[in].push_back(Use{const_cast<Node*>(n), static_cast<int>(i)});
    }
    Attrs attrs = n->attrs();
    Status st = CheckAndFillAttrs(n->op(), attrs);
    if (!st.ok()) return st.WithContext(n->Describe());
    if (!(attrs == n->attrs())) return Status::Errorf("{}: attributes lack their defaults", n->Describe());
    std::vector<TensorType> in_types;
    for (const Value* in : n->inputs()) in_types.push_back(in->type());
    auto inferred = InferTypes(n->op(), n->attrs(), in_types);
    if (!inferred.ok()) return inferred.status().WithContext(n->Describe());
    if (inferred->size() != n->num_outputs()) {
      return Status::Errorf("{}: has {} outputs, its op gives {}", n->Describe(), n->num_outputs(), inferred->size());
    }
    for (size_t i = 0; i < n->num_outputs(); ++i) {
      const Value* o = n->output(i);
      if (o->producer() != n || o->output_index() != static_cast<int>(i) || o->kind() != ValueKind::kNodeOutput) {
        return Status::Errorf("{}: output {} ('{}') does not point back to its producer", n->Describe(), i, o->name());
      }
      if (o->type() != (*inferred)[i]) {
        return Status::Errorf("{}: output '{}' is {} but the shape rule gives {}", n->Describe(), o->name(),
                              o->type().ToString(), (*inferred)[i].ToString());
      }
      if (!defined.insert(o).second) return Status::Errorf("{}: output '{}' is defined twice", n->Describe(), o->name());
    }
  }
  for (const Value* v : g.values()) {
    if (!defined.count(v)) return Status::Errorf("value '{}' has no producer in the graph", v->name());
    std::vector<Use> have = v->uses();
    std::vector<Use> want = expected_uses[v];
    auto key = [](const Use& a, const Use& b) {
      return a.node != b.node ? std::less<Node*>()(a.node, b.node) : a.operand < b.operand;
    };
    std::sort(have.begin(), have.end(), key);
    std::sort(want.begin(), want.end(), key);
    if (have != want) {
      return Status::Errorf("value '{}' has a use list of {} entries that does not match its {} operand uses",
                            v->name(), have.size(), want.size());
    }
  }
  for (const Value* o : g.outputs()) {
    if (o == nullptr || !all.count(o)) return Status::Error("a graph output is not a value of this graph");
  }
  return Status::Ok();
}

}  // namespace agt::ir

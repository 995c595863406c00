// The reference interpreter: a walk over the nodes in order, freeing each value after its last use.
#include "ir/interpreter.h"

#include <thread>
#include <unordered_map>

#include <fmt/format.h>

namespace agt::ir {

Expected<std::vector<Tensor>> Interpret(const Graph& g, std::span<const Tensor> inputs,
                                        const InterpreterOptions& options) {
  if (inputs.size() != g.inputs().size()) {
    return Status::Errorf("graph '{}' takes {} inputs, got {}", g.name(), g.inputs().size(), inputs.size());
  }
  RefContext ctx;
  ctx.num_threads = options.num_threads > 0 ? options.num_threads
                                            : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));

  std::unordered_map<const Value*, Tensor> env;
  std::unordered_map<const Value*, int> remaining;   // uses not yet executed
  for (const Value* v : g.values()) remaining[v] = static_cast<int>(v->uses().size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value* in = g.inputs()[i];
    if (inputs[i].type() != in->type()) {
      return Status::Errorf("input '{}' must be {}, got {}", in->name(), in->type().ToString(),
                            inputs[i].type().ToString());
    }
    env[in] = inputs[i];
  }
  auto lookup = [&](const Value* v) -> const Tensor* {
    if (v->is_constant()) return &v->data();
    auto it = env.find(v);
    return it == env.end() ? nullptr : &it->second;
  };

  for (const auto& up : g.nodes()) {
    const Node& n = *up;
    std::vector<const Tensor*> args;
    args.reserve(n.num_inputs());
    for (const Value* v : n.inputs()) {
      const Tensor* t = lookup(v);
      if (t == nullptr) return Status::Errorf("{}: input '{}' has no value", n.Describe(), v->name());
      args.push_back(t);
    }
    std::vector<Tensor> outs;
    outs.reserve(n.num_outputs());
    for (const Value* o : n.outputs()) outs.emplace_back(o->type());
    RefFn ref = n.info().def.reference;
    if (ref == nullptr) return Status::Errorf("{}: op has no reference implementation", n.Describe());
    Status st = ref(n.attrs(), args, outs, ctx);
    if (!st.ok()) return st.WithContext(n.Describe());
    if (options.on_node) options.on_node(n, outs);
    for (size_t i = 0; i < outs.size(); ++i) env[n.output(i)] = std::move(outs[i]);
    for (const Value* v : n.inputs()) {
      if (--remaining[v] == 0 && !v->is_constant() && !g.IsGraphOutput(v)) env.erase(v);
    }
  }
  std::vector<Tensor> results;
  for (const Value* o : g.outputs()) {
    const Tensor* t = lookup(o);
    if (t == nullptr) return Status::Errorf("graph output '{}' was never computed", o->name());
    results.push_back(*t);
  }
  return results;
}

}  // namespace agt::ir

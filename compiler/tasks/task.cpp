// Extracting the distinct groups of a plan as tasks, with occurrence counts.
#include "compiler/tasks/task.h"

#include <regex>
#include <unordered_map>

#include <fmt/format.h>

#include "compiler/fusion/group_signature.h"
#include "compiler/fusion/op_geometry.h"
#include "ir/subgraph.h"
#include "ir/text.h"

namespace agt::tasks {

std::string GroupOpsString(const fusion::FusionGroup& group) {
  std::vector<std::string_view> names;
  for (const ir::Node* n : group.nodes) names.push_back(n->op_name());
  return fmt::format("{}", fmt::join(names, "+"));
}

namespace {

double GroupFlops(const fusion::FusionGroup& group) {
  double f = 0;
  for (const ir::Node* n : group.nodes) {
    if (auto gg = fusion::GetGemmGeometry(*n)) {
      f += static_cast<double>(gg->Flops());
    } else {
      bool reduce = n->pattern() == ir::OpPattern::kCommReduce;
      f += static_cast<double>((reduce ? n->input(0) : n->output(0))->type().num_elements()) *
           fusion::SimtFlopsPerElement(*n);
    }
  }
  return f;
}

}  // namespace

Expected<std::vector<Task>> ExtractTasks(const ir::Graph& g, const fusion::FusionPlan& plan,
                                         ir::Precision precision) {
  std::vector<Task> tasks;
  std::unordered_map<std::string, size_t> by_id;
  for (size_t p = 0; p < plan.phases.size(); ++p) {
    const fusion::FusionGroup& group = plan.phases[p].group;
    if (fusion::IsAliasView(group)) continue;   // no kernel: the launch list aliases its buffer
    AGT_ASSIGN_OR_RETURN(ir::Subgraph sub, ir::ExtractSubgraph(g, group.nodes));
    std::string text = fusion::SignatureOfExtracted(*sub.graph);
    std::string id = fusion::SignatureId(text, precision);
    auto it = by_id.find(id);
    if (it != by_id.end()) {
      Task& t = tasks[it->second];
      if (t.signature != text) {
        return Status::Errorf("task id collision: {} names two different groups", id);
      }
      t.weight += 1;
      t.phases.push_back(static_cast<int>(p));
      continue;
    }
    Task t;
    t.id = id;
    t.signature = std::move(text);
    t.kind = group.kind;
    t.precision = precision;
    t.weight = 1;
    t.phases.push_back(static_cast<int>(p));
    t.estimated_us = plan.phases[p].estimated_us;
    t.flops = GroupFlops(group);
    t.ops = GroupOpsString(group);
    t.graph = std::move(sub.graph);
    by_id.emplace(t.id, tasks.size());
    tasks.push_back(std::move(t));
  }
  return tasks;
}

Expected<std::string> CanonicalTaskText(std::string_view graph_text) {
  AGT_ASSIGN_OR_RETURN(std::unique_ptr<ir::Graph> g, ir::ParseGraph(graph_text, "<task>"));
  // Extracted again as a whole, as a model's group is: the structural node order, canonical names,
  // then ir::CanonicalForm.
  std::vector<const ir::Node*> nodes;
  for (const auto& n : g->nodes()) nodes.push_back(n.get());
  AGT_ASSIGN_OR_RETURN(ir::Subgraph sub, ir::ExtractSubgraph(*g, nodes));
  return fusion::SignatureOfExtracted(*sub.graph);
}

std::string EpsilonFreeText(std::string_view task_text) {
  // The printer writes float attributes as `name = value` inside `{...}` (ir/text.h).
  static const std::regex kEpsilon(R"(epsilon = [^,}\s]+)");
  return std::regex_replace(std::string(task_text), kEpsilon, "epsilon = _");
}

std::string NodeLabel(const ir::Node& n) {
  if (!n.name().empty()) return n.name();
  return n.num_outputs() ? n.output(0)->name() : std::string(n.op_name());
}

}  // namespace agt::tasks

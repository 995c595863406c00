// Text, JSON and dot renderings of a model plan and its tasks (see plan_report.h).
#include "compiler/planner/plan_report.h"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace agt::planner {

using tasks::NodeLabel;
using tasks::Task;
using tasks::GroupOpsString;

using fusion::FusionPlan;
using fusion::Phase;


namespace {

// "[1,197,768], [1,197,768] -> [1,197,2304]": activations in (weights and constants left out), results out.
std::string ShapesLine(const fusion::FusionGroup& grp) {
  std::vector<std::string> in, out;
  for (const ir::Value* v : grp.inputs) {
    if (!v->is_constant()) in.push_back(ir::ShapeToString(v->shape()));
  }
  for (const ir::Value* v : grp.outputs) out.push_back(ir::ShapeToString(v->shape()));
  return fmt::format("{} -> {}", fmt::join(in, ", "), fmt::join(out, ", "));
}

// Phases that are reshapes of a computed value: no kernel (fusion::IsAliasView).
size_t AliasViews(const FusionPlan& plan) {
  return static_cast<size_t>(
      std::count_if(plan.phases.begin(), plan.phases.end(), [](const Phase& ph) { return fusion::IsAliasView(ph.group); }));
}

std::unordered_map<int, const Task*> TaskByPhase(const std::vector<Task>& tasks) {
  std::unordered_map<int, const Task*> m;
  for (const Task& t : tasks) {
    for (int p : t.phases) m[p] = &t;
  }
  return m;
}

std::string NoteSubject(const fusion::FusionNote& n) {
  std::vector<std::string> labels;
  for (const ir::Node* m : n.nodes) labels.push_back(NodeLabel(*m));
  return fmt::format("{}", fmt::join(labels, " / "));
}

}  // namespace

std::string FusionReportText(const ir::Graph& g, const FusionPlan& plan, const std::vector<Task>& tasks,
                             const PlanOptions& o) {
  std::string s;
  auto out = std::back_inserter(s);
  fmt::format_to(out, "fusion plan for '{}' (DPOF, {}, {}, {} queue order, groups of at most {} ops)\n", g.name(),
                 ir::PrecisionName(o.precision), o.device.name, fusion::QueueOrderName(plan.order),
                 o.legality.max_group_size);
  const size_t views = AliasViews(plan);
  fmt::format_to(out, "kernels: {} before fusion -> {} after{}; estimated {:.1f} us (unfused {:.1f} us); DPOF {:.0f} ms\n\n",
                 plan.num_ops, plan.phases.size() - views,
                 views == 0 ? std::string() : fmt::format(" (and {} reshapes that alias their input)", views), plan.total_us,
                 plan.unfused_us, plan.solve_ms);
  auto task_of = TaskByPhase(tasks);
  fmt::format_to(out, "{:>5}  {:<11} {:>9}  {:<16} {}\n", "phase", "kind", "est. us", "task", "ops  [shapes]  (anchor)");
  for (size_t p = 0; p < plan.phases.size(); ++p) {
    const Phase& ph = plan.phases[p];
    auto it = task_of.find(static_cast<int>(p));
    fmt::format_to(out, "{:>5}  {:<11} {:>9.2f}  {:<16} {}  [{}]  ({})\n", p, fusion::GroupKindName(ph.group.kind),
                   ph.estimated_us, it != task_of.end() ? it->second->id : fusion::IsAliasView(ph.group) ? "(alias)" : "",
                   GroupOpsString(ph.group),
                   ShapesLine(ph.group), NodeLabel(*ph.group.anchor));
  }
  fmt::format_to(out, "\ntasks: {} distinct groups for {} kernels\n", tasks.size(), plan.phases.size() - views);
  fmt::format_to(out, "{:<16} {:>6}  {:<11} {:>9}  {:>10}  {}\n", "id", "weight", "kind", "us each", "GFLOP each",
                 "ops");
  for (const Task& t : tasks) {
    fmt::format_to(out, "{:<16} {:>6}  {:<11} {:>9.2f}  {:>10.3f}  {}\n", t.id, t.weight,
                   fusion::GroupKindName(t.kind), t.estimated_us, t.flops / 1e9, t.ops);
  }
  int fused = 0, missed = 0;
  for (const auto& n : plan.notes) (n.fused ? fused : missed)++;
  fmt::format_to(out, "\nattention / LayerNorm fusion: {} fused, {} not fused\n", fused, missed);
  for (const auto& n : plan.notes) {
    if (!n.fused) fmt::format_to(out, "  not fused: {} {}: {}\n", n.pattern, NoteSubject(n), n.reason);
  }
  return s;
}

std::string FusionReportJson(const ir::Graph& g, const FusionPlan& plan, const std::vector<Task>& tasks,
                             const PlanOptions& o) {
  using nlohmann::json;
  auto labels = [](const std::vector<const ir::Node*>& nodes) {
    json a = json::array();
    for (const ir::Node* n : nodes) a.push_back(NodeLabel(*n));
    return a;
  };
  auto values = [](const std::vector<const ir::Value*>& vs) {
    json a = json::array();
    for (const ir::Value* v : vs) a.push_back({{"name", v->name()}, {"type", v->type().ToString()}});
    return a;
  };
  auto task_of = TaskByPhase(tasks);
  json j;
  j["model"] = g.name();
  j["precision"] = ir::PrecisionName(o.precision);
  j["device"] = o.device.name;
  j["queue_order"] = fusion::QueueOrderName(plan.order);
  j["max_group_size"] = o.legality.max_group_size;
  j["kernels_before"] = plan.num_ops;
  const size_t views = AliasViews(plan);
  j["kernels_after"] = plan.phases.size() - views;
  j["alias_views"] = views;
  j["estimated_us"] = plan.total_us;
  j["unfused_us"] = plan.unfused_us;
  j["dpof_ms"] = plan.solve_ms;
  j["phases"] = json::array();
  for (size_t p = 0; p < plan.phases.size(); ++p) {
    const Phase& ph = plan.phases[p];
    json e;
    e["index"] = p;
    e["kind"] = fusion::GroupKindName(ph.group.kind);
    e["estimated_us"] = ph.estimated_us;
    e["ops"] = GroupOpsString(ph.group);
    e["nodes"] = labels(ph.group.nodes);
    e["anchor"] = NodeLabel(*ph.group.anchor);
    if (ph.group.anchor2) e["anchor2"] = NodeLabel(*ph.group.anchor2);
    e["prologue"] = labels(ph.group.prologue);
    e["core"] = labels(ph.group.core);
    e["epilogue"] = labels(ph.group.epilogue);
    e["inputs"] = values(ph.group.inputs);
    e["outputs"] = values(ph.group.outputs);
    auto it = task_of.find(static_cast<int>(p));
    if (it != task_of.end()) e["task"] = it->second->id;
    j["phases"].push_back(std::move(e));
  }
  j["tasks"] = json::array();
  for (const Task& t : tasks) {
    j["tasks"].push_back({{"id", t.id},
                          {"kind", fusion::GroupKindName(t.kind)},
                          {"weight", t.weight},
                          {"ops", t.ops},
                          {"estimated_us", t.estimated_us},
                          {"flops", t.flops},
                          {"phases", t.phases},
                          {"signature", t.signature}});
  }
  j["notes"] = json::array();
  for (const auto& n : plan.notes) {
    j["notes"].push_back({{"pattern", n.pattern}, {"nodes", labels(n.nodes)}, {"fused", n.fused}, {"reason", n.reason}});
  }
  return j.dump(2) + "\n";
}

std::string FusionReportDot(const ir::Graph& g, const FusionPlan& plan, const PlanOptions& o) {
  std::string s;
  auto out = std::back_inserter(s);
  auto quote = [](std::string_view t) {
    std::string r;
    for (char c : t) {
      if (c == '"' || c == '\\') r.push_back('\\');
      r.push_back(c);
    }
    return r;
  };
  fmt::format_to(out, "digraph \"{}\" {{\n  label=\"{}: {} kernels, {:.1f} us estimated ({})\";\n", quote(g.name()),
                 quote(g.name()), plan.phases.size(), plan.total_us, ir::PrecisionName(o.precision));
  fmt::format_to(out, "  node [shape=box, fontsize=10];\n");
  std::unordered_map<const ir::Node*, int> id;
  int next = 0;
  for (const auto& n : g.nodes()) id[n.get()] = next++;
  for (size_t p = 0; p < plan.phases.size(); ++p) {
    const Phase& ph = plan.phases[p];
    fmt::format_to(out, "  subgraph cluster_{} {{\n    label=\"#{} {} {:.2f} us\";\n", p, p,
                   fusion::GroupKindName(ph.group.kind), ph.estimated_us);
    for (const ir::Node* n : ph.group.nodes) {
      bool anchor = n == ph.group.anchor || n == ph.group.anchor2;
      fmt::format_to(out, "    n{} [label=\"{}\\n{}\"{}];\n", id[n], n->op_name(),
                     quote(n->num_outputs() ? n->output(0)->type().ToString() : ""), anchor ? ", style=bold" : "");
    }
    fmt::format_to(out, "  }}\n");
  }
  for (const auto& n : g.nodes()) {
    for (const ir::Value* v : n->inputs()) {
      if (v->producer() != nullptr) fmt::format_to(out, "  n{} -> n{};\n", id[v->producer()], id[n.get()]);
    }
  }
  fmt::format_to(out, "}}\n");
  return s;
}

std::optional<ReportFormat> ParseReportFormat(std::string_view name) {
  if (name == "text") return ReportFormat::kText;
  if (name == "json") return ReportFormat::kJson;
  if (name == "dot") return ReportFormat::kDot;
  return std::nullopt;
}

std::string RenderPlanReport(const ir::Graph& g, const ModelPlan& p, ReportFormat format) {
  switch (format) {
    case ReportFormat::kDot: return FusionReportDot(g, p.plan, p.options);
    case ReportFormat::kJson: return FusionReportJson(g, p.plan, p.tasks, p.options);
    case ReportFormat::kText: break;
  }
  return FusionReportText(g, p.plan, p.tasks, p.options);
}

}  // namespace agt::planner

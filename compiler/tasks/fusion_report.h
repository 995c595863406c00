// The fusion report behind `autogtco inspect MODEL --fusion`: DPOF's phases (one line each: kind,
// estimated microseconds, ops, shapes), the kernel count before and after fusion, the estimated
// total, the tuning tasks with their weights, and the "not fused because" notes; as text, JSON, or
// Graphviz dot with one cluster per phase.
#pragma once

#include <string>

#include "ir/device.h"
#include "compiler/fusion/dpof.h"
#include "compiler/tasks/task.h"
#include "ir/graph.h"
#include "ir/status.h"

namespace agt::tasks {

enum class ReportFormat : uint8_t { kText, kJson, kDot };

struct FusionReportOptions {
  ReportFormat format = ReportFormat::kText;
  fusion::FusionOptions fusion;              // precision, legality, orders
  ir::DeviceInfo device = ir::H100();
  // DPOF's cost model; null: the analytical model of `device`. (The inspect command passes the
  // sketch-aware model that compile plans on, tuner/plan_tasks.h.)
  const fusion::GroupCostModel* cost = nullptr;
};

// Runs DPOF and task extraction on `g` and renders the result.
Expected<std::string> RenderFusionReport(const ir::Graph& g, const FusionReportOptions& options);

// Rendering of a plan that has already been computed.
std::string FusionReportText(const ir::Graph& g, const fusion::FusionPlan& plan, const std::vector<Task>& tasks,
                             const FusionReportOptions& options);
std::string FusionReportJson(const ir::Graph& g, const fusion::FusionPlan& plan, const std::vector<Task>& tasks,
                             const FusionReportOptions& options);
std::string FusionReportDot(const ir::Graph& g, const fusion::FusionPlan& plan, const FusionReportOptions& options);

// A node's label in reports: its ONNX name, else the name of its first result.
std::string NodeLabel(const ir::Node& n);

}  // namespace agt::tasks

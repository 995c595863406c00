// The plan report behind `autogtco inspect MODEL --fusion`: a ModelPlan (plan_model.h) rendered as
// DPOF's phases (one line each: kind, estimated microseconds, task, ops, shapes), the kernel count
// before and after fusion, the estimated total, the tuning tasks with their weights, and the "not
// fused because" notes; as text, JSON, or Graphviz dot with one cluster per phase. It renders what
// PlanModel built and plans nothing itself, so it shows exactly the plan compile builds.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/planner/plan_model.h"
#include "ir/graph.h"

namespace agt::planner {

enum class ReportFormat : uint8_t { kText, kJson, kDot };
std::optional<ReportFormat> ParseReportFormat(std::string_view name);   // "text", "json", "dot"

std::string RenderPlanReport(const ir::Graph& g, const ModelPlan& plan, ReportFormat format);

// The renderings one by one.
std::string FusionReportText(const ir::Graph& g, const fusion::FusionPlan& plan, const std::vector<tasks::Task>& tasks,
                             const PlanOptions& options);
std::string FusionReportJson(const ir::Graph& g, const fusion::FusionPlan& plan, const std::vector<tasks::Task>& tasks,
                             const PlanOptions& options);
std::string FusionReportDot(const ir::Graph& g, const fusion::FusionPlan& plan, const PlanOptions& options);

}  // namespace agt::planner

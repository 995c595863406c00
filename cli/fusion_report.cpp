// The fusion report on stdout for the inspect command.
#include "cli/fusion_report.h"

#include <cstdio>

#include <fmt/format.h>

namespace agt::cli {

Expected<tasks::FusionReportOptions> MakeFusionReportOptions(std::string_view format, std::string_view precision,
                                                             int max_group_size) {
  tasks::FusionReportOptions o;
  if (format == "text") {
    o.format = tasks::ReportFormat::kText;
  } else if (format == "json") {
    o.format = tasks::ReportFormat::kJson;
  } else if (format == "dot") {
    o.format = tasks::ReportFormat::kDot;
  } else {
    return Status::Errorf("--format must be text, json or dot for the fusion report, got '{}'", format);
  }
  auto p = ir::ParsePrecision(precision);
  if (!p) return Status::Errorf("--precision must be fp32, tf32, fp16 or bf16, got '{}'", precision);
  o.fusion.precision = *p;
  if (max_group_size < 1) return Status::Errorf("--max-group-size must be at least 1, got {}", max_group_size);
  o.fusion.legality.max_group_size = max_group_size;
  return o;
}

int PrintFusionReport(const ir::Graph& g, const tasks::FusionReportOptions& options) {
  auto text = tasks::RenderFusionReport(g, options);
  if (!text.ok()) {
    fmt::print(stderr, "error: fusion report for '{}': {}\n", g.name(), text.status().message());
    return 2;
  }
  fmt::print("{}", *text);
  std::fflush(stdout);
  return 0;
}

}  // namespace agt::cli

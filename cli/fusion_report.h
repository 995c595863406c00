// `autogtco inspect MODEL --fusion`: the glue between the inspect command and the fusion report
// (compiler/tasks/fusion_report.h). cmd_inspect.cpp parses the model and calls PrintFusionReport.
#pragma once

#include <string_view>

#include "compiler/tasks/fusion_report.h"
#include "ir/graph.h"
#include "ir/status.h"

namespace agt::cli {

// From the command line's words: format text|json|dot, precision fp32|tf32|fp16|bf16, maximum group size.
Expected<tasks::FusionReportOptions> MakeFusionReportOptions(std::string_view format, std::string_view precision,
                                                             int max_group_size = 24);

// Prints the report to stdout. Returns the exit code: 0, or 2 after one line on stderr.
int PrintFusionReport(const ir::Graph& g, const tasks::FusionReportOptions& options);

}  // namespace agt::cli

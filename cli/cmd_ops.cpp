// `autogtco ops` lists the ONNX operators the frontend imports (ai.onnx domain), each with its family
// and the opsets it is imported from, and marks the ones taken only with constant inputs (computed at
// import, as exporters use them in shape arithmetic). `--format csv` prints the same as CSV.
#include <algorithm>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli/commands.h"
#include "compiler/frontend/importers.h"
#include "compiler/frontend/onnx_loader.h"

namespace agt::cli {

void AddOpsCommand(CLI::App& app, CommandContext&) {
  auto format = std::make_shared<std::string>("text");
  CLI::App* cmd = app.add_subcommand("ops", "List the supported ONNX operators and opsets");
  cmd->add_option("--format", *format, "text (default) or csv")->check(CLI::IsMember({"text", "csv"}));
  cmd->callback([format] {
    const std::vector<frontend::SupportedOp> ops = frontend::SupportedOps();
    auto opsets = [](const frontend::SupportedOp& o) {
      return fmt::format("{}-{}", std::max(frontend::kMinOpset, o.since_opset), frontend::kMaxOpset);
    };
    if (*format == "csv") {
      fmt::print("op_type,family,opsets,constants_only\n");
      for (const auto& o : ops) fmt::print("{},{},{},{}\n", o.op_type, o.family, opsets(o), o.constants_only ? 1 : 0);
    } else {
      fmt::print("{} ONNX operators (domain ai.onnx), imported from opsets {} to {} (newer opsets with a warning)\n",
                 ops.size(), frontend::kMinOpset, frontend::kMaxOpset);
      fmt::print("{:<24} {:<30} {}\n", "op", "family", "opsets");
      for (const auto& o : ops) {
        fmt::print("{:<24} {:<30} {}{}\n", o.op_type, o.family, opsets(o), o.constants_only ? "  (constant inputs only)" : "");
      }
    }
  });
}

}  // namespace agt::cli

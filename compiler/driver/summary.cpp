// The compile summary as text.
#include "compiler/driver/summary.h"

#include <fmt/format.h>

namespace agt::driver {

std::string FormatBytes(uint64_t bytes) {
  double b = static_cast<double>(bytes);
  if (b >= 1024.0 * 1024 * 1024) return fmt::format("{:.2f} GiB", b / (1024.0 * 1024 * 1024));
  if (b >= 1024.0 * 1024) return fmt::format("{:.2f} MiB", b / (1024.0 * 1024));
  if (b >= 1024.0) return fmt::format("{:.2f} KiB", b / 1024.0);
  return fmt::format("{} B", bytes);
}

std::string FormatSummary(const CompileSummary& s) {
  std::string out;
  auto line = [&](std::string_view key, const std::string& value) { out += fmt::format("  {:<14} {}\n", key, value); };
  out += fmt::format("compiled {} ({}, {})", s.model, s.precision, s.arch);
  out += s.output.empty() ? "\n" : fmt::format(" -> {} ({})\n", s.output, FormatBytes(s.artifact_bytes));
  line("graph", fmt::format("{} nodes -> {} fused groups, estimated {:.1f} us{}", s.nodes, s.phases, s.estimated_us,
                            s.measured_phases > 0 ? fmt::format(" ({} of the groups measured)", s.measured_phases)
                                                  : " (analytical model)"));
  std::string sk;
  for (const auto& [k, n] : s.sketches) sk += fmt::format("{}{} {}", sk.empty() ? "" : ", ", n, k);
  line("tasks", fmt::format("{} distinct ({}){}", s.tasks, sk,
                            s.fallback_tasks > 0 ? fmt::format(", {} slow: left to the generic sketch", s.fallback_tasks) : ""));
  line("programs", fmt::format("{}: {} measured, {} predicted, {} default", s.program_source, s.tuned_tasks, s.predicted_tasks,
                               s.tasks - s.tuned_tasks - s.predicted_tasks));
  for (const CompileSummary::TaskProgram& t : s.task_programs) {
    out += fmt::format("    {:<9} {} x{:<3} {:<12} {}\n", t.origin, t.id, t.weight, t.sketch, t.ops.substr(0, 60));
  }
  line("kernels", fmt::format("{} ({} tasks + {} edge casts); NVRTC compiles {}, cache hits {}", s.kernels, s.tasks,
                              s.kernels - s.tasks, s.nvrtc_compiles, s.nvrtc_cache_hits));
  line("launches", fmt::format("{} per run", s.launches));
  double saved = s.intermediate_bytes == 0 ? 0 : 100.0 * (1.0 - static_cast<double>(s.arena_bytes) / static_cast<double>(s.intermediate_bytes));
  line("arena", fmt::format("{} peak vs {} for all buffers without reuse ({:.1f}% saved){}", FormatBytes(s.arena_bytes),
                            FormatBytes(s.intermediate_bytes), saved,
                            s.workspace_bytes > 0 ? fmt::format("; split-K workspace {}", FormatBytes(s.workspace_bytes)) : ""));
  line("weights", fmt::format("{} {}{}", FormatBytes(s.weight_bytes), s.weights_mode,
                              s.weights_file.empty() ? "" : " in " + s.weights_file));
  std::string times;
  double total = 0;
  for (const auto& [stage, ms] : s.stage_ms) {
    times += fmt::format("{}{} {:.0f} ms", times.empty() ? "" : ", ", stage, ms);
    total += ms;
  }
  line("time", fmt::format("{:.2f} s ({})", total / 1000.0, times));
  return out;
}

}  // namespace agt::driver

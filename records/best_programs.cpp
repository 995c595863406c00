// The best logged program per task, for the compile driver (see best_programs.h).
#include "records/best_programs.h"

#include <spdlog/spdlog.h>

#include "records/tuning_log.h"

namespace agt::records {

const BestProgram* BestPrograms::Find(const std::string& task_key) const {
  auto it = best_.find(task_key);
  return it == best_.end() ? nullptr : &it->second;
}

Expected<BestPrograms> BestProgramsFromLog(const std::string& path, const std::string& arch) {
  LoadOptions o;
  o.missing_ok = false;
  AGT_ASSIGN_OR_RETURN(LoadedLog log, LoadTuningLog(path, o));
  const std::string problems = DescribeProblems(log);
  if (!problems.empty()) spdlog::warn("tuning log {}: {}", path, problems);
  BestPrograms out;
  for (auto& [key, r] : BestRecords(log.records, arch)) {
    out.mutable_all().emplace(key, BestProgram{r.program, r.result.median_us, r.env.gpu});
  }
  return out;
}

codegen::Program RebindProgram(const codegen::Program& logged, const codegen::Task& task) {
  codegen::Program p = logged;
  p.task = task;
  return p;
}

std::map<std::string, double> MeasuredKernelUs(const BestPrograms& best) {
  std::map<std::string, double> us;
  for (const auto& [key, b] : best.all()) us[key] = b.median_us;
  return us;
}

}  // namespace agt::records

// Reading, appending, merging and choosing from tuning logs (see tuning_log.h).
#include "records/tuning_log.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

namespace agt::records {

std::string RecordToLine(const TuningRecord& r) {
  nlohmann::json result = {{"error", MeasureErrorName(r.result.error)},
                           {"median_us", r.result.median_us},
                           {"times_us", r.result.times_us},
                           {"repeats", r.result.times_us.size()},
                           {"rel_error", r.result.rel_error}};
  if (!r.result.message.empty()) result["message"] = r.result.message;
  if (r.result.cut) result["cut"] = true;
  nlohmann::json j = {{"v", kTuningLogVersion},
                      {"task", r.task_key},
                      {"ops", r.task_ops},
                      {"program", codegen::ToJson(r.program)},
                      {"result", result},
                      {"env",
                       {{"gpu", r.env.gpu},
                        {"arch", r.env.arch},
                        {"driver", r.env.driver},
                        {"compiler", r.env.compiler},
                        {"autogtco", r.env.autogtco}}}};
  if (r.timestamp != 0) j["time"] = r.timestamp;
  j["emitter"] = r.emitter;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Expected<TuningRecord> RecordFromLine(std::string_view line) {
  nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Error("not valid JSON");
  try {
    int v = j.at("v").get<int>();
    if (v != kTuningLogVersion) return Status::Errorf("log version {} (this build reads version {})", v, kTuningLogVersion);
    TuningRecord r;
    r.task_key = j.at("task").get<std::string>();
    r.task_ops = j.value("ops", "");
    AGT_ASSIGN_OR_RETURN(r.program, codegen::ProgramFromJson(j.at("program")));
    const auto& res = j.at("result");
    std::string err = res.at("error").get<std::string>();
    auto e = ParseMeasureError(err);
    if (!e) return Status::Errorf("unknown error kind '{}'", err);
    r.result.error = *e;
    r.result.median_us = res.value("median_us", 0.0);
    r.result.times_us = res.value("times_us", std::vector<double>{});
    r.result.rel_error = res.value("rel_error", 0.0);
    r.result.message = res.value("message", "");
    r.result.cut = res.value("cut", false);
    if (r.result.ok() && !(r.result.median_us > 0)) return Status::Error("a successful record without a positive median_us");
    const auto& env = j.at("env");
    r.env.gpu = env.value("gpu", "");
    r.env.arch = env.value("arch", "");
    r.env.driver = env.value("driver", "");
    r.env.compiler = env.value("compiler", "");
    r.env.autogtco = env.value("autogtco", "");
    r.timestamp = j.value("time", int64_t{0});
    r.emitter = j.value("emitter", 1);   // logs written before the field: every emitter at version 1
    return r;
  } catch (const std::exception& ex) {
    return Status::Errorf("malformed record: {}", ex.what());
  }
}

Expected<LoadedLog> LoadTuningLog(const std::string& path, const LoadOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (options.missing_ok && errno == ENOENT) return LoadedLog{};
    return Status::Errorf("cannot open tuning log '{}': {}", path, std::strerror(errno));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  LoadedLog out;
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    bool last_unterminated = nl == std::string::npos;
    std::string_view line(text.data() + pos, (last_unterminated ? text.size() : nl) - pos);
    pos = last_unterminated ? text.size() : nl + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto r = RecordFromLine(line);
    if (r.ok()) {
      out.records.push_back(std::move(r).value());
      continue;
    }
    if (last_unterminated) {
      out.truncated_tail = true;
      out.problems.push_back({line_no, "truncated last line (ignored): " + r.status().message()});
      continue;
    }
    if (options.strict) return Status::Errorf("{}:{}: {}", path, line_no, r.status().message());
    out.problems.push_back({line_no, r.status().message()});
  }
  return out;
}

Expected<TuningLogWriter> TuningLogWriter::Open(const std::string& path) {
  // Does the file end in the middle of a line?
  bool needs_newline = false;
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    if (std::fseek(f, -1, SEEK_END) == 0) needs_newline = std::fgetc(f) != '\n';
    std::fclose(f);
  }
  std::FILE* f = std::fopen(path.c_str(), "ab");
  if (f == nullptr) return Status::Errorf("cannot open tuning log '{}' for appending: {}", path, std::strerror(errno));
  if (needs_newline) {
    std::fputc('\n', f);
    std::fflush(f);
  }
  return TuningLogWriter(f, path);
}

TuningLogWriter::~TuningLogWriter() {
  if (f_ != nullptr) std::fclose(f_);
}

Status TuningLogWriter::Append(const TuningRecord& r) {
  std::string line = RecordToLine(r);
  line += '\n';
  if (std::fwrite(line.data(), 1, line.size(), f_) != line.size() || std::fflush(f_) != 0) {
    return Status::Errorf("writing tuning log '{}': {}", path_, std::strerror(errno));
  }
  return Status::Ok();
}

Expected<std::vector<TuningRecord>> MergeTuningLogs(const std::vector<std::string>& paths) {
  std::vector<TuningRecord> out;
  std::set<std::string> seen;
  for (const std::string& p : paths) {
    LoadOptions o;
    o.missing_ok = false;
    AGT_ASSIGN_OR_RETURN(LoadedLog log, LoadTuningLog(p, o));
    for (TuningRecord& r : log.records) {
      if (seen.insert(RecordToLine(r)).second) out.push_back(std::move(r));
    }
  }
  return out;
}

Status WriteTuningLog(const std::string& path, const std::vector<TuningRecord>& records) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) return Status::Errorf("cannot write tuning log '{}': {}", path, std::strerror(errno));
  for (const TuningRecord& r : records) f << RecordToLine(r) << '\n';
  f.flush();
  if (!f) return Status::Errorf("writing tuning log '{}' failed", path);
  return Status::Ok();
}

bool IsCurrent(const TuningRecord& r) { return r.emitter == codegen::SketchEmitterVersion(r.program.sketch.kind); }

std::map<std::string, TuningRecord> BestRecords(const std::vector<TuningRecord>& records, const std::string& arch) {
  std::map<std::string, TuningRecord> best;
  std::map<std::string, std::string> best_text;   // program JSON of the current best, for ties
  for (const TuningRecord& r : records) {
    if (!r.result.ok() || !(r.result.median_us > 0) || !IsCurrent(r)) continue;
    if (!arch.empty() && r.program.task.arch != arch) continue;
    std::string text = codegen::ProgramToJsonText(r.program);
    auto it = best.find(r.task_key);
    if (it == best.end()) {
      best.emplace(r.task_key, r);
      best_text.emplace(r.task_key, std::move(text));
      continue;
    }
    double cur = it->second.result.median_us;
    std::string& cur_text = best_text[r.task_key];
    if (r.result.median_us < cur || (r.result.median_us == cur && text < cur_text)) {
      it->second = r;
      cur_text = std::move(text);
    }
  }
  return best;
}

}  // namespace agt::records

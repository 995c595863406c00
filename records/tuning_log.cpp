// Reading, appending, merging and choosing from tuning logs (see tuning_log.h).
#include "records/tuning_log.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ir/input_file.h"
#include "runtime/fresh_file.h"

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
  if (r.env.device >= 0) j["env"]["device"] = r.env.device;
  if (r.timestamp != 0) j["time"] = r.timestamp;
  j["emitter"] = r.emitter;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Expected<TuningRecord> RecordFromLine(std::string_view line) {
  nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Error("not valid JSON");
  try {
    AGT_ASSIGN_OR_RETURN(int64_t v, codegen::JsonInteger(j.at("v"), "v"));
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
    if (!(r.result.median_us <= kMaxRecordUs)) return Status::Errorf("median_us {} is not a kernel time", r.result.median_us);
    for (double t : r.result.times_us) {
      if (!(t >= 0 && t <= kMaxRecordUs)) return Status::Errorf("times_us holds {}, not a kernel time", t);
    }
    const auto& env = j.at("env");
    r.env.gpu = env.value("gpu", "");
    r.env.arch = env.value("arch", "");
    r.env.driver = env.value("driver", "");
    r.env.compiler = env.value("compiler", "");
    r.env.autogtco = env.value("autogtco", "");
    // Integer fields through JsonInteger: a float there (1e300) would convert with undefined behaviour.
    auto optional_int = [&](const nlohmann::json& obj, const char* key, int64_t dflt, const char* what) -> Expected<int64_t> {
      auto it = obj.find(key);
      return it == obj.end() ? Expected<int64_t>(dflt) : codegen::JsonInteger(*it, what);
    };
    AGT_ASSIGN_OR_RETURN(int64_t device, optional_int(env, "device", -1, "env.device"));
    if (device < -1 || device > 1 << 20) return Status::Errorf("env.device {} is not a GPU number", device);
    r.env.device = static_cast<int>(device);
    AGT_ASSIGN_OR_RETURN(r.timestamp, optional_int(j, "time", 0, "time"));
    // Logs written before the field: every emitter at version 1.
    AGT_ASSIGN_OR_RETURN(int64_t emitter, optional_int(j, "emitter", 1, "emitter"));
    if (emitter < 0 || emitter > 1 << 20) return Status::Errorf("emitter version {} is out of range", emitter);
    r.emitter = static_cast<int>(emitter);
    return r;
  } catch (const std::exception& ex) {
    return Status::Errorf("malformed record: {}", ex.what());
  }
}

namespace {

// Whether a line is a JSON object whose integer "v" is above this build's log version.
bool IsNewerVersionLine(std::string_view line) {
  nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return false;
  auto it = j.find("v");
  return it != j.end() && it->is_number_integer() && it->get<int64_t>() > kTuningLogVersion;
}

}  // namespace

Expected<LoadedLog> LoadTuningLog(const std::string& path, const LoadOptions& options) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) AGT_RETURN_IF_ERROR(ir::CheckRegularFile(path).WithContext("tuning log"));
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
    if (IsNewerVersionLine(line)) {
      out.newer_lines.emplace_back(line);
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
  const size_t real_problems = out.problems.size() - (out.truncated_tail ? 1 : 0);
  if (out.records.empty() && out.newer_lines.empty() && real_problems > 0) {
    return Status::Errorf("'{}' is not a tuning log: none of its {} lines is a record (line {}: {})", path, line_no,
                          out.problems.front().line, out.problems.front().message);
  }
  return out;
}

std::string DescribeProblems(const LoadedLog& log) {
  std::string s;
  if (!log.problems.empty()) {
    s = fmt::format("{} malformed line{} skipped (line {}: {})", log.problems.size(), log.problems.size() == 1 ? "" : "s",
                    log.problems.front().line, log.problems.front().message);
  }
  if (!log.newer_lines.empty()) {
    s += fmt::format("{}{} record{} of a newer log version ignored (this build reads version {})", s.empty() ? "" : "; ",
                     log.newer_lines.size(), log.newer_lines.size() == 1 ? "" : "s", kTuningLogVersion);
  }
  return s;
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

Expected<MergedLog> MergeTuningLogs(const std::vector<std::string>& paths) {
  MergedLog out;
  std::set<std::string> seen, seen_newer;
  for (const std::string& p : paths) {
    LoadOptions o;
    o.missing_ok = false;
    AGT_ASSIGN_OR_RETURN(LoadedLog log, LoadTuningLog(p, o));
    for (TuningRecord& r : log.records) {
      if (seen.insert(RecordToLine(r)).second) out.records.push_back(std::move(r));
    }
    for (std::string& l : log.newer_lines) {
      if (seen_newer.insert(l).second) out.newer_lines.push_back(std::move(l));
    }
    out.malformed += static_cast<int64_t>(log.problems.size());
  }
  return out;
}

Status WriteTuningLog(const std::string& path, const std::vector<TuningRecord>& records,
                      const std::vector<std::string>& newer_lines) {
  // The packer's fresh-file-then-rename (runtime/fresh_file.h): a link at `path` is replaced, not followed.
  runtime::Result<runtime::FreshFile> fresh = runtime::FreshFile::Beside(path);
  if (!fresh.ok()) return Status::Errorf("cannot write tuning log '{}': {}", path, fresh.status().message());
  bool ok = true;
  for (const TuningRecord& r : records) ok = ok && std::fprintf(fresh->get(), "%s\n", RecordToLine(r).c_str()) >= 0;
  for (const std::string& l : newer_lines) ok = ok && std::fprintf(fresh->get(), "%s\n", l.c_str()) >= 0;
  runtime::Status st = fresh->Commit(ok, 0644);
  if (!st.ok()) return Status::Errorf("writing tuning log '{}' failed: {}", path, st.message());
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

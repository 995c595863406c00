// The tuning log: versioned JSON lines, one measured program per line (its task key, the program,
// the result with its typed error, and the machine it ran on). The tuner appends a line after each
// measurement, so a crash loses at most the line being written; loading tolerates that truncated
// last line, and a rerun resumes from what was logged. Logs from several machines merge by
// concatenation; the compile driver takes the best record per task (best_programs.h).
#pragma once

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "codegen/program.h"
#include "ir/status.h"
#include "records/measure_result.h"

namespace agt::records {

inline constexpr int kTuningLogVersion = 1;
// A measured time above this (1000 s) is not a kernel's: such a record is refused as malformed.
inline constexpr double kMaxRecordUs = 1e9;

// Where a measurement was taken.
struct MeasureEnvironment {
  std::string gpu;        // "NVIDIA H100 80GB HBM3"
  std::string arch;       // the measured GPU's arch, "sm_90"
  std::string driver;     // CUDA driver version, "13.0"
  std::string compiler;   // "nvrtc 13.0"
  std::string autogtco = AGT_VERSION;
  // The GPU ordinal on its host that measured it (`tune --devices`); -1: not recorded (logs written
  // before several GPUs could tune, and records of other tools). Written only when known.
  int device = -1;
  bool operator==(const MeasureEnvironment&) const = default;
};

struct TuningRecord {
  std::string task_key;      // tasks::Task::id (signature hash + precision)
  std::string task_ops;      // "linear+add+gelu", for a reader of the log
  codegen::Program program;
  MeasureResult result;
  MeasureEnvironment env;
  int64_t timestamp = 0;     // unix seconds; 0 when not recorded (nothing depends on it)
  int emitter = 1;           // codegen::SketchEmitterVersion of the program's sketch when measured
};

// Whether a record was measured on the code this build emits for its program (same emitter version).
// Stale records stay in the log (and in merges) but choose nothing and seed no search.
bool IsCurrent(const TuningRecord& r);

// One JSON line (no newline) and back.
std::string RecordToLine(const TuningRecord& r);
Expected<TuningRecord> RecordFromLine(std::string_view line);

struct LogProblem {
  int line = 0;            // 1-based
  std::string message;
};

struct LoadedLog {
  std::vector<TuningRecord> records;
  std::vector<LogProblem> problems;   // malformed lines that were skipped
  // Records of a newer log version than this build reads: not used, but kept verbatim by merges.
  std::vector<std::string> newer_lines;
  bool truncated_tail = false;        // the last line had no newline and did not parse (a crash mid-write)
};

struct LoadOptions {
  bool strict = false;        // a malformed line (other than a truncated tail) is an error
  bool missing_ok = true;     // a file that does not exist loads as empty (a first run)
};
// A path that is not a regular file (a folder, a pipe, a device) is refused before reading, and so is
// a non-empty file none of whose lines is a record (a binary, another format): it is not a tuning log.
Expected<LoadedLog> LoadTuningLog(const std::string& path, const LoadOptions& options = {});
// "3 malformed lines skipped (line 7: ...); 2 records of a newer log version ignored", or "" for a
// clean log: what the commands that read a log warn about.
std::string DescribeProblems(const LoadedLog& log);

// Appends records to a log, one flushed line each. A file whose last line was cut short gets a
// newline first, so the new line stands on its own.
class TuningLogWriter {
 public:
  static Expected<TuningLogWriter> Open(const std::string& path);
  TuningLogWriter(TuningLogWriter&& o) noexcept : f_(o.f_), path_(std::move(o.path_)) { o.f_ = nullptr; }
  TuningLogWriter& operator=(TuningLogWriter&&) = delete;
  TuningLogWriter(const TuningLogWriter&) = delete;
  ~TuningLogWriter();
  Status Append(const TuningRecord& r);
  const std::string& path() const { return path_; }

 private:
  TuningLogWriter(std::FILE* f, std::string path) : f_(f), path_(std::move(path)) {}
  std::FILE* f_ = nullptr;
  std::string path_;
};

// Several logs into one: records in input order, exact duplicate lines dropped; lines of a newer log
// version kept as they are (deduplicated), so a merge by an older build loses nothing; malformed lines
// (not records of any version) counted and left out.
struct MergedLog {
  std::vector<TuningRecord> records;
  std::vector<std::string> newer_lines;
  int64_t malformed = 0;
};
Expected<MergedLog> MergeTuningLogs(const std::vector<std::string>& paths);
// Writes the records (then `newer_lines`) to a fresh file beside `path`, then renames it over `path`
// (runtime::FreshFile): a crash leaves the old file whole, and a link at `path` is replaced, not followed.
Status WriteTuningLog(const std::string& path, const std::vector<TuningRecord>& records,
                      const std::vector<std::string>& newer_lines = {});

// The best successful record of each task compiled for `arch` (empty: any arch). Ties on time go to
// the smallest program JSON text, so the choice never depends on the order of the records.
std::map<std::string, TuningRecord> BestRecords(const std::vector<TuningRecord>& records, const std::string& arch);

}  // namespace agt::records

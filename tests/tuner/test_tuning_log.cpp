// The tuning log: round trip, resume after a crash mid-line, malformed lines with line numbers,
// merging, and the deterministic choice of the best record per task.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "tests/tuner/tuner_test_util.h"
#include "records/best_programs.h"
#include "tuner/duration.h"
#include "records/tuning_log.h"

namespace agt::tuner {
namespace {

namespace fs = std::filesystem;

std::string TempPath(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / fmt::format("agt_tuner_test_{}", ::getpid());
  fs::create_directories(dir);
  fs::path p = dir / name;
  fs::remove(p);
  return p.string();
}

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

records::TuningRecord MakeRecord(const std::string& key, int64_t block_m, double us, records::MeasureError err = records::MeasureError::kNone,
                        const std::string& arch = "sm_90") {
  records::TuningRecord r;
  r.task_key = key;
  r.task_ops = "linear";
  r.program.task.graph_text = "graph g() {}";
  r.program.task.arch = arch;
  r.program.sketch = {codegen::SketchKind::kGemm, true};
  r.program.annotation.set(codegen::Knob::kBlockM, block_m);
  r.program.annotation.set(codegen::Knob::kBlockN, 64);
  r.result.error = err;
  if (err == records::MeasureError::kNone) {
    r.result.median_us = us;
    r.result.times_us = {us, us + 0.5, us - 0.25};
  } else {
    r.result.message = "boom";
  }
  r.env = {"NVIDIA H100 80GB HBM3", "sm_90", "13.0", "nvrtc 13.0", "0.1.0"};
  r.timestamp = 1700000000;
  return r;
}

// tune --devices tags each record with the GPU that measured it: env.device, written only when known,
// so a record without it (every log before) loads with -1 and writes back byte for byte; the task id
// is not touched.
TEST_CASE("a record's GPU (env.device) round-trips, and records without it load as before", "[tuner][log]") {
  records::TuningRecord r = MakeRecord("00aa", 128, 12.375);
  const std::string old_line = records::RecordToLine(r);
  CHECK(old_line.find("\"device\"") == std::string::npos);
  auto old_back = records::RecordFromLine(old_line);
  REQUIRE(old_back.ok());
  CHECK(old_back->env.device == -1);
  CHECK(records::RecordToLine(*old_back) == old_line);
  r.env.device = 3;
  const std::string line = records::RecordToLine(r);
  CHECK(line.find("\"device\":3") != std::string::npos);
  auto back = records::RecordFromLine(line);
  REQUIRE(back.ok());
  CHECK(back->env.device == 3);
  CHECK(back->task_key == "00aa");
  CHECK(back->env == r.env);
  std::string bad = line;
  bad.replace(bad.find("\"device\":3"), 12, "\"device\":-7");
  CHECK_FALSE(records::RecordFromLine(bad).ok());
}

TEST_CASE("a record survives the line format unchanged", "[tuner][log]") {
  records::TuningRecord r = MakeRecord("00aa", 128, 12.375);
  std::string line = records::RecordToLine(r);
  CHECK(line.find('\n') == std::string::npos);
  auto back = records::RecordFromLine(line);
  REQUIRE(back.ok());
  CHECK(back->task_key == "00aa");
  CHECK(back->program == r.program);
  CHECK(back->result.median_us == 12.375);
  CHECK(back->result.times_us == std::vector<double>{12.375, 12.875, 12.125});
  CHECK(back->env == r.env);
  CHECK(back->timestamp == 1700000000);
  CHECK_FALSE(back->result.cut);
  records::TuningRecord cut = MakeRecord("00aa", 64, 405.0);
  cut.result.cut = true;   // the early cut: only its first repeats were timed
  auto cut_back = records::RecordFromLine(records::RecordToLine(cut));
  REQUIRE(cut_back.ok());
  CHECK(cut_back->result.cut);
  CHECK(records::RecordToLine(cut).find("\"cut\":true") != std::string::npos);
  CHECK(line.find("\"cut\"") == std::string::npos);   // uncut records are written as before
  auto failed = records::RecordFromLine(records::RecordToLine(MakeRecord("00aa", 64, 0, records::MeasureError::kWrongAnswer)));
  REQUIRE(failed.ok());
  CHECK(failed->result.error == records::MeasureError::kWrongAnswer);
  CHECK(failed->result.message == "boom");
  // A future version is refused rather than misread.
  std::string v2 = line;
  v2.replace(v2.find("\"v\":1"), 5, "\"v\":2");
  CHECK_FALSE(records::RecordFromLine(v2).ok());
}

TEST_CASE("appending, then loading, gives the records back in order", "[tuner][log]") {
  std::string path = TempPath("roundtrip.jsonl");
  {
    auto w = records::TuningLogWriter::Open(path);
    REQUIRE(w.ok());
    for (int i = 0; i < 5; ++i) REQUIRE(w->Append(MakeRecord("t1", 16 << i, 10.0 + i)).ok());
  }
  auto log = records::LoadTuningLog(path);
  REQUIRE(log.ok());
  REQUIRE(log->records.size() == 5);
  for (int i = 0; i < 5; ++i) CHECK(log->records[i].program.annotation.get(codegen::Knob::kBlockM) == (16 << i));
  CHECK(log->problems.empty());
  CHECK_FALSE(log->truncated_tail);
  // A missing file is an empty log for the tuner (first run) and an error for the compile driver.
  CHECK(records::LoadTuningLog(TempPath("missing.jsonl"))->records.empty());
  CHECK_FALSE(records::BestProgramsFromLog(TempPath("missing.jsonl"), "sm_90").ok());
}

TEST_CASE("a log cut mid-line by a crash loads, and appending resumes on a fresh line", "[tuner][log]") {
  std::string path = TempPath("truncated.jsonl");
  {
    auto w = records::TuningLogWriter::Open(path);
    REQUIRE(w.ok());
    for (int i = 0; i < 3; ++i) REQUIRE(w->Append(MakeRecord("t1", 32, 10.0 + i)).ok());
  }
  std::string text = ReadAll(path);
  size_t third = text.find('\n', text.find('\n') + 1) + 1;
  fs::resize_file(path, third + 40);   // the third line is cut after 40 characters
  auto log = records::LoadTuningLog(path, {.strict = true});
  REQUIRE(log.ok());   // even strict loading tolerates a truncated tail
  CHECK(log->records.size() == 2);
  CHECK(log->truncated_tail);
  REQUIRE(log->problems.size() == 1);
  CHECK(log->problems[0].line == 3);

  {
    auto w = records::TuningLogWriter::Open(path);
    REQUIRE(w.ok());
    REQUIRE(w->Append(MakeRecord("t1", 64, 9.0)).ok());
  }
  auto resumed = records::LoadTuningLog(path);
  REQUIRE(resumed.ok());
  CHECK(resumed->records.size() == 3);
  CHECK(resumed->records.back().result.median_us == 9.0);
  CHECK_FALSE(resumed->truncated_tail);
  // The cut line is now in the middle: reported with its number, and an error when strict.
  REQUIRE(resumed->problems.size() == 1);
  CHECK(resumed->problems[0].line == 3);
  auto strict = records::LoadTuningLog(path, {.strict = true});
  REQUIRE_FALSE(strict.ok());
  CHECK_THAT(strict.status().message(), Catch::Contains(":3:"));
}

TEST_CASE("malformed lines are skipped and reported with their line numbers", "[tuner][log]") {
  std::string path = TempPath("malformed.jsonl");
  {
    std::ofstream f(path);
    f << records::RecordToLine(MakeRecord("a", 32, 5)) << "\n";
    f << "{not json\n";
    f << "\n";
    f << R"({"v":1,"task":"x"})" << "\n";
    f << records::RecordToLine(MakeRecord("b", 32, 6)) << "\n";
  }
  auto log = records::LoadTuningLog(path);
  REQUIRE(log.ok());
  CHECK(log->records.size() == 2);
  REQUIRE(log->problems.size() == 2);
  CHECK(log->problems[0].line == 2);
  CHECK(log->problems[1].line == 4);
}

TEST_CASE("logs merge without duplicates", "[tuner][log]") {
  std::string a = TempPath("merge_a.jsonl"), b = TempPath("merge_b.jsonl"), out = TempPath("merged.jsonl");
  REQUIRE(records::WriteTuningLog(a, {MakeRecord("t1", 32, 10), MakeRecord("t1", 64, 8)}).ok());
  REQUIRE(records::WriteTuningLog(b, {MakeRecord("t1", 64, 8), MakeRecord("t2", 32, 3)}).ok());
  auto merged = records::MergeTuningLogs({a, b});
  REQUIRE(merged.ok());
  REQUIRE(merged->records.size() == 3);
  CHECK(merged->records[2].task_key == "t2");
  REQUIRE(records::WriteTuningLog(out, merged->records).ok());
  auto best = records::BestProgramsFromLog(out, "sm_90");
  REQUIRE(best.ok());
  CHECK(best->size() == 2);
  REQUIRE(best->Find("t1") != nullptr);
  CHECK(best->Find("t1")->median_us == 8);
  CHECK(best->Find("t1")->program.annotation.get(codegen::Knob::kBlockM) == 64);
  CHECK(best->Find("t3") == nullptr);
}

TEST_CASE("the best record per task ignores failures and other archs, and breaks ties by program", "[tuner][log]") {
  std::vector<records::TuningRecord> rs = {MakeRecord("t", 128, 7.0), MakeRecord("t", 16, 1.0, records::MeasureError::kWrongAnswer),
                                  MakeRecord("t", 256, 2.0, records::MeasureError::kNone, "sm_80"), MakeRecord("t", 64, 7.0),
                                  MakeRecord("u", 32, 4.0)};
  auto best = records::BestRecords(rs, "sm_90");
  REQUIRE(best.size() == 2);
  // 7.0 us twice: block_m=128 and block_m=64; the smaller JSON text ("block_m":128 < "block_m":64) wins in any order.
  CHECK(best.at("t").program.annotation.get(codegen::Knob::kBlockM) == 128);
  std::reverse(rs.begin(), rs.end());
  CHECK(records::BestRecords(rs, "sm_90").at("t").program.annotation.get(codegen::Knob::kBlockM) == 128);
  CHECK(records::BestRecords(rs, "sm_80").at("t").program.annotation.get(codegen::Knob::kBlockM) == 256);
  CHECK(records::BestRecords(rs, "").at("t").result.median_us == 2.0);
}

TEST_CASE("durations parse as the command line writes them", "[tuner]") {
  CHECK(*ParseDuration("20m") == 1200);
  CHECK(*ParseDuration("90s") == 90);
  CHECK(*ParseDuration("1h30m") == 5400);
  CHECK(*ParseDuration("1.5h") == 5400);
  CHECK(*ParseDuration("45") == 45);
  CHECK_FALSE(ParseDuration("").ok());
  CHECK_FALSE(ParseDuration("20x").ok());
  CHECK_FALSE(ParseDuration("m").ok());
  CHECK_FALSE(ParseDuration("1h30").ok());
}

TEST_CASE("records measured on an older emitter of their sketch choose nothing", "[tuner][log]") {
  // The emitter version travels in the line; a line written before the field reads as version 1.
  records::TuningRecord r = MakeRecord("t", 128, 3.0);
  r.emitter = 7;
  auto back = records::RecordFromLine(records::RecordToLine(r));
  REQUIRE(back.ok());
  CHECK(back->emitter == 7);
  std::string old = records::RecordToLine(MakeRecord("t", 128, 3.0));
  size_t at = old.find("\"emitter\":");
  REQUIRE(at != std::string::npos);
  size_t end = old.find_first_of(",}", at);
  old.erase(at, end - at + (old[end] == ',' ? 1 : 0));
  REQUIRE(old.find("emitter") == std::string::npos);
  auto legacy = records::RecordFromLine(old);
  REQUIRE(legacy.ok());
  CHECK(legacy->emitter == 1);

  // The attention emitter is past version 1: its old records are stale; GEMM's at 1 are current.
  REQUIRE(codegen::SketchEmitterVersion(codegen::SketchKind::kGemm) == 1);
  REQUIRE(codegen::SketchEmitterVersion(codegen::SketchKind::kAttention) > 1);
  records::TuningRecord attn_old = MakeRecord("a", 64, 1.0);
  attn_old.program.sketch = {codegen::SketchKind::kAttention, true};
  records::TuningRecord attn_new = MakeRecord("a", 32, 5.0);
  attn_new.program.sketch = attn_old.program.sketch;
  attn_new.emitter = codegen::SketchEmitterVersion(codegen::SketchKind::kAttention);
  CHECK_FALSE(records::IsCurrent(attn_old));
  CHECK(records::IsCurrent(attn_new));
  CHECK(records::IsCurrent(MakeRecord("g", 64, 2.0)));
  // The faster but stale record loses to the current one.
  auto best = records::BestRecords({attn_old, attn_new, MakeRecord("g", 64, 2.0)}, "sm_90");
  REQUIRE(best.size() == 2);
  CHECK(best.at("a").result.median_us == 5.0);
  CHECK(records::BestRecords({attn_old}, "sm_90").empty());
}


TEST_CASE("what is not a tuning log is refused; times that are no kernel's are malformed lines", "[tuner][log]") {
  // A folder, and a binary file none of whose lines is a record.
  auto dir = records::LoadTuningLog(std::filesystem::temp_directory_path().string());
  REQUIRE_FALSE(dir.ok());
  CHECK_THAT(dir.status().message(), Catch::Contains("folder"));
  std::string bin = TempPath("binary.jsonl");
  {
    std::ofstream f(bin, std::ios::binary);
    f << "\x7f" "ELF\x02\x01\x01" << std::string(64, '\0') << "\n\x01\x02\x03\n";
  }
  auto b = records::LoadTuningLog(bin);
  REQUIRE_FALSE(b.ok());
  CHECK_THAT(b.status().message(), Catch::Contains("is not a tuning log"));
  CHECK_FALSE(records::BestProgramsFromLog(bin, "sm_90").ok());
  // A log whose only line was cut by a crash is a first run, not garbage.
  std::string cut = TempPath("cut-only.jsonl");
  {
    std::ofstream f(cut, std::ios::binary);
    std::string line = records::RecordToLine(MakeRecord("a", 32, 5));
    f << line.substr(0, line.size() / 2);
  }
  auto c = records::LoadTuningLog(cut);
  REQUIRE(c.ok());
  CHECK(c->truncated_tail);
  // Negative, huge and non-finite times.
  std::string line = records::RecordToLine(MakeRecord("a", 32, 5));
  auto with_median = [&](const std::string& v) {
    std::string l = line;
    size_t at = l.find("\"median_us\":");
    size_t end = l.find(',', at);
    return l.substr(0, at) + "\"median_us\":" + v + l.substr(end);
  };
  CHECK(records::RecordFromLine(with_median("5.0")).ok());
  CHECK_FALSE(records::RecordFromLine(with_median("-5.0")).ok());
  CHECK_FALSE(records::RecordFromLine(with_median("1e300")).ok());
  CHECK_FALSE(records::RecordFromLine(with_median("NaN")).ok());
  std::string huge_times = line;
  huge_times.replace(huge_times.find("\"times_us\":[") + 12, 1, "1e300,");
  CHECK_FALSE(records::RecordFromLine(huge_times).ok());
}

// Found by the tuning-log fuzzer (fuzz/fuzz_tuning_log.cpp): an integer field holding a float such as
// 1e300 was converted to an integer (undefined behaviour; a garbage timestamp or knob in practice).
// Every integer field now refuses what is not an integer within range, and the line is malformed.
TEST_CASE("integer fields of a record refuse floats and out-of-range numbers", "[tuner][log]") {
  const std::string line = records::RecordToLine(MakeRecord("a", 32, 5));
  REQUIRE(records::RecordFromLine(line).ok());
  auto with = [&](const std::string& key, const std::string& value) {
    std::string l = line;
    const std::string k = "\"" + key + "\":";
    const size_t at = l.find(k);
    REQUIRE(at != std::string::npos);
    const size_t end = l.find_first_of(",}", at);
    return l.substr(0, at) + k + value + l.substr(end);
  };
  for (const std::string& bad : {std::string("1e300"), std::string("1.5"), std::string("\"7\""), std::string("18446744073709551615")}) {
    INFO(bad);
    CHECK_FALSE(records::RecordFromLine(with("time", bad)).ok());
    CHECK_FALSE(records::RecordFromLine(with("emitter", bad)).ok());
    CHECK_FALSE(records::RecordFromLine(with("v", bad)).ok());
    CHECK_FALSE(records::RecordFromLine(with("block_m", bad)).ok());   // a knob of the program's annotation
  }
  auto big = records::RecordFromLine(with("time", "9223372036854775807"));   // the largest int64 is an integer
  REQUIRE(big.ok());
  CHECK(big->timestamp == 9223372036854775807LL);
  auto knob = records::RecordFromLine(with("block_m", "1e300"));
  REQUIRE_FALSE(knob.ok());
  CHECK_THAT(knob.status().message(), Catch::Contains("knob block_m is not an integer"));
}

TEST_CASE("records of a newer log version are reported, not used, and kept by a merge", "[tuner][log]") {
  std::string a = TempPath("newer_a.jsonl"), out = TempPath("newer_merged.jsonl");
  std::string newer = records::RecordToLine(MakeRecord("t9", 32, 1.0));
  newer.replace(newer.find("\"v\":1"), 5, "\"v\":7");
  {
    std::ofstream f(a);
    f << records::RecordToLine(MakeRecord("t1", 32, 10)) << "\n" << newer << "\n" << newer << "\n";
  }
  auto log = records::LoadTuningLog(a);
  REQUIRE(log.ok());
  CHECK(log->records.size() == 1);
  CHECK(log->problems.empty());
  REQUIRE(log->newer_lines.size() == 2);
  CHECK_THAT(records::DescribeProblems(*log), Catch::Contains("2 records of a newer log version"));
  auto best = records::BestProgramsFromLog(a, "sm_90");
  REQUIRE(best.ok());
  CHECK(best->Find("t9") == nullptr);
  auto merged = records::MergeTuningLogs({a, a});
  REQUIRE(merged.ok());
  CHECK(merged->records.size() == 1);
  REQUIRE(merged->newer_lines.size() == 1);   // kept once, verbatim
  CHECK(merged->newer_lines[0] == newer);
  REQUIRE(records::WriteTuningLog(out, merged->records, merged->newer_lines).ok());
  auto back = records::LoadTuningLog(out);
  REQUIRE(back.ok());
  CHECK(back->records.size() == 1);
  CHECK(back->newer_lines == std::vector<std::string>{newer});
}

TEST_CASE("writing a log replaces a link at its path instead of following it", "[tuner][log]") {
  namespace fs = std::filesystem;
  std::string victim = TempPath("victim.txt"), link = TempPath("linked.jsonl");
  { std::ofstream(victim) << "keep me\n"; }
  fs::remove(link);
  fs::create_symlink(victim, link);
  REQUIRE(records::WriteTuningLog(link, {MakeRecord("t1", 32, 10)}).ok());
  std::ifstream v(victim);
  std::string first;
  std::getline(v, first);
  CHECK(first == "keep me");
  CHECK_FALSE(fs::is_symlink(link));
  auto back = records::LoadTuningLog(link);
  REQUIRE(back.ok());
  CHECK(back->records.size() == 1);
}

}  // namespace
}  // namespace agt::tuner

// `autogtco tune-rekey`, run as a process: a log written before unit dims were dropped from task
// graphs gets each record's graph in today's form and the key of that text (the same key a plan of
// the squeezed group gets); the programs and times stay; a second run changes nothing; a record whose
// graph does not parse ends the command with exit code 2 and one line on stderr.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "compiler/fusion/group_signature.h"
#include "records/tuning_log.h"
#include "tests/cli/cli_process.h"

using namespace agt;

namespace {

namespace fs = std::filesystem;

int Autogtco(const std::string& args, const fs::path& dir) { return test::Autogtco(args, dir).code; }
using test::Slurp;

records::TuningRecord Record(const std::string& key, const std::string& graph, double us) {
  records::TuningRecord r;
  r.task_key = key;
  r.task_ops = "add+layer_norm";
  r.program.task.graph_text = graph;
  r.program.sketch = {codegen::SketchKind::kRowReduce, false};
  r.program.annotation.set(codegen::Knob::kThreads, 128);
  r.result.median_us = us;
  r.result.times_us = {us};
  r.env = {"NVIDIA H100 80GB HBM3", "sm_90", "13.0", "nvrtc 13.0", "0.1.0"};
  return r;
}

// A sequence-first group as an older build keyed it.
const char* kOld =
    "graph group(%in0: f32[6,1,16], %in1: f32[6,1,16], %in2: f32[16]) {\n"
    "  %t0 = add(%in0, %in1) : f32[6,1,16]\n"
    "  %t1 = layer_norm(%t0, %in2) {epsilon = 1e-06} : f32[6,1,16]\n"
    "  return %t1\n"
    "}\n";
// The same group with its unit dim dropped, written out by hand.
const char* kNew =
    "graph group(%in0: f32[6,16], %in1: f32[6,16], %in2: f32[16]) {\n"
    "  %t0 = add(%in0, %in1) : f32[6,16]\n"
    "  %t1 = layer_norm(%t0, %in2) {epsilon = 1e-06} : f32[6,16]\n"
    "  return %t1\n"
    "}\n";

}  // namespace

TEST_CASE("tune-rekey: records get today's task text and key; times and programs stay", "[cli][rekey]") {
  const fs::path dir = fs::temp_directory_path() / ("agt_rekey_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string old_key = "00000000000000aa";
  records::TuningRecord a = Record(old_key, kOld, 3.25);
  records::TuningRecord b = Record(old_key, kOld, 2.5);
  b.program.annotation.set(codegen::Knob::kThreads, 256);
  REQUIRE(records::WriteTuningLog((dir / "old.jsonl").string(), {a, b}).ok());

  REQUIRE(Autogtco("tune-rekey " + (dir / "old.jsonl").string() + " -o " + (dir / "new.jsonl").string(), dir) == 0);
  CHECK_THAT(Slurp(dir / "stdout.txt"), Catch::Contains("2 records (1 tasks)") && Catch::Contains("2 re-keyed"));
  auto log = records::LoadTuningLog((dir / "new.jsonl").string(), {.strict = true});
  REQUIRE(log.ok());
  REQUIRE(log->records.size() == 2);
  const std::string want = fusion::SignatureId(kNew, ir::Precision::kFP16);
  CHECK(want != old_key);
  for (size_t i = 0; i < 2; ++i) {
    CHECK(log->records[i].task_key == want);
    CHECK(log->records[i].program.task.graph_text == kNew);
  }
  CHECK(log->records[0].result.median_us == 3.25);
  CHECK(log->records[1].program.annotation.get(codegen::Knob::kThreads) == 256);

  // Already canonical: nothing changes, byte for byte.
  REQUIRE(Autogtco("tune-rekey " + (dir / "new.jsonl").string() + " -o " + (dir / "again.jsonl").string(), dir) == 0);
  CHECK_THAT(Slurp(dir / "stdout.txt"), Catch::Contains("0 re-keyed"));
  CHECK(Slurp(dir / "again.jsonl") == Slurp(dir / "new.jsonl"));

  // A line that is no record is left out, and the summary says so.
  { std::ofstream(dir / "new.jsonl", std::ios::app) << "not a record\n"; }
  REQUIRE(Autogtco("tune-rekey " + (dir / "new.jsonl").string() + " -o " + (dir / "again.jsonl").string(), dir) == 0);
  CHECK_THAT(Slurp(dir / "stdout.txt"), Catch::Contains("1 malformed lines left out"));

  // A graph that does not parse: exit 2, one line naming the log and the task.
  REQUIRE(records::WriteTuningLog((dir / "bad.jsonl").string(), {Record(old_key, "graph group(", 1.0)}).ok());
  CHECK(Autogtco("tune-rekey " + (dir / "bad.jsonl").string() + " -o " + (dir / "out.jsonl").string(), dir) == 2);
  const std::string err = Slurp(dir / "stderr.txt");
  CHECK(std::count(err.begin(), err.end(), '\n') == 1);
  CHECK_THAT(err, Catch::Contains("bad.jsonl") && Catch::Contains(old_key));
  CHECK_FALSE(fs::exists(dir / "out.jsonl"));
  fs::remove_all(dir);
}

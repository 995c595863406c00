// Bad input to `autogtco inspect` and `autogtco run`, run as a process (issue 3's "Bad input"): a
// truncated, garbage, empty or missing model file, a missing external-data file, an external-data
// path that leaves the model's folder or is absolute, unsupported ops, a symbolic dim with no
// value, and .npy inputs of the wrong dtype or shape or that are not .npy at all. Each must end
// with exit code 2 and exactly one line on stderr that names the file and the problem.
#include <dlfcn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ir/npy.h"
#include "tests/cli/cli_process.h"
#include "tests/frontend/onnx_test_model.h"

using namespace agt;

namespace {

namespace fs = std::filesystem;

using test::Autogtco;
using test::Slurp;
using Run = test::CliRun;

// y = relu(x * w), x: f32[1,3]; w an initializer.
test::OnnxTestModel SmallModel() {
  test::OnnxTestModel m(17);
  m.Input("x", {1, 3});
  m.InitF32("w", {3}, {1, 2, 3});
  m.Node("Mul", {"x", "w"}, {"xw"});
  m.Node("Relu", {"xw"}, {"y"});
  m.Output("y");
  return m;
}

test::OnnxTestModel ExternalModel(const std::string& location,
                                  const std::vector<std::pair<std::string, std::string>>& more = {}) {
  test::OnnxTestModel m(17);
  m.Input("x", {3});
  auto* w = m.NewInit("w", {3}, onnx::TensorProto::FLOAT);
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* e = w->add_external_data();
  e->set_key("location");
  e->set_value(location);
  for (const auto& [k, v] : more) {
    auto* x = w->add_external_data();
    x->set_key(k);
    x->set_value(v);
  }
  m.Node("Mul", {"x", "w"}, {"y"});
  m.Output("y");
  return m;
}

struct Case {
  std::string what;
  std::string args;
  std::vector<std::string> fragments;   // all must appear in the one line
};

void CheckCases(const std::vector<Case>& cases, const fs::path& dir) {
  for (const Case& c : cases) {
    INFO(c.what << ": autogtco " << c.args);
    Run r = Autogtco(c.args, dir);
    INFO("stderr: " << r.err);
    CHECK(r.code == 2);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK_THAT(r.err, Catch::StartsWith("error: "));
    for (const std::string& f : c.fragments) CHECK_THAT(r.err, Catch::Contains(f));
  }
}

fs::path FreshDir(const std::string& tag) {
  fs::path d = fs::temp_directory_path() / ("agt_cli_bad_" + tag + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

}  // namespace

TEST_CASE("cli bad input: broken model files", "[cli][errors]") {
  fs::path dir = FreshDir("files");
  std::string good = SmallModel().Write(dir, "good.onnx");
  std::string bytes = Slurp(good);
  std::ofstream(dir / "trunc.onnx", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  std::ofstream(dir / "garbage.onnx", std::ios::binary) << "\xff\xff\xff\xff this is not protobuf \x01\x02";
  std::ofstream(dir / "empty.onnx", std::ios::binary).flush();
  // A compiled artifact (here any ELF header) handed to inspect/compile by mistake.
  std::ofstream(dir / "model.so", std::ios::binary) << std::string("\x7f" "ELF\x02\x01\x01", 7) << std::string(64, '\0');
  std::string d = dir.string() + "/";
  CheckCases(
      {
          {"truncated", "inspect " + d + "trunc.onnx", {"trunc.onnx", "not a valid ONNX model", "truncated"}},
          {"truncated (run)", "run " + d + "trunc.onnx --random-inputs 1 --out-dir " + d + "out",
           {"trunc.onnx", "not a valid ONNX model"}},
          {"garbage", "inspect " + d + "garbage.onnx", {"garbage.onnx", "not a valid ONNX model"}},
          {"empty", "inspect " + d + "empty.onnx", {"empty.onnx", "empty"}},
          {"a .so to inspect", "inspect " + d + "model.so", {"model.so", "ELF", "autogtco verify"}},
          {"a .so to compile", "compile " + d + "model.so -o " + d + "x.so", {"model.so", "not an ONNX model"}},
          {"missing", "inspect " + d + "nope.onnx", {"nope.onnx", "cannot open"}},
      },
      dir);
  fs::remove_all(dir);
}

TEST_CASE("cli bad input: external data missing, escaping the folder or absolute", "[cli][errors]") {
  fs::path dir = FreshDir("ext");
  {
    std::ofstream f(dir / "outside.bin", std::ios::binary);
    float w[3] = {1, 2, 3};
    f.write(reinterpret_cast<const char*>(w), sizeof w);
  }
  std::string missing = ExternalModel("nothere.bin").Write(dir / "m", "missing.onnx");
  std::string escape = ExternalModel("../outside.bin").Write(dir / "m", "escape.onnx");
  std::string absolute = ExternalModel((dir / "outside.bin").string()).Write(dir / "m", "absolute.onnx");
  // A lexically clean location that leaves the folder through a link: to a file, and through a folder.
  fs::create_symlink(dir / "outside.bin", dir / "m" / "link.bin");
  fs::create_symlink(dir, dir / "m" / "up");
  std::string via_file = ExternalModel("link.bin").Write(dir / "m", "via_file.onnx");
  std::string via_dir = ExternalModel("up/outside.bin").Write(dir / "m", "via_dir.onnx");
  // Byte counts that are not numbers (were: length=-5 ignored, offset=12abc read as 12).
  auto with_key = [&](const std::string& key, const std::string& value, const std::string& name) {
    return ExternalModel("inside.bin", {{key, value}}).Write(dir / "m", name);
  };
  {
    std::ofstream f(dir / "m" / "inside.bin", std::ios::binary);
    float w[3] = {1, 2, 3};
    f.write(reinterpret_cast<const char*>(w), sizeof w);
  }
  std::string neg_length = with_key("length", "-5", "neg_length.onnx");
  // The model's own external data where --weights external would write NAME.weights.
  {
    std::ofstream f(dir / "m" / "own.weights", std::ios::binary);
    float w[3] = {1, 2, 3};
    f.write(reinterpret_cast<const char*>(w), sizeof w);
  }
  std::string own = ExternalModel("own.weights").Write(dir / "m", "own.onnx");
  const std::string own_so = (dir / "m" / "own.so").string();
  std::string bad_offset = with_key("offset", "12abc", "bad_offset.onnx");
  CheckCases(
      {
          {"missing external file", "inspect " + missing, {"missing.onnx", "'w'", "nothere.bin", "cannot open"}},
          {"path leaving the folder", "inspect " + escape,
           {"escape.onnx", "'w'", "../outside.bin", "leaves the model's folder"}},
          {"absolute path", "run " + absolute + " --random-inputs 1 --out-dir " + (dir / "out").string(),
           {"absolute.onnx", "'w'", "absolute path"}},
          {"link to a file outside", "inspect " + via_file, {"via_file.onnx", "'w'", "link.bin", "through a link"}},
          {"link to a folder outside", "inspect " + via_dir, {"via_dir.onnx", "'w'", "up/outside.bin", "through a link"}},
          {"negative length", "inspect " + neg_length, {"neg_length.onnx", "'w'", "'length'", "'-5'"}},
          {"offset with trailing junk", "inspect " + bad_offset, {"bad_offset.onnx", "'w'", "'offset'", "'12abc'"}},
          {"--weights external over the model's data", "compile " + own + " -o " + own_so + " --weights external",
           {"own.weights", "not an AutoGTCO weights file"}},
      },
      dir);
  CHECK(fs::file_size(dir / "m" / "own.weights") == 12);   // the model's data is intact
  CHECK_FALSE(fs::exists(own_so));
  // Elsewhere it compiles, and compiling again replaces its own weights file.
  const std::string elsewhere = (dir / "out.so").string();
  CHECK(Autogtco("compile " + own + " -o " + elsewhere + " --weights external", dir).code == 0);
  CHECK(Autogtco("compile " + own + " -o " + elsewhere + " --weights external", dir).code == 0);
  fs::remove_all(dir);
}

TEST_CASE("cli bad input: unsupported ops and symbolic dims", "[cli][errors]") {
  fs::path dir = FreshDir("ops");
  test::OnnxTestModel u(17);
  u.Input("x", {2, 2});
  u.Node("Det", {"x"}, {"d"}, "weird_det");
  u.Node("Det", {"x"}, {"d2"}, "weird_det_2");
  u.Node("Relu", {"x"}, {"r"});
  u.Node("Unique", {"x"}, {"e"}, "uniq");
  u.Output("d");
  std::string unsupported = u.Write(dir, "unsupported.onnx");

  test::OnnxTestModel s(17);
  s.Input("x", {1, -1, 4}, onnx::TensorProto::FLOAT, {"seq"});
  s.Node("Relu", {"x"}, {"y"});
  s.Output("y");
  std::string symbolic = s.Write(dir, "symbolic.onnx");
  CheckCases(
      {
          {"unsupported ops", "inspect " + unsupported,
           {"Unsupported ops 'Det' (node 'weird_det' and 1 more, opset 17), 'Unique' (node 'uniq', opset 17) in "
            "unsupported.onnx"}},
          {"symbolic dim", "run " + symbolic + " --random-inputs 1 --out-dir " + (dir / "out").string(),
           {"symbolic.onnx", "input 'x'", "symbolic dim 1 ('seq')", "--input-shape x="}},
          {"--input-shape of the wrong rank", "inspect " + symbolic + " --input-shape x=1x4",
           {"symbolic.onnx", "input 'x'", "rank 3"}},
      },
      dir);
  // With the dim given, the same model runs.
  Run ok = Autogtco("run " + symbolic + " --input-shape x=1x5x4 --random-inputs 1 --out-dir " + (dir / "out").string(),
                    dir);
  INFO(ok.err);
  CHECK(ok.code == 0);
  fs::remove_all(dir);
}

TEST_CASE("cli bad input: .npy of the wrong dtype or shape, or not an .npy", "[cli][errors]") {
  fs::path dir = FreshDir("npy");
  std::string model = SmallModel().Write(dir, "small.onnx");
  REQUIRE(ir::WriteNpy((dir / "i64.npy").string(),
                       ir::Tensor::FromI64(ir::DType::kI64, {1, 3}, std::vector<int64_t>{1, 2, 3}))
              .ok());
  REQUIRE(ir::WriteNpy((dir / "shape.npy").string(),
                       ir::Tensor::FromF32(ir::DType::kF32, {3, 1}, std::vector<float>{1, 2, 3}))
              .ok());
  REQUIRE(ir::WriteNpy((dir / "good.npy").string(),
                       ir::Tensor::FromF32(ir::DType::kF32, {1, 3}, std::vector<float>{1, -2, 3}))
              .ok());
  std::ofstream(dir / "junk.npy", std::ios::binary) << "not an npy file at all";
  std::string run = "run " + model + " --out-dir " + (dir / "out").string() + " --input x=" + dir.string() + "/";
  CheckCases(
      {
          {"wrong dtype", run + "i64.npy", {"i64.npy", "i64[1,3]", "input 'x' is f32[1,3]"}},
          {"wrong shape", run + "shape.npy", {"shape.npy", "f32[3,1]", "input 'x' is f32[1,3]"}},
          {"not an npy", run + "junk.npy", {"junk.npy"}},
          {"missing npy", run + "none.npy", {"none.npy", "cannot open"}},
          {"unknown input name", "run " + model + " --out-dir " + (dir / "out").string() + " --input y=" +
                                     (dir / "good.npy").string(),
           {"no input named 'y'"}},
      },
      dir);
  Run ok = Autogtco(run + "good.npy", dir);
  INFO(ok.err);
  REQUIRE(ok.code == 0);
  auto y = ir::ReadNpy((dir / "out" / "y.npy").string());
  REQUIRE(y.ok());
  CHECK(y->ToF32() == std::vector<float>{1, 0, 9});
  fs::remove_all(dir);
}

TEST_CASE("cli bad input: compile --tune without its log, budgets without --tune, and no GPU to tune on", "[cli][errors]") {
  fs::path dir = FreshDir("tune");
  std::string model = SmallModel().Write(dir, "small.onnx");
  std::string so = (dir / "small.so").string();
  std::string log = (dir / "tune.jsonl").string();
  std::vector<Case> cases{
      {"--tune without a log", "compile " + model + " -o " + so + " --tune --time-budget 10s", {"--tune needs --tuning-log"}},
      {"a budget without --tune", "compile " + model + " -o " + so + " --trials 5", {"--trials", "add --tune"}},
  };
  // Where no driver can be loaded (CI), --tune fails before any compiling, saying why.
  if (::dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL) == nullptr) {
    cases.push_back({"no GPU", "compile " + model + " -o " + so + " --tune --tuning-log " + log + " --time-budget 10s",
                     {"--tune", "no CUDA driver"}});
  }
  CheckCases(cases, dir);
  CHECK_FALSE(fs::exists(so));
  fs::remove_all(dir);
}

// tune --devices and --shard (issue 19): a bad value is one line and exit 2 before the model is read
// or a GPU looked for; a GPU the host lacks is named with the host's count (on a machine without a
// driver, tuning stops at the driver first).
TEST_CASE("cli bad input: tune --devices and --shard", "[cli][errors]") {
  fs::path dir = FreshDir("tune_devices");
  std::string model = SmallModel().Write(dir, "small.onnx");
  std::string log = (dir / "tune.jsonl").string();
  std::string tune = "tune " + model + " --tuning-log " + log + " --trials 4 ";
  std::vector<Case> cases{
      {"shard past its count", tune + "--shard 3/2", {"--shard 3/2", "I must be below N"}},
      {"shard of nothing", tune + "--shard 0/0", {"--shard 0/0", "at least 1"}},
      {"shard without a slash", tune + "--shard 2", {"--shard 2", "expected I/N"}},
      {"a GPU listed twice", tune + "--devices 0,0", {"--devices 0,0", "GPU 0 is listed twice"}},
      {"not a GPU number", tune + "--devices 0,one", {"'one' is not a GPU number"}},
      {"a model that is not there, with good flags", "tune " + (dir / "absent.onnx").string() + " --tuning-log " + log +
           " --trials 4 --devices all --shard 1/2", {"absent.onnx"}},
      {"compile --tune with a GPU listed twice", "compile " + model + " -o " + (dir / "s.so").string() + " --tune --tuning-log " +
           log + " --trials 4 --devices 1,1", {"--devices 1,1", "listed twice"}},
  };
  const bool no_driver = ::dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL) == nullptr;
  cases.push_back({"a GPU the host lacks", tune + "--devices 0,63", {no_driver ? "no CUDA driver" : "no GPU 63"}});
  CheckCases(cases, dir);
  CHECK_FALSE(fs::exists(log));
  fs::remove_all(dir);
}

// A folder, a named pipe or a device given as the model or as an input: one line and exit 2, before
// anything is read (a folder's stream size aborted an allocation; a pipe blocked the open forever).
// Each run is bounded by timeout(1), so a regression fails here instead of hanging the suite. Also an
// output that is one of the inputs, and a tuning log or cost model that is not one (issue 16).
TEST_CASE("cli bad input: a folder, a named pipe or a device as the model or an .npy", "[cli][errors]") {
  fs::path dir = FreshDir("kinds");
  std::string model = SmallModel().Write(dir, "small.onnx");
  fs::create_directories(dir / "folder.onnx");
  fs::create_directories(dir / "folder.npy");
  REQUIRE(::mkfifo((dir / "pipe.onnx").c_str(), 0600) == 0);
  REQUIRE(::mkfifo((dir / "pipe.npy").c_str(), 0600) == 0);
  const std::string d = dir.string() + "/";
  const std::string run = "run " + model + " --out-dir " + d + "out --input x=" + d;
  const std::vector<Case> cases = {
      {"folder as model (inspect)", "inspect " + d + "folder.onnx", {"folder.onnx", "is a folder"}},
      {"folder as model (compile)", "compile " + d + "folder.onnx -o " + d + "x.so", {"folder.onnx", "is a folder"}},
      {"pipe as model", "inspect " + d + "pipe.onnx", {"pipe.onnx", "not a regular file"}},
      {"device as model", "inspect /dev/zero", {"/dev/zero", "not a regular file"}},
      {"folder as npy", run + "folder.npy", {"folder.npy", "is a folder"}},
      {"pipe as npy", run + "pipe.npy", {"pipe.npy", "not a regular file"}},
      // An output that is an input: refused before anything is written (was: the input overwritten).
      {"-o is the model", "compile " + model + " -o " + model, {"is the model", "overwritten"}},
      {"-o is the tuning log", "compile " + model + " -o " + d + "log.jsonl --tuning-log " + d + "log.jsonl", {"is the tuning log"}},
      {"a binary as the tuning log", "compile " + model + " -o " + d + "y.so --tuning-log /bin/ls", {"is not a tuning log"}},
      {"a folder as the tuning log", "compile " + model + " -o " + d + "y.so --tuning-log " + d + "folder.onnx", {"is a folder"}},
      {"a folder as the cost model", "compile " + model + " -o " + d + "y.so --cost-model " + d + "folder.onnx", {"--cost-model", "is a folder"}},
      // Usage errors are one line with the prefix too (CLI11 printed two lines without it).
      {"unknown option", "compile " + model + " --bogus", {"--bogus", "see --help"}},
      {"missing argument", "compile", {"model is required"}},
      {"unknown pass for --dump-after", "inspect " + model + " --dump-after no-such-pass", {"no pass named 'no-such-pass'"}},
  };
  { std::ofstream(dir / "log.jsonl") << ""; }
  const auto model_size = fs::file_size(model);
  for (const Case& c : cases) {
    INFO(c.what << ": autogtco " << c.args);
    std::string cmd = "timeout 30 " + test::AutogtcoBinary() + " " + c.args + " >" + (dir / "stdout.txt").string() + " 2>" +
                      (dir / "stderr.txt").string();
    int st = std::system(cmd.c_str());
    std::string err = Slurp(dir / "stderr.txt");
    INFO("stderr: " << err);
    REQUIRE(WIFEXITED(st));
    CHECK(WEXITSTATUS(st) == 2);   // timeout(1) exits 124 on a hang
    CHECK(std::count(err.begin(), err.end(), '\n') == 1);
    CHECK_THAT(err, Catch::StartsWith("error: "));
    for (const std::string& f : c.fragments) CHECK_THAT(err, Catch::Contains(f));
  }
  CHECK(fs::file_size(model) == model_size);   // the model given as -o is intact
  CHECK(fs::file_size(dir / "log.jsonl") == 0);
  CHECK_FALSE(fs::exists(dir / "y.so"));
  fs::remove_all(dir);
}

// Two outputs whose names sanitise to one file name ("y/1" and "y_1"): each gets its own .npy (the
// name that needs no sanitising keeps its file), instead of the second overwriting the first.
TEST_CASE("cli run: outputs whose sanitised names collide are written to distinct files", "[cli][errors]") {
  fs::path dir = FreshDir("collide");
  test::OnnxTestModel m(17);
  m.Input("x", {1, 3});
  m.Node("Relu", {"x"}, {"y/1"});
  m.Node("Neg", {"x"}, {"y_1"});
  m.Output("y/1");
  m.Output("y_1");
  std::string model = m.Write(dir, "collide.onnx");
  Run r = Autogtco("run " + model + " --random-inputs 3 --out-dir " + (dir / "out").string(), dir);
  INFO(r.err);
  REQUIRE(r.code == 0);
  auto plain = ir::ReadNpy((dir / "out" / "y_1.npy").string());       // "y_1" itself: Neg
  auto renamed = ir::ReadNpy((dir / "out" / "y_1-2.npy").string());   // "y/1": Relu
  REQUIRE(plain.ok());
  REQUIRE(renamed.ok());
  const float* neg = plain->data<float>();
  const float* relu = renamed->data<float>();
  for (int i = 0; i < 3; ++i) {
    CHECK(relu[i] >= 0.0f);
    CHECK(relu[i] == std::max(0.0f, -neg[i]));
  }
  CHECK_THAT(Slurp(dir / "stdout.txt"), Catch::Contains("y/1: ") && Catch::Contains("y_1-2.npy"));
  fs::remove_all(dir);
}

// ONNX graphs define each name once; attributes have kinds. Both were accepted: a second node writing a
// name was silently renamed, a node could redefine a graph input, a float stood in for an int.
TEST_CASE("cli bad input: names defined twice and attributes of the wrong kind", "[cli][errors]") {
  fs::path dir = FreshDir("ssa");
  test::OnnxTestModel twice(17);
  twice.Input("x", {1, 3});
  twice.Node("Relu", {"x"}, {"y"}, "first");
  twice.Node("Neg", {"x"}, {"y"}, "second");
  twice.Output("y");
  std::string m_twice = twice.Write(dir, "twice.onnx");
  test::OnnxTestModel shadow(17);
  shadow.Input("x", {1, 3});
  shadow.Node("Relu", {"x"}, {"x"}, "shadowing");
  shadow.Output("x");
  std::string m_shadow = shadow.Write(dir, "shadow.onnx");
  test::OnnxTestModel kind(17);
  kind.Input("x", {1, 3, 4});
  test::AttrF(kind.Node("Softmax", {"x"}, {"y"}, "soft"), "axis", 1.5f);   // axis is an int
  kind.Output("y");
  std::string m_kind = kind.Write(dir, "kind.onnx");
  CheckCases(
      {
          {"two nodes write one name", "inspect " + m_twice, {"twice.onnx", "node 'second'", "'y'", "node 'first' already defines"}},
          {"a node redefines a graph input", "inspect " + m_shadow, {"shadow.onnx", "node 'shadowing'", "a graph input"}},
          {"a float for an int attribute", "inspect " + m_kind, {"kind.onnx", "'soft'", "attribute 'axis' must be an int", "FLOAT"}},
      },
      dir);
  fs::remove_all(dir);
}

// Verify-then-load: `verify` checks a compiled .so on any machine; a flipped byte in the runtime code
// (which segfaulted run/bench inside the dynamic loader) is refused with one line before dlopen.
TEST_CASE("cli verify: a compiled artifact checks out; one with a flipped code byte is refused by verify, run and bench",
          "[cli][errors]") {
  fs::path dir = FreshDir("verify");
  std::string model = SmallModel().Write(dir, "small.onnx");
  const std::string so = (dir / "small.so").string();
  Run c = Autogtco("compile " + model + " -o " + so + " --cost-model none", dir);
  INFO(c.err);
  REQUIRE(c.code == 0);
  Run ok = Autogtco("verify " + so, dir);
  INFO(ok.err);
  CHECK(ok.code == 0);
  CHECK_THAT(Slurp(dir / "stdout.txt"), Catch::Contains(": ok (runtime code") && Catch::Contains("\"model\""));
  std::string bytes = Slurp(so);
  bytes[bytes.size() / 4] ^= 0x01;   // well inside the runtime stub: the payload is at the end
  { std::ofstream(dir / "flipped.so", std::ios::binary) << bytes; }
  const std::string bad = (dir / "flipped.so").string();
  CheckCases(
      {
          {"verify, flipped code byte", "verify " + bad, {"flipped.so", "runtime code or its dynamic tables were modified"}},
          {"run, flipped code byte", "run " + bad + " --random-inputs 1 --out-dir " + (dir / "out").string(), {"flipped.so", "modified"}},
          {"bench, flipped code byte", "bench " + bad, {"flipped.so", "modified"}},
          {"verify, an ONNX model", "verify " + model, {"small.onnx", "no AutoGTCO payload"}},
      },
      dir);
  fs::remove_all(dir);
}

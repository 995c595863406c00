// `autogtco inspect --fusion` shows the plan compile builds without a tuning log (the sketch-aware
// one planner, compiler/planner/plan_model.h), and `--norm-prologue` the plain analytical plan of that study.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

namespace {

namespace fs = std::filesystem;

const std::string kBinary = std::string(AGT_BINARY_DIR) + "/bin/autogtco";

// Runs the binary; returns stdout (and requires exit code 0).
std::string Stdout(const std::string& args, const fs::path& dir) {
  const fs::path out = dir / "stdout.txt";
  std::string cmd = kBinary + " " + args + " >" + out.string() + " 2>" + (dir / "stderr.txt").string();
  int st = std::system(cmd.c_str());
  INFO(cmd);
  REQUIRE(WIFEXITED(st));
  REQUIRE(WEXITSTATUS(st) == 0);
  std::ifstream f(out);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("inspect --fusion: the plan compile builds; --norm-prologue: the study's plan", "[cli][fusion]") {
  const fs::path dir = fs::temp_directory_path() / ("agt-inspect-fusion-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string model = (dir / "vit.onnx").string();
  Stdout("zoo vit-base-16 --tiny -o " + model, dir);

  std::string plan = Stdout("inspect " + model + " --fusion --precision fp16", dir);
  // The head merge is the attention group's epilogue; the projection reads a plain reshape (the
  // merge as its prologue would load A element by element).
  CHECK(plan.find("matmul+softmax+matmul+transpose ") != std::string::npos);
  CHECK(plan.find(" reshape+linear+add ") != std::string::npos);
  CHECK(plan.find("transpose+reshape+linear") == std::string::npos);
  CHECK(plan.find("layer_norm+linear") == std::string::npos);

  std::string study = Stdout("inspect " + model + " --fusion --precision fp16 --norm-prologue", dir);
  CHECK(study.find("layer_norm+linear") != std::string::npos);
  fs::remove_all(dir);
}

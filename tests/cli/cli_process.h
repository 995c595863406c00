// Running the autogtco binary as a process in the CLI tests: its exit code and what it wrote to
// stderr (stdout lands in DIR/stdout.txt), and reading a file whole.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace agt::test {

inline std::string Slurp(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct CliRun {
  int code = -1;
  std::string err;
};

inline std::string AutogtcoBinary() { return std::string(AGT_BINARY_DIR) + "/bin/autogtco"; }

// `autogtco ARGS` with stdout and stderr in DIR/stdout.txt and DIR/stderr.txt.
inline CliRun Autogtco(const std::string& args, const std::filesystem::path& dir) {
  std::string cmd = AutogtcoBinary() + " " + args + " >" + (dir / "stdout.txt").string() + " 2>" + (dir / "stderr.txt").string();
  int st = std::system(cmd.c_str());
  return CliRun{WIFEXITED(st) ? WEXITSTATUS(st) : -1, Slurp(dir / "stderr.txt")};
}

}  // namespace agt::test

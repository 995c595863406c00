// The one Catch2 main for every test executable. Library logs (spdlog, info by default) would bury
// the test report, so tests log warnings and errors only; AGT_TEST_LOG=info (or debug) shows more.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdlib>

#include <spdlog/spdlog.h>

int main(int argc, char** argv) {
  const char* level = std::getenv("AGT_TEST_LOG");
  spdlog::set_level(level != nullptr ? spdlog::level::from_str(level) : spdlog::level::warn);
  return Catch::Session().run(argc, argv);
}

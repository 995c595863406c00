// Inputs the loader's fuzz target (fuzz/) once crashed on, kept in tests/data/fuzz/: each must now
// load into a graph or end in an error Status, through the same steps as the fuzz target (parse,
// import with no folder, the frontend passes), in the ordinary build and `make test-asan`.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "compiler/frontend/model_file.h"
#include "compiler/passes/pipeline.h"
#include "tests/frontend/frontend_test_util.h"

namespace agt {
namespace {

namespace fs = std::filesystem;

// The import of tests/data/fuzz/NAME as the fuzz target runs it (no folder, small folds).
Expected<std::unique_ptr<ir::Graph>> ImportFuzzInput(const std::string& name) {
  fs::path p = fs::path(AGT_TEST_DATA_DIR) / "fuzz" / name;
  std::ifstream f(p, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto model = frontend::ParseModelBytes(bytes, name);
  if (!model.ok()) return model.status();
  frontend::FrontendOptions options;
  options.fold_max_elements = int64_t{1} << 16;
  return frontend::ImportModel(**model, "", name, options);
}

TEST_CASE("inputs that crashed the fuzz target load or fail cleanly", "[frontend][errors][fuzz]") {
  int seen = 0;
  for (const auto& e : fs::directory_iterator(fs::path(AGT_TEST_DATA_DIR) / "fuzz")) {
    if (!e.is_regular_file()) continue;
    ++seen;
    INFO(e.path().filename().string());
    auto g = ImportFuzzInput(e.path().filename().string());
    if (!g.ok()) {
      CHECK_FALSE(g.status().message().empty());
      continue;
    }
    (void)passes::RunFrontendPipeline(**g);
  }
  CHECK(seen > 0);
}

TEST_CASE("a Resize whose scale overflows the output size is refused with the reason", "[frontend][errors][fuzz]") {
  // Found by the CI fuzz run: scales of ~1e20 made the output size a float-to-int64 conversion out of range.
  auto g = ImportFuzzInput("resize_scale_overflow.onnx");
  REQUIRE_FALSE(g.ok());
  CHECK_THAT(g.status().message(), Catch::Contains("scales"));
  CHECK_THAT(g.status().message(), Catch::Contains("no valid output size"));
}

TEST_CASE("a Tile whose repeats overflow the output size is refused with the reason", "[frontend][errors][fuzz]") {
  // Found by a replay of CI's fuzz configuration (seed 1, 60 s): UBSan's signed-overflow report in
  // the Tile shape rule; in a build without UBSan it wrapped silently.
  auto g = ImportFuzzInput("tile_repeats_overflow.onnx");
  REQUIRE_FALSE(g.ok());
  CHECK_THAT(g.status().message(), Catch::Contains("repeats"));
}

}  // namespace
}  // namespace agt

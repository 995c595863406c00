// libFuzzer target for the model loader: bytes -> ParseModelBytes -> ImportModel -> the frontend
// pass pipeline. Every input must end in a graph or an error Status; a crash, a sanitizer report,
// a leak or a runaway allocation is a bug in the loader. The model has no folder, so external data
// is refused before any file is opened.
#include <cstddef>
#include <cstdint>
#include <span>

#include <spdlog/spdlog.h>

#include "compiler/frontend/model_file.h"
#include "compiler/frontend/onnx_loader.h"
#include "compiler/passes/pipeline.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace agt;
  auto model = frontend::ParseModelBytes(std::span<const uint8_t>(data, size), "fuzz.onnx");
  if (!model.ok()) return 0;
  frontend::FrontendOptions options;
  options.fold_max_elements = int64_t{1} << 16;   // keep folds small: the fuzzer looks for crashes, not OOMs
  auto g = frontend::ImportModel(**model, "", "fuzz.onnx", options);
  if (!g.ok()) return 0;
  (void)passes::RunFrontendPipeline(**g);
  return 0;
}

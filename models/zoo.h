// The model zoo: the nine paper models (BASELINES.md defines them) and a tiny version of each,
// built as ONNX with seeded random weights. `autogtco zoo` lists and writes them; tests load the
// tiny ones. Names are lower-case, as on the command line: vit-base-16, ..., detr-resnet50-e12.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <optional>
#include <string_view>

#include "ir/status.h"
#include "models/onnx_builder.h"

namespace agt::models {

struct ZooEntry {
  std::string_view name;    // command-line name, "vit-base-16"
  std::string_view title;   // the paper's name, "ViT-Base-16"
  std::string_view summary; // one line: what the model is
};

struct ZooOptions {
  bool tiny = false;        // 2 layers, narrow, small images: for tests and the reference interpreter
  uint64_t seed = 0;
  // false builds a skeleton: initializers with dims but no data, for counting parameters and
  // FLOPs without drawing hundreds of millions of weights. Not meant to be written.
  bool materialize = true;
};

// The nine entries, in BASELINES.md's order.
std::span<const ZooEntry> ZooEntries();

// The command-line name of a zoo model given by that name or by its title ("ViT-Base-16", as
// `zoo list` prints it), in any case; nullopt for an unknown name.
std::optional<std::string_view> CanonicalZooName(std::string_view name);

// Builds a zoo model by name (anything CanonicalZooName accepts); an unknown name is an error listing
// the known ones.
Expected<BuiltModel> BuildZooModel(std::string_view name, const ZooOptions& options);

// "1x3x224x224" for each graph input, comma-separated.
std::string InputShapes(const onnx::ModelProto& model);

}  // namespace agt::models

// The ONNX frontend's entry point: reads a model file (external data included), fixes every
// symbolic dimension, and maps each ONNX node onto IR ops, folding shape arithmetic into constants
// as it goes, so the graph it returns has static shapes and passes ir::Verify. The canonicalising
// passes (compiler/passes/pipeline.h) run afterwards, on the returned graph.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "ir/dtype.h"
#include "ir/graph.h"
#include "ir/status.h"

namespace onnx {
class ModelProto;
}

namespace agt::frontend {

// The ai.onnx opsets the frontend imports (older ones are refused; newer ones are imported with a
// warning).
inline constexpr int64_t kMinOpset = 13;
inline constexpr int64_t kMaxOpset = 21;

struct FrontendOptions {
  // Shapes for graph inputs by name (`--input-shape x=1x3x224x224`). Inputs not named here keep
  // their static dims; a symbolic leading (batch) dim becomes 1; any other symbolic dim is an error.
  std::map<std::string, ir::Shape> input_shapes;
  // Nodes whose inputs are all constant are evaluated at import unless their output would exceed
  // this many elements (an Expand of a constant to a huge shape stays a node).
  int64_t fold_max_elements = int64_t{1} << 26;
};

// Parses `NAME=1x3x224x224` into options.input_shapes (the CLI's --input-shape).
Status ParseInputShape(const std::string& spec, FrontendOptions& options);

// Loads `path` (a .onnx file; external data relative to its folder).
Expected<std::unique_ptr<ir::Graph>> LoadOnnx(const std::string& path, const FrontendOptions& options = {});

// Imports a parsed model. `base_dir` is where external-data paths are resolved (empty: external
// data is refused); `model_name` names the model in error messages.
Expected<std::unique_ptr<ir::Graph>> ImportModel(const onnx::ModelProto& model, const std::string& base_dir,
                                                 const std::string& model_name, const FrontendOptions& options = {});

}  // namespace agt::frontend

// Model-local functions (ModelProto.functions, which the dynamo exporter may emit): every call is
// replaced by the function's body before import, with the body's internal values renamed apart per
// call and attribute references (ref_attr_name) bound to the caller's attributes.
#pragma once

#include <vector>

#include <onnx/onnx.pb.h>

#include "ir/status.h"

namespace agt::frontend {

// The main graph's nodes with every call of a local function expanded (recursively).
Expected<std::vector<onnx::NodeProto>> InlineFunctions(const onnx::ModelProto& model);

}  // namespace agt::frontend

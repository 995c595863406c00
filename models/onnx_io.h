// Writing a zoo model to disk. A ModelProto over 2 GB cannot be serialised in one piece (protobuf's
// limit), so large weights go to a side file next to the .onnx, by ONNX's external-data convention:
// each moved initializer keeps dims and type, gets data_location = EXTERNAL and external_data
// entries location (the side file's name, relative to the model's folder), offset and length.
#pragma once

#include <cstdint>
#include <string>

#include "ir/status.h"
#include "models/onnx_builder.h"

namespace agt::models {

struct WriteOptions {
  bool external_data = false;                          // force the side file
  int64_t external_threshold_bytes = 1800ll << 20;     // side file when the weights exceed this
  int64_t min_external_tensor_bytes = 1024;            // smaller tensors stay inline (as onnx does)
  int64_t alignment = 4096;                            // offsets page-aligned so readers can mmap
};

// Total bytes of initializer data held inline in the model.
int64_t InitializerBytes(const onnx::ModelProto& model);

// Writes `model` to `path`; with external data, to `path` + ".data" as well. Initializers moved
// out lose their inline bytes (the model is modified). Returns the side file's path or "".
Expected<std::string> WriteModel(onnx::ModelProto& model, const std::string& path, const WriteOptions& options);

}  // namespace agt::models

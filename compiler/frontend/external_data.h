// ONNX external data: initializer bytes kept in side files next to the model (how models over
// 2 GB are stored). Locations are relative to the model's folder; as ONNX's own checker does, an
// absolute path, or one whose `..` components leave that folder, is refused.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <onnx/onnx.pb.h>

#include "ir/status.h"

namespace agt::frontend {

// The file a location names, checked to stay inside `base_dir`.
Expected<std::string> ResolveExternalPath(const std::string& base_dir, const std::string& location);

// Reads the bytes of a tensor whose data_location is EXTERNAL (keys location, offset, length).
// `expected_bytes` is the size its dims and type imply; a missing file, a short read or a length
// that disagrees is an error naming the tensor and the file.
Expected<std::vector<uint8_t>> ReadExternalData(const onnx::TensorProto& t, const std::string& base_dir,
                                                size_t expected_bytes);

}  // namespace agt::frontend

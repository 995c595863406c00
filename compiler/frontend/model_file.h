// Reading an .onnx file into a ModelProto. The file is parsed through a CodedInputStream with
// protobuf's size limit raised to its maximum (2 GB, the format's own ceiling: bigger models keep
// their weights in external data). Truncated or garbage files end in an error naming the file.
#pragma once

#include <memory>
#include <span>
#include <string>

#include <onnx/onnx.pb.h>

#include "ir/status.h"

namespace agt::frontend {

Expected<std::unique_ptr<onnx::ModelProto>> ReadModelFile(const std::string& path);
// Parses bytes already in memory; `what` names them in errors.
Expected<std::unique_ptr<onnx::ModelProto>> ParseModelBytes(std::span<const uint8_t> bytes, const std::string& what);

}  // namespace agt::frontend

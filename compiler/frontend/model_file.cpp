// Reading an .onnx file into a ModelProto (see model_file.h).
#include "compiler/frontend/model_file.h"

#include <algorithm>
#include <climits>
#include <fstream>
#include <vector>

#include <google/protobuf/io/coded_stream.h>

#include "ir/input_file.h"

namespace agt::frontend {

Expected<std::unique_ptr<onnx::ModelProto>> ParseModelBytes(std::span<const uint8_t> bytes, const std::string& what) {
  if (bytes.empty()) return Status::Errorf("{}: the file is empty, not an ONNX model", what);
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    return Status::Errorf("{}: {} bytes is over protobuf's 2 GB limit; store the weights as external data", what,
                          bytes.size());
  }
  // What users hand compile/inspect by mistake most: a compiled artifact (or another shared library).
  static constexpr uint8_t kElf[4] = {0x7f, 'E', 'L', 'F'};
  if (bytes.size() >= 4 && std::equal(kElf, kElf + 4, bytes.data())) {
    return Status::Errorf("{}: an ELF file (a compiled .so?), not an ONNX model; `autogtco verify` checks a compiled artifact "
                          "and `autogtco run`/`bench` run one",
                          what);
  }
  google::protobuf::io::CodedInputStream in(bytes.data(), static_cast<int>(bytes.size()));
  in.SetTotalBytesLimit(INT_MAX);
  in.SetRecursionLimit(256);
  auto model = std::make_unique<onnx::ModelProto>();
  if (!model->ParseFromCodedStream(&in) || !in.ConsumedEntireMessage()) {
    return Status::Errorf("{}: not a valid ONNX model (the protobuf does not parse: truncated or corrupt file)", what);
  }
  if (!model->has_graph()) return Status::Errorf("{}: the model has no graph (not an ONNX model?)", what);
  return model;
}

Expected<std::unique_ptr<onnx::ModelProto>> ReadModelFile(const std::string& path) {
  // A folder's stream "size" is 2^63-1 (an allocation abort); a named pipe blocks the open forever.
  AGT_RETURN_IF_ERROR(ir::CheckRegularFile(path));
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) return Status::Errorf("{}: cannot open the file", path);
  std::streamoff size = f.tellg();
  if (size < 0) return Status::Errorf("{}: cannot read the file", path);
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  f.seekg(0);
  if (size > 0 && !f.read(reinterpret_cast<char*>(bytes.data()), size)) {
    return Status::Errorf("{}: cannot read the file", path);
  }
  return ParseModelBytes(bytes, path);
}

}  // namespace agt::frontend

// WriteModel: one .onnx, or an .onnx plus an external-data side file; see onnx_io.h.
#include "models/onnx_io.h"

#include <filesystem>
#include <fstream>

namespace agt::models {

int64_t InitializerBytes(const onnx::ModelProto& model) {
  int64_t n = 0;
  for (const auto& t : model.graph().initializer()) n += static_cast<int64_t>(t.raw_data().size());
  return n;
}

namespace {

Status MoveToSideFile(onnx::ModelProto& model, const std::string& data_path, const WriteOptions& o) {
  std::ofstream out(data_path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::Errorf("cannot open '{}' for writing", data_path);
  const std::string location = std::filesystem::path(data_path).filename().string();
  int64_t offset = 0;
  const std::string pad(static_cast<size_t>(o.alignment), '\0');
  for (auto& t : *model.mutable_graph()->mutable_initializer()) {
    const int64_t length = static_cast<int64_t>(t.raw_data().size());
    if (length < o.min_external_tensor_bytes) continue;
    int64_t aligned = (offset + o.alignment - 1) / o.alignment * o.alignment;
    out.write(pad.data(), aligned - offset);
    out.write(t.raw_data().data(), length);
    offset = aligned + length;
    std::string().swap(*t.mutable_raw_data());   // free the bytes, not just clear them
    t.clear_raw_data();
    t.set_data_location(onnx::TensorProto::EXTERNAL);
    auto add = [&](const char* key, const std::string& value) {
      auto* e = t.add_external_data();
      e->set_key(key);
      e->set_value(value);
    };
    add("location", location);
    add("offset", std::to_string(aligned));
    add("length", std::to_string(length));
  }
  out.flush();
  if (!out) return Status::Errorf("failed writing '{}'", data_path);
  return Status::Ok();
}

}  // namespace

Expected<std::string> WriteModel(onnx::ModelProto& model, const std::string& path, const WriteOptions& o) {
  std::string data_path;
  if (o.external_data || InitializerBytes(model) > o.external_threshold_bytes) {
    data_path = path + ".data";
    AGT_RETURN_IF_ERROR(MoveToSideFile(model, data_path, o));
  }
  if (model.ByteSizeLong() > static_cast<size_t>(INT32_MAX)) {
    return Status::Errorf("model '{}' is {} bytes, over protobuf's 2 GB limit; use external data", path,
                          model.ByteSizeLong());
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::Errorf("cannot open '{}' for writing", path);
  if (!model.SerializeToOstream(&out)) return Status::Errorf("failed writing '{}'", path);
  out.flush();
  if (!out) return Status::Errorf("failed writing '{}'", path);
  return data_path;
}

}  // namespace agt::models

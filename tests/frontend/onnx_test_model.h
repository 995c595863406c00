// A small ONNX model builder for the frontend tests: inputs (with symbolic dims), initializers in
// raw or typed form, nodes with attributes, written to a temporary folder. Tests state tiny models
// this way and compute the expected results by hand.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <onnx/onnx.pb.h>

namespace agt::test {

class OnnxTestModel {
 public:
  explicit OnnxTestModel(int64_t opset = 17) {
    m_.set_ir_version(8);
    auto* o = m_.add_opset_import();
    o->set_domain("");
    o->set_version(opset);
    m_.mutable_graph()->set_name("test");
  }
  onnx::ModelProto& proto() { return m_; }
  onnx::GraphProto& graph() { return *m_.mutable_graph(); }

  // dims: a negative entry is symbolic, named by `params` in order ("N", "H", ...).
  void Input(const std::string& name, std::vector<int64_t> dims, int32_t type = onnx::TensorProto::FLOAT,
             std::vector<std::string> params = {}) {
    auto* vi = graph().add_input();
    vi->set_name(name);
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(type);
    size_t p = 0;
    auto* shape = tt->mutable_shape();
    for (int64_t d : dims) {
      auto* dim = shape->add_dim();
      if (d >= 0) dim->set_dim_value(d);
      else dim->set_dim_param(p < params.size() ? params[p++] : "unk");
    }
  }
  void Output(const std::string& name) { graph().add_output()->set_name(name); }

  onnx::TensorProto* InitF32(const std::string& name, std::vector<int64_t> dims, std::vector<float> v, bool raw = true) {
    auto* t = NewInit(name, dims, onnx::TensorProto::FLOAT);
    if (raw) t->set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4));
    else for (float x : v) t->add_float_data(x);
    return t;
  }
  onnx::TensorProto* InitI64(const std::string& name, std::vector<int64_t> dims, std::vector<int64_t> v, bool raw = true) {
    auto* t = NewInit(name, dims, onnx::TensorProto::INT64);
    if (raw) t->set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * 8));
    else for (int64_t x : v) t->add_int64_data(x);
    return t;
  }
  onnx::TensorProto* NewInit(const std::string& name, std::vector<int64_t> dims, int32_t type) {
    auto* t = graph().add_initializer();
    t->set_name(name);
    t->set_data_type(type);
    for (int64_t d : dims) t->add_dims(d);
    return t;
  }

  onnx::NodeProto* Node(const std::string& op, std::vector<std::string> ins, std::vector<std::string> outs,
                        const std::string& name = "") {
    auto* n = graph().add_node();
    n->set_op_type(op);
    n->set_name(name.empty() ? op + "_" + std::to_string(graph().node_size()) : name);
    for (auto& i : ins) n->add_input(i);
    for (auto& o : outs) n->add_output(o);
    return n;
  }

  // Writes the model to dir/file and returns the path.
  std::string Write(const std::filesystem::path& dir, const std::string& file = "model.onnx") {
    std::filesystem::create_directories(dir);
    std::string path = (dir / file).string();
    std::ofstream f(path, std::ios::binary);
    m_.SerializeToOstream(&f);
    return path;
  }

 private:
  onnx::ModelProto m_;
};

inline void AttrI(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
inline void AttrF(onnx::NodeProto* n, const std::string& name, float v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}
inline void AttrInts(onnx::NodeProto* n, const std::string& name, std::vector<int64_t> v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}
inline void AttrS(onnx::NodeProto* n, const std::string& name, const std::string& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}

// A fresh temporary folder per test.
inline std::filesystem::path TempDir(const std::string& tag) {
  auto d = std::filesystem::temp_directory_path() / ("agt_frontend_" + tag + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

}  // namespace agt::test

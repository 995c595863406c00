// Inlining model-local functions (see functions.h).
#include "compiler/frontend/functions.h"

#include <map>
#include <string>
#include <unordered_map>

#include <fmt/format.h>

namespace agt::frontend {
namespace {

constexpr int kMaxDepth = 32;

using FunctionMap = std::map<std::pair<std::string, std::string>, const onnx::FunctionProto*>;

struct Inliner {
  const FunctionMap& functions;
  int calls = 0;

  Status Expand(const onnx::NodeProto& node, std::vector<onnx::NodeProto>& out, int depth) {
    auto it = functions.find({node.domain(), node.op_type()});
    if (it == functions.end()) {
      out.push_back(node);
      return Status::Ok();
    }
    if (depth > kMaxDepth) {
      return Status::Errorf("function '{}' calls itself more than {} levels deep", node.op_type(), kMaxDepth);
    }
    const onnx::FunctionProto& fn = *it->second;
    std::string prefix = fmt::format("{}/{}#{}/", node.name().empty() ? node.op_type() : node.name(), fn.name(), calls++);
    std::unordered_map<std::string, std::string> rename;
    for (int i = 0; i < fn.input_size(); ++i) rename[fn.input(i)] = i < node.input_size() ? node.input(i) : std::string();
    for (int i = 0; i < fn.output_size(); ++i) {
      rename[fn.output(i)] = i < node.output_size() ? node.output(i) : prefix + fn.output(i);
    }
    auto map_name = [&](const std::string& n) -> std::string {
      if (n.empty()) return n;
      auto r = rename.find(n);
      return r != rename.end() ? r->second : prefix + n;
    };
    std::unordered_map<std::string, const onnx::AttributeProto*> caller_attrs;
    for (const auto& a : node.attribute()) caller_attrs[a.name()] = &a;

    for (const onnx::NodeProto& b : fn.node()) {
      onnx::NodeProto c;
      c.set_name(prefix + (b.name().empty() ? b.op_type() : b.name()));
      c.set_op_type(b.op_type());
      c.set_domain(b.domain());
      for (const auto& in : b.input()) c.add_input(map_name(in));
      for (const auto& o : b.output()) c.add_output(map_name(o));
      for (const auto& a : b.attribute()) {
        if (a.ref_attr_name().empty()) {
          *c.add_attribute() = a;
          continue;
        }
        // A reference to an attribute of the call: bound when the caller gives it, else the
        // attribute is left out and the op's default applies.
        auto ca = caller_attrs.find(a.ref_attr_name());
        if (ca == caller_attrs.end()) continue;
        onnx::AttributeProto* bound = c.add_attribute();
        *bound = *ca->second;
        bound->set_name(a.name());
      }
      AGT_RETURN_IF_ERROR(Expand(c, out, depth + 1));
    }
    return Status::Ok();
  }
};

}  // namespace

Expected<std::vector<onnx::NodeProto>> InlineFunctions(const onnx::ModelProto& model) {
  FunctionMap functions;
  for (const auto& f : model.functions()) functions[{f.domain(), f.name()}] = &f;
  std::vector<onnx::NodeProto> out;
  out.reserve(static_cast<size_t>(model.graph().node_size()));
  if (functions.empty()) {
    out.assign(model.graph().node().begin(), model.graph().node().end());
    return out;
  }
  Inliner inliner{functions};
  for (const auto& n : model.graph().node()) AGT_RETURN_IF_ERROR(inliner.Expand(n, out, 0));
  return out;
}

}  // namespace agt::frontend

// The ONNX frontend's driver (see onnx_loader.h): opset and op support checks first (so that every
// unsupported op is reported at once), then graph inputs with their shapes fixed, then the nodes
// in order through the importers, then the graph outputs under their ONNX names.
#include "compiler/frontend/onnx_loader.h"

#include <filesystem>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "compiler/frontend/functions.h"
#include "compiler/frontend/import_context.h"
#include "compiler/frontend/importers.h"
#include "compiler/frontend/model_file.h"
#include "compiler/frontend/tensor_proto.h"
#include "ir/verifier.h"

namespace agt::frontend {
namespace {

bool IsStandardDomain(const std::string& d) { return d.empty() || d == "ai.onnx"; }

Expected<int64_t> FindOpset(const onnx::ModelProto& model, const std::string& model_name) {
  int64_t opset = -1;
  for (const auto& o : model.opset_import()) {
    if (IsStandardDomain(o.domain())) opset = o.version();
  }
  if (opset < 0) return Status::Errorf("{}: the model imports no ai.onnx opset", model_name);
  if (opset < kMinOpset) {
    return Status::Errorf("{}: opset {} is not supported (opsets {} to {}); re-export with opset_version >= {}",
                          model_name, opset, kMinOpset, kMaxOpset, kMinOpset);
  }
  if (opset > kMaxOpset) {
    spdlog::warn("{}: opset {} is newer than {}, the newest tested; importing anyway", model_name, opset, kMaxOpset);
  }
  return opset;
}

// One error listing every unsupported op type, with the first node of each.
Status CheckSupported(const std::vector<onnx::NodeProto>& nodes, int64_t opset, const std::string& model_name) {
  struct Seen {
    std::string first_node;
    int count = 0;
  };
  std::vector<std::string> order;
  std::map<std::string, Seen> bad;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const auto& n = nodes[i];
    bool ok = IsStandardDomain(n.domain()) && FindImporter(n.op_type()) != nullptr;
    if (ok) continue;
    std::string op = IsStandardDomain(n.domain()) ? n.op_type() : n.domain() + "." + n.op_type();
    auto [it, fresh] = bad.try_emplace(op);
    if (fresh) {
      order.push_back(op);
      it->second.first_node = n.name().empty() ? fmt::format("#{}", i) : n.name();
    }
    ++it->second.count;
  }
  if (order.empty()) return Status::Ok();
  std::vector<std::string> parts;
  for (const std::string& op : order) {
    const Seen& s = bad[op];
    std::string more = s.count > 1 ? fmt::format(" and {} more", s.count - 1) : "";
    parts.push_back(fmt::format("'{}' (node '{}'{}, opset {})", op, s.first_node, more, opset));
  }
  if (parts.size() == 1) return Status::Errorf("Unsupported op {} in {}", parts[0], model_name);
  return Status::Errorf("Unsupported ops {} in {}", fmt::join(parts, ", "), model_name);
}

// The static type of a graph input, with symbolic dims fixed from the options or defaulted.
Expected<ir::TensorType> InputType(const onnx::ValueInfoProto& vi, const FrontendOptions& options,
                                   const std::string& model_name) {
  const std::string& name = vi.name();
  auto fail = [&](const std::string& msg) { return Status::Errorf("{}: input '{}' {}", model_name, name, msg); };
  if (!vi.type().has_tensor_type()) return fail("is not a tensor");
  const auto& tt = vi.type().tensor_type();
  auto dt = DTypeFromOnnx(tt.elem_type());
  if (!dt.ok()) return fail(dt.status().message());
  auto given = options.input_shapes.find(name);
  std::string hint = fmt::format("; give its shape with --input-shape {}=1x3x224x224 (your dims)", name);
  if (!tt.has_shape()) {
    if (given == options.input_shapes.end()) return fail("has no shape" + hint);
    if (Status st = CheckShapeSize(given->second); !st.ok()) return fail(st.message());
    return ir::TensorType{*dt, given->second};
  }
  const auto& dims = tt.shape().dim();
  if (given != options.input_shapes.end()) {
    if (static_cast<int>(given->second.size()) != dims.size()) {
      return fail(fmt::format("has rank {}, but --input-shape gives {}", dims.size(), ir::ShapeToString(given->second)));
    }
    for (int i = 0; i < dims.size(); ++i) {
      if (dims[i].has_dim_value() && dims[i].dim_value() != given->second[i]) {
        return fail(fmt::format("has static dim {} = {}, but --input-shape gives {}", i, dims[i].dim_value(),
                                ir::ShapeToString(given->second)));
      }
    }
    if (Status st = CheckShapeSize(given->second); !st.ok()) return fail(st.message());
    return ir::TensorType{*dt, given->second};
  }
  ir::Shape shape;
  for (int i = 0; i < dims.size(); ++i) {
    if (dims[i].has_dim_value() && dims[i].dim_value() >= 0) {
      shape.push_back(dims[i].dim_value());
      continue;
    }
    std::string sym = dims[i].has_dim_param() ? dims[i].dim_param() : "?";
    if (i == 0) {
      spdlog::info("{}: input '{}' has a symbolic batch dim '{}'; using 1", model_name, name, sym);
      shape.push_back(1);
      continue;
    }
    return fail(fmt::format("has a symbolic dim {} ('{}')", i, sym) + hint);
  }
  if (Status st = CheckShapeSize(shape); !st.ok()) return fail(st.message());
  return ir::TensorType{*dt, shape};
}

// ONNX graphs are in SSA form: each name is defined once, by a graph input, an initializer or one node
// output. A second definition was silently renamed (two nodes writing one name) or shadowed a graph
// input; both are refused, naming the node.
Status CheckSingleDefinitions(const onnx::GraphProto& g, const std::vector<onnx::NodeProto>& nodes, const std::string& model_name) {
  std::unordered_map<std::string, std::string> defined;   // name -> what defines it
  for (const auto& t : g.initializer()) defined.emplace(t.name(), "an initializer");
  for (const auto& vi : g.input()) defined.emplace(vi.name(), "a graph input");
  for (size_t i = 0; i < nodes.size(); ++i) {
    const onnx::NodeProto& n = nodes[i];
    const std::string label = n.name().empty() ? fmt::format("{}_{}", n.op_type(), i) : n.name();
    for (const std::string& out : n.output()) {
      if (out.empty()) continue;   // an optional output left out
      auto [it, fresh] = defined.emplace(out, fmt::format("node '{}'", label));
      if (!fresh) {
        return Status::Errorf("{}: node '{}' ({}) writes '{}', which {} already defines (each name is defined once)",
                              model_name, label, n.op_type(), out, it->second);
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Status ParseInputShape(const std::string& spec, FrontendOptions& options) {
  size_t eq = spec.rfind('=');
  if (eq == std::string::npos || eq == 0) return Status::Errorf("--input-shape '{}' must be NAME=1x3x224x224", spec);
  std::string name = spec.substr(0, eq), dims = spec.substr(eq + 1);
  ir::Shape shape;
  size_t at = 0;
  while (at <= dims.size() && !dims.empty()) {
    size_t x = dims.find('x', at);
    std::string part = dims.substr(at, x == std::string::npos ? std::string::npos : x - at);
    int64_t d = -1;
    try {
      size_t used = 0;
      d = std::stoll(part, &used);
      if (used != part.size()) d = -1;
    } catch (const std::exception&) {
      d = -1;
    }
    if (d < 0) return Status::Errorf("--input-shape '{}': '{}' is not a dimension", spec, part);
    shape.push_back(d);
    if (x == std::string::npos) break;
    at = x + 1;
  }
  options.input_shapes[name] = shape;
  return Status::Ok();
}

Expected<std::unique_ptr<ir::Graph>> ImportModel(const onnx::ModelProto& model, const std::string& base_dir,
                                                 const std::string& model_name, const FrontendOptions& options) {
  AGT_ASSIGN_OR_RETURN(int64_t opset, FindOpset(model, model_name));
  auto inlined = InlineFunctions(model);
  if (!inlined.ok()) return inlined.status().WithContext(model_name);
  const std::vector<onnx::NodeProto>& nodes = *inlined;
  AGT_RETURN_IF_ERROR(CheckSupported(nodes, opset, model_name));

  const onnx::GraphProto& g = model.graph();
  auto graph = std::make_unique<ir::Graph>(g.name().empty() ? "main" : g.name());
  ImportContext ctx(*graph, options, opset, model_name, base_dir);
  for (const auto& t : g.initializer()) ctx.AddInitializer(&t);

  std::unordered_set<std::string> seen_inputs;
  for (const auto& vi : g.input()) {
    if (ctx.IsInitializer(vi.name())) continue;   // IR version < 4 lists initializers as inputs
    AGT_ASSIGN_OR_RETURN(ir::TensorType type, InputType(vi, options, model_name));
    ctx.Bind(vi.name(), graph->AddInput(vi.name(), type));
    seen_inputs.insert(vi.name());
  }
  for (const auto& [name, shape] : options.input_shapes) {
    if (!seen_inputs.count(name)) {
      std::vector<std::string> names(seen_inputs.begin(), seen_inputs.end());
      return Status::Errorf("{}: --input-shape names '{}', but the model's inputs are: {}", model_name, name,
                            fmt::join(names, ", "));
    }
  }

  AGT_RETURN_IF_ERROR(CheckSingleDefinitions(g, nodes, model_name));

  std::unordered_set<std::string> used;
  for (const auto& n : nodes) used.insert(n.input().begin(), n.input().end());
  for (const auto& o : g.output()) used.insert(o.name());
  ctx.SetUsedNames(std::move(used));

  for (size_t i = 0; i < nodes.size(); ++i) {
    const onnx::NodeProto& n = nodes[i];
    ctx.BeginNode(n, n.name().empty() ? fmt::format("{}_{}", n.op_type(), i) : n.name());
    if (const int64_t since = ImporterSinceOpset(n.op_type()); ctx.opset() < since) {
      return ctx.Error("{} is defined from opset {}; the model imports opset {}", n.op_type(), since, ctx.opset());
    }
    Status imported = FindImporter(n.op_type())(ctx);
    Status kinds = ctx.TakeAttrStatus();
    AGT_RETURN_IF_ERROR(kinds.ok() ? imported : kinds);
  }

  std::vector<ir::Value*> outs;
  for (const auto& o : g.output()) {
    auto v = ctx.Lookup(o.name());
    if (!v.ok()) return Status::Errorf("{}: graph output '{}' is not produced by any node", model_name, o.name());
    ir::Value* val = *v;
    bool taken = std::find(outs.begin(), outs.end(), val) != outs.end();
    if (val->name() != o.name() && (val->is_graph_input() || taken)) {
      // An output that is an input, or a second output of the same value, gets its own identity
      // so that each output keeps its ONNX name.
      auto id = graph->AddNode(ir::OpKind::kIdentity, {val}, {}, o.name(), nullptr, {o.name()});
      if (!id.ok()) return id.status().WithContext(model_name);
      val = (*id)->output();
    } else if (val->name() != o.name()) {
      graph->RenameValue(val, o.name());
    }
    outs.push_back(val);
  }
  graph->SetOutputs(outs);
  graph->EliminateDeadNodes();
  graph->RemoveUnusedConstants();
  Status st = ir::Verify(*graph);
  if (!st.ok()) return st.WithContext(fmt::format("{}: the imported graph fails verification", model_name));
  spdlog::info("{}: imported {} ONNX nodes (opset {}) as {} IR nodes", model_name, nodes.size(), opset,
               graph->num_nodes());
  return graph;
}

Expected<std::unique_ptr<ir::Graph>> LoadOnnx(const std::string& path, const FrontendOptions& options) {
  AGT_ASSIGN_OR_RETURN(std::unique_ptr<onnx::ModelProto> model, ReadModelFile(path));
  std::filesystem::path p(path);
  std::string base = p.has_parent_path() ? p.parent_path().string() : std::string(".");
  return ImportModel(*model, base, p.filename().string(), options);
}

}  // namespace agt::frontend

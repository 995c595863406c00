// `autogtco run MODEL.onnx|MODEL.so [--input NAME=FILE.npy ...] [--random-inputs SEED] --out-dir DIR
// [--compare DIR2]`: runs a model on the reference interpreter (after the frontend passes), or a
// compiled artifact on the GPU through its C API (dlopen), and writes each output to
// DIR/<output name>.npy; with --compare, checks every output against DIR2/<output name>.npy by
// relative L2 error. Both draw the same --random-inputs for a seed, so an artifact's outputs compare
// directly with the interpreter's.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/artifact_handle.h"
#include "cli/commands.h"
#include "cli/random_input.h"
#include "compiler/frontend/onnx_loader.h"
#include "compiler/passes/pipeline.h"
#include "ir/interpreter.h"
#include "ir/npy.h"

namespace agt::cli {

namespace {

struct RunArgs {
  std::string model;
  std::vector<std::string> inputs;   // NAME=FILE.npy
  std::vector<std::string> input_shapes;
  int64_t random_seed = -1;
  std::string out_dir;
  std::string compare_dir;
  double tolerance = 1e-4;
  bool no_passes = false;
  int device = 0;
};

// A file name for an output: ONNX names may hold '/', ':' and the like.
std::string FileNameFor(const std::string& value_name) {
  std::string s;
  for (char c : value_name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.';
    s += ok ? c : '_';
  }
  if (s.empty() || s[0] == '.') s = "_" + s;
  return s;
}

// The .npy file of each output: its sanitised name, unique among the outputs. A name that needs no
// sanitising keeps its file; one that collides after sanitising ("y/1" beside "y_1") gets "-2", "-3", ...
// so that no output overwrites another.
std::vector<std::string> OutputFileNames(const std::vector<ArtifactTensor>& outputs) {
  std::vector<std::string> files(outputs.size());
  std::set<std::string> used;
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < outputs.size(); ++i) {
      const std::string base = FileNameFor(outputs[i].name);
      if ((base == outputs[i].name) != (pass == 0)) continue;
      std::string f = base + ".npy";
      for (int k = 2; used.count(f) > 0; ++k) f = base + "-" + std::to_string(k) + ".npy";
      used.insert(f);
      files[i] = f;
    }
  }
  return files;
}

// The model's inputs, in order: from --input files, else seeded random values.
Expected<std::vector<ir::Tensor>> GatherInputs(const std::vector<ArtifactTensor>& model_inputs, const RunArgs& a) {
  std::map<std::string, std::string> given;
  for (const std::string& spec : a.inputs) {
    size_t eq = spec.rfind('=');
    if (eq == std::string::npos || eq == 0) return Status::Errorf("--input '{}' must be NAME=FILE.npy", spec);
    std::string name = spec.substr(0, eq);
    bool known = std::any_of(model_inputs.begin(), model_inputs.end(), [&](const ArtifactTensor& t) { return t.name == name; });
    if (!known) return Status::Errorf("--input '{}': the model has no input named '{}'", spec, name);
    given[name] = spec.substr(eq + 1);
  }
  std::vector<ir::Tensor> inputs;
  for (size_t i = 0; i < model_inputs.size(); ++i) {
    const ArtifactTensor& in = model_inputs[i];
    auto it = given.find(in.name);
    if (it != given.end()) {
      AGT_ASSIGN_OR_RETURN(ir::Tensor t, ir::ReadNpy(it->second));
      if (t.type() != in.type) {
        return Status::Errorf("{}: holds {}, but input '{}' is {}", it->second, t.type().ToString(), in.name,
                              in.type.ToString());
      }
      inputs.push_back(std::move(t));
    } else if (a.random_seed >= 0) {
      inputs.push_back(RandomInput(in.type, static_cast<uint64_t>(a.random_seed) * 1000003u + i));
    } else {
      return Status::Errorf("input '{}' has no value: give --input {}=FILE.npy or --random-inputs SEED", in.name,
                            in.name);
    }
  }
  return inputs;
}

double RelativeL2(const ir::Tensor& a, const ir::Tensor& b) {
  double num = 0, den = 0;
  for (int64_t i = 0; i < a.num_elements(); ++i) {
    double x = a.GetF32(i), y = b.GetF32(i);
    num += (x - y) * (x - y);
    den += y * y;
  }
  return std::sqrt(num) / std::max(std::sqrt(den), 1e-30);
}

std::vector<ArtifactTensor> Describe(const std::vector<ir::Value*>& values) {
  std::vector<ArtifactTensor> out;
  for (const ir::Value* v : values) out.push_back({v->name(), v->type()});
  return out;
}

// Runs `a.model` and returns its output descriptions and values.
Status Execute(const RunArgs& a, std::vector<ArtifactTensor>* names, std::vector<ir::Tensor>* outputs) {
  std::string ext = std::filesystem::path(a.model).extension().string();
  if (ext == ".so") {
    if (!a.input_shapes.empty()) return Status::Error("--input-shape is fixed at compile time; a .so takes none");
    AGT_ASSIGN_OR_RETURN(auto h, ArtifactHandle::Open(a.model));
    AGT_ASSIGN_OR_RETURN(std::vector<ir::Tensor> inputs, GatherInputs(h->inputs(), a));
    AGT_RETURN_IF_ERROR(h->Load(a.device));
    spdlog::info("running {} ({}) on device {}", a.model, h->precision(), a.device);
    AGT_ASSIGN_OR_RETURN(*outputs, h->Run(inputs));
    *names = h->outputs();
    return Status::Ok();
  }
  frontend::FrontendOptions fopts;
  for (const std::string& s : a.input_shapes) AGT_RETURN_IF_ERROR(frontend::ParseInputShape(s, fopts));
  AGT_ASSIGN_OR_RETURN(std::unique_ptr<ir::Graph> g, frontend::LoadOnnx(a.model, fopts));
  if (!a.no_passes) AGT_RETURN_IF_ERROR(passes::RunFrontendPipeline(*g).status());
  AGT_ASSIGN_OR_RETURN(std::vector<ir::Tensor> inputs, GatherInputs(Describe(g->inputs()), a));
  spdlog::info("running {} nodes on the reference interpreter", g->num_nodes());
  AGT_ASSIGN_OR_RETURN(*outputs, ir::Interpret(*g, inputs));
  *names = Describe(g->outputs());
  return Status::Ok();
}

Status RunModel(const RunArgs& a) {
  std::vector<ArtifactTensor> names;
  std::vector<ir::Tensor> outputs;
  AGT_RETURN_IF_ERROR(Execute(a, &names, &outputs));

  std::error_code ec;
  std::filesystem::create_directories(a.out_dir, ec);
  if (ec) return Status::Errorf("cannot create '{}': {}", a.out_dir, ec.message());
  bool all_ok = true;
  const std::vector<std::string> files = OutputFileNames(names);
  for (size_t i = 0; i < outputs.size(); ++i) {
    const std::string& file = files[i];
    std::string path = (std::filesystem::path(a.out_dir) / file).string();
    AGT_RETURN_IF_ERROR(ir::WriteNpy(path, outputs[i]));
    fmt::print("{}: {} -> {}\n", names[i].name, outputs[i].type().ToString(), path);
    if (a.compare_dir.empty()) continue;
    std::string ref_path = (std::filesystem::path(a.compare_dir) / file).string();
    AGT_ASSIGN_OR_RETURN(ir::Tensor ref, ir::ReadNpy(ref_path));
    if (ref.shape() != outputs[i].shape()) {
      return Status::Errorf("{}: holds {}, but output '{}' is {}", ref_path, ref.type().ToString(),
                            names[i].name, outputs[i].type().ToString());
    }
    double err = RelativeL2(outputs[i], ref);
    bool ok = err <= a.tolerance;
    all_ok &= ok;
    fmt::print("  vs {}: relative L2 error {:.3e} ({})\n", ref_path, err, ok ? "ok" : "OVER TOLERANCE");
  }
  if (!all_ok) return Status::Errorf("outputs differ from {} by more than {:g} (relative L2)", a.compare_dir, a.tolerance);
  return Status::Ok();
}

}  // namespace

void AddRunCommand(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand(
      "run", "Run a model (.onnx on the reference interpreter, a compiled .so on the GPU) and write its outputs as .npy");
  cmd->add_option("model", args->model, "The .onnx file or compiled .so")->required();
  cmd->add_option("--input", args->inputs, "An input's value: NAME=FILE.npy (repeatable)");
  cmd->add_option("--random-inputs", args->random_seed, "Seeded random values for inputs not given by --input");
  cmd->add_option("--input-shape", args->input_shapes, "Fix an input's shape: NAME=1x3x224x224 (repeatable)");
  cmd->add_option("--out-dir", args->out_dir, "Write each output as DIR/<output name>.npy")->required();
  cmd->add_option("--compare", args->compare_dir, "Compare each output with DIR2/<output name>.npy");
  cmd->add_option("--tolerance", args->tolerance, "Largest relative L2 error --compare accepts (default 1e-4)");
  cmd->add_option("--device", args->device, "CUDA device ordinal for a .so (default 0)");
  cmd->add_flag("--no-passes", args->no_passes, "Run the graph as imported, without the frontend passes");
  cmd->callback([args, &ctx] {
    Status st = RunModel(*args);
    if (!st.ok()) {
      fmt::print(stderr, "error: {}\n", st.message());
      ctx.exit_code = 2;
    }
  });
}

}  // namespace agt::cli

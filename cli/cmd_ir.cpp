// `autogtco ir FILE.agt`: reads IR text, verifies it and prints it back canonically; with --run it
// executes the graph on the reference interpreter, printing each output's type and first values and
// writing them as .npy files. The quickest way to try an op or reproduce a bug from a few lines of IR.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/random_input.h"
#include "ir/interpreter.h"
#include "ir/npy.h"
#include "ir/text.h"
#include "ir/verifier.h"

namespace agt::cli {

namespace {

struct IrArgs {
  std::string file;
  bool verify = false;
  bool run = false;
  std::vector<std::string> inputs;   // NAME=FILE.npy
  int64_t random_seed = -1;
  std::string out_dir;
  int64_t elide = -1;
  int64_t fill_elided_seed = -1;
};

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

std::string FirstValues(const ir::Tensor& t, int64_t count) {
  std::string s;
  int64_t n = std::min(count, t.num_elements());
  for (int64_t i = 0; i < n; ++i) {
    if (i > 0) s += ", ";
    if (ir::IsFloat(t.dtype())) {
      s += fmt::format("{:.6g}", t.GetF32(i));
    } else {
      s += std::to_string(t.GetI64(i));
    }
  }
  if (t.num_elements() > n) s += ", ...";
  return "[" + s + "]";
}

Expected<std::vector<ir::Tensor>> GatherInputs(const ir::Graph& g, const IrArgs& a) {
  std::map<std::string, std::string> given;
  for (const std::string& spec : a.inputs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::Errorf("--input '{}' must be NAME=FILE.npy", spec);
    }
    std::string name = spec.substr(0, eq);
    if (!name.empty() && name[0] == '%') name = name.substr(1);
    const ir::Value* v = g.FindValue(name);
    if (v == nullptr || !v->is_graph_input()) {
      return Status::Errorf("--input '{}': the graph has no input named '{}'", spec, name);
    }
    given[name] = spec.substr(eq + 1);
  }
  std::vector<ir::Tensor> inputs;
  for (size_t i = 0; i < g.inputs().size(); ++i) {
    const ir::Value* in = g.inputs()[i];
    auto it = given.find(in->name());
    if (it != given.end()) {
      AGT_ASSIGN_OR_RETURN(ir::Tensor t, ir::ReadNpy(it->second));
      if (t.type() != in->type()) {
        return Status::Errorf("input '{}' is {}, but {} holds {}", in->name(), in->type().ToString(), it->second,
                              t.type().ToString());
      }
      inputs.push_back(std::move(t));
    } else if (a.random_seed >= 0) {
      inputs.push_back(RandomInput(in->type(), static_cast<uint64_t>(a.random_seed) * 1000003u + i));
    } else {
      return Status::Errorf("input '{}' has no value: give --input {}=FILE.npy or --random-inputs SEED", in->name(),
                            in->name());
    }
  }
  return inputs;
}

Status RunIr(const IrArgs& a) {
  std::string text;
  if (a.file == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream f(a.file, std::ios::binary);
    if (!f) return Status::Errorf("cannot open '{}'", a.file);
    std::ostringstream ss;
    ss << f.rdbuf();
    text = ss.str();
  }
  ir::ParseOptions popts;
  if (a.fill_elided_seed >= 0) {
    popts.fill_elided_constants = true;
    popts.seed = static_cast<uint64_t>(a.fill_elided_seed);
  }
  AGT_ASSIGN_OR_RETURN(std::unique_ptr<ir::Graph> g, ir::ParseGraph(text, a.file == "-" ? "<stdin>" : a.file, popts));
  spdlog::info("parsed graph '{}': {} inputs, {} nodes, {} outputs", g->name(), g->inputs().size(), g->num_nodes(),
               g->outputs().size());

  if (a.verify) {
    AGT_RETURN_IF_ERROR(ir::Verify(*g).WithContext(a.file));
    fmt::print("{}: ok (graph '{}': {} inputs, {} constants, {} nodes, {} outputs)\n", a.file, g->name(),
               g->inputs().size(), g->constants().size(), g->num_nodes(), g->outputs().size());
  }
  if (!a.verify && !a.run) {
    ir::PrintOptions print;
    print.elide_constants_over = a.elide;
    fmt::print("{}", ir::PrintGraph(*g, print));
  }
  if (!a.run) return Status::Ok();

  AGT_ASSIGN_OR_RETURN(std::vector<ir::Tensor> inputs, GatherInputs(*g, a));
  AGT_ASSIGN_OR_RETURN(std::vector<ir::Tensor> outputs, ir::Interpret(*g, inputs));
  if (!a.out_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(a.out_dir, ec);
    if (ec) return Status::Errorf("cannot create '{}': {}", a.out_dir, ec.message());
  }
  std::map<std::string, int> used_files;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const ir::Value* o = g->outputs()[i];
    fmt::print("{}: {} = {}\n", ir::ValueRefText(o->name()), outputs[i].type().ToString(), FirstValues(outputs[i], 8));
    if (a.out_dir.empty()) continue;
    std::string base = FileNameFor(o->name());
    int k = used_files[base]++;
    if (k > 0) base += fmt::format(".{}", k);
    std::string path = (std::filesystem::path(a.out_dir) / (base + ".npy")).string();
    AGT_RETURN_IF_ERROR(ir::WriteNpy(path, outputs[i]));
    spdlog::info("wrote {}", path);
  }
  return Status::Ok();
}

}  // namespace

void AddIrCommand(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<IrArgs>();
  CLI::App* cmd = app.add_subcommand("ir", "Parse, verify, print and run a graph written in IR text (.agt)");
  cmd->add_option("file", args->file, "IR text file ('-' reads stdin)")->required();
  cmd->add_flag("--verify", args->verify, "Verify the graph and print a one-line summary instead of the graph");
  cmd->add_flag("--run", args->run, "Run the graph on the reference interpreter");
  cmd->add_option("--input", args->inputs, "An input's value: NAME=FILE.npy (repeatable)");
  cmd->add_option("--random-inputs", args->random_seed, "Seeded random values for inputs not given by --input");
  cmd->add_option("--out-dir", args->out_dir, "With --run: write each output as DIR/<name>.npy");
  cmd->add_option("--elide", args->elide, "Print constants with more than N elements as <elided>");
  cmd->add_option("--fill-elided", args->fill_elided_seed, "Fill <elided> constants with random data of this seed");
  cmd->callback([args, &ctx] {
    Status st = RunIr(*args);
    if (!st.ok()) {
      fmt::print(stderr, "error: {}\n", st.message());
      ctx.exit_code = 2;
    }
  });
}

}  // namespace agt::cli

// `autogtco zoo list` prints the nine paper models (parameters, GFLOP, input shape);
// `autogtco zoo NAME [-o FILE] [--tiny] [--seed N] [--external-data]` writes one as ONNX with seeded
// random weights (no download anywhere). Models over ~1.8 GB of weights, or any with
// --external-data, keep their weights in FILE.data next to FILE.
#include <memory>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "models/onnx_io.h"
#include "models/zoo.h"

namespace agt::cli {
namespace {

struct ZooArgs {
  std::string name;
  std::string output;
  bool tiny = false;
  uint64_t seed = 0;
  bool external_data = false;
};

Status ListZoo(const ZooArgs& a) {
  fmt::print("{:<20} {:<20} {:>12} {:>10}  {}\n", "name", "model", "params (M)", "GFLOP", "input");
  for (const models::ZooEntry& e : models::ZooEntries()) {
    models::ZooOptions o;
    o.tiny = a.tiny;
    o.materialize = false;   // counts need no weights
    AGT_ASSIGN_OR_RETURN(models::BuiltModel m, models::BuildZooModel(e.name, o));
    fmt::print("{:<20} {:<20} {:>12.3f} {:>10.3f}  {}\n", e.name, e.title, m.parameters / 1e6, m.flops / 1e9,
               models::InputShapes(m.proto));
  }
  return Status::Ok();
}

Status WriteZoo(const ZooArgs& a) {
  models::ZooOptions o;
  o.tiny = a.tiny;
  o.seed = a.seed;
  spdlog::info("building {}{} (seed {})", a.name, a.tiny ? " (tiny)" : "", a.seed);
  AGT_ASSIGN_OR_RETURN(models::BuiltModel m, models::BuildZooModel(a.name, o));
  std::string path = a.output.empty() ? a.name + (a.tiny ? "-tiny" : "") + ".onnx" : a.output;
  models::WriteOptions w;
  w.external_data = a.external_data;
  AGT_ASSIGN_OR_RETURN(std::string data_path, models::WriteModel(m.proto, path, w));
  fmt::print("{}: {:.3f} M parameters, {:.3f} GFLOP, input {} -> {}{}\n", a.name, m.parameters / 1e6,
             m.flops / 1e9, models::InputShapes(m.proto), path,
             data_path.empty() ? "" : fmt::format(" (weights in {})", data_path));
  return Status::Ok();
}

}  // namespace

void AddZooCommand(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<ZooArgs>();
  CLI::App* cmd = app.add_subcommand("zoo", "List the paper models, or write one as ONNX with random weights");
  cmd->add_option("name", args->name, "'list', or a model name from the list")->required();
  cmd->add_option("-o,--output", args->output, "Output .onnx file (default NAME.onnx, NAME-tiny.onnx)");
  cmd->add_flag("--tiny", args->tiny, "A 2-layer, narrow version with small images, for tests");
  cmd->add_option("--seed", args->seed, "Seed of the random weights (the same seed gives the same bytes)");
  cmd->add_flag("--external-data", args->external_data, "Keep the weights in a side file FILE.data");
  cmd->callback([args, &ctx] {
    Status st = args->name == "list" ? ListZoo(*args) : WriteZoo(*args);
    if (!st.ok()) {
      fmt::print(stderr, "error: zoo: {}\n", st.message());
      ctx.exit_code = 2;
    }
  });
}

}  // namespace agt::cli

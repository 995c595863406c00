// `autogtco bench MODEL.so [--iters N] [--warmup N] [--device D]`: loads the artifact through its C
// API, runs it once on seeded random inputs, then times graph replays on them with CUDA events
// (agt_model_bench); prints median, min and max latency
// with the arena and weight sizes.
#include <algorithm>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli/artifact_handle.h"
#include "cli/commands.h"
#include "cli/random_input.h"
#include "compiler/driver/summary.h"

namespace agt::cli {

namespace {

struct BenchArgs {
  std::string model;
  int iters = 100;
  int warmup = 10;
  int device = 0;
};

Status Bench(const BenchArgs& a) {
  if (a.iters < 1 || a.warmup < 0) return Status::Error("--iters must be at least 1 and --warmup at least 0");
  AGT_ASSIGN_OR_RETURN(auto h, ArtifactHandle::Open(a.model));
  AGT_RETURN_IF_ERROR(h->Load(a.device));
  // Seeded random inputs in the staging buffers first (the replays read them): never the zeros or
  // leftovers of a fresh allocation, which can run faster than real data.
  std::vector<ir::Tensor> inputs;
  for (size_t i = 0; i < h->inputs().size(); ++i) inputs.push_back(RandomInput(h->inputs()[i].type, 1000003u + i));
  AGT_RETURN_IF_ERROR(h->Run(inputs).status());
  AGT_ASSIGN_OR_RETURN(std::vector<float> t, h->Bench(a.warmup, a.iters));
  std::sort(t.begin(), t.end());
  float median = t.size() % 2 == 1 ? t[t.size() / 2] : 0.5f * (t[t.size() / 2 - 1] + t[t.size() / 2]);
  fmt::print("{}: {} {}, {} kernels, {} launches, arena {}, weights {} ({})\n", a.model, h->precision(), h->arch(),
             h->num_kernels(), h->num_launches(), driver::FormatBytes(h->arena_bytes()),
             driver::FormatBytes(h->weight_bytes()), h->weights_mode());
  fmt::print("latency over {} runs (after {} warm-up): median {:.4f} ms, min {:.4f} ms, max {:.4f} ms\n", a.iters,
             a.warmup, median, t.front(), t.back());
  return Status::Ok();
}

}  // namespace

void AddBenchCommand(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand("bench", "Time a compiled artifact on the GPU (CUDA events over graph replays)");
  cmd->add_option("model", args->model, "The compiled .so")->required();
  cmd->add_option("--iters", args->iters, "Timed runs (default 100)");
  cmd->add_option("--warmup", args->warmup, "Untimed runs first (default 10)");
  cmd->add_option("--device", args->device, "CUDA device ordinal (default 0)");
  cmd->callback([args, &ctx] {
    Status st = Bench(*args);
    if (!st.ok()) {
      fmt::print(stderr, "error: bench: {}\n", st.message());
      ctx.exit_code = 2;
    }
  });
}

}  // namespace agt::cli

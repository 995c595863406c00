// The frontend pass pipeline (see pipeline.h). The list below is the whole order: constants first
// (so patterns see folded weights), then the canonical forms, then cleanup.
#include "compiler/passes/pipeline.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "compiler/passes/passes.h"
#include "ir/text.h"
#include "ir/verifier.h"

namespace agt::passes {

namespace {
// Runs `passes` in order on `g`, each timed, verified and dumped as `options` say.
Expected<std::vector<PassRecord>> RunPasses(ir::Graph& g, const std::vector<PassEntry>& passes, const PipelineOptions& options);
}  // namespace

std::vector<PassEntry> FrontendPasses() {
  return {
      {"constant-folding", RunConstantFolding},
      {"remove-noops", RunRemoveNoOps},
      {"dead-code", RunDeadCodeElimination},
      {"canonical-gelu", RunCanonicalGelu},
      {"canonical-layer-norm", RunCanonicalLayerNorm},
      // The spellings exporters differ in (unbind as slices, k^T through other views), made one.
      {"slices-to-split", RunSlicesToSplit},
      {"canonical-views", RunCanonicalViews},
      {"softmax-nan-guard", RunSoftmaxNanGuard},
      {"matmul-to-linear", RunMatMulToLinear},
      {"fold-batch-norm", RunFoldBatchNorm},
      // Before the fold: the attention scale gathered on q, which the fold can then take into q's layer.
      {"canonical-matmul-scale", RunCanonicalMatMulScale},
      // Separate q, k, v projections as one qkv linear, its heads split as a fused layer's are; before the
      // scale fold, which then leaves q's scale on the split as it does for a fused layer.
      {"concat-sibling-linears", RunConcatSiblingLinears},
      {"canonical-qkv-split", RunCanonicalQkvSplit},
      {"fold-scale-into-linear", RunFoldScaleIntoLinear},
      // After the batch norms fold into their convs, so the convs they leave are whole.
      {"patch-embed-to-linear", RunPatchEmbedToLinear},
      {"token-conv-to-linear", RunTokenConvToLinear},
      // What convolutions remain, channels-last (after the two above took the ViT ones).
      {"channels-last", RunChannelsLast},
      // Last of the canonical forms, on the graph the planner will see.
      {"canonical-operand-order", RunCanonicalOperandOrder},
      {"constant-folding-2", RunConstantFolding},
      {"remove-noops-2", RunRemoveNoOps},
      {"dead-code-2", RunDeadCodeElimination},
  };
}

Expected<std::vector<PassRecord>> RunFrontendPipeline(ir::Graph& g, const PipelineOptions& options) {
  if (!options.dump_after.empty() && options.dump_after != "all") {
    std::string names;
    bool known = false;
    // The precision passes run after these (RunPrecisionPasses) and take the same option.
    std::vector<PassEntry> passes = FrontendPasses();
    for (const PassEntry& p : PrecisionPasses(ir::Precision::kTF32, true)) passes.push_back(p);
    for (const PassEntry& p : passes) {
      known = known || p.name == options.dump_after;
      names += fmt::format("{}{}", names.empty() ? "" : ", ", p.name);
    }
    if (!known) return Status::Errorf("--dump-after: no pass named '{}' (passes: {}, or all)", options.dump_after, names);
  }
  return RunPasses(g, FrontendPasses(), options);
}

std::vector<PassEntry> PrecisionPasses(ir::Precision precision, bool fold_layer_norm) {
  std::vector<PassEntry> passes;
  // Before the tf32 transpose: it folds into the [K, N] weight the linear reads.
  if (fold_layer_norm) passes.push_back({"fold-layer-norm-affine", RunFoldLayerNormAffine});
  if (precision == ir::Precision::kTF32) passes.push_back({"tf32-k-major-weights", RunTf32KMajorWeights});
  return passes;
}

Expected<std::vector<PassRecord>> RunPrecisionPasses(ir::Graph& g, ir::Precision precision, const PipelineOptions& options) {
  return RunPasses(g, PrecisionPasses(precision, options.fold_layer_norm), options);
}

namespace {

Expected<std::vector<PassRecord>> RunPasses(ir::Graph& g, const std::vector<PassEntry>& passes, const PipelineOptions& options) {
  std::vector<PassRecord> records;
  for (const PassEntry& p : passes) {
    auto t0 = std::chrono::steady_clock::now();
    auto changed = p.run(g);
    if (!changed.ok()) return changed.status().WithContext(fmt::format("pass {}", p.name));
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    records.push_back({std::string(p.name), *changed, ms});
    spdlog::debug("pass {}: {} ({:.1f} ms, {} nodes)", p.name, *changed ? "changed" : "no change", ms, g.num_nodes());
    if (options.verify_each) {
      Status st = ir::Verify(g);
      if (!st.ok()) return st.WithContext(fmt::format("the IR after pass {} fails verification", p.name));
    }
    if (!options.dump_after.empty() && (options.dump_after == "all" || options.dump_after == p.name)) {
      if (options.dump) {
        options.dump(p.name, g);
      } else {
        ir::PrintOptions po;
        po.elide_constants_over = 16;
        spdlog::info("IR after pass {}:\n{}", p.name, ir::PrintGraph(g, po));
      }
    }
  }
  return records;
}

}  // namespace

}  // namespace agt::passes

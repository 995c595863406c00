// The frontend pass pipeline: the canonicalising passes that run on every imported graph, in one
// plain list (pipeline.cpp) read top to bottom. Options live in a struct, never in globals.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/graph.h"
#include "ir/precision.h"
#include "ir/status.h"

namespace agt::passes {

struct PipelineOptions {
#ifdef AGT_VERIFY_PASSES
  bool verify_each = true;   // ir::Verify after every pass (debug and test builds)
#else
  bool verify_each = false;
#endif
  // Dump the IR after the pass of this name ("all": after every pass; empty: never).
  std::string dump_after;
  // Where dumps go; by default the IR text is logged to stderr.
  std::function<void(std::string_view pass, const ir::Graph& g)> dump;
  // Run fold-layer-norm-affine among the precision passes (compile --fold-layer-norm): LayerNorms
  // become the prologue of the GEMM reading them (RunFoldLayerNormAffine).
  bool fold_layer_norm = false;
};

struct PassRecord {
  std::string name;
  bool changed = false;
  double millis = 0;
};

using PassFn = Expected<bool> (*)(ir::Graph&);

struct PassEntry {
  std::string_view name;
  PassFn run;
};

// The passes in the order they run.
std::vector<PassEntry> FrontendPasses();

// Runs FrontendPasses() on `g`; an error names the pass (and, from the verifier, the node).
Expected<std::vector<PassRecord>> RunFrontendPipeline(ir::Graph& g, const PipelineOptions& options = {});

// The passes that depend on the compile precision and the plan's options, run after the frontend
// pipeline (its constant folding would undo them) by every command that plans: with fold_layer_norm,
// fold-layer-norm-affine (RunFoldLayerNormAffine); at tf32, tf32-k-major-weights (RunTf32KMajorWeights).
std::vector<PassEntry> PrecisionPasses(ir::Precision precision, bool fold_layer_norm = false);
Expected<std::vector<PassRecord>> RunPrecisionPasses(ir::Graph& g, ir::Precision precision, const PipelineOptions& options = {});

}  // namespace agt::passes

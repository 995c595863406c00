// Tuning tasks: one per distinct fusion group of a plan (the paper's "subgraphs decomposed by
// compute-intensive operators" that the subgraph scheduler hands to the tuner). Groups with the same
// canonical signature (compiler/fusion/group_signature.h) are one task, whose weight is how many
// times it occurs: ViT-Base-16's twelve identical encoder layers give weight-12 tasks, and the task
// scheduler spends trials in proportion to weight x latency.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "compiler/fusion/dpof.h"
#include "compiler/fusion/fusion_group.h"
#include "ir/precision.h"
#include "ir/graph.h"
#include "ir/status.h"

namespace agt::tasks {

struct Task {
  std::string id;                       // SignatureId(signature, precision): 16 hex digits
  std::string signature;                // the extracted group's printed IR
  fusion::GroupKind kind = fusion::GroupKind::kElementwise;
  ir::Precision precision = ir::Precision::kFP16;
  int weight = 0;                       // occurrences in the plan
  std::vector<int> phases;              // indices into FusionPlan::phases, ascending
  double estimated_us = 0;              // per occurrence, from the plan
  double flops = 0;                     // per occurrence (matrix products and SIMT work)
  std::string ops;                      // "linear+add+gelu", for reports
  std::unique_ptr<ir::Graph> graph;     // the group as a standalone graph: what codegen compiles
};

// Tasks in order of first occurrence in the plan.
Expected<std::vector<Task>> ExtractTasks(const ir::Graph& g, const fusion::FusionPlan& plan,
                                         ir::Precision precision);

// A task graph as an older build printed it (a tuning log record's), in this build's canonical
// form: parsed, extracted again as a whole (ir::ExtractSubgraph: structural node order, canonical
// names, unit dims dropped), printed again. The key
// of that text (fusion::SignatureId) is the task's id today: what `autogtco tune-rekey` re-keys by.
Expected<std::string> CanonicalTaskText(std::string_view graph_text);

// A task text with the value of every `epsilon` attribute blanked out: two tasks that differ only in a
// normalisation's epsilon (timm's LayerNorm 1e-6, Hugging Face's 1e-12) have the same one. A program
// tuned for one is a valid program of the other (the same ops, shapes and sketch space); each task's
// kernel is still compiled from its own text, with its own epsilon.
std::string EpsilonFreeText(std::string_view task_text);

// "layer_norm+linear+add" in the group's node order.
std::string GroupOpsString(const fusion::FusionGroup& group);

// A node's label in reports and errors: its ONNX name, else the name of its first result.
std::string NodeLabel(const ir::Node& n);

}  // namespace agt::tasks

// Codegen-aware pricing of DPOF's groups (see sketch_aware_cost.h).
#include "compiler/planner/sketch_aware_cost.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "codegen/compile.h"
#include "compiler/planner/plan_model.h"
#include "compiler/tasks/task.h"
#include "ir/subgraph.h"

namespace agt::planner {


SketchAwareCostModel::Verdict SketchAwareCostModel::Judge(const fusion::FusionGroup& group) const {
  if (!ExpectsFastSketch(group.kind) || group.nodes.size() <= 1) return {};   // a lone op: nothing to split off
  std::string key = fmt::format("{}", fmt::join(group.ops, ","));
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = verdicts_.find(key);
    if (it != verdicts_.end()) return it->second;
  }
  Verdict v;
  auto sub = ir::ExtractSubgraph(g_, group.nodes);
  if (sub.ok()) {
    auto ctx = codegen::MakeTaskContext(*sub->graph, precision_, arch_);
    v.generic_only = ctx.ok() && ctx->sketches.front().kind == codegen::SketchKind::kGeneric;
    if (v.generic_only) v.why = fmt::format("{}", fmt::join(ctx->skipped, "; "));
    if (ctx.ok() && ctx->sketches.front().kind == codegen::SketchKind::kGemm && group.anchor != nullptr) {
      auto in_group = codegen::AnalyzeGemmStaging(*sub->graph, precision_);
      const AnchorAlone alone = Alone(group.anchor);
      const std::optional<codegen::GemmStaging>& by_itself = alone.staging;
      if (in_group.ok() && by_itself) {
        v.loses_async = (by_itself->a_async && !in_group->a_async) || (by_itself->b_async && !in_group->b_async) ||
                        (by_itself->a_conv_async && !in_group->a_conv_async);
      }
      v.loses_async = v.loses_async || alone.hopper_core;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (verdicts_.emplace(key, v).second) {
    if (v.generic_only) priced_out_.push_back(tasks::GroupOpsString(group));
    else if (v.loses_async) penalised_.push_back(tasks::GroupOpsString(group));
  }
  return v;
}

SketchAwareCostModel::AnchorAlone SketchAwareCostModel::Alone(const ir::Node* anchor) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = anchor_alone_.find(anchor);
    if (it != anchor_alone_.end()) return it->second;
  }
  // Many candidate groups share an anchor: what it gets alone is worked out once.
  const std::vector<const ir::Node*> anchor_only{anchor};
  AnchorAlone a;
  if (auto alone = ir::ExtractSubgraph(g_, anchor_only); alone.ok()) {
    if (auto st = codegen::AnalyzeGemmStaging(*alone->graph, precision_); st.ok()) a.staging = *st;
    auto ctx = codegen::MakeTaskContext(*alone->graph, precision_, arch_);
    a.hopper_core = ctx.ok() && ctx->sketches.front().kind == codegen::SketchKind::kGemmSm90;
  }
  std::lock_guard<std::mutex> lock(mu_);
  anchor_alone_.emplace(anchor, a);
  return a;
}

double SketchAwareCostModel::EstimateUs(const fusion::FusionGroup& group, ir::Precision precision) const {
  Verdict v = Judge(group);
  if (v.generic_only) return kPricedOutUs;
  double us = base_.EstimateUs(group, precision);
  if (v.loses_async && !base_.Measured(group, precision)) us *= kElementLoaderFactor;
  return us;
}

std::string SketchAwareCostModel::WhyNoFastKernel(const fusion::FusionGroup& group, ir::Precision) const {
  Verdict v = Judge(group);
  return v.generic_only ? v.why : std::string();
}

std::vector<std::string> SketchAwareCostModel::PricedOut() const {
  std::lock_guard<std::mutex> lock(mu_);
  return priced_out_;
}

std::vector<std::string> SketchAwareCostModel::LoaderPenalised() const {
  std::lock_guard<std::mutex> lock(mu_);
  return penalised_;
}

}  // namespace agt::planner

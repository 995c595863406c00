// DPOF with codegen-aware pricing (see plan_tasks.h).
#include "tuner/plan_tasks.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "codegen/compile.h"
#include "ir/subgraph.h"

namespace agt::tuner {

bool ExpectsFastSketch(fusion::GroupKind kind) {
  return kind == fusion::GroupKind::kGemm || kind == fusion::GroupKind::kConv || kind == fusion::GroupKind::kAttention ||
         kind == fusion::GroupKind::kReduction;
}

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
    if (ctx.ok() && ctx->sketches.front().kind == codegen::SketchKind::kGemm && group.anchor != nullptr) {
      auto in_group = codegen::AnalyzeGemmStaging(*sub->graph, precision_);
      std::optional<codegen::GemmStaging> by_itself = AnchorStaging(group.anchor);
      if (in_group.ok() && by_itself) {
        v.loses_async = (by_itself->a_async && !in_group->a_async) || (by_itself->b_async && !in_group->b_async);
      }
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (verdicts_.emplace(key, v).second) {
    if (v.generic_only) priced_out_.push_back(tasks::GroupOpsString(group));
    else if (v.loses_async) penalised_.push_back(tasks::GroupOpsString(group));
  }
  return v;
}

std::optional<codegen::GemmStaging> SketchAwareCostModel::AnchorStaging(const ir::Node* anchor) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = anchor_staging_.find(anchor);
    if (it != anchor_staging_.end()) return it->second;
  }
  // Many candidate groups share an anchor: its staging alone is worked out once.
  const std::vector<const ir::Node*> anchor_only{anchor};
  std::optional<codegen::GemmStaging> staging;
  if (auto alone = ir::ExtractSubgraph(g_, anchor_only); alone.ok()) {
    if (auto st = codegen::AnalyzeGemmStaging(*alone->graph, precision_); st.ok()) staging = *st;
  }
  std::lock_guard<std::mutex> lock(mu_);
  anchor_staging_.emplace(anchor, staging);
  return staging;
}

double SketchAwareCostModel::EstimateUs(const fusion::FusionGroup& group, ir::Precision precision) const {
  Verdict v = Judge(group);
  if (v.generic_only) return kPricedOutUs;
  double us = base_.EstimateUs(group, precision);
  if (v.loses_async && !base_.Measured(group, precision)) us *= kElementLoaderFactor;
  return us;
}

std::vector<std::string> SketchAwareCostModel::PricedOut() const {
  std::lock_guard<std::mutex> lock(mu_);
  return priced_out_;
}

std::vector<std::string> SketchAwareCostModel::LoaderPenalised() const {
  std::lock_guard<std::mutex> lock(mu_);
  return penalised_;
}

Expected<PlannedTasks> PlanTasks(const ir::Graph& g, fusion::MeasuredCostModel& cost, const fusion::FusionOptions& options,
                                 ir::Precision precision, const std::string& arch) {
  SketchAwareCostModel aware(g, cost, precision, arch);
  if (cost.num_measured() > 0) {
    cost.Calibrate([&] { (void)fusion::RunDpof(g, aware, options); });
    spdlog::info("DPOF: analytical estimates of unmeasured groups scaled by measured/estimated: gemm {:.2f}, conv {:.2f}, "
                 "attention {:.2f}, reduction {:.2f}, element-wise {:.2f}",
                 cost.scale(fusion::GroupKind::kGemm), cost.scale(fusion::GroupKind::kConv),
                 cost.scale(fusion::GroupKind::kAttention), cost.scale(fusion::GroupKind::kReduction),
                 cost.scale(fusion::GroupKind::kElementwise));
  }
  PlannedTasks out;
  AGT_ASSIGN_OR_RETURN(out.plan, fusion::RunDpof(g, aware, options));
  AGT_ASSIGN_OR_RETURN(out.tasks, tasks::ExtractTasks(g, out.plan, options.precision));
  out.priced_out = aware.PricedOut();
  out.penalised = aware.LoaderPenalised();
  if (!out.penalised.empty()) {
    spdlog::debug("DPOF: {} candidate GEMM groups stage an operand element by element (estimates x{}), e.g. {}",
                  out.penalised.size(), SketchAwareCostModel::kElementLoaderFactor, out.penalised.front());
  }
  if (!out.priced_out.empty()) {
    spdlog::info("DPOF: {} candidate groups have only the generic sketch and were priced out (e.g. {})",
                 out.priced_out.size(), out.priced_out.front());
  }
  return out;
}

}  // namespace agt::tuner

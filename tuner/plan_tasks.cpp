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

bool SketchAwareCostModel::GenericOnly(const fusion::FusionGroup& group) const {
  if (!ExpectsFastSketch(group.kind) || group.nodes.size() <= 1) return false;   // a lone op: nothing to split off
  std::string key = fmt::format("{}", fmt::join(group.ops, ","));
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = generic_only_.find(key);
    if (it != generic_only_.end()) return it->second;
  }
  bool generic = false;
  auto sub = ir::ExtractSubgraph(g_, group.nodes);
  if (sub.ok()) {
    auto ctx = codegen::MakeTaskContext(*sub->graph, precision_, arch_);
    generic = ctx.ok() && ctx->sketches.front().kind == codegen::SketchKind::kGeneric;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (generic_only_.emplace(key, generic).second && generic) {
    std::vector<std::string> ops;
    for (const ir::Node* n : group.nodes) ops.emplace_back(ir::OpName(n->op()));
    priced_out_.push_back(fmt::format("{}", fmt::join(ops, "+")));
  }
  return generic;
}

double SketchAwareCostModel::EstimateUs(const fusion::FusionGroup& group, fusion::Precision precision) const {
  return GenericOnly(group) ? kPricedOutUs : base_.EstimateUs(group, precision);
}

std::vector<std::string> SketchAwareCostModel::PricedOut() const {
  std::lock_guard<std::mutex> lock(mu_);
  return priced_out_;
}

Expected<PlannedTasks> PlanTasks(const ir::Graph& g, fusion::MeasuredCostModel& cost, const fusion::FusionOptions& options,
                                 codegen::Precision precision, const std::string& arch) {
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
  if (!out.priced_out.empty()) {
    spdlog::info("DPOF: {} candidate groups have only the generic sketch and were priced out (e.g. {})",
                 out.priced_out.size(), out.priced_out.front());
  }
  return out;
}

}  // namespace agt::tuner

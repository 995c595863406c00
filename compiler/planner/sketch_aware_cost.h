// The sketch-aware cost model that the one planner (plan_model.h) prices DPOF's groups with.
// DPOF's legality is written over op patterns; the CUDA sketches cover less than that (a GEMM takes
// element-wise prologues only; the attention sketch's online softmax takes no element-wise op on the
// probabilities, such as Hugging Face DETR's is_nan/where guard). A GEMM, conv, attention or
// reduction group that only the generic sketch can take would be a slow kernel (a LayerNorm+Linear
// group measured 75-98 ms on an H200 against about 20 us for its two kernels apart), so DPOF plans
// on a cost model that prices such groups out: they survive only where no other plan is legal.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "codegen/kernel_source.h"
#include "codegen/program.h"
#include "compiler/fusion/cost_model.h"
#include "ir/graph.h"
#include "ir/status.h"

namespace agt::planner {


// `base`'s estimate, except for a group of several operators that expects a fast sketch and that the
// sketch rules give only the generic one (decided once per member set, by running the rules on the
// extracted group), and for a GEMM/conv group whose prologue costs an operand its cp.async staging
// (codegen::AnalyzeGemmStaging: an operand the anchor alone would stage directly goes through the
// element loader in the group, or the anchor alone would run on the Hopper core and the group falls
// off it, e.g. a ReLU fused in front of a channels-last conv). The analytical model assumes direct staging; where `base` has no
// measurement, such a group's estimate is multiplied by kElementLoaderFactor, the ratio measured at
// ViT-B's shapes (2.6x for a head-merging transpose in front of the output projection, 3.5x for a
// GELU in front of fc2, on an H200, both tuned). Without it the untuned plan of ViT-B fused the
// attention output's transpose into the projection (30 us tuned, 58 us untuned, against 11 us).
class SketchAwareCostModel final : public fusion::GroupCostModel {
 public:
  static constexpr double kPricedOutUs = 1e9;   // above any real plan, finite so that sums still order
  static constexpr double kElementLoaderFactor = 3.0;
  SketchAwareCostModel(const ir::Graph& g, const fusion::GroupCostModel& base, ir::Precision precision,
                       std::string arch)
      : g_(g), base_(base), precision_(precision), arch_(std::move(arch)) {}
  double EstimateUs(const fusion::FusionGroup& group, ir::Precision precision) const override;
  std::string WhyNoFastKernel(const fusion::FusionGroup& group, ir::Precision precision) const override;
  bool Measured(const fusion::FusionGroup& group, ir::Precision precision) const override {
    return base_.Measured(group, precision);
  }
  // Distinct groups priced out so far, by their ops ("reshape+...+softmax+is_nan+where+matmul").
  std::vector<std::string> PricedOut() const;
  // Distinct GEMM/conv groups whose estimates carried kElementLoaderFactor, by their ops.
  std::vector<std::string> LoaderPenalised() const;

 private:
  struct Verdict {
    bool generic_only = false;
    bool loses_async = false;   // a GEMM operand that the anchor alone stages directly (cp.async, TMA) is not in the group
    std::string why;            // generic_only: the rules' reasons, "attention: ...; gemm: .."
  };
  Verdict Judge(const fusion::FusionGroup& group) const;
  // The anchor by itself: how the GEMM sketch would stage its operands (nullopt: not a GEMM by itself),
  // and whether the Hopper core takes it.
  struct AnchorAlone {
    std::optional<codegen::GemmStaging> staging;
    bool hopper_core = false;
  };
  AnchorAlone Alone(const ir::Node* anchor) const;
  const ir::Graph& g_;
  const fusion::GroupCostModel& base_;
  ir::Precision precision_;
  std::string arch_;
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, Verdict> verdicts_;   // by member list
  mutable std::vector<std::string> priced_out_;
  mutable std::vector<std::string> penalised_;
  mutable std::unordered_map<const ir::Node*, AnchorAlone> anchor_alone_;
};

}  // namespace agt::planner

// The cost of a fusion group as one kernel, in microseconds: the function DPOF minimises. An
// interface, because the tuner later replaces estimates by measured times of tuned groups and DPOF
// runs again on them (the co-optimisation loop). The analytical model prices:
//   - the bytes that cross DRAM: the group's inputs and outputs only (intermediates stay on chip);
//   - FLOPs of matrix products at the tensor-core rate of the precision (SIMT for exact fp32), and
//     of everything else at the SIMT rate;
//   - waves: a GEMM is cut into CTA tiles and runs in ceil(CTAs / SMs) waves, so a small GEMM
//     leaves SMs idle (the best of a few tilings and split-K factors is assumed, as the tuner would
//     find; split-K pays for writing and re-reading fp32 partial sums); memory-bound kernels with
//     fewer CTAs than SMs get a share of the bandwidth;
//   - a fixed launch cost per kernel.
// time = max(compute, memory) + launch.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

#include "ir/device.h"
#include "compiler/fusion/fusion_group.h"
#include "ir/precision.h"

namespace agt::fusion {

class GroupCostModel {
 public:
  virtual ~GroupCostModel() = default;
  virtual double EstimateUs(const FusionGroup& group, ir::Precision precision) const = 0;
  // Whether EstimateUs is a measured time rather than a model's estimate.
  virtual bool Measured(const FusionGroup& /*group*/, ir::Precision /*precision*/) const { return false; }
  // Why no fast kernel generates this group as one (the code generator's own reasons), or "" when one
  // does or the model does not know: the fusion notes' reason for a group that was priced out.
  virtual std::string WhyNoFastKernel(const FusionGroup& /*group*/, ir::Precision /*precision*/) const { return {}; }
};

struct AnalyticalCostOptions {
  bool cuda_graphs = true;            // the runtime replays a CUDA graph: ir::DeviceInfo::graph_launch_us per kernel
  double tensor_efficiency = 0.75;    // fraction of the peak matrix rate a tuned kernel reaches
  double simt_efficiency = 0.8;
  double bandwidth_efficiency = 0.9;  // of the measured copy bandwidth
  // A LayerNorm prologue's recomputed row statistics (legality's allow_norm_prologue) run on the GEMM's
  // own warps at this fraction of the FMA pipes' rate, after its products (cost_model.cpp). 0: hidden
  // under the products, as the seed's DPOF assumes; measured on the Hopper core they are not.
  double norm_prologue_rate = 0.5;
};

// What the analytical estimate is made of (for the report and the tests).
struct CostBreakdown {
  double dram_bytes = 0;
  double matrix_flops = 0;   // on tensor cores (or SIMT in fp32)
  double simt_flops = 0;
  int64_t ctas = 0;
  int64_t waves = 0;
  int64_t tile_m = 0, tile_n = 0, split_k = 1;   // GEMM/conv: the tiling the estimate assumes
  double memory_us = 0;
  double compute_us = 0;
  double launch_us = 0;
  double total_us = 0;
};

class AnalyticalCostModel : public GroupCostModel {
 public:
  explicit AnalyticalCostModel(ir::DeviceInfo device, AnalyticalCostOptions options = {})
      : device_(std::move(device)), options_(options) {}
  double EstimateUs(const FusionGroup& group, ir::Precision precision) const override {
    return Explain(group, precision).total_us;
  }
  CostBreakdown Explain(const FusionGroup& group, ir::Precision precision) const;
  const ir::DeviceInfo& device() const { return device_; }

 private:
  ir::DeviceInfo device_;
  AnalyticalCostOptions options_;
};

// Measured times first, a fallback model for groups not measured yet. Keys come from `key_of`
// (compiler/tasks gives the task id of a group); with no measurement stored, no key is computed.
// `per_kernel_overhead_us` is added to every measured kernel time: the launch cost that the fallback
// model charges each of its groups too (the device's graph_launch_us), so both kinds of figure compare.
class MeasuredCostModel : public GroupCostModel {
 public:
  using KeyFn = std::function<std::string(const FusionGroup&, ir::Precision)>;
  MeasuredCostModel(const GroupCostModel& fallback, KeyFn key_of, double per_kernel_overhead_us = 0)
      : fallback_(fallback), key_of_(std::move(key_of)), overhead_us_(per_kernel_overhead_us) {}
  // `kernel_us`: the measured kernel time alone (a tuning record's median).
  void SetMeasured(std::string key, double kernel_us) { measured_[std::move(key)] = kernel_us + overhead_us_; }
  // Calibration: the fallback's estimates of unmeasured groups are multiplied by the median ratio of
  // measured to fallback time over the measured groups of the same kind (over all kinds when a kind
  // has fewer than 3; none below 3 in all), so that measured and estimated groups compare fairly. Without it an optimistic
  // analytical model steers DPOF away from every group that has been measured. `sample` runs the
  // caller's search (DPOF) once to meet the measured groups; the factors apply from then on.
  void Calibrate(const std::function<void()>& sample);
  // Hysteresis against estimate noise: once anything is measured, an unmeasured group is priced at
  // (1 + margin) x its calibrated estimate, so DPOF leaves a measured group for an estimated one only
  // when the estimate beats it by more than the margin. 0: estimates at face value.
  void set_unmeasured_margin(double margin) { margin_ = margin; }
  double scale(GroupKind kind) const { return scale_[static_cast<size_t>(kind)]; }
  size_t num_measured() const { return measured_.size(); }
  double EstimateUs(const FusionGroup& group, ir::Precision precision) const override;
  bool Measured(const FusionGroup& group, ir::Precision precision) const override {
    return !measured_.empty() && measured_.count(key_of_(group, precision)) > 0;
  }
  // How many estimates came from measurements (for tests and logs).
  int64_t hits() const { return hits_.load(); }

 private:
  const GroupCostModel& fallback_;
  KeyFn key_of_;
  double overhead_us_ = 0;
  double margin_ = 0;
  static constexpr size_t kKinds = static_cast<size_t>(GroupKind::kOpaque) + 1;   // kOpaque: the last kind
  std::array<double, kKinds> scale_ = [] {   // by GroupKind
    std::array<double, kKinds> a{};
    a.fill(1.0);
    return a;
  }();
  mutable bool recording_ = false;
  mutable std::mutex mu_;
  // Measured / fallback time of each measured group met while recording, by key.
  mutable std::unordered_map<std::string, std::pair<GroupKind, double>> ratios_;
  std::unordered_map<std::string, double> measured_;
  mutable std::atomic<int64_t> hits_ = 0;
};

}  // namespace agt::fusion

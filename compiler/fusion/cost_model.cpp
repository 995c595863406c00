// The analytical group cost and the measured-times override.
#include "compiler/fusion/cost_model.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "compiler/fusion/op_geometry.h"

namespace agt::fusion {

namespace {

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

double ValueBytes(const ir::Value* v, ir::Precision p) {
  return static_cast<double>(v->type().num_elements()) * static_cast<double>(ir::DTypeSize(ir::StorageDType(*v, p)));
}

bool Contains(const std::vector<const ir::Node*>& nodes, const ir::Node* n) {
  return std::find(nodes.begin(), nodes.end(), n) != nodes.end();
}

// Bytes read for an input: all of it, unless only injective ops inside the group read it and they
// produce less (a slice or gather reads only what it keeps).
double InputBytes(const FusionGroup& grp, const ir::Value* v, ir::Precision p) {
  double full = ValueBytes(v, p);
  double kept = 0;
  for (const ir::Use& u : v->uses()) {
    if (!Contains(grp.nodes, u.node)) continue;
    if (u.node->pattern() != ir::OpPattern::kInjective) return full;
    for (const ir::Value* o : u.node->outputs()) kept += ValueBytes(o, p);
  }
  return std::min(full, kept);
}

struct Tile {
  int64_t bm, bn;
  double efficiency;   // smaller tiles reuse operands less
};
constexpr Tile kGemmTiles[] = {{128, 128, 1.0}, {128, 64, 0.9}, {64, 64, 0.75}};

}  // namespace

CostBreakdown AnalyticalCostModel::Explain(const FusionGroup& grp, ir::Precision p) const {
  CostBreakdown b;
  if (IsAliasView(grp)) return b;   // no kernel
  const ir::DeviceInfo& d = device_;
  const double sms = std::max(d.sm_count, 1);
  for (const ir::Value* v : grp.inputs) b.dram_bytes += InputBytes(grp, v, p);
  for (const ir::Value* v : grp.outputs) b.dram_bytes += ValueBytes(v, p);

  const double matrix_rate_sm = d.MatrixFlops(p) * options_.tensor_efficiency / sms;
  const double simt_rate = d.fp32_simt_flops * options_.simt_efficiency;

  // SIMT work of every op that is not a matrix product.
  int64_t largest = 1;
  for (const ir::Node* n : grp.nodes) {
    if (n->pattern() == ir::OpPattern::kOutEWiseFusable) continue;
    int64_t elems = n->pattern() == ir::OpPattern::kCommReduce ? n->input(0)->type().num_elements()
                                                                : n->output(0)->type().num_elements();
    largest = std::max(largest, elems);
    b.simt_flops += static_cast<double>(elems) * SimtFlopsPerElement(*n);
  }

  if (grp.kind == GroupKind::kGemm || grp.kind == GroupKind::kConv) {
    GemmGeometry g = GetGemmGeometry(*grp.anchor).value_or(GemmGeometry{});
    b.matrix_flops = static_cast<double>(g.Flops());
    // Prologue ops run on the A operand as each CTA stages it, so every column of CTAs recomputes
    // them (a LayerNorm prologue recomputes its row statistics too): their SIMT work is counted per
    // column of tiles below, the rest once.
    bool norm_prologue = false;
    double prologue_flops = 0;
    for (const ir::Node* n : grp.prologue) {
      if (n->pattern() == ir::OpPattern::kCommReduce) norm_prologue = true;
      int64_t elems = n->pattern() == ir::OpPattern::kCommReduce ? n->input(0)->type().num_elements()
                                                                  : n->output(0)->type().num_elements();
      prologue_flops += static_cast<double>(elems) * SimtFlopsPerElement(*n);
    }
    const double other_flops = b.simt_flops - prologue_flops;
    const double bw = d.dram_bandwidth * options_.bandwidth_efficiency;
    const double base_bytes = b.dram_bytes;
    double best = -1;
    for (const Tile& t : kGemmTiles) {
      for (int64_t split : {1, 2, 4}) {
        // Split-K only when K is long enough to share.
        if (split > 1 && g.k < 256 * split) continue;
        int64_t ctas = g.batch * CeilDiv(g.m, t.bm) * CeilDiv(g.n, t.bn) * split;
        int64_t waves = CeilDiv(std::max<int64_t>(ctas, 1), d.sm_count);
        double matrix_us =
            static_cast<double>(waves) * 2.0 * t.bm * t.bn * CeilDiv(g.k, split) / (matrix_rate_sm * t.efficiency) * 1e6;
        // Under split-K a normalising prologue still reads whole rows for its statistics in every split.
        const double recomputed = prologue_flops * static_cast<double>(CeilDiv(g.n, t.bn)) *
                                  static_cast<double>(norm_prologue ? split : 1);
        double simt = other_flops + recomputed;
        double simt_util = std::min(1.0, static_cast<double>(ctas) / sms);
        const double us_per_flop = 1e6 / (simt_rate * std::max(simt_util, 1.0 / sms));
        // A LayerNorm prologue's row statistics run on the consumer warps between a k-block's wgmma
        // issue and its wait, so they add to the products instead of hiding under them, and at one
        // consumer warp per scheduler with two dependent accumulation chains (the shifted sum and the
        // sum of squares) they issue at about half the FMA pipes' rate (norm_prologue_rate; measured,
        // ViT-B fc1 on an H100: fused 16.7 us against 9.4 + 4.4 apart; docs/perf-notes.md).
        const bool serial = norm_prologue && options_.norm_prologue_rate > 0;
        const double serial_us = serial ? recomputed * us_per_flop / options_.norm_prologue_rate : 0.0;
        double simt_us = (serial ? other_flops : simt) * us_per_flop;
        // Tensor cores and the FMA pipes run side by side, so prologue/epilogue arithmetic mostly
        // hides under the products (10% of the smaller part is charged: issue slots, and so that a
        // recomputed prologue never ties with the same op as an epilogue); in exact fp32 the products
        // themselves run on the FMA pipes.
        double compute = ir::UsesTensorCores(p) ? std::max(matrix_us, simt_us) + 0.1 * std::min(matrix_us, simt_us) + serial_us
                                            : matrix_us + simt_us + serial_us;
        // fp32 partial sums: written by every split, read back by the reduction.
        double bytes = base_bytes + (split > 1 ? 2.0 * split * g.batch * g.m * g.n * 4 : 0);
        double memory = bytes / bw * 1e6;
        double total = std::max(compute, memory);
        if (best < 0 || total < best) {
          best = total;
          b.ctas = ctas;
          b.waves = waves;
          b.tile_m = t.bm;
          b.tile_n = t.bn;
          b.split_k = split;
          b.compute_us = compute;
          b.memory_us = memory;
          b.dram_bytes = bytes;
          b.simt_flops = simt;
        }
      }
    }
  } else if (grp.kind == GroupKind::kAttention) {
    // Flash-style: one CTA per 64 queries of one head; each streams all keys and values.
    GemmGeometry qk = GetGemmGeometry(*grp.anchor).value_or(GemmGeometry{});
    GemmGeometry pv = GetGemmGeometry(*grp.anchor2).value_or(GemmGeometry{});
    b.matrix_flops = static_cast<double>(qk.Flops() + pv.Flops());
    constexpr int64_t kQueriesPerCta = 64;
    b.ctas = qk.batch * CeilDiv(qk.m, kQueriesPerCta);
    b.waves = CeilDiv(std::max<int64_t>(b.ctas, 1), d.sm_count);
    double cta_matrix = 2.0 * kQueriesPerCta * qk.n * (qk.k + pv.n);
    double cta_simt = b.simt_flops / std::max<int64_t>(b.ctas, 1);
    b.compute_us = static_cast<double>(b.waves) *
                   (cta_matrix / matrix_rate_sm + cta_simt / (simt_rate / sms)) * 1e6;
    b.memory_us = b.dram_bytes / (d.dram_bandwidth * options_.bandwidth_efficiency) * 1e6;
  } else {
    // Memory-bound kernels: 1024 elements per CTA (reductions: rows of whatever length, 4 per CTA).
    int64_t ctas = CeilDiv(largest, 1024);
    if (grp.kind == GroupKind::kReduction) {
      auto rows = GetReductionRows(*grp.anchor);
      int64_t row_len = 1;
      if (rows) {
        for (int64_t a : rows->axes) row_len *= rows->input_shape[a];
      }
      ctas = CeilDiv(std::max<int64_t>(largest / std::max<int64_t>(row_len, 1), 1), 4);
    }
    b.ctas = std::max<int64_t>(ctas, 1);
    b.waves = CeilDiv(b.ctas, d.sm_count);
    double util = std::min(1.0, static_cast<double>(b.ctas) / sms);
    b.compute_us = b.simt_flops / (simt_rate * util) * 1e6;
    b.memory_us = b.dram_bytes / (d.dram_bandwidth * options_.bandwidth_efficiency * util) * 1e6;
  }
  b.launch_us = options_.cuda_graphs ? d.graph_launch_us : d.launch_us;
  b.total_us = std::max(b.compute_us, b.memory_us) + b.launch_us;
  return b;
}

double MeasuredCostModel::EstimateUs(const FusionGroup& group, ir::Precision precision) const {
  if (IsAliasView(group)) return 0;   // no kernel, whatever an older log measured for it
  if (!measured_.empty()) {
    auto it = measured_.find(key_of_(group, precision));
    if (it != measured_.end()) {
      ++hits_;
      if (recording_) {
        double est = fallback_.EstimateUs(group, precision);
        if (est > 0) {
          std::lock_guard<std::mutex> lock(mu_);
          ratios_.emplace(it->first, std::make_pair(group.kind, it->second / est));
        }
      }
      return it->second;
    }
  }
  const double margin = measured_.empty() ? 1.0 : 1.0 + margin_;
  return fallback_.EstimateUs(group, precision) * scale_[static_cast<size_t>(group.kind)] * margin;
}

void MeasuredCostModel::Calibrate(const std::function<void()>& sample) {
  if (measured_.empty()) return;
  ratios_.clear();
  recording_ = true;
  sample();
  recording_ = false;
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 1.0 : (v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]));
  };
  std::vector<double> all;
  std::array<std::vector<double>, kKinds> by_kind;
  for (const auto& [key, kr] : ratios_) {
    const auto& [kind, r] = kr;
    all.push_back(r);
    by_kind[static_cast<size_t>(kind)].push_back(r);
  }
  // A ratio needs a few distinct groups behind it (one outlier says little), and calibration never
  // makes estimates more optimistic than the fallback's own.
  constexpr size_t kMinSamples = 3;
  double overall = all.size() >= kMinSamples ? std::max(1.0, median(all)) : 1.0;
  for (size_t k = 0; k < scale_.size(); ++k) {
    scale_[k] = by_kind[k].size() >= kMinSamples ? std::max(1.0, median(by_kind[k])) : overall;
  }
  ratios_.clear();
}

}  // namespace agt::fusion

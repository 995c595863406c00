// Program features for the cost model (see features.h).
#include "tuner/features.h"

#include <algorithm>
#include <cmath>

namespace agt::tuner {

using codegen::Knob;
using codegen::SketchKind;

namespace {

constexpr std::string_view kFeatureNames[] = {
#define AGT_FEATURE_NAME(e, n) n,
    AGT_FEATURES(AGT_FEATURE_NAME)
#undef AGT_FEATURE_NAME
};
static_assert(std::size(kFeatureNames) == kNumFeatures);

double CeilDiv(double a, double b) { return std::ceil(a / b); }
float Log2p(double x) { return static_cast<float>(std::log2(1.0 + std::max(0.0, x))); }

// Knob -> the feature holding its raw value.
constexpr std::pair<Knob, Feature> kKnobFeatures[] = {
    {Knob::kBlockM, Feature::kBlockM},   {Knob::kBlockN, Feature::kBlockN},   {Knob::kBlockK, Feature::kBlockK},
    {Knob::kWarpsM, Feature::kWarpsM},   {Knob::kWarpsN, Feature::kWarpsN},   {Knob::kThreadM, Feature::kThreadM},
    {Knob::kThreadN, Feature::kThreadN}, {Knob::kStages, Feature::kStages},   {Knob::kSplitK, Feature::kSplitK},
    {Knob::kSwizzle, Feature::kSwizzle}, {Knob::kBlockQ, Feature::kBlockQ},   {Knob::kBlockKV, Feature::kBlockKV},
    {Knob::kWarps, Feature::kWarps},     {Knob::kRowMode, Feature::kRowMode}, {Knob::kThreads, Feature::kThreadsKnob},
    {Knob::kVector, Feature::kVector},   {Knob::kUnroll, Feature::kUnroll},
};
static_assert(std::size(kKnobFeatures) == codegen::kNumKnobs);

}  // namespace

std::string_view FeatureName(Feature f) { return kFeatureNames[static_cast<size_t>(f)]; }

FeatureExtractor::FeatureExtractor(const codegen::TaskContext& task, ir::DeviceInfo device)
    : task_(&task), device_(std::move(device)) {
  const int esz = ir::FloatStorageBytes(task.task.precision);
  auto bytes = [&](const ir::Value* v) {
    const ir::TensorType& t = v->type();
    return ir::IsFloat(t.dtype) ? static_cast<double>(t.num_elements()) * esz : static_cast<double>(t.size_bytes());
  };
  for (const ir::Value* v : task.graph->inputs()) dram_bytes_ += bytes(v);
  for (const ir::Value* v : task.graph->outputs()) dram_bytes_ += bytes(v);
  for (const auto& n : task.graph->nodes()) {
    if (n->pattern() == ir::OpPattern::kOutEWiseFusable) continue;   // counted as matrix FLOPs
    const ir::Value* v = n->pattern() == ir::OpPattern::kCommReduce && n->num_inputs() > 0 ? n->input(0) : n->output(0);
    pointwise_ops_ += static_cast<double>(v->type().num_elements());
  }
  for (const codegen::Sketch& s : task.sketches) {
    auto space = task.Space(s);
    if (space.ok()) spaces_.emplace_back(s, *space);
  }
}

const codegen::SpaceContext* FeatureExtractor::Space(const codegen::Sketch& s) const {
  for (const auto& [sk, space] : spaces_) {
    if (sk == s) return &space;
  }
  return nullptr;
}

double FeatureExtractor::matrix_flops(const codegen::Sketch& s) const {
  const codegen::SpaceContext* sp = Space(s);
  if (sp == nullptr) return 0;
  const codegen::ProblemDims& d = sp->dims;
  if (s.kind == SketchKind::kGemm) return 2.0 * d.batch * d.m * d.n * d.k;
  if (s.kind == SketchKind::kAttention) return 2.0 * d.batch * d.q_len * d.kv_len * (d.head_dim + d.v_dim);
  return 0;
}

FeatureVector FeatureExtractor::Extract(const codegen::Sketch& sketch, const codegen::Annotation& a) const {
  FeatureVector f{};
  auto set = [&](Feature k, double v) { f[static_cast<size_t>(k)] = static_cast<float>(v); };
  const codegen::SpaceContext* sp = Space(sketch);
  if (sp == nullptr) return f;
  const codegen::ProblemDims& d = sp->dims;
  const double esz = ir::FloatStorageBytes(task_->task.precision);

  set(Feature::kSketchGemm, sketch.kind == SketchKind::kGemm);
  set(Feature::kSketchAttention, sketch.kind == SketchKind::kAttention);
  set(Feature::kSketchRowReduce, sketch.kind == SketchKind::kRowReduce);
  set(Feature::kSketchElementwise, sketch.kind == SketchKind::kElementwise);
  set(Feature::kSketchGeneric, sketch.kind == SketchKind::kGeneric);
  set(Feature::kTensorCores, sketch.tensor_cores);
  set(Feature::kStorageBytes, esz);
  for (const auto& [knob, feat] : kKnobFeatures) set(feat, static_cast<double>(a.get(knob, 0)));

  codegen::ResourceEstimate r = codegen::EstimateResources(*sp, a);
  const double threads = static_cast<double>(std::max<int64_t>(1, r.threads));
  double blocks = 1, global_load = dram_bytes_, smem_read = 0, padding = 1, k_iters = 0;
  switch (sketch.kind) {
    case SketchKind::kGemm: {
      double bm = static_cast<double>(a.get(Knob::kBlockM, 1)), bn = static_cast<double>(a.get(Knob::kBlockN, 1));
      double bk = static_cast<double>(a.get(Knob::kBlockK, 1)), split = static_cast<double>(a.get(Knob::kSplitK, 1));
      double gm = CeilDiv(static_cast<double>(d.m), bm), gn = CeilDiv(static_cast<double>(d.n), bn);
      double kk = static_cast<double>(d.k);
      blocks = gm * gn * static_cast<double>(d.batch) * split;
      // Every block streams its A rows and B columns over the whole K (its 1/split share with split-K).
      global_load = gm * gn * static_cast<double>(d.batch) * (bm * kk + kk * bn) * esz;
      if (sketch.tensor_cores) {
        double wm = static_cast<double>(a.get(Knob::kWarpsM, 1)), wn = static_cast<double>(a.get(Knob::kWarpsN, 1));
        // Each warp reads its (bm/wm) rows of A and (bn/wn) columns of B from shared memory per k.
        smem_read = gm * gn * static_cast<double>(d.batch) * (wn * bm + wm * bn) * kk * esz;
      } else {
        double tm = static_cast<double>(a.get(Knob::kThreadM, 1)), tn = static_cast<double>(a.get(Knob::kThreadN, 1));
        smem_read = gm * gn * static_cast<double>(d.batch) * threads * (tm + tn) * kk * esz;
      }
      padding = static_cast<double>(d.m * d.n) / (gm * bm * gn * bn);
      k_iters = CeilDiv(CeilDiv(kk, bk), split);
      break;
    }
    case SketchKind::kAttention: {
      double bq = static_cast<double>(a.get(Knob::kBlockQ, 1)), bkv = static_cast<double>(a.get(Knob::kBlockKV, 1));
      double warps = static_cast<double>(a.get(Knob::kWarps, 1));
      double gq = CeilDiv(static_cast<double>(d.q_len), bq);
      double kv = static_cast<double>(d.kv_len), hd = static_cast<double>(d.head_dim), vd = static_cast<double>(d.v_dim);
      blocks = gq * static_cast<double>(d.batch);
      // Each query block streams all keys and values; each warp reads them from shared memory (fp32).
      global_load = blocks * (bq * hd + kv * (hd + vd)) * esz;
      smem_read = blocks * warps * kv * (hd + vd) * 4;
      padding = static_cast<double>(d.q_len) / (gq * bq);
      k_iters = CeilDiv(kv, bkv);
      break;
    }
    case SketchKind::kRowReduce: {
      double warps = static_cast<double>(a.get(Knob::kWarps, 1));
      bool block_mode = a.get(Knob::kRowMode) == 1;
      blocks = block_mode ? static_cast<double>(d.rows) : CeilDiv(static_cast<double>(d.rows), warps);
      double lanes = block_mode ? warps * 32 : 32;
      k_iters = CeilDiv(static_cast<double>(d.row_len), lanes);
      padding = static_cast<double>(d.row_len) / (k_iters * lanes);
      break;
    }
    case SketchKind::kElementwise: {
      double per_block = threads * static_cast<double>(a.get(Knob::kVector, 1)) * static_cast<double>(a.get(Knob::kUnroll, 1));
      blocks = std::max(1.0, CeilDiv(static_cast<double>(d.elements), per_block));
      padding = static_cast<double>(d.elements) / (blocks * per_block);
      set(Feature::kVectorBytes, static_cast<double>(a.get(Knob::kVector, 1)) * esz);
      break;
    }
    case SketchKind::kGeneric:
      blocks = std::max(1.0, CeilDiv(static_cast<double>(d.elements), threads));
      padding = static_cast<double>(d.elements) / (blocks * threads);
      break;
  }
  double flops = matrix_flops(sketch) + pointwise_ops_;
  set(Feature::kLogFlops, Log2p(flops));
  set(Feature::kLogDramBytes, Log2p(dram_bytes_));
  set(Feature::kLogGlobalLoadBytes, Log2p(global_load));
  set(Feature::kLogSmemReadBytes, Log2p(smem_read));
  set(Feature::kDramIntensity, flops / std::max(1.0, dram_bytes_));
  set(Feature::kGlobalIntensity, flops / std::max(1.0, global_load));
  set(Feature::kSmemIntensity, smem_read > 0 ? flops / smem_read : 0.0);

  // Occupancy: blocks resident per SM under the thread, shared-memory (1 KB reserved per block) and
  // register limits, at most 32.
  double by_threads = std::floor(device_.max_threads_per_sm / threads);
  double by_smem = std::floor(device_.shared_memory_per_sm / (static_cast<double>(r.smem_bytes) + 1024));
  double by_regs = std::floor(device_.registers_per_sm / (static_cast<double>(std::max<int64_t>(1, r.registers_per_thread)) * threads));
  double per_sm = std::max(0.0, std::min({32.0, by_threads, by_smem, by_regs}));
  double warps = threads / 32;
  double slots = per_sm * device_.sm_count;
  double waves = slots > 0 ? blocks / slots : blocks;
  set(Feature::kThreads, threads);
  set(Feature::kWarpsPerBlock, warps);
  set(Feature::kSmemBytes, static_cast<double>(r.smem_bytes));
  set(Feature::kRegisters, static_cast<double>(r.registers_per_thread));
  set(Feature::kBlocks, blocks);
  set(Feature::kBlocksPerSm, per_sm);
  set(Feature::kOccupancy, per_sm * warps / (device_.max_threads_per_sm / 32.0));
  set(Feature::kWaves, waves);
  set(Feature::kWaveEfficiency, waves > 0 ? waves / std::ceil(waves) : 0.0);
  set(Feature::kPaddingEfficiency, padding);
  set(Feature::kKIterations, k_iters);
  set(Feature::kLogFlopsPerThread, Log2p(flops / (blocks * threads)));
  return f;
}

std::vector<FeatureVector> FeatureExtractor::Extract(const std::vector<codegen::Program>& ps) const {
  std::vector<FeatureVector> out;
  out.reserve(ps.size());
  for (const codegen::Program& p : ps) out.push_back(Extract(p));
  return out;
}

}  // namespace agt::tuner

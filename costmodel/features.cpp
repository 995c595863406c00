// Program features for the cost model (see features.h). What is common to every sketch is computed
// here (the sketch one-hot, the knob values, FLOPs, bytes, intensities, occupancy and waves); how an
// annotation tiles its problem (blocks, bytes staged, padding, loop trips) each sketch says itself
// (SketchDef::Features in codegen/sketches/).
#include "costmodel/features.h"

#include <algorithm>
#include <cmath>

#include "codegen/sketches/sketch.h"

namespace agt::costmodel {

using codegen::Knob;
using codegen::SketchKind;

namespace {

constexpr std::string_view kFeatureNames[] = {
#define AGT_FEATURE_NAME(e, n) n,
    AGT_FEATURES(AGT_FEATURE_NAME)
#undef AGT_FEATURE_NAME
};
static_assert(std::size(kFeatureNames) == kNumFeatures);

float Log2p(double x) { return static_cast<float>(std::log2(1.0 + std::max(0.0, x))); }

// Knob -> the feature holding its raw value.
constexpr std::pair<Knob, Feature> kKnobFeatures[] = {
    {Knob::kBlockM, Feature::kBlockM},   {Knob::kBlockN, Feature::kBlockN},   {Knob::kBlockK, Feature::kBlockK},
    {Knob::kWarpsM, Feature::kWarpsM},   {Knob::kWarpsN, Feature::kWarpsN},   {Knob::kThreadM, Feature::kThreadM},
    {Knob::kThreadN, Feature::kThreadN}, {Knob::kStages, Feature::kStages},   {Knob::kSplitK, Feature::kSplitK},
    {Knob::kSwizzle, Feature::kSwizzle}, {Knob::kBlockQ, Feature::kBlockQ},   {Knob::kBlockKV, Feature::kBlockKV},
    {Knob::kWarps, Feature::kWarps},     {Knob::kRowMode, Feature::kRowMode}, {Knob::kThreads, Feature::kThreadsKnob},
    {Knob::kVector, Feature::kVector},   {Knob::kUnroll, Feature::kUnroll},   {Knob::kConsumers, Feature::kConsumers}, {Knob::kRaster, Feature::kRaster},
    {Knob::kSwapAB, Feature::kSwapAB},   {Knob::kCluster, Feature::kCluster},
    {Knob::kSplitScatter, Feature::kSplitScatter},
};
static_assert(std::size(kKnobFeatures) == codegen::kNumKnobs);

// Sketch -> its one-hot feature (the order of the vector is the trained model's, not the rules').
constexpr std::pair<SketchKind, Feature> kSketchFeatures[] = {
    {SketchKind::kGemm, Feature::kSketchGemm},           {SketchKind::kAttention, Feature::kSketchAttention},
    {SketchKind::kRowReduce, Feature::kSketchRowReduce}, {SketchKind::kElementwise, Feature::kSketchElementwise},
    {SketchKind::kGeneric, Feature::kSketchGeneric},     {SketchKind::kGemmSm90, Feature::kSketchGemmSm90},
};
static_assert(std::size(kSketchFeatures) == codegen::kNumSketches);

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
  return codegen::GetSketch(s.kind).MatrixFlops(sp->dims);
}

FeatureVector FeatureExtractor::Extract(const codegen::Sketch& sketch, const codegen::Annotation& a) const {
  FeatureVector f{};
  auto set = [&](Feature k, double v) { f[static_cast<size_t>(k)] = static_cast<float>(v); };
  const codegen::SpaceContext* sp = Space(sketch);
  if (sp == nullptr) return f;
  const double esz = ir::FloatStorageBytes(task_->task.precision);

  for (const auto& [kind, feat] : kSketchFeatures) set(feat, sketch.kind == kind);
  set(Feature::kTensorCores, sketch.tensor_cores);
  set(Feature::kStorageBytes, esz);
  for (const auto& [knob, feat] : kKnobFeatures) set(feat, static_cast<double>(a.get(knob, 0)));

  codegen::ResourceEstimate r = codegen::EstimateResources(*sp, a);
  const double threads = static_cast<double>(std::max<int64_t>(1, r.threads));
  const codegen::SketchFeatures sf = codegen::GetSketch(sketch.kind).Features(*sp, a, {esz, dram_bytes_, threads});
  const double blocks = sf.blocks, global_load = sf.global_load_bytes, smem_read = sf.smem_read_bytes;
  set(Feature::kVectorBytes, sf.vector_bytes);
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
  set(Feature::kPaddingEfficiency, sf.padding_efficiency);
  set(Feature::kKIterations, sf.k_iterations);
  set(Feature::kLogFlopsPerThread, Log2p(flops / (blocks * threads)));
  return f;
}

std::vector<FeatureVector> FeatureExtractor::Extract(const std::vector<codegen::Program>& ps) const {
  std::vector<FeatureVector> out;
  out.reserve(ps.size());
  for (const codegen::Program& p : ps) out.push_back(Extract(p));
  return out;
}

}  // namespace agt::costmodel

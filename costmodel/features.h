// The cost model's input: a fixed-length vector of named features of one program on its task, in
// the spirit of Ansor's per-statement features summed over a program, but computed from the
// sketch's structure directly: work (FLOPs), bytes at each memory level (DRAM, global loads into
// shared memory, shared memory into registers), arithmetic intensities, the knob values, and what
// the launch will look like on the device (threads, warps, blocks, occupancy, waves over the SMs).
// The device enters as data (ir::DeviceInfo), so features need no GPU.
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "codegen/compile.h"
#include "ir/device.h"

namespace agt::costmodel {

// FEATURE(Enum, "name"): the order of the vector.
enum class Feature : uint8_t {
#define AGT_FEATURES(X)                                                                             \
  X(kSketchGemm, "sketch_gemm") X(kSketchAttention, "sketch_attention")                             \
  X(kSketchRowReduce, "sketch_row_reduce") X(kSketchElementwise, "sketch_elementwise")              \
  X(kSketchGeneric, "sketch_generic") X(kSketchGemmSm90, "sketch_gemm_sm90") X(kTensorCores, "tensor_cores") X(kStorageBytes, "storage_bytes") \
  X(kLogFlops, "log2_flops") X(kLogDramBytes, "log2_dram_bytes")                                    \
  X(kLogGlobalLoadBytes, "log2_global_load_bytes") X(kLogSmemReadBytes, "log2_smem_read_bytes")     \
  X(kDramIntensity, "dram_intensity") X(kGlobalIntensity, "global_load_intensity")                  \
  X(kSmemIntensity, "smem_read_intensity")                                                          \
  X(kBlockM, "block_m") X(kBlockN, "block_n") X(kBlockK, "block_k") X(kWarpsM, "warps_m")           \
  X(kWarpsN, "warps_n") X(kThreadM, "thread_m") X(kThreadN, "thread_n") X(kStages, "stages")        \
  X(kSplitK, "split_k") X(kSwizzle, "swizzle") X(kBlockQ, "block_q") X(kBlockKV, "block_kv")        \
  X(kWarps, "warps") X(kRowMode, "row_mode") X(kThreadsKnob, "threads_knob") X(kVector, "vector")   \
  X(kUnroll, "unroll") X(kConsumers, "consumers") X(kRaster, "raster") X(kSwapAB, "swap_ab") X(kCluster, "cluster") X(kSplitScatter, "split_scatter") X(kVectorBytes, "vector_bytes")                                              \
  X(kThreads, "threads_per_block") X(kWarpsPerBlock, "warps_per_block") X(kSmemBytes, "smem_bytes") \
  X(kRegisters, "registers_per_thread") X(kBlocks, "blocks") X(kBlocksPerSm, "blocks_per_sm")       \
  X(kOccupancy, "occupancy") X(kWaves, "waves") X(kWaveEfficiency, "wave_efficiency")               \
  X(kPaddingEfficiency, "padding_efficiency") X(kKIterations, "k_iterations")                       \
  X(kLogFlopsPerThread, "log2_flops_per_thread")
#define AGT_FEATURE_ENUM(e, n) e,
  AGT_FEATURES(AGT_FEATURE_ENUM)
#undef AGT_FEATURE_ENUM
      kCount
};
inline constexpr size_t kNumFeatures = static_cast<size_t>(Feature::kCount);
std::string_view FeatureName(Feature f);

using FeatureVector = std::array<float, kNumFeatures>;
inline float Get(const FeatureVector& v, Feature f) { return v[static_cast<size_t>(f)]; }

// Extracts features of programs of one task; caches what all programs of the task share.
class FeatureExtractor {
 public:
  FeatureExtractor(const codegen::TaskContext& task, ir::DeviceInfo device);
  // Features of `p` (a program of this task). Programs whose sketch does not fit the task get zeros.
  FeatureVector Extract(const codegen::Program& p) const { return Extract(p.sketch, p.annotation); }
  FeatureVector Extract(const codegen::Sketch& s, const codegen::Annotation& a) const;
  std::vector<FeatureVector> Extract(const std::vector<codegen::Program>& ps) const;

  // Task-level quantities (also for the scheduler's FLOP counts).
  double matrix_flops(const codegen::Sketch& s) const;
  double dram_bytes() const { return dram_bytes_; }

 private:
  const codegen::SpaceContext* Space(const codegen::Sketch& s) const;

  const codegen::TaskContext* task_;
  ir::DeviceInfo device_;
  double dram_bytes_ = 0;
  double pointwise_ops_ = 0;   // output elements of the non-GEMM nodes
  std::vector<std::pair<codegen::Sketch, codegen::SpaceContext>> spaces_;
};

}  // namespace agt::costmodel

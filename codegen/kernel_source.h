// What an emitter produces for one program: the CUDA source, its kernel's name and the launch spec
// the runtime needs (grid, block, dynamic shared memory, argument order, workspace). The emitters
// and group analyses, one per sketch, are declared here; each sketch's entry in the sketch table
// (codegen/sketches/) calls them, and EmitKernel / AnalyzeProblem look the sketch up there.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "codegen/program.h"
#include "ir/graph.h"
#include "ir/status.h"

namespace agt::codegen {

// How to launch a compiled program. Arguments, in order: one device pointer per group input (the
// group graph's inputs, in order), one per group output, then, when workspace_bytes > 0, one pointer
// to a workspace of that many bytes that must be zero-filled before the first launch (the kernel
// leaves it zeroed again, so it can be reused launch after launch without a memset). Every pointer
// must be 16-byte aligned.
// A kernel whose parameter list is not the default one says it argument by argument (LaunchSpec::args).
enum class LaunchArgKind : uint8_t {
  kInput = 0,      // device pointer: group input #value
  kOutput = 1,     // device pointer: group output #value
  kWorkspace = 2,  // device pointer: the workspace (LaunchSpec::workspace_bytes)
  kTensorMap = 3,  // a CUtensorMap by value (128 bytes, __grid_constant__): LaunchSpec::tensor_maps[value]
  kNull = 4,       // a null pointer (an operand the configuration does not use)
  kI32 = 5,        // a 32-bit integer: value
};
struct LaunchArg {
  LaunchArgKind kind = LaunchArgKind::kInput;
  int64_t value = 0;
  bool operator==(const LaunchArg&) const = default;
};

// A TMA tensor map over a group input, seen as a row-major 2-D tensor (runtime/tensor_map.h): encoded
// when the buffer's address is known (the artifact at load, the tuner's worker per measurement).
struct TensorMapOperand {
  int input = 0;                    // the group input whose buffer the map reads
  uint64_t offset_bytes = 0;        // where the tensor starts in that buffer
  int element = 6;                  // CUtensorMapDataType: 6 f16, 7 f32, 9 bf16
  uint64_t rows = 0, cols = 0;
  uint64_t row_stride_bytes = 0;
  uint32_t box_rows = 0, box_cols = 0;   // box_cols innermost
  int swizzle = 3;                  // CUtensorMapSwizzle: 3 = 128 bytes
  bool operator==(const TensorMapOperand&) const = default;
};

struct LaunchSpec {
  std::string kernel_name;
  std::array<uint32_t, 3> grid{1, 1, 1};
  std::array<uint32_t, 3> block{1, 1, 1};
  // The caller sets the function's CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES to this value
  // before launching whenever it is non-zero (a kernel's few static bytes count against 48 KB too).
  uint32_t dynamic_smem_bytes = 0;
  int num_inputs = 0;
  int num_outputs = 0;
  uint64_t workspace_bytes = 0;
  // Bytes at the workspace's start that need no zeroing (scratch the kernel writes before it reads:
  // the Hopper core's fp32 partials); only the rest (its counters) is zero-filled.
  uint64_t workspace_scratch_bytes = 0;
  // Empty: the default parameter list above. Otherwise the kernel's parameters, in order.
  std::vector<LaunchArg> args;
  std::vector<TensorMapOperand> tensor_maps;
  // Programmatic dependent launch (sm_90+): every thread of the kernel executes griddepcontrol.wait
  // (agt_grid_wait) before it touches memory that another kernel writes, and launch_dependents right
  // after, so the kernel may be launched with programmatic stream serialization: it starts while its
  // predecessor finishes, and runs its set-up (barriers, tensor-map prefetch) under that tail.
  bool programmatic = false;
  // Group inputs the kernel reads before its wait (the Hopper core's first weight tiles): a launch may
  // be programmatic only where each of them is a buffer no kernel writes (the weights).
  std::vector<int> pre_wait_inputs;
  // The kernel's CTAs wait on each other (the Hopper core's reduce-scatter split-K): the whole grid must
  // be resident at once (one CTA per SM), so a GPU with fewer SMs than the grid must refuse the launch
  // (runtime::CoResidentFits) rather than hang.
  bool co_resident = false;
};

struct KernelSource {
  std::string source;
  LaunchSpec launch;
  // Compiled for the arch-specific target ("sm_90" -> "sm_90a": wgmma, setmaxnreg); such a cubin runs
  // only on exactly that compute capability.
  bool arch_specific = false;
};

// The parameters of `l` in order: its args, or the default list spelled out.
std::vector<LaunchArg> LaunchArgs(const LaunchSpec& l);

// The sizes a sketch's search space depends on.
struct ProblemDims {
  int64_t batch = 1, m = 0, n = 0, k = 0;                 // GEMM (batch: flattened batch dims)
  bool b_k_contiguous = false;                            // GEMM: B is read along K (transposed)
  bool implicit_conv = false;                             // GEMM: A is a convolution's gathered input (Hopper core)
  bool norm_prologue = false;                             // GEMM: A's rows layer-normalised in the kernel (Hopper core)
  int64_t q_len = 0, kv_len = 0, head_dim = 0, v_dim = 0; // attention (batch: heads x batch)
  int64_t rows = 0, row_len = 0;                          // row reduction
  int num_reductions = 0;
  int64_t elements = 0;                                   // largest output, in elements
};

// Checks that `kind` fits the group and returns the sizes its search space needs.
Expected<ProblemDims> AnalyzeProblem(const ir::Graph& g, SketchKind kind);

// The group analyses of the sketches (emit_*.cpp), each also the first check of its emitter.
Expected<ProblemDims> AnalyzeGemm(const ir::Graph& g);
Expected<ProblemDims> AnalyzeAttention(const ir::Graph& g);
Expected<ProblemDims> AnalyzeRowReduce(const ir::Graph& g);
// Element-wise/injective ops only, unless `generic`.
Expected<ProblemDims> AnalyzePointwise(const ir::Graph& g, bool generic);
// Whether rows of `row_len` elements, `num_reductions` of them per row, fit in the registers of
// `threads_per_row` threads (the row-reduction emitter's limit).
Status RowReduceFits(int64_t row_len, int64_t num_reductions, int64_t threads_per_row);

// How the GEMM sketch stages each operand into shared memory: by 16-byte cp.async straight from
// the group input (an aligned affine view with innermost stride 1), or element by element through
// the loader that evaluates prologue ops and index arithmetic in registers. The second is the slow
// path: at ViT-B's shapes on an H200 the same Linear measured 2.6x (a head-merging transpose in
// front) to 3.5x (a GELU in front) slower, tuned, than with its operand staged directly.
struct GemmStaging {
  bool a_async = false;
  bool a_conv_async = false;   // conv2d_nhwc: A's 16-byte channel runs gathered by cp.async (zero-filled padding)
  bool b_async = false;
};
Expected<GemmStaging> AnalyzeGemmStaging(const ir::Graph& g, Precision precision);

Expected<KernelSource> EmitGemm(const ir::Graph& g, const Program& p);
Expected<KernelSource> EmitAttention(const ir::Graph& g, const Program& p);
Expected<KernelSource> EmitRowReduce(const ir::Graph& g, const Program& p);
Expected<KernelSource> EmitElementwise(const ir::Graph& g, const Program& p);
Expected<KernelSource> EmitGeneric(const ir::Graph& g, const Program& p);
// The emitter of p.sketch.kind's entry in the sketch table.
Expected<KernelSource> EmitKernel(const ir::Graph& g, const Program& p);

// The comment block every kernel starts with: task (ops and shapes), precision, sketch, annotation.
std::string KernelHeader(const ir::Graph& g, const Program& p);

}  // namespace agt::codegen

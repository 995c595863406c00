// What an emitter produces for one program: the CUDA source, its kernel's name and the launch spec
// the runtime needs (grid, block, dynamic shared memory, argument order, workspace). The emitters
// and group analyses, one per sketch, are declared here; each sketch's entry in the sketch table
// (codegen/sketches/) calls them, and EmitKernel / AnalyzeProblem look the sketch up there.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "codegen/program.h"
#include "ir/graph.h"
#include "ir/status.h"

namespace agt::codegen {

// How to launch a compiled program. Arguments, in order: one device pointer per group input (the
// group graph's inputs, in order), one per group output, then, when workspace_bytes > 0, one pointer
// to a workspace of that many bytes that must be zero-filled before the first launch (the kernel
// leaves it zeroed again, so it can be reused launch after launch without a memset). Every pointer
// must be 16-byte aligned.
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
};

struct KernelSource {
  std::string source;
  LaunchSpec launch;
};

// The sizes a sketch's search space depends on.
struct ProblemDims {
  int64_t batch = 1, m = 0, n = 0, k = 0;                 // GEMM (batch: flattened batch dims)
  bool b_k_contiguous = false;                            // GEMM: B is read along K (transposed)
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

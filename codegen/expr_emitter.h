// The expression emitter: turns the nodes of a group graph into CUDA expressions, so that every
// kernel's prologue and epilogue are generated from the group's IR, not from a list of patterns.
//
// Two forms:
//   - loaders: for a value V of rank r, a device function `ld_vN(P, i0, .., ir-1)` that returns V at
//     that index, computed from the loaders of its operands (element-wise ops compose, injective ops
//     map the index, reductions and products loop). Every op of the table has a loader, so any group
//     can be computed element by element (the generic sketch), and the fast sketches use loaders for
//     the operands they do not hold in registers (bias, residual, mask, ...).
//   - local chains: given values already held in registers at a known index (a GEMM accumulator, a
//     row statistic), statements that compute the element-wise / reshape / transpose consumers of
//     those values at the matching index, up to the values to store.
// Pointers travel in a `Params` struct built at kernel entry from the kernel's parameters (group
// inputs, then outputs), passed by reference to the inlined loaders.
#pragma once

#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "codegen/cuda_writer.h"
#include "codegen/program.h"
#include "ir/graph.h"
#include "ir/status.h"

namespace agt::codegen {

// A value already computed in a register: its variable and the index (one expression per dim) it
// holds. `uniform`: the variable holds the value for every index the current code touches (a per-row
// statistic broadcast over the row).
struct BoundValue {
  std::string var;
  std::vector<std::string> idx;
  bool uniform = false;
};
using BoundMap = std::map<const ir::Value*, BoundValue>;

class ExprEmitter {
 public:
  ExprEmitter(const ir::Graph& g, Precision p) : g_(g), precision_(p) {}

  // Includes, the storage typedef `st_t`, conversions and math helpers shared by every kernel.
  static std::string Prelude(Precision p);

  // `struct Params {...};` with one pointer per group input and output.
  void EmitParamsStruct(CudaWriter& w) const;
  // The kernel's parameter list for the inputs and outputs, in launch order.
  std::string KernelParams() const;
  // `Params P{in0, .., out0, ..};`
  std::string ParamsInit() const;

  // C type of a value in registers ("float", "long long", "bool") and in device memory.
  std::string RegType(const ir::Value* v) const;
  std::string StorageType(const ir::Value* v) const;
  // Storage type of float values at this precision ("float", "__half", "__nv_bfloat16").
  std::string FloatStorage() const;

  // Marks `v` (and what it needs) as needing a loader; EmitLoaders writes them all.
  void Require(const ir::Value* v);
  Status EmitLoaders(CudaWriter& w);
  std::string LoadCall(const ir::Value* v, const std::vector<std::string>& idx);

  // Statement storing `value` into group output #k at row-major `flat`.
  std::string StoreStmt(size_t k, const std::string& flat, const std::string& value) const;
  // Flat row-major offset expression of an index in `shape`.
  static std::string Ravel(const std::vector<std::string>& idx, const ir::Shape& shape);
  // Index expressions of flat offset `flat` in `shape`.
  static std::vector<std::string> Unravel(const std::string& flat, const ir::Shape& shape);
  // The operand's index for an output index under numpy broadcasting.
  static std::vector<std::string> BroadcastIndex(const ir::Shape& operand, const ir::Shape& out,
                                                 const std::vector<std::string>& out_idx);

  // The expression of an element-wise or broadcast node applied to operand expressions (already in
  // register types). Errors for other patterns.
  Expected<std::string> ElementExpr(const ir::Node& n, const std::vector<std::string>& operands) const;

  // Emits statements that compute `targets` from the bound values (see BoundValue), binding every
  // value computed on the way; operands that do not depend on bound values are read through loaders.
  // Supported consumers: element-wise and broadcast ops, reshape, transpose. An error names the node
  // that does not fit (sketch rules use a dry run on a scratch writer to decide).
  // `iteration`: when the code walks an index space (a row kernel's (row, j)), its shape and index,
  // for element-wise results whose only per-element operands are read through loaders.
  struct Iteration {
    ir::Shape shape;
    std::vector<std::string> idx;
  };
  Status EmitLocalChain(CudaWriter& w, BoundMap& bound, std::span<const ir::Value* const> targets,
                        const Iteration* iteration = nullptr);

  // Index of `v` among the graph outputs (all positions), or empty.
  std::vector<size_t> OutputSlots(const ir::Value* v) const;
  int InputIndex(const ir::Value* v) const;
  const ir::Graph& graph() const { return g_; }
  Precision precision() const { return precision_; }
  // The loaders' index type, `agt_ix` in the emitted source (EmitLoaders defines it): int when every
  // tensor of the group has fewer than kNarrowIndexLimit elements, so that the index arithmetic (the
  // divisions and remainders of reshapes, resizes and transposes) runs in 32 bits; long long otherwise.
  static constexpr int64_t kNarrowIndexLimit = int64_t{1} << 30;
  const char* IndexType() const;

 private:
  Status EmitLoader(CudaWriter& w, const ir::Value* v);
  Status EmitNodeLoaderBody(CudaWriter& w, const ir::Node& n, const ir::Value* v, const std::vector<std::string>& idx);
  Status EmitLoopLoaderBody(CudaWriter& w, const ir::Node& n, const ir::Value* v, const std::vector<std::string>& idx);
  // Cubic resize, top-k and scatter-nd: loaders that select or weigh several elements per output
  // element (expr_emitter_select.cpp).
  Status EmitSelectLoaderBody(CudaWriter& w, const ir::Node& n, const ir::Value* v, const std::vector<std::string>& idx);
  std::string Name(const ir::Value* v) const { return fmt::format("v{}", v->id()); }
  std::string Literal(const ir::Value* v, int64_t i) const;

  const ir::Graph& g_;
  Precision precision_;
  std::set<int64_t> required_;     // value ids needing a loader
  std::set<int64_t> emitted_;
};

// True when `v` is computed (transitively) from any of `sources`.
bool DependsOn(const ir::Value* v, const std::set<const ir::Value*>& sources);

}  // namespace agt::codegen

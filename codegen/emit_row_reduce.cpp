// The row-reduction sketch: softmax, layer_norm and reduce_* over the trailing axes of one input
// shape, with element-wise chains before, between and after them. A row is held by a warp
// (row_mode 0, `warps` rows per block) or by a whole block (row_mode 1); each thread keeps its
// ceil(len / threads) elements of every reduction's input in registers, so the statistics (max and
// sum of exponentials, mean and variance) are two passes over registers in fp32, never over memory,
// and the outputs are computed from the same registers.
#include <algorithm>

#include "codegen/expr_emitter.h"
#include "codegen/ptx/grid_dependency.h"
#include "codegen/kernel_source.h"

namespace agt::codegen {

using ir::Node;
using ir::OpKind;
using ir::Value;

namespace {

struct RowPlan {
  std::vector<const Node*> reductions;
  ir::Shape xs;
  size_t axis = 0;
  int64_t rows = 1, len = 1;
};

int64_t AxisOf(const Node& n, size_t rank) {
  int64_t a = n.attrs().i(ir::AttrKey::kAxis);
  return a < 0 ? a + static_cast<int64_t>(rank) : a;
}

bool IsRowReduction(OpKind k) {
  return k == OpKind::kSoftmax || k == OpKind::kLayerNorm || k == OpKind::kReduceSum || k == OpKind::kReduceMean ||
         k == OpKind::kReduceMax;
}

Expected<RowPlan> PlanRows(const ir::Graph& g) {
  RowPlan p;
  bool first = true;
  for (const auto& np : g.nodes()) {
    const Node& n = *np;
    if (!IsRowReduction(n.op())) {
      ir::OpPattern pt = n.pattern();
      if (pt != ir::OpPattern::kElemWise && pt != ir::OpPattern::kBroadcast && pt != ir::OpPattern::kInjective) {
        return Status::Errorf("{} does not fit a row reduction", n.Describe());
      }
      continue;
    }
    const ir::Shape& xs = n.input(0)->shape();
    if (!ir::IsFloat(n.input(0)->dtype())) return Status::Errorf("{} reduces integers", n.Describe());
    size_t r = xs.size();
    int64_t a;
    if (n.op() == OpKind::kSoftmax) {
      a = AxisOf(n, r);
      if (a != static_cast<int64_t>(r) - 1) return Status::Errorf("{} is not over the last axis", n.Describe());
    } else if (n.op() == OpKind::kLayerNorm) {
      a = AxisOf(n, r);
    } else {
      const std::vector<int64_t>& axes = n.attrs().ints(ir::AttrKey::kAxes);
      std::vector<bool> mask(r, axes.empty());
      for (int64_t x : axes) mask[x < 0 ? x + static_cast<int64_t>(r) : x] = true;
      a = static_cast<int64_t>(r);
      while (a > 0 && mask[a - 1]) --a;
      for (int64_t d = 0; d < a; ++d) {
        if (mask[d]) return Status::Errorf("{} does not reduce trailing axes only", n.Describe());
      }
      if (a == static_cast<int64_t>(r)) return Status::Errorf("{} reduces nothing", n.Describe());
    }
    if (first) {
      p.xs = xs;
      p.axis = static_cast<size_t>(a);
      first = false;
    } else if (xs != p.xs || static_cast<size_t>(a) != p.axis) {
      return Status::Errorf("{} reduces other rows than the group's first reduction", n.Describe());
    }
    p.reductions.push_back(&n);
  }
  if (p.reductions.empty()) return Status::Error("no row reduction in the group");
  for (size_t d = 0; d < p.xs.size(); ++d) (d < p.axis ? p.rows : p.len) *= p.xs[d];
  return p;
}

}  // namespace

Expected<ProblemDims> AnalyzeRowReduce(const ir::Graph& g) {
  AGT_ASSIGN_OR_RETURN(RowPlan p, PlanRows(g));
  ProblemDims d;
  d.rows = p.rows;
  d.row_len = p.len;
  d.num_reductions = static_cast<int>(p.reductions.size());
  for (const Value* o : g.outputs()) d.elements = std::max(d.elements, o->type().num_elements());
  return d;
}

Status RowReduceFits(int64_t row_len, int64_t num_reductions, int64_t threads_per_row) {
  int64_t items = (row_len + threads_per_row - 1) / threads_per_row;
  if (items * num_reductions > 128) {
    return Status::Errorf("rows of {} do not fit in registers with {} threads per row", row_len, threads_per_row);
  }
  return Status::Ok();
}

Expected<KernelSource> EmitRowReduce(const ir::Graph& g, const Program& prog) {
  AGT_ASSIGN_OR_RETURN(RowPlan p, PlanRows(g));
  int64_t warps = prog.annotation.get(Knob::kWarps, 4);
  bool block_mode = prog.annotation.get(Knob::kRowMode, 0) == 1;
  if (warps < 1 || warps > 32) return Status::Error("warps out of range");
  int64_t T = block_mode ? warps * 32 : 32;
  int64_t items = (p.len + T - 1) / T;
  int64_t nred = static_cast<int64_t>(p.reductions.size());
  AGT_RETURN_IF_ERROR(RowReduceFits(p.len, nred, T));
  ExprEmitter e(g, prog.task.precision);
  std::set<const Value*> red_outs;
  for (const Node* r : p.reductions) red_outs.insert(r->output(0));
  ir::Shape row_shape(p.xs.begin(), p.xs.begin() + static_cast<int64_t>(p.axis));
  ir::Shape tail_shape(p.xs.begin() + static_cast<int64_t>(p.axis), p.xs.end());
  std::vector<std::string> ridx = ExprEmitter::Unravel("row", row_shape);
  std::vector<std::string> full = ridx, tidx = ExprEmitter::Unravel("j", tail_shape);
  full.insert(full.end(), tidx.begin(), tidx.end());
  ExprEmitter::Iteration iteration{p.xs, full};

  CudaWriter k;
  std::string name = "agt_row_reduce";
  k.Linef("extern \"C\" __global__ void __launch_bounds__({}) {}({})", warps * 32, name, e.KernelParams());
  k.Open("");
  EmitGridDependencyEntry(k);
  k.Line(e.ParamsInit());
  k.Linef("constexpr int T = {}, ITEMS = {};", T, items);
  k.Linef("constexpr long long LEN = {};", p.len);
  if (block_mode) {
    k.Line("const long long row = blockIdx.x;");
    k.Line("const int tr = threadIdx.x;");
    k.Line("__shared__ float red_sh[33];");
  } else {
    k.Linef("const long long row = (long long)blockIdx.x * {} + (threadIdx.x >> 5);", warps);
    k.Line("const int tr = threadIdx.x & 31;");
    k.Linef("if (row >= {}LL) return;", p.rows);
  }
  auto reduce = [&](const std::string& var, bool is_max) {
    std::string op = is_max ? "agt_max({0}, __shfl_xor_sync(0xffffffffu, {0}, o))" : "{0} + __shfl_xor_sync(0xffffffffu, {0}, o)";
    k.Linef("for (int o = 16; o > 0; o >>= 1) {} = {};", var, fmt::format(fmt::runtime(op), var));
    if (block_mode) {
      k.Line("__syncthreads();");
      k.Linef("if ((threadIdx.x & 31) == 0) red_sh[threadIdx.x >> 5] = {};", var);
      k.Line("__syncthreads();");
      k.Open("if (threadIdx.x < 32)");
      k.Linef("float r = threadIdx.x < {} ? red_sh[threadIdx.x] : {};", warps, is_max ? "-AGT_INF" : "0.0f");
      k.Linef("for (int o = 16; o > 0; o >>= 1) r = {};", fmt::format(fmt::runtime(op), "r"));
      k.Line("if (threadIdx.x == 0) red_sh[32] = r;");
      k.Close();
      k.Line("__syncthreads();");
      k.Linef("{} = red_sh[32];", var);
    }
  };
  // Binds, inside an element loop (j, it), the values of the reductions already finished.
  auto bind_finished = [&](size_t upto, BoundMap& bound) {
    for (size_t r = 0; r < upto; ++r) {
      const Node& n = *p.reductions[r];
      const Value* out = n.output(0);
      std::string y = fmt::format("y{}", r);
      if (n.op() == OpKind::kSoftmax) {
        k.Linef("const float {} = expf(x{}[it] - mx{}) * inv{};", y, r, r, r);
        bound[out] = BoundValue{y, full, false};
      } else if (n.op() == OpKind::kLayerNorm) {
        std::string scale = n.num_inputs() > 1 ? e.LoadCall(n.input(1), tidx) : "1.0f";
        std::string bias = n.num_inputs() > 2 ? e.LoadCall(n.input(2), tidx) : "0.0f";
        k.Linef("const float {} = (x{}[it] - mean{}) * rstd{} * {} + {};", y, r, r, r, scale, bias);
        bound[out] = BoundValue{y, full, false};
      } else {
        std::vector<std::string> idx = ridx;
        for (size_t d = ridx.size(); d < out->shape().size(); ++d) idx.push_back("0");
        bound[out] = BoundValue{fmt::format("red{}", r), idx, true};
      }
    }
  };
  for (size_t r = 0; r < p.reductions.size(); ++r) {
    const Node& n = *p.reductions[r];
    k.Comment(fmt::format("{}: gather its input over the row into registers", n.op_name()));
    k.Linef("float x{}[ITEMS];", r);
    k.Line("#pragma unroll");
    k.Open("for (int it = 0; it < ITEMS; ++it)");
    k.Line("const long long j = (long long)it * T + tr;");
    k.Open("if (j < LEN)");
    const Value* in = n.input(0);
    if (DependsOn(in, red_outs)) {
      BoundMap bound;
      bind_finished(r, bound);
      std::vector<const Value*> t = {in};
      AGT_RETURN_IF_ERROR(e.EmitLocalChain(k, bound, t, &iteration));
      const BoundValue& b = bound.at(in);
      if (b.uniform) return Status::Errorf("{} reduces a per-row value", n.Describe());
      k.Linef("x{}[it] = {};", r, b.var);
    } else {
      k.Linef("x{}[it] = {};", r, e.LoadCall(in, full));
    }
    k.Close();
    k.Linef("else x{}[it] = {};", r, n.op() == OpKind::kSoftmax || n.op() == OpKind::kReduceMax ? "-AGT_INF" : "0.0f");
    k.Close();
    if (n.op() == OpKind::kSoftmax || n.op() == OpKind::kReduceMax) {
      k.Linef("float mx{} = -AGT_INF;", r);
      k.Line("#pragma unroll");
      k.Linef("for (int it = 0; it < ITEMS; ++it) mx{0} = agt_max(mx{0}, x{0}[it]);", r);
      reduce(fmt::format("mx{}", r), true);
      if (n.op() == OpKind::kSoftmax) {
        k.Linef("float inv{} = 0.0f;", r);
        k.Line("#pragma unroll");
        k.Linef("for (int it = 0; it < ITEMS; ++it) if ((long long)it * T + tr < LEN) inv{0} += expf(x{0}[it] - mx{0});", r);
        reduce(fmt::format("inv{}", r), false);
        k.Linef("inv{0} = 1.0f / inv{0};", r);
      } else {
        k.Linef("const float red{0} = mx{0};", r);
      }
    } else {
      k.Linef("float sum{} = 0.0f;", r);
      k.Line("#pragma unroll");
      k.Linef("for (int it = 0; it < ITEMS; ++it) sum{0} += x{0}[it];", r);
      reduce(fmt::format("sum{}", r), false);
      if (n.op() == OpKind::kLayerNorm) {
        k.Linef("const float mean{0} = sum{0} / (float)LEN;", r);
        k.Linef("float var{} = 0.0f;", r);
        k.Line("#pragma unroll");
        k.Linef("for (int it = 0; it < ITEMS; ++it) if ((long long)it * T + tr < LEN) {{ float d = x{0}[it] - mean{0}; var{0} += d * d; }}", r);
        reduce(fmt::format("var{}", r), false);
        double eps = n.attrs().f(ir::AttrKey::kEpsilon);
        k.Linef("const float rstd{0} = 1.0f / sqrtf(var{0} / (float)LEN + {1:#.9g}f);", r, eps);
      } else if (n.op() == OpKind::kReduceMean) {
        k.Linef("const float red{0} = sum{0} / (float)LEN;", r);
      } else {
        k.Linef("const float red{0} = sum{0};", r);
      }
    }
  }
  // Outputs: per-element ones in the element loop, per-row ones once per row.
  k.Comment("outputs");
  k.Line("#pragma unroll");
  k.Open("for (int it = 0; it < ITEMS; ++it)");
  k.Line("const long long j = (long long)it * T + tr;");
  k.Open("if (j < LEN)");
  BoundMap bound;
  bind_finished(p.reductions.size(), bound);
  std::vector<const Value*> targets;
  for (const Value* o : g.outputs()) {
    if (DependsOn(o, red_outs)) targets.push_back(o);
  }
  AGT_RETURN_IF_ERROR(e.EmitLocalChain(k, bound, targets, &iteration));
  std::vector<size_t> uniform_outputs;
  for (size_t j = 0; j < g.outputs().size(); ++j) {
    const Value* o = g.outputs()[j];
    if (!DependsOn(o, red_outs)) {
      if (o->shape() != p.xs) return Status::Errorf("output {} is not over the reduced rows", o->name());
      k.Line(e.StoreStmt(j, "row * LEN + j", e.LoadCall(o, full)));
      continue;
    }
    const BoundValue& b = bound.at(o);
    if (b.uniform) {
      uniform_outputs.push_back(j);
      continue;
    }
    k.Line(e.StoreStmt(j, ExprEmitter::Ravel(b.idx, o->shape()), b.var));
  }
  k.Close();
  k.Close();
  if (!uniform_outputs.empty()) {
    k.Open("if (tr == 0)");
    std::vector<std::string> zero_j = ridx;
    BoundMap ub;
    for (size_t r = 0; r < p.reductions.size(); ++r) {
      const Node& n = *p.reductions[r];
      if (n.op() == OpKind::kSoftmax || n.op() == OpKind::kLayerNorm) continue;
      std::vector<std::string> idx = ridx;
      for (size_t d = ridx.size(); d < n.output(0)->shape().size(); ++d) idx.push_back("0");
      ub[n.output(0)] = BoundValue{fmt::format("red{}", r), idx, true};
    }
    std::vector<const Value*> ut;
    for (size_t j : uniform_outputs) ut.push_back(g.outputs()[j]);
    AGT_RETURN_IF_ERROR(e.EmitLocalChain(k, ub, ut));
    for (size_t j : uniform_outputs) {
      const BoundValue& b = ub.at(g.outputs()[j]);
      k.Line(e.StoreStmt(j, ExprEmitter::Ravel(b.idx, g.outputs()[j]->shape()), b.var));
    }
    k.Close();
  }
  k.Close();

  CudaWriter w;
  w.Raw(KernelHeader(g, prog));
  w.Raw(ExprEmitter::Prelude(prog.task.precision));
  e.EmitParamsStruct(w);
  AGT_RETURN_IF_ERROR(e.EmitLoaders(w));
  w.Raw(k.str());
  KernelSource ks;
  ks.source = w.str();
  ks.launch.kernel_name = name;
  ks.launch.programmatic = true;   // EmitGridDependencyEntry at the kernel's start
  int64_t blocks = block_mode ? p.rows : (p.rows + warps - 1) / warps;
  ks.launch.grid = {static_cast<uint32_t>(std::max<int64_t>(1, blocks)), 1, 1};
  ks.launch.block = {static_cast<uint32_t>(warps * 32), 1, 1};
  ks.launch.num_inputs = static_cast<int>(g.inputs().size());
  ks.launch.num_outputs = static_cast<int>(g.outputs().size());
  return ks;
}

}  // namespace agt::codegen

// The fused attention sketch (the paper's BMM-softmax-BMM rule): S = Q K^T, an element-wise score
// path (scale, mask, bias), softmax over the keys, O = P V, and O's element-wise / reshape /
// transpose consumers, in one kernel where the scores never reach memory. Flash-attention style:
// a block takes `block_q` queries of one (batch, head), walks the keys in tiles of `block_kv` staged
// in shared memory, and keeps each query's running max, running sum and output accumulator in
// registers (online softmax; one warp per query row, lanes split the keys for the scores and the
// value dims for P V). Any head dim and sequence length: tiles are predicated at the edges.
// This is the exact-fp32 sketch; at tf32/fp16/bf16 the tensor-core sketch (emit_attention_mma.cpp)
// comes first. Both share the group analysis and the generated device functions defined here.
#include "codegen/emit_attention.h"
#include "codegen/ptx/grid_dependency.h"

#include <algorithm>

namespace agt::codegen {

using ir::Node;
using ir::OpKind;
using ir::Value;

namespace {
// where(is_nan(x), 0, x): a NaN-to-zero guard over x.
bool IsNanGuard(const Node& n) {
  if (n.op() != OpKind::kWhere || n.num_inputs() != 3) return false;
  const Node* c = n.input(0)->producer();
  const Value* zero = n.input(1);
  if (c == nullptr || c->op() != OpKind::kIsNaN || c->input(0) != n.input(2)) return false;
  if (!zero->is_constant() || zero->type().num_elements() != 1 || zero->data().GetF32(0) != 0.0f) return false;
  return n.input(2)->shape() == n.output(0)->shape();
}
}  // namespace

Expected<AttnPlan> PlanAttention(const ir::Graph& g) {
  AttnPlan p;
  std::vector<const Node*> mms;
  for (const auto& n : g.nodes()) {
    if (n->op() == OpKind::kMatMul) mms.push_back(n.get());
    else if (n->op() == OpKind::kSoftmax) {
      if (p.softmax != nullptr) return Status::Error("more than one softmax");
      p.softmax = n.get();
    } else if (n->pattern() != ir::OpPattern::kElemWise && n->pattern() != ir::OpPattern::kBroadcast &&
               n->pattern() != ir::OpPattern::kInjective) {
      return Status::Errorf("{} does not fit the attention sketch", n->Describe());
    }
  }
  if (mms.size() != 2 || p.softmax == nullptr) return Status::Error("attention needs two matmuls and a softmax");
  p.qk = mms[0];
  p.pv = mms[1];
  const Value* s = p.qk->output(0);
  const ir::Shape& ss = s->shape();
  if (ss.size() < 2 || p.qk->input(0)->shape().size() < 2 || p.qk->input(1)->shape().size() < 2 ||
      p.pv->input(1)->shape().size() < 2) {
    return Status::Error("attention operands must be at least 2-D");
  }
  const Value* sm_in = p.softmax->input(0);
  if (p.softmax->output(0)->shape().size() != ss.size()) return Status::Error("softmax rank differs from the scores");
  int64_t axis = p.softmax->attrs().i(ir::AttrKey::kAxis);
  if (axis < 0) axis += static_cast<int64_t>(ss.size());
  if (axis != static_cast<int64_t>(ss.size()) - 1) return Status::Error("softmax is not over the keys");
  if (sm_in->shape() != ss || !DependsOn(sm_in, {s})) return Status::Error("softmax does not read the scores");
  // P V's left operand: the probabilities, through identity or f32 casts only (the normalisation is
  // applied at the end, which only commutes with such ops).
  const Value* pin = p.pv->input(0);
  while (pin != p.softmax->output(0)) {
    const Node* n = pin->producer();
    if (n != nullptr && IsNanGuard(*n) && !p.nan_guard) {
      p.nan_guard = true;
      pin = n->input(2);
      continue;
    }
    if (n == nullptr || !(n->op() == OpKind::kIdentity || (n->op() == OpKind::kCast && pin->dtype() == ir::DType::kF32))) {
      return Status::Error("the probabilities pass through ops other than identity (or a NaN-to-zero guard) before P V");
    }
    pin = n->input(0);
  }
  if (DependsOn(p.pv->input(1), {s}) || DependsOn(p.qk->input(0), {s})) return Status::Error("V or Q depends on the scores");
  p.batch_shape.assign(ss.begin(), ss.end() - 2);
  const ir::Shape& os = p.pv->output(0)->shape();
  if (ir::Shape(os.begin(), os.end() - 2) != p.batch_shape) return Status::Error("P V broadcasts beyond the scores' batch");
  p.batch = ir::NumElements(p.batch_shape);
  p.mq = ss[ss.size() - 2];
  p.nk = ss.back();
  p.d = p.qk->input(0)->shape().back();
  p.dv = os.back();
  if (p.d > 256 || p.dv > 256) return Status::Error("head dims above 256");
  return p;
}

namespace {

// `ld(P, bz, r, c)` for operand `v` of a batched product whose batch is `batch_shape`.
void EmitOperand(CudaWriter& w, ExprEmitter& e, const std::string& fn, const Value* v, const ir::Shape& batch_shape) {
  const ir::Shape& s = v->shape();
  ir::Shape vb(s.begin(), s.end() - 2);
  std::vector<std::string> bidx = ExprEmitter::BroadcastIndex(vb, batch_shape, ExprEmitter::Unravel("bz", batch_shape));
  w.Open(fmt::format("__device__ __forceinline__ float {}(const Params& P, long long bz, long long r, long long c)", fn));
  w.Line("(void)bz;");
  // A view of a group input, or one times a one-element value (the q or k scaling that exporters
  // put before QK^T), is read straight from memory, with no index arithmetic per element.
  const Value* viewed = v;
  std::string scale;
  if (const ir::Node* n = v->producer(); n != nullptr && n->op() == OpKind::kMul) {
    for (int side = 0; side < 2 && scale.empty(); ++side) {
      const Value* other = n->input(1 - side);
      if (other->type().num_elements() == 1 && n->input(side)->shape() == s && AffineOf(e.graph(), n->input(side))) {
        viewed = n->input(side);
        scale = fmt::format(" * ({})", e.LoadCall(other, std::vector<std::string>(other->shape().size(), "0")));
      }
    }
  }
  auto view = AffineOf(e.graph(), viewed);
  if (view) {
    std::string off = fmt::format("{}LL", view->offset);
    for (size_t d = 0; d < vb.size(); ++d) {
      if (vb[d] != 1 && view->strides[d] != 0) off += fmt::format(" + ({}) * {}LL", bidx[d], view->strides[d]);
    }
    w.Linef("return agt_f(P.in{}[{} + r * {}LL + c * {}LL]){};", view->input, off, view->strides[s.size() - 2],
            view->strides[s.size() - 1], scale);
  } else {
    bidx.push_back("r");
    bidx.push_back("c");
    w.Linef("return {};", e.LoadCall(v, bidx));
  }
  w.Close();
}

}  // namespace

Expected<ProblemDims> AnalyzeAttention(const ir::Graph& g) {
  AGT_ASSIGN_OR_RETURN(AttnPlan p, PlanAttention(g));
  ProblemDims d;
  d.batch = p.batch;
  d.q_len = p.mq;
  d.kv_len = p.nk;
  d.head_dim = p.d;
  d.v_dim = p.dv;
  return d;
}

Status EmitAttentionDeviceFunctions(CudaWriter& body, ExprEmitter& e, const AttnPlan& p) {
  const ir::Graph& g = e.graph();
  EmitOperand(body, e, "attn_q", p.qk->input(0), p.batch_shape);
  EmitOperand(body, e, "attn_kt", p.qk->input(1), p.batch_shape);
  EmitOperand(body, e, "attn_v", p.pv->input(1), p.batch_shape);
  std::vector<std::string> sidx = ExprEmitter::Unravel("bz", p.batch_shape);
  // Score path: S at (bz, q, key) -> softmax input.
  body.Open("__device__ __forceinline__ float attn_score(const Params& P, long long bz, long long q, long long key, float s)");
  body.Line("(void)bz;");
  {
    BoundMap bound;
    std::vector<std::string> idx = sidx;
    idx.push_back("q");
    idx.push_back("key");
    bound[p.qk->output(0)] = BoundValue{"s", idx, false};
    std::vector<const Value*> t = {p.softmax->input(0)};
    AGT_RETURN_IF_ERROR(e.EmitLocalChain(body, bound, t));
    const BoundValue& b = bound.at(p.softmax->input(0));
    if (b.idx != idx) return Status::Error("the score path re-indexes the scores");
    body.Linef("return {};", b.var);
  }
  body.Close();
  body.Open("__device__ __forceinline__ void attn_epilogue(const Params& P, long long bz, long long q, long long c, float acc)");
  body.Line("(void)bz;");
  {
    BoundMap bound;
    std::vector<std::string> idx = sidx;
    idx.push_back("q");
    idx.push_back("c");
    bound[p.pv->output(0)] = BoundValue{"acc", idx, false};
    std::vector<const Value*> t(g.outputs().begin(), g.outputs().end());
    for (const Value* o : t) {
      if (!DependsOn(o, {p.pv->output(0)})) return Status::Errorf("output {} is not computed from the attention", o->name());
    }
    AGT_RETURN_IF_ERROR(e.EmitLocalChain(body, bound, t));
    for (size_t k = 0; k < g.outputs().size(); ++k) {
      const BoundValue& b = bound.at(g.outputs()[k]);
      if (b.uniform) return Status::Error("an output does not vary with the attention");
      body.Line(e.StoreStmt(k, ExprEmitter::Ravel(b.idx, g.outputs()[k]->shape()), b.var));
    }
  }
  body.Close();

  return Status::Ok();
}

std::optional<AttnRowView> AttnRowViewOf(const ir::Graph& g, const Value* v, const ir::Shape& batch_shape, bool rows_are_last_dim,
                                         int64_t row_len, int elem_bytes) {
  auto view = AffineOf(g, v);
  if (!view) return std::nullopt;
  const ir::Shape& s = v->shape();
  size_t r = s.size();
  int64_t row_stride = rows_are_last_dim ? view->strides[r - 1] : view->strides[r - 2];
  int64_t col_stride = rows_are_last_dim ? view->strides[r - 2] : view->strides[r - 1];
  if (col_stride != 1 && row_len > 1) return std::nullopt;
  AttnRowView out;
  out.input = view->input;
  out.row_stride = row_stride;
  out.base = fmt::format("{}LL", view->offset);
  int64_t vec = 16 / elem_bytes;
  bool aligned = view->offset % vec == 0 && row_stride % vec == 0 && row_len % vec == 0;
  ir::Shape vb(s.begin(), s.end() - 2);
  std::vector<std::string> bidx = ExprEmitter::BroadcastIndex(vb, batch_shape, ExprEmitter::Unravel("bz", batch_shape));
  for (size_t d = 0; d < vb.size(); ++d) {
    if (vb[d] != 1 && view->strides[d] != 0) {
      out.base += fmt::format(" + ({}) * {}LL", bidx[d], view->strides[d]);
      aligned = aligned && view->strides[d] % vec == 0;
    }
  }
  out.aligned16 = aligned;
  return out;
}

Expected<KernelSource> EmitAttention(const ir::Graph& g, const Program& prog) {
  AGT_ASSIGN_OR_RETURN(AttnPlan p, PlanAttention(g));
  if (prog.sketch.tensor_cores) return EmitAttentionMma(g, prog, p);
  int64_t BQ = prog.annotation.get(Knob::kBlockQ, 16), BKV = prog.annotation.get(Knob::kBlockKV, 64);
  int64_t W = prog.annotation.get(Knob::kWarps, 4);
  if (W < 1 || BQ % W != 0 || BKV % 32 != 0 || BKV < 32) return Status::Error("attention annotation does not divide");
  int64_t RPW = BQ / W, KPL = BKV / 32, DVPL = (p.dv + 31) / 32;
  int64_t smem = (BQ * p.d + BKV * (p.d + 1) + BKV * p.dv + W * BKV) * 4;
  ExprEmitter e(g, prog.task.precision);
  CudaWriter body;
  AGT_RETURN_IF_ERROR(EmitAttentionDeviceFunctions(body, e, p));

  CudaWriter k;
  std::string name = "agt_attention";
  k.Linef("extern \"C\" __global__ void __launch_bounds__({}) {}({})", W * 32, name, e.KernelParams());
  k.Open("");
  EmitGridDependencyEntry(k);
  k.Line(e.ParamsInit());
  k.Linef("constexpr int BQ = {}, BKV = {}, D = {}, DV = {}, RPW = {}, KPL = {}, DVPL = {}, LDK = D + 1;", BQ, BKV, p.d, p.dv, RPW, KPL, DVPL);
  k.Linef("constexpr long long MQ = {}, NK = {};", p.mq, p.nk);
  k.Line("extern __shared__ __align__(16) float agt_smem[];");
  k.Line("float* Qs = agt_smem;                 // [BQ][D]");
  k.Line("float* Ks = Qs + BQ * D;              // [BKV][D + 1], padded against bank conflicts");
  k.Line("float* Vs = Ks + BKV * LDK;           // [BKV][DV]");
  k.Line("float* Ps = Vs + BKV * DV;            // [warps][BKV]");
  k.Line("const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;");
  k.Line("const long long bz = blockIdx.y, q0 = (long long)blockIdx.x * BQ;");
  k.Linef("for (int e = tid; e < BQ * D; e += {}) {{ long long q = q0 + e / D; Qs[e] = q < MQ ? attn_q(P, bz, q, e % D) : 0.0f; }}", W * 32);
  k.Line("float m_run[RPW], l_run[RPW], acc[RPW][DVPL];");
  k.Line("#pragma unroll");
  k.Line("for (int r = 0; r < RPW; ++r) { m_run[r] = -AGT_INF; l_run[r] = 0.0f; for (int c = 0; c < DVPL; ++c) acc[r][c] = 0.0f; }");
  k.Open("for (long long kv0 = 0; kv0 < NK; kv0 += BKV)");
  k.Line("__syncthreads();");
  k.Linef("for (int e = tid; e < BKV * D; e += {}) {{ int key = e % BKV, d = e / BKV; Ks[key * LDK + d] = kv0 + key < NK ? attn_kt(P, bz, d, kv0 + key) : 0.0f; }}", W * 32);
  k.Linef("for (int e = tid; e < BKV * DV; e += {}) {{ int key = e / DV, c = e % DV; Vs[e] = kv0 + key < NK ? attn_v(P, bz, kv0 + key, c) : 0.0f; }}", W * 32);
  k.Line("__syncthreads();");
  k.Line("#pragma unroll");
  k.Open("for (int r = 0; r < RPW; ++r)");
  k.Line("const int qr = warp * RPW + r;");
  k.Line("const long long q = q0 + qr;");
  k.Line("if (q >= MQ) continue;   // warp-uniform");
  k.Line("float s[KPL];");
  k.Line("float mt = -AGT_INF;");
  k.Line("#pragma unroll");
  k.Open("for (int i = 0; i < KPL; ++i)");
  k.Line("const int key = lane + 32 * i;");
  k.Line("float dot = 0.0f;");
  k.Line("#pragma unroll 8");
  k.Line("for (int d = 0; d < D; ++d) dot = fmaf(Qs[qr * D + d], Ks[key * LDK + d], dot);");
  k.Line("s[i] = kv0 + key < NK ? attn_score(P, bz, q, kv0 + key, dot) : -AGT_INF;");
  k.Line("mt = agt_max(mt, s[i]);");
  k.Close();
  k.Line("for (int o = 16; o > 0; o >>= 1) mt = agt_max(mt, __shfl_xor_sync(0xffffffffu, mt, o));");
  k.Line("const float m_new = agt_max(m_run[r], mt);");
  k.Comment("A row whose every score so far is -inf (fully masked) keeps zero weight instead of NaN.");
  k.Line("const float base = m_new == -AGT_INF ? 0.0f : m_new;");
  k.Line("const float alpha = expf(m_run[r] - base);");
  k.Line("float ls = 0.0f;");
  k.Line("#pragma unroll");
  k.Line("for (int i = 0; i < KPL; ++i) { float pi = expf(s[i] - base); Ps[warp * BKV + lane + 32 * i] = pi; ls += pi; }");
  k.Line("for (int o = 16; o > 0; o >>= 1) ls += __shfl_xor_sync(0xffffffffu, ls, o);");
  k.Line("l_run[r] = l_run[r] * alpha + ls;");
  k.Line("m_run[r] = m_new;");
  k.Line("__syncwarp();");
  k.Line("#pragma unroll");
  k.Open("for (int c = 0; c < DVPL; ++c)");
  k.Line("const int dv = lane + 32 * c;");
  k.Line("float a = acc[r][c] * alpha;");
  k.Line("if (dv < DV) {");
  k.Line("  #pragma unroll 8");
  k.Line("  for (int key = 0; key < BKV; ++key) a = fmaf(Ps[warp * BKV + key], Vs[key * DV + dv], a);");
  k.Line("}");
  k.Line("acc[r][c] = a;");
  k.Close();
  k.Line("__syncwarp();");
  k.Close();
  k.Close();
  k.Line("#pragma unroll");
  k.Open("for (int r = 0; r < RPW; ++r)");
  k.Line("const long long q = q0 + warp * RPW + r;");
  k.Line("if (q >= MQ) continue;");
  k.Line("const float inv = 1.0f / l_run[r];");
  if (p.nan_guard) k.Line("const bool row_ok = l_run[r] > 0.0f;   // NaN or 0: the guard's zeros");
  k.Line("#pragma unroll");
  k.Linef("for (int c = 0; c < DVPL; ++c) if (lane + 32 * c < DV) attn_epilogue(P, bz, q, lane + 32 * c, {});",
          p.nan_guard ? "row_ok ? acc[r][c] * inv : 0.0f" : "acc[r][c] * inv");
  k.Close();
  k.Close();

  CudaWriter w;
  w.Raw(KernelHeader(g, prog));
  w.Raw(ExprEmitter::Prelude(prog.task.precision));
  e.EmitParamsStruct(w);
  AGT_RETURN_IF_ERROR(e.EmitLoaders(w));
  w.Raw(body.str());
  w.Raw(k.str());
  KernelSource ks;
  ks.source = w.str();
  ks.launch.kernel_name = name;
  ks.launch.programmatic = true;   // EmitGridDependencyEntry at the kernel's start
  ks.launch.grid = {static_cast<uint32_t>((p.mq + BQ - 1) / BQ), static_cast<uint32_t>(p.batch), 1};
  ks.launch.block = {static_cast<uint32_t>(W * 32), 1, 1};
  ks.launch.dynamic_smem_bytes = static_cast<uint32_t>(smem);
  ks.launch.num_inputs = static_cast<int>(g.inputs().size());
  ks.launch.num_outputs = static_cast<int>(g.outputs().size());
  return ks;
}

}  // namespace agt::codegen

// The tensor-core attention sketch (FlashAttention-2 style) for tf32, fp16 and bf16. A block takes
// `block_q` queries of one (batch, head); each of its warps owns 16 or 32 query rows (one or two
// m16 MMA tiles) whose Q fragments it holds in registers for the whole kernel. The block walks the
// keys in tiles of `block_kv`, K and V staged through shared memory by cp.async (16-byte copies,
// zero-filled past the last key) in a ring of `stages` buffers, so that the next tile lands while
// this one is computed. Per tile a warp computes S = Q K^T with mma.sync (m16n8k16 for fp16/bf16,
// K fragments by ldmatrix; m16n8k8 for tf32), runs the group's score path (scale, mask, bias, as
// generated from its IR) on the accumulators, masks the tail keys to -inf, and updates the online
// softmax in fp32 registers (exp2 of log2e-scaled scores; each row's sum stays per thread until the
// end). The probabilities are converted in registers into the A operand of P V: the m16n8 C layout
// of two adjacent score tiles is exactly the m16n8k16 A layout, so P never touches shared memory;
// V's fragments come from ldmatrix.trans. For tf32 (m16n8k8), whose A layout differs, the keys of
// each 8-key step are taken in the order the C layout holds them (2t, 2t+1 as k = t, t + 4), and V
// is read in the same order. The epilogue normalises and runs the group's consumers of O.
//
// Operands that are affine views of group inputs with a unit inner stride (heads interleaved in a
// QKV projection's output through reshape/transpose/gather, for example) are copied with cp.async;
// any other operand (a scaled Q, say) is computed element by element through its generated loader.
#include <algorithm>

#include "codegen/emit_attention.h"
#include "codegen/ptx/grid_dependency.h"
#include "codegen/ptx/ptx_sm80.h"

namespace agt::codegen {

namespace {

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// One operand's tile copier: `rows` rows of `cols` elements, from global row `row0` on, into shared
// memory with row pitch `ld`; rows at or past `limit` are zero. Through cp.async when `view` allows,
// else element by element through the loader `fn(P, bz, ...)` (`transposed`: the loader takes
// (col, row), as attn_kt does).
void EmitTileCopier(CudaWriter& w, const std::string& name, const std::optional<AttnRowView>& view, int64_t rows, int64_t cols,
                    int64_t ld, int64_t limit, int64_t threads, int elem_bytes, const std::string& fn, bool transposed) {
  w.Open(fmt::format("__device__ __forceinline__ void {}(const Params& P, st_t* dst, long long bz, long long row0, int tid)", name));
  w.Line("(void)bz;");
  if (view && view->aligned16) {
    int64_t vec = 16 / elem_bytes, cpr = cols / vec;
    w.Linef("const st_t* base = P.in{} + {};", view->input, view->base);
    w.Line("#pragma unroll");
    w.Open(fmt::format("for (int e = tid; e < {}; e += {})", rows * cpr, threads));
    w.Linef("const int r = e / {}, c = (e % {}) * {};", cpr, cpr, vec);
    w.Linef("const long long gr = row0 + r;");
    w.Linef("const bool ok = gr < {}LL;", limit);
    w.Linef("cp_async16(dst + r * {} + c, base + (ok ? gr : 0LL) * {}LL + c, ok);", ld, view->row_stride);
    w.Close();
  } else {
    w.Open(fmt::format("for (int e = tid; e < {}; e += {})", rows * cols, threads));
    w.Linef("const int r = e / {}, c = e % {};", cols, cols);
    w.Line("const long long gr = row0 + r;");
    w.Linef("agt_st(dst + r * {} + c, gr < {}LL ? {}(P, bz, {}) : 0.0f);", ld, limit, fn, transposed ? "c, gr" : "gr, c");
    w.Close();
  }
  w.Close();
}

}  // namespace

Expected<KernelSource> EmitAttentionMma(const ir::Graph& g, const Program& prog, const AttnPlan& p) {
  const Precision prec = prog.task.precision;
  if (prec == Precision::kFP32) return Status::Error("the tensor-core attention sketch needs tf32, fp16 or bf16");
  const bool tf32 = prec == Precision::kTF32;
  const Annotation& an = prog.annotation;
  const int64_t BQ = an.get(Knob::kBlockQ, 64), BKV = an.get(Knob::kBlockKV, 64), W = an.get(Knob::kWarps, 4);
  const int64_t S = an.get(Knob::kStages, 2);
  // MMA k-step along the head dim and the keys.
  const int64_t KS = tf32 ? 8 : 16;
  if (p.d % 16 != 0 || p.dv % 16 != 0) return Status::Errorf("head dims {} / {} are not multiples of 16", p.d, p.dv);
  if (W < 1 || BQ % W != 0 || (BQ / W) % 16 != 0 || BQ / W > 32) return Status::Error("block_q must split into 16 or 32 rows per warp");
  if (BKV % 16 != 0 || BKV < 16) return Status::Error("block_kv must be a multiple of 16");
  if (S != 1 && S != 2) return Status::Error("stages must be 1 or 2");
  const int64_t MT = BQ / W / 16;   // m16 tiles per warp
  const int esz = FloatStorageBytes(prec);
  const int64_t PAD = 16 / esz;     // one 16-byte vector per row: conflict-free ldmatrix / fragment loads
  const int64_t LDQ = p.d + PAD, LDK = p.d + PAD, LDV = p.dv + PAD;
  const int64_t NT = W * 32;
  const int64_t smem = (BQ * LDQ + S * BKV * (LDK + LDV)) * esz;
  const int64_t tiles = CeilDiv(p.nk, BKV);

  ExprEmitter e(g, prec);
  CudaWriter body;
  AGT_RETURN_IF_ERROR(EmitAttentionDeviceFunctions(body, e, p));
  auto qv = AttnRowViewOf(g, p.qk->input(0), p.batch_shape, false, p.d, esz);
  auto kv = AttnRowViewOf(g, p.qk->input(1), p.batch_shape, true, p.d, esz);
  auto vv = AttnRowViewOf(g, p.pv->input(1), p.batch_shape, false, p.dv, esz);
  EmitTileCopier(body, "load_q_tile", qv, BQ, p.d, LDQ, p.mq, NT, esz, "attn_q", false);
  EmitTileCopier(body, "load_k_tile", kv, BKV, p.d, LDK, p.nk, NT, esz, "attn_kt", true);
  EmitTileCopier(body, "load_v_tile", vv, BKV, p.dv, LDV, p.nk, NT, esz, "attn_v", false);

  CudaWriter k;
  const std::string name = "agt_attention";
  // Min one block per SM: without it ptxas caps registers for occupancy and spills the accumulators.
  k.Linef("extern \"C\" __global__ void __launch_bounds__({}, 1) {}({})", NT, name, e.KernelParams());
  k.Open("");
  EmitGridDependencyEntry(k);
  k.Line(e.ParamsInit());
  k.Linef("constexpr int BQ = {}, BKV = {}, D = {}, DV = {}, MT = {}, STAGES = {}, TILES = {};", BQ, BKV, p.d, p.dv, MT, S, tiles);
  k.Linef("constexpr int LDQ = {}, LDK = {}, LDV = {};", LDQ, LDK, LDV);
  k.Linef("constexpr long long MQ = {}, NK = {};", p.mq, p.nk);
  k.Line("constexpr float LOG2E = 1.4426950408889634f;");
  k.Line("extern __shared__ __align__(16) unsigned char agt_smem_raw[];");
  k.Line("st_t* Qs = reinterpret_cast<st_t*>(agt_smem_raw);   // [BQ][LDQ]");
  k.Line("st_t* Ks = Qs + BQ * LDQ;                             // [STAGES][BKV][LDK]");
  k.Line("st_t* Vs = Ks + STAGES * BKV * LDK;                   // [STAGES][BKV][LDV]");
  k.Line("const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, g = lane >> 2, t = lane & 3;");
  k.Line("const long long bz = blockIdx.y, q0 = (long long)blockIdx.x * BQ;");
  k.Line("const int wrow = warp * MT * 16;   // the warp's first row in the block");
  k.Line("load_q_tile(P, Qs, bz, q0, tid);");
  k.Line("load_k_tile(P, Ks, bz, 0, tid);");
  k.Line("load_v_tile(P, Vs, bz, 0, tid);");
  k.Line("cp_async_commit();");
  k.Linef("unsigned qf[MT][D / {}][4];   // Q's A fragments, for the whole kernel", KS);
  k.Line("float o[MT][DV / 8][4];");
  k.Line("float m_run[MT][2], l_run[MT][2];   // running max (log2 domain) and this thread's partial sum, rows g and g + 8");
  k.Line("#pragma unroll");
  k.Open("for (int mt = 0; mt < MT; ++mt)");
  k.Line("m_run[mt][0] = m_run[mt][1] = -AGT_INF;");
  k.Line("l_run[mt][0] = l_run[mt][1] = 0.0f;");
  k.Line("#pragma unroll");
  k.Line("for (int i = 0; i < DV / 8; ++i) o[mt][i][0] = o[mt][i][1] = o[mt][i][2] = o[mt][i][3] = 0.0f;");
  k.Close();
  k.Line("#pragma unroll 1");
  k.Open("for (int j = 0; j < TILES; ++j)");
  k.Line("const int buf = STAGES == 2 ? (j & 1) : 0;");
  k.Open("if (STAGES == 2 && j + 1 < TILES)");
  k.Comment("Prefetch the next tile into the other buffer (its last readers passed the barrier that ended tile j - 1).");
  k.Line("load_k_tile(P, Ks + (buf ^ 1) * BKV * LDK, bz, (long long)(j + 1) * BKV, tid);");
  k.Line("load_v_tile(P, Vs + (buf ^ 1) * BKV * LDV, bz, (long long)(j + 1) * BKV, tid);");
  k.Line("cp_async_commit();");
  k.Line("cp_async_wait<1>();");
  k.Close();
  k.Line("else cp_async_wait<0>();");
  k.Line("__syncthreads();");
  k.Line("const st_t* Kb = Ks + buf * BKV * LDK;");
  k.Line("const st_t* Vb = Vs + buf * BKV * LDV;");
  k.Open("if (j == 0)");
  k.Line("#pragma unroll");
  k.Open("for (int mt = 0; mt < MT; ++mt)");
  k.Line("#pragma unroll");
  k.Open(fmt::format("for (int kk = 0; kk < D / {}; ++kk)", KS));
  if (tf32) {
    k.Line("const st_t* q = Qs + (wrow + mt * 16 + g) * LDQ + kk * 8 + t;");
    k.Line("qf[mt][kk][0] = to_tf32(q[0]);");
    k.Line("qf[mt][kk][1] = to_tf32(q[8 * LDQ]);");
    k.Line("qf[mt][kk][2] = to_tf32(q[4]);");
    k.Line("qf[mt][kk][3] = to_tf32(q[8 * LDQ + 4]);");
  } else {
    k.Line("ldmatrix_x4(qf[mt][kk], Qs + (wrow + mt * 16 + (lane & 7) + ((lane >> 3) & 1) * 8) * LDQ + kk * 16 + (lane >> 4) * 8);");
  }
  k.Close();
  k.Close();
  k.Close();
  k.Comment("S = Q K^T for this tile: accumulator (mt, n-tile) holds rows g, g + 8 and keys 2t, 2t + 1.");
  k.Line("float s[MT][BKV / 8][4];");
  k.Line("#pragma unroll");
  k.Line("for (int mt = 0; mt < MT; ++mt)");
  k.Line("  #pragma unroll");
  k.Line("  for (int n = 0; n < BKV / 8; ++n) s[mt][n][0] = s[mt][n][1] = s[mt][n][2] = s[mt][n][3] = 0.0f;");
  k.Line("#pragma unroll");
  k.Open(fmt::format("for (int kk = 0; kk < D / {}; ++kk)", KS));
  if (tf32) {
    k.Line("#pragma unroll");
    k.Open("for (int n = 0; n < BKV / 8; ++n)");
    k.Line("const st_t* kp = Kb + (n * 8 + g) * LDK + kk * 8 + t;");
    k.Line("const unsigned b0 = to_tf32(kp[0]), b1 = to_tf32(kp[4]);");
    k.Line("#pragma unroll");
    k.Line("for (int mt = 0; mt < MT; ++mt) mma_acc(s[mt][n], qf[mt][kk], b0, b1);");
    k.Close();
  } else {
    k.Line("#pragma unroll");
    k.Open("for (int n = 0; n < BKV / 16; ++n)");
    k.Line("unsigned b[4];");
    k.Line("ldmatrix_x4(b, Kb + (n * 16 + (lane >> 4) * 8 + (lane & 7)) * LDK + kk * 16 + ((lane >> 3) & 1) * 8);");
    k.Line("#pragma unroll");
    k.Open("for (int mt = 0; mt < MT; ++mt)");
    k.Line("mma_acc(s[mt][2 * n], qf[mt][kk], b[0], b[1]);");
    k.Line("mma_acc(s[mt][2 * n + 1], qf[mt][kk], b[2], b[3]);");
    k.Close();
    k.Close();
  }
  k.Close();
  k.Comment("The group's score path, tail keys to -inf, and the online softmax (log2 domain).");
  k.Line("const long long key0 = (long long)j * BKV;");
  k.Line("#pragma unroll");
  k.Open("for (int mt = 0; mt < MT; ++mt)");
  k.Line("#pragma unroll");
  k.Open("for (int h = 0; h < 2; ++h)");
  k.Line("const long long q = q0 + wrow + mt * 16 + g + h * 8;");
  k.Line("const long long qc = q < MQ ? q : MQ - 1;   // rows past the end compute on a valid row and are never stored");
  k.Line("float mx = -AGT_INF;");
  k.Line("#pragma unroll");
  k.Open("for (int n = 0; n < BKV / 8; ++n)");
  k.Line("#pragma unroll");
  k.Open("for (int c = 0; c < 2; ++c)");
  k.Line("const long long key = key0 + n * 8 + 2 * t + c;");
  k.Line("float& x = s[mt][n][h * 2 + c];");
  if (p.nk % BKV == 0) {
    k.Line("x = attn_score(P, bz, qc, key, x) * LOG2E;");
  } else {
    k.Line("x = key < NK ? attn_score(P, bz, qc, key, x) * LOG2E : -AGT_INF;");
  }
  k.Line("mx = fmaxf(mx, x);");
  k.Close();
  k.Close();
  k.Line("mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));");
  k.Line("mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));");
  k.Line("const float m_new = fmaxf(m_run[mt][h], mx);");
  k.Comment("A row whose every score so far is -inf (fully masked) keeps zero weight instead of NaN.");
  k.Line("const float base = m_new == -AGT_INF ? 0.0f : m_new;");
  k.Line("const float alpha = exp2f(m_run[mt][h] - base);");
  k.Line("m_run[mt][h] = m_new;");
  k.Line("float ls = 0.0f;");
  k.Line("#pragma unroll");
  k.Open("for (int n = 0; n < BKV / 8; ++n)");
  k.Line("const float p0 = exp2f(s[mt][n][h * 2] - base), p1 = exp2f(s[mt][n][h * 2 + 1] - base);");
  k.Line("s[mt][n][h * 2] = p0;");
  k.Line("s[mt][n][h * 2 + 1] = p1;");
  k.Line("ls += p0 + p1;");
  k.Close();
  k.Line("l_run[mt][h] = l_run[mt][h] * alpha + ls;");
  k.Line("#pragma unroll");
  k.Line("for (int i = 0; i < DV / 8; ++i) { o[mt][i][h * 2] *= alpha; o[mt][i][h * 2 + 1] *= alpha; }");
  k.Close();
  k.Close();
  k.Comment("O += P V, P taken from the score accumulators in registers.");
  k.Line("#pragma unroll");
  k.Open(fmt::format("for (int kk = 0; kk < BKV / {}; ++kk)", KS));
  k.Line("unsigned pa[MT][4];");
  k.Line("#pragma unroll");
  k.Open("for (int mt = 0; mt < MT; ++mt)");
  if (tf32) {
    k.Line("pa[mt][0] = to_tf32(s[mt][kk][0]);   // (g, k = t) is key 2t");
    k.Line("pa[mt][1] = to_tf32(s[mt][kk][2]);   // (g + 8, k = t)");
    k.Line("pa[mt][2] = to_tf32(s[mt][kk][1]);   // (g, k = t + 4) is key 2t + 1");
    k.Line("pa[mt][3] = to_tf32(s[mt][kk][3]);");
  } else {
    k.Line("pa[mt][0] = pack2(s[mt][2 * kk][0], s[mt][2 * kk][1]);");
    k.Line("pa[mt][1] = pack2(s[mt][2 * kk][2], s[mt][2 * kk][3]);");
    k.Line("pa[mt][2] = pack2(s[mt][2 * kk + 1][0], s[mt][2 * kk + 1][1]);");
    k.Line("pa[mt][3] = pack2(s[mt][2 * kk + 1][2], s[mt][2 * kk + 1][3]);");
  }
  k.Close();
  if (tf32) {
    k.Line("#pragma unroll");
    k.Open("for (int n = 0; n < DV / 8; ++n)");
    k.Line("const st_t* vp = Vb + (kk * 8 + 2 * t) * LDV + n * 8 + g;");
    k.Line("const unsigned b0 = to_tf32(vp[0]), b1 = to_tf32(vp[LDV]);");
    k.Line("#pragma unroll");
    k.Line("for (int mt = 0; mt < MT; ++mt) mma_acc(o[mt][n], pa[mt], b0, b1);");
    k.Close();
  } else {
    k.Line("#pragma unroll");
    k.Open("for (int n = 0; n < DV / 16; ++n)");
    k.Line("unsigned b[4];");
    k.Line("ldmatrix_x4_trans(b, Vb + (kk * 16 + ((lane >> 3) & 1) * 8 + (lane & 7)) * LDV + n * 16 + (lane >> 4) * 8);");
    k.Line("#pragma unroll");
    k.Open("for (int mt = 0; mt < MT; ++mt)");
    k.Line("mma_acc(o[mt][2 * n], pa[mt], b[0], b[1]);");
    k.Line("mma_acc(o[mt][2 * n + 1], pa[mt], b[2], b[3]);");
    k.Close();
    k.Close();
  }
  k.Close();
  k.Line("__syncthreads();");
  k.Open("if (STAGES == 1 && j + 1 < TILES)");
  k.Line("load_k_tile(P, Ks, bz, (long long)(j + 1) * BKV, tid);");
  k.Line("load_v_tile(P, Vs, bz, (long long)(j + 1) * BKV, tid);");
  k.Line("cp_async_commit();");
  k.Close();
  k.Close();
  k.Comment("Epilogue: each row's sum over its quad, normalise, the group's consumers of O.");
  k.Line("#pragma unroll");
  k.Open("for (int mt = 0; mt < MT; ++mt)");
  k.Line("#pragma unroll");
  k.Open("for (int h = 0; h < 2; ++h)");
  k.Line("float l = l_run[mt][h];");
  k.Line("l += __shfl_xor_sync(0xffffffffu, l, 1);");
  k.Line("l += __shfl_xor_sync(0xffffffffu, l, 2);");
  k.Line("const float inv = 1.0f / l;");
  if (p.nan_guard) k.Line("const bool row_ok = l > 0.0f;   // NaN or 0: the guard's zeros");
  k.Line("const long long q = q0 + wrow + mt * 16 + g + h * 8;");
  k.Line("if (q >= MQ) continue;");
  k.Line("#pragma unroll");
  k.Open("for (int n = 0; n < DV / 8; ++n)");
  auto val = [&](const char* o) { return p.nan_guard ? fmt::format("row_ok ? {} * inv : 0.0f", o) : fmt::format("{} * inv", o); };
  k.Linef("attn_epilogue(P, bz, q, n * 8 + 2 * t, {});", val("o[mt][n][h * 2]"));
  k.Linef("attn_epilogue(P, bz, q, n * 8 + 2 * t + 1, {});", val("o[mt][n][h * 2 + 1]"));
  k.Close();
  k.Close();
  k.Close();
  k.Close();

  CudaWriter w;
  w.Raw(KernelHeader(g, prog));
  w.Raw(ExprEmitter::Prelude(prec));
  w.Raw(ptx_sm80::Preamble({ptx_sm80::Wrapper::kCpAsync16, ptx_sm80::Wrapper::kCpAsyncCommit, ptx_sm80::Wrapper::kCpAsyncWait,
                             ptx_sm80::Wrapper::kLdmatrixX4, ptx_sm80::Wrapper::kLdmatrixX4Trans, ptx_sm80::Wrapper::kToTf32}));
  w.Raw(ptx_sm80::MmaAccWrapper(prec));
  e.EmitParamsStruct(w);
  AGT_RETURN_IF_ERROR(e.EmitLoaders(w));
  w.Raw(body.str());
  w.Raw(k.str());
  KernelSource ks;
  ks.source = w.str();
  ks.launch.kernel_name = name;
  ks.launch.programmatic = true;   // EmitGridDependencyEntry at the kernel's start
  ks.launch.grid = {static_cast<uint32_t>(CeilDiv(p.mq, BQ)), static_cast<uint32_t>(p.batch), 1};
  ks.launch.block = {static_cast<uint32_t>(NT), 1, 1};
  ks.launch.dynamic_smem_bytes = static_cast<uint32_t>(smem);
  ks.launch.num_inputs = static_cast<int>(g.inputs().size());
  ks.launch.num_outputs = static_cast<int>(g.outputs().size());
  return ks;
}

}  // namespace agt::codegen

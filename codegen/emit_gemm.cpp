// The tiled matrix-product sketch: matmul (batched, broadcasting), linear and conv2d (implicit GEMM,
// pixels x output channels x (channels*kh*kw)). A thread block computes a BM x BN tile of C; its
// operands are staged through shared memory in a `stages`-deep ring (cp.async when an operand is an
// affine view with a unit inner stride, plain loads through the loaders otherwise); warps compute
// their WM x WN sub-tiles with mma.sync (fp16/bf16 m16n8k16 with ldmatrix, tf32 m16n8k8) or SIMT FMA
// (thread tiles). Optional split-K writes partial tiles to a workspace; the last block of a tile to
// arrive sums them. The epilogue is the group's consumers of the product, generated as a local chain.
#include <algorithm>

#include "codegen/affine_view.h"
#include "codegen/ptx/grid_dependency.h"
#include "codegen/conv_geometry.h"
#include "codegen/expr_emitter.h"
#include "codegen/kernel_source.h"
#include "codegen/ptx/ptx_sm80.h"

namespace agt::codegen {

using ir::Node;
using ir::OpKind;
using ir::Value;

namespace {

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

struct GemmPlan {
  const Node* anchor = nullptr;
  ir::Shape batch_shape;
  int64_t batch = 1, M = 0, N = 0, K = 0;
  // conv2d / conv2d_nhwc (nhwc: m = (b, oy, ox), k = (ky, kx, c), channels innermost)
  ConvGeometry2d cv;
  std::optional<AffineView> x_view;   // conv2d_nhwc: the input as a dense [N, H, W, C] view, for cp.async
  // Affine operands: element (m, k) of A at base + m * a_sm + k * a_sk; (k, n) of B likewise.
  std::optional<AffineView> a_view, b_view;
  int64_t a_sm = 0, a_sk = 0, b_sk = 0, b_sn = 0;
  bool b_nk = false;   // B staged as [n][k] (K contiguous in memory)
};

// conv2d_nhwc: x [N, H, W, C], w [O, KH, KW, C] (row-major: B(k, n) = w[n * K + k], K-contiguous),
// y [N, OH, OW, O]. A(m, k) is x[b, oy*sh - pt + ky*dh, ox*sw - pl + kx*dw, c]: 16-byte runs of
// channels, which cp.async copies when the input is a dense view and C a multiple of the vector.
void SetConvGeometry(GemmPlan& p) {
  p.cv = ConvGeometryOf(*p.anchor);
  p.M = p.cv.M();
  p.N = p.cv.O;
  p.K = p.cv.K();
}

void PlanConvNhwc(const ir::Graph& g, GemmPlan& p) {
  const Node& a = *p.anchor;
  const ir::Shape& xs = a.input(0)->shape();
  SetConvGeometry(p);
  auto x = AffineOf(g, a.input(0));
  if (x && x->strides[3] == 1 && x->strides[2] == p.cv.C && x->strides[1] == p.cv.W * p.cv.C && (xs[0] == 1 || x->strides[0] == p.cv.H * p.cv.W * p.cv.C)) {
    p.x_view = x;
  }
  p.b_view = AffineOf(g, a.input(1));
  if (p.b_view) {
    const auto& st = p.b_view->strides;
    if (st[3] == 1 && st[2] == p.cv.C && st[1] == p.cv.KW * p.cv.C) {
      p.b_sk = 1;
      p.b_sn = st[0];
    } else {
      p.b_view.reset();
    }
  }
  p.b_nk = p.b_view && p.b_sn != 1;
}

Expected<GemmPlan> PlanGemm(const ir::Graph& g) {
  GemmPlan p;
  for (const auto& n : g.nodes()) {
    if (n->op() == OpKind::kMatMul || n->op() == OpKind::kLinear || n->op() == OpKind::kConv2d || n->op() == OpKind::kConv2dNhwc) {
      if (p.anchor != nullptr) return Status::Error("the group has more than one matrix product");
      p.anchor = n.get();
    } else if (n->pattern() != ir::OpPattern::kElemWise && n->pattern() != ir::OpPattern::kBroadcast &&
               n->pattern() != ir::OpPattern::kInjective) {
      return Status::Errorf("{} is neither a product nor element-wise/injective", n->Describe());
    }
  }
  if (p.anchor == nullptr) return Status::Error("no matmul, linear or conv2d in the group");
  if (p.anchor->op() == OpKind::kConv2dNhwc) {
    PlanConvNhwc(g, p);
    if (p.M <= 0 || p.N <= 0 || p.K <= 0) return Status::Error("empty matrix product");
    return p;
  }
  const Node& a = *p.anchor;
  const ir::Shape& os = a.output(0)->shape();
  if (a.op() == OpKind::kMatMul) {
    const ir::Shape& as = a.input(0)->shape();
    const ir::Shape& bs = a.input(1)->shape();
    if (as.size() < 2 || bs.size() < 2) return Status::Error("matmul with a 1-D operand");
    p.batch_shape.assign(os.begin(), os.end() - 2);
    p.M = as[as.size() - 2];
    p.K = as.back();
    p.N = bs.back();
    p.a_view = AffineOf(g, a.input(0));
    p.b_view = AffineOf(g, a.input(1));
    if (p.a_view) {
      p.a_sm = p.a_view->strides[as.size() - 2];
      p.a_sk = p.a_view->strides[as.size() - 1];
    }
    if (p.b_view) {
      p.b_sk = p.b_view->strides[bs.size() - 2];
      p.b_sn = p.b_view->strides[bs.size() - 1];
    }
  } else if (a.op() == OpKind::kLinear) {
    const ir::Shape& xs = a.input(0)->shape();
    p.K = xs.back();
    p.N = a.input(1)->shape()[1];
    p.M = p.K == 0 ? 0 : ir::NumElements(xs) / p.K;
    p.a_view = AffineOf(g, a.input(0));
    if (p.a_view) {
      // The leading dims must collapse into one row stride.
      const auto& st = p.a_view->strides;
      bool ok = true;
      for (size_t d = 0; d + 2 < xs.size(); ++d) ok = ok && (xs[d] == 1 || st[d] == st[d + 1] * xs[d + 1]);
      if (!ok) p.a_view.reset();
      else {
        p.a_sm = xs.size() >= 2 ? st[xs.size() - 2] : 0;
        p.a_sk = st.back();
      }
    }
    p.b_view = AffineOf(g, a.input(1));
    if (p.b_view) {
      p.b_sk = p.b_view->strides[0];
      p.b_sn = p.b_view->strides[1];
    }
  } else {
    if (a.attrs().i(ir::AttrKey::kGroup) != 1) return Status::Error("grouped convolution");
    SetConvGeometry(p);
    p.b_view = AffineOf(g, a.input(1));
    if (p.b_view) {
      // w[n][c][ky][kx] is B(k, n) with k = (c*KH + ky)*KW + kx when the weight is row-major.
      const auto& st = p.b_view->strides;
      if (st[3] == 1 && st[2] == p.cv.KW && st[1] == p.cv.KH * p.cv.KW) {
        p.b_sk = 1;
        p.b_sn = st[0];
      } else {
        p.b_view.reset();
      }
    }
  }
  p.batch = ir::NumElements(p.batch_shape);
  p.b_nk = p.b_view && p.b_sk == 1 && p.b_sn != 1;
  if (p.M <= 0 || p.N <= 0 || p.K <= 0) return Status::Error("empty matrix product");
  return p;
}

// The anchor's output index of C element (m, n) in batch bz.
std::vector<std::string> AnchorIndex(const GemmPlan& p) {
  const Node& a = *p.anchor;
  if (a.op() == OpKind::kMatMul) {
    std::vector<std::string> idx = ExprEmitter::Unravel("bz", p.batch_shape);
    idx.push_back("m");
    idx.push_back("n");
    return idx;
  }
  if (a.op() == OpKind::kLinear) {
    const ir::Shape& os = a.output(0)->shape();
    ir::Shape lead(os.begin(), os.end() - 1);
    std::vector<std::string> idx = ExprEmitter::Unravel("m", lead);
    idx.push_back("n");
    return idx;
  }
  int64_t ohw = p.cv.OH * p.cv.OW;
  if (p.cv.nhwc) return {fmt::format("(m / {}LL)", ohw), fmt::format("((m % {}LL) / {}LL)", ohw, p.cv.OW), fmt::format("(m % {}LL)", p.cv.OW), "n"};
  return {fmt::format("(m / {}LL)", ohw), "n", fmt::format("((m % {}LL) / {}LL)", ohw, p.cv.OW), fmt::format("(m % {}LL)", p.cv.OW)};
}

// Base offset (elements) of an affine operand for batch bz.
std::string BatchBase(const GemmPlan& p, const AffineView& v, const ir::Shape& operand) {
  std::string e = fmt::format("{}LL", v.offset);
  if (p.anchor->op() != OpKind::kMatMul) return e;
  ir::Shape ob(operand.begin(), operand.end() - 2);
  std::vector<std::string> bi = ExprEmitter::BroadcastIndex(ob, p.batch_shape, ExprEmitter::Unravel("bz", p.batch_shape));
  for (size_t d = 0; d < ob.size(); ++d) {
    if (ob[d] != 1 && v.strides[d] != 0) e += fmt::format(" + ({}) * {}LL", bi[d], v.strides[d]);
  }
  return e;
}

// Emits gemm_a / gemm_b (element loads), gemm_a_ptr / gemm_b_ptr (affine bases) and gemm_epilogue.
Status EmitOperandsAndEpilogue(CudaWriter& w, ExprEmitter& e, const GemmPlan& p) {
  const Node& a = *p.anchor;
  const ir::Graph& g = e.graph();
  // A(m, k)
  {
    w.Open("__device__ __forceinline__ float gemm_a(const Params& P, long long bz, long long m, long long k)");
    w.Line("(void)bz;");
    if (p.cv.nhwc) {
      int64_t ohw = p.cv.OH * p.cv.OW;
      w.Linef("long long b = m / {}LL, pix = m % {}LL, oy = pix / {}LL, ox = pix % {}LL;", ohw, ohw, p.cv.OW, p.cv.OW);
      w.Linef("long long c = k % {}LL, r = k / {}LL, ky = r / {}LL, kx = r % {}LL;", p.cv.C, p.cv.C, p.cv.KW, p.cv.KW);
      w.Linef("long long iy = oy * {}LL - {}LL + ky * {}LL, ix = ox * {}LL - {}LL + kx * {}LL;", p.cv.sh, p.cv.pt, p.cv.dh, p.cv.sw, p.cv.pl, p.cv.dw);
      w.Linef("if (iy < 0 || iy >= {}LL || ix < 0 || ix >= {}LL) return 0.0f;", p.cv.H, p.cv.W);
      w.Linef("return {};", e.LoadCall(a.input(0), {"b", "iy", "ix", "c"}));
    } else if (a.op() == OpKind::kConv2d) {
      int64_t ohw = p.cv.OH * p.cv.OW, khw = p.cv.KH * p.cv.KW;
      w.Linef("long long b = m / {}LL, pix = m % {}LL, oy = pix / {}LL, ox = pix % {}LL;", ohw, ohw, p.cv.OW, p.cv.OW);
      w.Linef("long long c = k / {}LL, r = k % {}LL, ky = r / {}LL, kx = r % {}LL;", khw, khw, p.cv.KW, p.cv.KW);
      w.Linef("long long iy = oy * {}LL - {}LL + ky * {}LL, ix = ox * {}LL - {}LL + kx * {}LL;", p.cv.sh, p.cv.pt, p.cv.dh, p.cv.sw, p.cv.pl, p.cv.dw);
      w.Linef("if (iy < 0 || iy >= {}LL || ix < 0 || ix >= {}LL) return 0.0f;", p.cv.H, p.cv.W);
      w.Linef("return {};", e.LoadCall(a.input(0), {"b", "c", "iy", "ix"}));
    } else if (p.a_view) {
      w.Linef("return agt_f(P.in{}[{} + m * {}LL + k * {}LL]);", p.a_view->input, BatchBase(p, *p.a_view, a.input(0)->shape()), p.a_sm, p.a_sk);
    } else if (a.op() == OpKind::kMatMul) {
      const ir::Shape& as = a.input(0)->shape();
      std::vector<std::string> idx = ExprEmitter::BroadcastIndex(ir::Shape(as.begin(), as.end() - 2), p.batch_shape,
                                                                 ExprEmitter::Unravel("bz", p.batch_shape));
      idx.push_back("m");
      idx.push_back("k");
      w.Linef("return {};", e.LoadCall(a.input(0), idx));
    } else {
      const ir::Shape& xs = a.input(0)->shape();
      std::vector<std::string> idx = ExprEmitter::Unravel("m", ir::Shape(xs.begin(), xs.end() - 1));
      idx.push_back("k");
      w.Linef("return {};", e.LoadCall(a.input(0), idx));
    }
    w.Close();
  }
  // B(k, n)
  {
    w.Open("__device__ __forceinline__ float gemm_b(const Params& P, long long bz, long long k, long long n)");
    w.Line("(void)bz;");
    if (p.b_view) {
      w.Linef("return agt_f(P.in{}[{} + k * {}LL + n * {}LL]);", p.b_view->input, BatchBase(p, *p.b_view, a.input(1)->shape()), p.b_sk, p.b_sn);
    } else if (p.cv.nhwc) {
      w.Linef("long long c = k % {}LL, r = k / {}LL;", p.cv.C, p.cv.C);
      w.Linef("return {};", e.LoadCall(a.input(1), {"n", fmt::format("(r / {}LL)", p.cv.KW), fmt::format("(r % {}LL)", p.cv.KW), "c"}));
    } else if (a.op() == OpKind::kConv2d) {
      int64_t khw = p.cv.KH * p.cv.KW;
      w.Linef("long long c = k / {}LL, r = k % {}LL;", khw, khw);
      w.Linef("return {};", e.LoadCall(a.input(1), {"n", "c", fmt::format("(r / {}LL)", p.cv.KW), fmt::format("(r % {}LL)", p.cv.KW)}));
    } else if (a.op() == OpKind::kMatMul) {
      const ir::Shape& bs = a.input(1)->shape();
      std::vector<std::string> idx = ExprEmitter::BroadcastIndex(ir::Shape(bs.begin(), bs.end() - 2), p.batch_shape,
                                                                 ExprEmitter::Unravel("bz", p.batch_shape));
      idx.push_back("k");
      idx.push_back("n");
      w.Linef("return {};", e.LoadCall(a.input(1), idx));
    } else {
      w.Linef("return {};", e.LoadCall(a.input(1), {"k", "n"}));
    }
    w.Close();
  }
  if (p.a_view) {
    w.Linef("__device__ __forceinline__ const st_t* gemm_a_ptr(const Params& P, long long bz) {{ (void)bz; return P.in{} + {}; }}",
            p.a_view->input, BatchBase(p, *p.a_view, a.input(0)->shape()));
  }
  if (p.x_view) {
    w.Linef("__device__ __forceinline__ const st_t* gemm_x_ptr(const Params& P) {{ return P.in{} + {}LL; }}", p.x_view->input, p.x_view->offset);
  }
  if (p.b_view) {
    w.Linef("__device__ __forceinline__ const st_t* gemm_b_ptr(const Params& P, long long bz) {{ (void)bz; return P.in{} + {}; }}",
            p.b_view->input, BatchBase(p, *p.b_view, a.input(1)->shape()));
  }
  // Epilogue: the product's value at (bz, m, n), then its consumers, then the stores.
  w.Open("__device__ __forceinline__ void gemm_epilogue(const Params& P, long long bz, long long m, long long n, float acc)");
  w.Line("(void)bz;");
  if ((a.op() == OpKind::kLinear || a.op() == OpKind::kConv2d || a.op() == OpKind::kConv2dNhwc) && a.num_inputs() > 2) {
    w.Linef("acc += {};   // bias", e.LoadCall(a.input(2), {"n"}));
  }
  BoundMap bound;
  bound[a.output(0)] = BoundValue{"acc", AnchorIndex(p), false};
  std::vector<const Value*> targets(g.outputs().begin(), g.outputs().end());
  for (const Value* t : targets) {
    if (!DependsOn(t, {a.output(0)})) return Status::Errorf("output {} does not depend on the product", t->name());
  }
  AGT_RETURN_IF_ERROR(e.EmitLocalChain(w, bound, targets));
  for (size_t k = 0; k < g.outputs().size(); ++k) {
    const BoundValue& b = bound.at(g.outputs()[k]);
    if (b.uniform) return Status::Error("an output does not vary with the product");
    w.Line(e.StoreStmt(k, ExprEmitter::Ravel(b.idx, g.outputs()[k]->shape()), b.var));
  }
  w.Close();
  return Status::Ok();
}

// Which operands can go by 16-byte cp.async: aligned affine views, innermost stride 1.
GemmStaging StagingOf(const GemmPlan& p, int64_t vec) {
  GemmStaging s;
  // conv2d_nhwc: 16-byte runs of channels (C % vec keeps every run inside one (ky, kx) and aligned).
  s.a_conv_async = p.cv.nhwc && p.x_view && p.cv.C % vec == 0 && p.x_view->offset % vec == 0;
  s.a_async = p.a_view && p.a_sk == 1 && p.K % vec == 0 && p.a_sm % vec == 0 && p.a_view->offset % vec == 0;
  s.b_async = p.b_view && (p.b_nk ? (p.K % vec == 0 && p.b_sn % vec == 0) : (p.b_sn == 1 && p.N % vec == 0 && p.b_sk % vec == 0)) &&
              p.b_view->offset % vec == 0;
  if (p.anchor->op() == OpKind::kMatMul) {
    // Batch strides must keep the alignment too.
    auto aligned = [&](const AffineView& v, size_t nb) {
      for (size_t d = 0; d < nb; ++d) {
        if (v.strides[d] % vec != 0) return false;
      }
      return true;
    };
    if (s.a_async) s.a_async = aligned(*p.a_view, p.a_view->strides.size() - 2);
    if (s.b_async) s.b_async = aligned(*p.b_view, p.b_view->strides.size() - 2);
  }
  return s;
}

}  // namespace

Expected<GemmStaging> AnalyzeGemmStaging(const ir::Graph& g, Precision precision) {
  AGT_ASSIGN_OR_RETURN(GemmPlan p, PlanGemm(g));
  return StagingOf(p, 16 / FloatStorageBytes(precision));
}

Expected<ProblemDims> AnalyzeGemm(const ir::Graph& g) {
  AGT_ASSIGN_OR_RETURN(GemmPlan p, PlanGemm(g));
  ProblemDims d;
  d.batch = p.batch;
  d.m = p.M;
  d.n = p.N;
  d.k = p.K;
  d.b_k_contiguous = p.b_nk;
  return d;
}

Expected<KernelSource> EmitGemm(const ir::Graph& g, const Program& prog) {
  AGT_ASSIGN_OR_RETURN(GemmPlan p, PlanGemm(g));
  const Annotation& an = prog.annotation;
  Precision prec = prog.task.precision;
  bool tc = prog.sketch.tensor_cores;
  if (tc && prec == Precision::kFP32) return Status::Error("tensor cores need tf32, fp16 or bf16");
  int64_t BM = an.get(Knob::kBlockM), BN = an.get(Knob::kBlockN), BK = an.get(Knob::kBlockK);
  int64_t S = an.get(Knob::kStages, 2), SPLIT = an.get(Knob::kSplitK, 1), SWZ = an.get(Knob::kSwizzle, 1);
  int64_t WM = an.get(Knob::kWarpsM, 1), WN = an.get(Knob::kWarpsN, 1), TM = an.get(Knob::kThreadM, 1), TN = an.get(Knob::kThreadN, 1);
  if (BM <= 0 || BN <= 0 || BK <= 0 || S < 2 || SPLIT < 1 || SWZ < 1) return Status::Error("GEMM annotation incomplete");
  int64_t esz = FloatStorageBytes(prec);
  int64_t vec = 16 / esz, pad = vec;
  bool mma16 = tc && prec != Precision::kTF32;
  int64_t kstep = tc ? (mma16 ? 16 : 8) : 1;
  int64_t NT = tc ? WM * WN * 32 : (BM / TM) * (BN / TN);
  int64_t WTM = tc ? BM / WM : 0, WTN = tc ? BN / WN : 0;
  if (tc && (BM % (WM * 16) != 0 || BN % (WN * 16) != 0 || BK % kstep != 0)) return Status::Error("tiles do not divide into MMA shapes");
  if (!tc && (BM % TM != 0 || BN % TN != 0)) return Status::Error("thread tiles do not divide the block tile");
  if (BK % vec != 0) return Status::Error("block_k must be a multiple of the 16-byte vector");
  int64_t MI = WTM / 16, NI = WTN / 8;
  int64_t LDA = BK + pad, LDB = p.b_nk ? BK + pad : BN + pad;
  int64_t a_stage = BM * LDA, b_stage = p.b_nk ? BN * LDB : BK * LDB;
  int64_t smem = S * (a_stage + b_stage) * esz;
  int64_t grid_m = CeilDiv(p.M, BM), grid_n = CeilDiv(p.N, BN);
  int64_t KT = CeilDiv(p.K, BK);
  SPLIT = std::min(SPLIT, KT);
  int64_t kt_per = CeilDiv(KT, SPLIT);
  const GemmStaging staging = StagingOf(p, vec);
  const bool a_async = staging.a_async, b_async = staging.b_async, a_conv = staging.a_conv_async;

  ExprEmitter e(g, prec);
  CudaWriter body;
  AGT_RETURN_IF_ERROR(EmitOperandsAndEpilogue(body, e, p));
  CudaWriter k;
  std::string name = "agt_gemm";
  k.Linef("extern \"C\" __global__ void __launch_bounds__({}) {}({}{})", NT, name, e.KernelParams(),
          SPLIT > 1 ? ", float* __restrict__ ws" : "");
  k.Open("");
  EmitGridDependencyEntry(k);
  k.Line(e.ParamsInit());
  k.Linef("constexpr long long M = {}, N = {}, K = {};", p.M, p.N, p.K);
  k.Linef("constexpr int BM = {}, BN = {}, BK = {}, STAGES = {}, NT = {}, LDA = {}, LDB = {};", BM, BN, BK, S, NT, LDA, LDB);
  k.Line("extern __shared__ __align__(128) unsigned char agt_smem[];");
  k.Line("st_t* As = reinterpret_cast<st_t*>(agt_smem);");
  k.Linef("st_t* Bs = As + STAGES * {};", a_stage);
  k.Line("const int tid = threadIdx.x;");
  k.Comment(fmt::format("Block rasterisation: groups of {} block rows walk the N tiles together (L2 reuse of B).", SWZ));
  k.Linef("const int grid_m = {}, grid_n = {};", grid_m, grid_n);
  k.Line("const int pid = blockIdx.x;");
  if (SWZ > 1) {
    k.Linef("const int in_group = {} * grid_n, first_m = (pid / in_group) * {};", SWZ, SWZ);
    k.Linef("const int gsize = min(grid_m - first_m, {});", SWZ);
    k.Line("const int bm = first_m + (pid % in_group) % gsize, bn = (pid % in_group) / gsize;");
  } else {
    k.Line("const int bm = pid / grid_n, bn = pid % grid_n;");
  }
  k.Linef("const long long bz = blockIdx.y / {};", SPLIT);
  k.Linef("const int ks = blockIdx.y % {};", SPLIT);
  k.Linef("const int kt_begin = ks * {}, kt_end = min({}, kt_begin + {});", kt_per, KT, kt_per);
  k.Line("const long long m0 = (long long)bm * BM, n0 = (long long)bn * BN;");
  if (a_async) k.Line("const st_t* a_ptr = gemm_a_ptr(P, bz);");
  if (a_conv) k.Line("const st_t* x_ptr = gemm_x_ptr(P);");
  if (b_async) k.Line("const st_t* b_ptr = gemm_b_ptr(P, bz);");
  // Stage loader.
  k.Open("auto load_tile = [&](int stage, int kt)");
  k.Line("const long long k0 = (long long)kt * BK;");
  k.Line("st_t* as = As + stage * " + std::to_string(a_stage) + ";");
  k.Line("st_t* bs = Bs + stage * " + std::to_string(b_stage) + ";");
  if (a_async) {
    k.Linef("#pragma unroll");
    k.Open(fmt::format("for (int c = tid; c < BM * BK / {}; c += NT)", vec));
    k.Linef("const int r = c / (BK / {0}), cc = (c % (BK / {0})) * {0};", vec);
    k.Line("const long long gm = m0 + r, gk = k0 + cc;");
    k.Line("const bool ok = gm < M && gk < K;");
    k.Linef("cp_async16(as + r * LDA + cc, ok ? a_ptr + gm * {}LL + gk : a_ptr, ok);", p.a_sm);
    k.Close();
  } else if (a_conv) {
    // Implicit GEMM over channels-last input: each 16-byte run is one pixel's channels c..c+vec-1 at
    // one (ky, kx); rows outside the image (padding) and past M or K are zero-filled.
    int64_t ohw = p.cv.OH * p.cv.OW;
    k.Linef("#pragma unroll");
    k.Open(fmt::format("for (int c = tid; c < BM * BK / {}; c += NT)", vec));
    k.Linef("const int r = c / (BK / {0}), cc = (c % (BK / {0})) * {0};", vec);
    k.Line("const long long gm = m0 + r, gk = k0 + cc;");
    k.Linef("const int pix = (int)(gm % {}LL), oy = pix / {}, ox = pix % {};", ohw, p.cv.OW, p.cv.OW);
    k.Linef("const int ch = (int)(gk % {}LL), rs = (int)(gk / {}LL), ky = rs / {}, kx = rs % {};", p.cv.C, p.cv.C, p.cv.KW, p.cv.KW);
    k.Linef("const int iy = oy * {} - {} + ky * {}, ix = ox * {} - {} + kx * {};", p.cv.sh, p.cv.pt, p.cv.dh, p.cv.sw, p.cv.pl, p.cv.dw);
    k.Linef("const bool ok = gm < M && gk < K && iy >= 0 && iy < {} && ix >= 0 && ix < {};", p.cv.H, p.cv.W);
    k.Linef("cp_async16(as + r * LDA + cc, ok ? x_ptr + ((gm / {}LL) * {}LL + (long long)iy * {}LL + ix) * {}LL + ch : x_ptr, ok);",
            ohw, p.cv.H * p.cv.W, p.cv.W, p.cv.C);
    k.Close();
  } else {
    bool m_fast = p.a_view && p.a_sm == 1;
    k.Open("for (int e = tid; e < BM * BK; e += NT)");
    k.Line(m_fast ? "const int r = e % BM, cc = e / BM;" : "const int r = e / BK, cc = e % BK;");
    k.Line("const long long gm = m0 + r, gk = k0 + cc;");
    k.Line("agt_st(as + r * LDA + cc, (gm < M && gk < K) ? gemm_a(P, bz, gm, gk) : 0.0f);");
    k.Close();
  }
  if (p.b_nk) {
    if (b_async) {
      k.Open(fmt::format("for (int c = tid; c < BN * BK / {}; c += NT)", vec));
      k.Linef("const int r = c / (BK / {0}), cc = (c % (BK / {0})) * {0};", vec);
      k.Line("const long long gn = n0 + r, gk = k0 + cc;");
      k.Line("const bool ok = gn < N && gk < K;");
      k.Linef("cp_async16(bs + r * LDB + cc, ok ? b_ptr + gn * {}LL + gk : b_ptr, ok);", p.b_sn);
      k.Close();
    } else {
      k.Open("for (int e = tid; e < BN * BK; e += NT)");
      k.Line("const int r = e / BK, cc = e % BK;");
      k.Line("const long long gn = n0 + r, gk = k0 + cc;");
      k.Line("agt_st(bs + r * LDB + cc, (gn < N && gk < K) ? gemm_b(P, bz, gk, gn) : 0.0f);");
      k.Close();
    }
  } else if (b_async) {
    k.Open(fmt::format("for (int c = tid; c < BK * BN / {}; c += NT)", vec));
    k.Linef("const int r = c / (BN / {0}), cc = (c % (BN / {0})) * {0};", vec);
    k.Line("const long long gk = k0 + r, gn = n0 + cc;");
    k.Line("const bool ok = gk < K && gn < N;");
    k.Linef("cp_async16(bs + r * LDB + cc, ok ? b_ptr + gk * {}LL + gn : b_ptr, ok);", p.b_sk);
    k.Close();
  } else {
    bool k_fast = p.b_view && p.b_sk == 1;
    k.Open("for (int e = tid; e < BK * BN; e += NT)");
    k.Line(k_fast ? "const int r = e % BK, cc = e / BK;" : "const int r = e / BN, cc = e % BN;");
    k.Line("const long long gk = k0 + r, gn = n0 + cc;");
    k.Line("agt_st(bs + r * LDB + cc, (gk < K && gn < N) ? gemm_b(P, bz, gk, gn) : 0.0f);");
    k.Close();
  }
  k.Close(";");
  auto bsm = [&](const std::string& kk, const std::string& nn) {
    return p.b_nk ? fmt::format("bs[({}) * LDB + ({})]", nn, kk) : fmt::format("bs[({}) * LDB + ({})]", kk, nn);
  };
  // Accumulators.
  if (tc) {
    k.Line("const int lane = tid & 31, warp = tid >> 5;");
    k.Linef("const int wm = warp / {}, wn = warp % {};", WN, WN);
    k.Line("const int g = lane >> 2, t = lane & 3;");
    k.Linef("constexpr int MI = {}, NI = {}, WTM = {}, WTN = {};", MI, NI, WTM, WTN);
    k.Line("float acc[MI][NI][4];");
    k.Line("#pragma unroll");
    k.Line("for (int i = 0; i < MI; ++i) for (int j = 0; j < NI; ++j) for (int q = 0; q < 4; ++q) acc[i][j][q] = 0.0f;");
  } else {
    k.Linef("constexpr int TM = {}, TN = {}, TX = BN / TN, TY = BM / TM;", TM, TN);
    k.Line("const int tx = tid % TX, ty = tid / TX;");
    k.Line("float acc[TM][TN];");
    k.Line("#pragma unroll");
    k.Line("for (int i = 0; i < TM; ++i) for (int j = 0; j < TN; ++j) acc[i][j] = 0.0f;");
  }
  // Pipeline prologue.
  k.Line("#pragma unroll");
  k.Open("for (int s = 0; s < STAGES - 1; ++s)");
  k.Line("if (kt_begin + s < kt_end) load_tile(s, kt_begin + s);");
  k.Line("cp_async_commit();");
  k.Close();
  k.Open("for (int kt = kt_begin; kt < kt_end; ++kt)");
  k.Line(ptx_sm80::CpAsyncWaitGroupStmt(S - 2));
  k.Line("__syncthreads();");
  k.Comment("The stage refilled here was read in the previous iteration, which every thread has finished.");
  k.Line("const int nk = kt + STAGES - 1;");
  k.Line("if (nk < kt_end) load_tile((nk - kt_begin) % STAGES, nk);");
  k.Line("cp_async_commit();");
  k.Line("const int stage = (kt - kt_begin) % STAGES;");
  k.Linef("const st_t* as = As + stage * {};", a_stage);
  k.Linef("const st_t* bs = Bs + stage * {};", b_stage);
  if (mma16) {
    k.Line("#pragma unroll");
    k.Open("for (int kk = 0; kk < BK; kk += 16)");
    k.Line("unsigned af[MI][4], bf[NI][2];");
    k.Line("#pragma unroll");
    k.Line("for (int mi = 0; mi < MI; ++mi) ldmatrix_x4(af[mi], as + (wm * WTM + mi * 16 + (lane & 15)) * LDA + kk + (lane >> 4) * 8);");
    k.Line("#pragma unroll");
    k.Open("for (int nj = 0; nj < NI / 2; ++nj)");
    k.Line("unsigned r[4];");
    if (p.b_nk) {
      k.Line("ldmatrix_x4(r, bs + (wn * WTN + nj * 16 + (lane & 7) + (lane >> 4) * 8) * LDB + kk + ((lane >> 3) & 1) * 8);");
    } else {
      k.Line("ldmatrix_x4_trans(r, bs + (kk + (lane & 15)) * LDB + wn * WTN + nj * 16 + (lane >> 4) * 8);");
    }
    k.Line("bf[2 * nj][0] = r[0]; bf[2 * nj][1] = r[1]; bf[2 * nj + 1][0] = r[2]; bf[2 * nj + 1][1] = r[3];");
    k.Close();
    k.Line("#pragma unroll");
    k.Line("for (int mi = 0; mi < MI; ++mi)");
    k.Line("#pragma unroll");
    k.Line("for (int ni = 0; ni < NI; ++ni)");
    k.Line("  asm volatile(\"" + ptx_sm80::MmaSyncPtx(prec) + "\"");
    k.Line("      : \"+f\"(acc[mi][ni][0]), \"+f\"(acc[mi][ni][1]), \"+f\"(acc[mi][ni][2]), \"+f\"(acc[mi][ni][3])");
    k.Line("      : \"r\"(af[mi][0]), \"r\"(af[mi][1]), \"r\"(af[mi][2]), \"r\"(af[mi][3]), \"r\"(bf[ni][0]), \"r\"(bf[ni][1]));");
    k.Close();
  } else if (tc) {
    k.Line("#pragma unroll");
    k.Open("for (int kk = 0; kk < BK; kk += 8)");
    k.Line("unsigned af[MI][4], bf[NI][2];");
    k.Line("#pragma unroll");
    k.Open("for (int mi = 0; mi < MI; ++mi)");
    k.Line("const int r0 = wm * WTM + mi * 16 + g;");
    k.Line("af[mi][0] = to_tf32(as[r0 * LDA + kk + t]);");
    k.Line("af[mi][1] = to_tf32(as[(r0 + 8) * LDA + kk + t]);");
    k.Line("af[mi][2] = to_tf32(as[r0 * LDA + kk + t + 4]);");
    k.Line("af[mi][3] = to_tf32(as[(r0 + 8) * LDA + kk + t + 4]);");
    k.Close();
    k.Line("#pragma unroll");
    k.Open("for (int ni = 0; ni < NI; ++ni)");
    k.Line("const int c0 = wn * WTN + ni * 8 + g;");
    k.Linef("bf[ni][0] = to_tf32({});", bsm("kk + t", "c0"));
    k.Linef("bf[ni][1] = to_tf32({});", bsm("kk + t + 4", "c0"));
    k.Close();
    k.Line("#pragma unroll");
    k.Line("for (int mi = 0; mi < MI; ++mi)");
    k.Line("#pragma unroll");
    k.Line("for (int ni = 0; ni < NI; ++ni)");
    k.Line("  asm volatile(\"" + ptx_sm80::MmaSyncPtx(prec) + "\"");
    k.Line("      : \"+f\"(acc[mi][ni][0]), \"+f\"(acc[mi][ni][1]), \"+f\"(acc[mi][ni][2]), \"+f\"(acc[mi][ni][3])");
    k.Line("      : \"r\"(af[mi][0]), \"r\"(af[mi][1]), \"r\"(af[mi][2]), \"r\"(af[mi][3]), \"r\"(bf[ni][0]), \"r\"(bf[ni][1]));");
    k.Close();
  } else {
    k.Line("#pragma unroll");
    k.Open("for (int kk = 0; kk < BK; ++kk)");
    k.Line("float a[TM], b[TN];");
    k.Line("#pragma unroll");
    k.Line("for (int i = 0; i < TM; ++i) a[i] = agt_f(as[(ty + i * TY) * LDA + kk]);");
    k.Line("#pragma unroll");
    k.Linef("for (int j = 0; j < TN; ++j) b[j] = agt_f({});", bsm("kk", "tx + j * TX"));
    k.Line("#pragma unroll");
    k.Line("for (int i = 0; i < TM; ++i)");
    k.Line("#pragma unroll");
    k.Line("for (int j = 0; j < TN; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);");
    k.Close();
  }
  k.Close();
  k.Line(ptx_sm80::CpAsyncWaitGroupStmt(0));
  // Element visitor over this thread's accumulators.
  auto for_each_acc = [&](const std::string& stmt) {
    if (tc) {
      k.Line("#pragma unroll");
      k.Open("for (int mi = 0; mi < MI; ++mi)");
      k.Line("#pragma unroll");
      k.Open("for (int ni = 0; ni < NI; ++ni)");
      k.Line("#pragma unroll");
      k.Open("for (int q = 0; q < 4; ++q)");
      k.Line("const long long m = m0 + wm * WTM + mi * 16 + g + (q >> 1) * 8, n = n0 + wn * WTN + ni * 8 + 2 * t + (q & 1);");
      k.Line("float& v = acc[mi][ni][q];");
      k.Line("if (m < M && n < N) " + stmt);
      k.Close();
      k.Close();
      k.Close();
    } else {
      k.Line("#pragma unroll");
      k.Open("for (int i = 0; i < TM; ++i)");
      k.Line("#pragma unroll");
      k.Open("for (int j = 0; j < TN; ++j)");
      k.Line("const long long m = m0 + ty + i * TY, n = n0 + tx + j * TX;");
      k.Line("float& v = acc[i][j];");
      k.Line("if (m < M && n < N) " + stmt);
      k.Close();
      k.Close();
    }
  };
  if (SPLIT > 1) {
    k.Comment("Split-K: publish this slice's partial tile; the last slice to arrive sums them and runs the epilogue.");
    k.Linef("float* part = ws + ((long long)ks * {} + bz) * M * N;", p.batch);
    for_each_acc("part[m * N + n] = v;");
    k.Line("__threadfence();");
    k.Line("__syncthreads();");
    k.Line("__shared__ int agt_last;");
    k.Linef("unsigned* counters = reinterpret_cast<unsigned*>(ws + {}LL * M * N);", SPLIT * p.batch);
    k.Line("const long long tile = (bz * grid_m + bm) * grid_n + bn;");
    k.Linef("if (tid == 0) agt_last = atomicAdd(&counters[tile], 1u) == {}u;", SPLIT - 1);
    k.Line("__syncthreads();");
    k.Line("if (!agt_last) return;");
    k.Line("__threadfence();");
    for_each_acc(fmt::format("{{ float s = 0.0f; for (int q2 = 0; q2 < {}; ++q2) s += __ldcg(ws + ((long long)q2 * {} + bz) * M * N + m * N + n); v = s; }}",
                             SPLIT, p.batch));
    k.Line("if (tid == 0) counters[tile] = 0u;   // ready for the next launch");
  }
  for_each_acc("gemm_epilogue(P, bz, m, n, v);");
  k.Close();

  CudaWriter w;
  w.Raw(KernelHeader(g, prog));
  w.Raw(ExprEmitter::Prelude(prec));
  w.Raw(ptx_sm80::Preamble({ptx_sm80::Wrapper::kCpAsync16, ptx_sm80::Wrapper::kCpAsyncCommit, ptx_sm80::Wrapper::kLdmatrixX4,
                             ptx_sm80::Wrapper::kLdmatrixX4Trans, ptx_sm80::Wrapper::kToTf32}));
  e.EmitParamsStruct(w);
  AGT_RETURN_IF_ERROR(e.EmitLoaders(w));
  w.Raw(body.str());
  w.Raw(k.str());

  KernelSource ks;
  ks.source = w.str();
  ks.launch.kernel_name = name;
  ks.launch.programmatic = true;   // EmitGridDependencyEntry at the kernel's start
  ks.launch.grid = {static_cast<uint32_t>(grid_m * grid_n), static_cast<uint32_t>(p.batch * SPLIT), 1};
  ks.launch.block = {static_cast<uint32_t>(NT), 1, 1};
  ks.launch.dynamic_smem_bytes = static_cast<uint32_t>(smem);
  ks.launch.num_inputs = static_cast<int>(g.inputs().size());
  ks.launch.num_outputs = static_cast<int>(g.outputs().size());
  if (SPLIT > 1) ks.launch.workspace_bytes = static_cast<uint64_t>(SPLIT * p.batch * p.M * p.N * 4 + p.batch * grid_m * grid_n * 4);
  return ks;
}

}  // namespace agt::codegen

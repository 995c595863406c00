// Loaders of the ops whose element is a loop over their operands: reductions, softmax, layer norm (and
// its two halves, row_moments and layer_norm_moments),
// cumulative sums, arg max / min, matrix products, convolutions and max pooling (the generic sketch's work; see
// expr_emitter.h). expr_emitter.cpp has the rest and hands these over.
#include <algorithm>
#include <string>
#include <vector>

#include "codegen/expr_emitter.h"
#include "codegen/expr_emitter_text.h"

namespace agt::codegen {

using ir::Node;
using ir::OpKind;
using ir::Value;
using expr_text::FloatLit;
using expr_text::Ints;
using expr_text::Join;
using expr_text::NormAxis;

Status ExprEmitter::EmitLoopLoaderBody(CudaWriter& w, const Node& n, const Value* v, const std::vector<std::string>& idx) {
  const ir::Shape& os = v->shape();
  const ir::Attrs& at = n.attrs();
  std::string rt = RegType(v);
  auto in = [&](size_t k) { return n.input(k); };
  auto bidx = [&](size_t k) { return BroadcastIndex(in(k)->shape(), os, idx); };
  switch (n.op()) {
    case OpKind::kReduceSum:
    case OpKind::kReduceMean:
    case OpKind::kReduceMax: {
      const ir::Shape& xs = in(0)->shape();
      std::vector<int64_t> axes = Ints(at, ir::AttrKey::kAxes);
      bool keep = at.i(ir::AttrKey::kKeepDims) != 0;
      std::vector<bool> mask(xs.size(), axes.empty());
      for (int64_t a : axes) mask[NormAxis(a, xs.size())] = true;
      ir::Shape red;
      for (size_t d = 0; d < xs.size(); ++d) {
        if (mask[d]) red.push_back(xs[d]);
      }
      int64_t count = ir::NumElements(red);
      std::vector<std::string> ridx = Unravel("r", red);
      std::vector<std::string> src;
      size_t o = 0, j = 0;
      for (size_t d = 0; d < xs.size(); ++d) {
        if (mask[d]) {
          src.push_back(ridx[j++]);
          if (keep) ++o;
        } else {
          src.push_back(idx[o++]);
        }
      }
      bool fl = ir::IsFloat(in(0)->dtype());
      bool mx = n.op() == OpKind::kReduceMax;
      std::string acc_t = fl || n.op() == OpKind::kReduceMean ? "float" : "long long";
      w.Linef("{} acc = {};", acc_t, mx ? (fl ? "-AGT_INF" : "(-9223372036854775807LL - 1)") : "0");
      w.Open(fmt::format("for (long long r = 0; r < {}LL; ++r)", count));
      w.Linef(fmt::runtime(mx ? "acc = agt_max(acc, ({}){});" : "acc += ({}){};"), acc_t, LoadCall(in(0), src));
      w.Close();
      if (n.op() == OpKind::kReduceMean) w.Linef("return ({})(acc / {}.0f);", rt, count);
      else w.Linef("return ({})acc;", rt);
      return Status::Ok();
    }
    case OpKind::kArgMax:
    case OpKind::kArgMin: {
      // The input index with "k" on the reduced axis; the first element starts as the best, and each
      // later one replaces it when strictly better (or as good, with select_last_index).
      const ir::Shape& xs = in(0)->shape();
      const size_t a = static_cast<size_t>(NormAxis(at.i(ir::AttrKey::kAxis), xs.size()));
      const bool keep = at.i(ir::AttrKey::kKeepDims) != 0;
      const bool last = at.has(ir::AttrKey::kSelectLastIndex) && at.i(ir::AttrKey::kSelectLastIndex) != 0;
      std::vector<std::string> src;
      for (size_t d = 0, o = 0; d < xs.size(); ++d) {
        if (d == a) {
          src.push_back("k");
          o += keep ? 1 : 0;
        } else {
          src.push_back(idx[o++]);
        }
      }
      std::vector<std::string> first = src;
      first[a] = "0LL";
      const std::string t = ir::IsFloat(in(0)->dtype()) ? "float" : "long long";
      const bool mx = n.op() == OpKind::kArgMax;
      w.Linef("{} best = ({}){};", t, t, LoadCall(in(0), first));
      w.Line("long long at = 0;");
      w.Open(fmt::format("for (long long k = 1; k < {}LL; ++k)", xs[a]));
      w.Linef("const {} v = ({}){};", t, t, LoadCall(in(0), src));
      w.Linef("if (v {} best) {{ best = v; at = k; }}", mx ? (last ? ">=" : ">") : (last ? "<=" : "<"));
      w.Close();
      w.Linef("return ({})at;", rt);
      return Status::Ok();
    }
    default: break;
  }
  // The remaining ops either are element-wise (composed from their operands' loaders) or loop.
  if (n.pattern() == ir::OpPattern::kElemWise || n.pattern() == ir::OpPattern::kBroadcast) {
    std::vector<std::string> ops;
    for (size_t k = 0; k < n.num_inputs(); ++k) ops.push_back(LoadCall(in(k), bidx(k)));
    AGT_ASSIGN_OR_RETURN(std::string e, ElementExpr(n, ops));
    w.Linef("return {};", e);
    return Status::Ok();
  }
  switch (n.op()) {
    case OpKind::kSoftmax: {
      int64_t a = NormAxis(at.i(ir::AttrKey::kAxis), os.size());
      std::vector<std::string> src = idx;
      src[a] = "k";
      std::string ld = LoadCall(in(0), src);
      w.Line("float m = -AGT_INF, s = 0.0f;");
      w.Linef("for (long long k = 0; k < {}LL; ++k) m = agt_max(m, {});", os[a], ld);
      w.Linef("for (long long k = 0; k < {}LL; ++k) s += expf({} - m);", os[a], ld);
      w.Linef("return expf({} - m) / s;", LoadCall(in(0), idx));
      return Status::Ok();
    }
    case OpKind::kLayerNorm: {
      int64_t a = NormAxis(at.i(ir::AttrKey::kAxis), os.size());
      ir::Shape tail(os.begin() + a, os.end());
      int64_t len = ir::NumElements(tail);
      std::vector<std::string> src(idx.begin(), idx.begin() + a), tidx = Unravel("j", tail);
      src.insert(src.end(), tidx.begin(), tidx.end());
      std::string ld = LoadCall(in(0), src);
      w.Line("float mean = 0.0f, var = 0.0f;");
      w.Linef("for (long long j = 0; j < {}LL; ++j) mean += {};", len, ld);
      w.Linef("mean /= {}.0f;", len);
      w.Linef("for (long long j = 0; j < {0}LL; ++j) {{ float d = {1} - mean; var += d * d; }}", len, ld);
      w.Linef("var /= {}.0f;", len);
      std::vector<std::string> own(idx.begin() + a, idx.end());
      std::string scale = n.num_inputs() > 1 ? LoadCall(in(1), own) : "1.0f";
      std::string bias = n.num_inputs() > 2 ? LoadCall(in(2), own) : "0.0f";
      w.Linef("return ({} - mean) / sqrtf(var + {}) * {} + {};", LoadCall(in(0), idx), FloatLit(at.f(ir::AttrKey::kEpsilon)),
              scale, bias);
      return Status::Ok();
    }
    case OpKind::kRowMoments: {
      // Element (r, b, c): block b of row r (its leading dims flattened), c 0 the mean, 1 the M2.
      const ir::Shape& ys = in(0)->shape();
      const int64_t n_cols = ys.back();
      std::vector<std::string> src = Unravel("r", ir::Shape(ys.begin(), ys.end() - 1));
      src.push_back("(lo + j)");
      std::string ld = LoadCall(in(0), src);
      w.Linef("const long long r = {}, lo = (long long)({}) * {};", idx[0], idx[1], ir::kMomentBlock);
      w.Linef("const long long cnt = lo + {0} < {1}LL ? {0} : {1}LL - lo;", ir::kMomentBlock, n_cols);
      w.Line("float mean = 0.0f, m2 = 0.0f;");
      w.Linef("for (long long j = 0; j < cnt; ++j) mean += {};", ld);
      w.Line("mean /= (float)cnt;");
      w.Linef("for (long long j = 0; j < cnt; ++j) {{ float d = {} - mean; m2 += d * d; }}", ld);
      w.Linef("return ({}) == 0 ? mean : m2;", idx[2]);
      return Status::Ok();
    }
    case OpKind::kLayerNormMoments:
    case OpKind::kLinearNormMoments: {
      // The row's blocks merged (Chan et al., as the reference), then the affine-free norm, or
      // rstd * (y w - mean * colsum) + b for the product form.
      const bool product = n.op() == OpKind::kLinearNormMoments;
      const int64_t n_cols = in(0)->shape().back(), blocks = (n_cols + ir::kMomentBlock - 1) / ir::kMomentBlock;
      std::vector<int64_t> st = ir::Strides(ir::Shape(os.begin(), os.end() - 1));
      std::vector<std::string> terms{"0"};
      for (size_t d = 0; d + 1 < os.size(); ++d) terms.push_back(fmt::format("(long long)({}) * {}LL", idx[d], st[d]));
      w.Linef("const long long r = {};", Join(terms, " + "));
      w.Line("float n = 0.0f, mean = 0.0f, m2 = 0.0f;");
      w.Linef("for (long long k = 0; k < {}LL; ++k) {{", blocks);
      w.Linef("  const float nb = (float)((k + 1) * {0} < {1}LL ? {0} : {1}LL - k * {0});", ir::kMomentBlock, n_cols);
      w.Linef("  const float mb = {}, qb = {};", LoadCall(in(1), {"r", "k", "0"}), LoadCall(in(1), {"r", "k", "1"}));
      w.Line("  const float t = n + nb, delta = mb - mean;");
      w.Line("  mean += delta * (nb / t);");
      w.Line("  m2 += qb + delta * delta * (n * nb / t);");
      w.Line("  n = t;");
      w.Line("}");
      const std::string rstd = fmt::format("rsqrtf(m2 / {}.0f + {})", n_cols, FloatLit(at.f(ir::AttrKey::kEpsilon)));
      if (!product) {
        w.Linef("return ({} - mean) * {};", LoadCall(in(0), idx), rstd);
        return Status::Ok();
      }
      std::vector<std::string> yi = idx;
      yi.back() = "k";
      w.Line("float acc = 0.0f;");
      w.Linef("for (long long k = 0; k < {}LL; ++k) acc += {} * {};", n_cols, LoadCall(in(0), yi),
              LoadCall(in(2), {"k", idx.back()}));
      w.Linef("return {} * (acc - mean * {}) + {};", rstd, LoadCall(in(3), {idx.back()}),
              n.num_inputs() > 4 ? LoadCall(in(4), {idx.back()}) : "0.0f");
      return Status::Ok();
    }
    case OpKind::kCumSum: {
      int64_t a = NormAxis(at.i(ir::AttrKey::kAxis), os.size());
      bool excl = at.i(ir::AttrKey::kExclusive) != 0, rev = at.i(ir::AttrKey::kReverse) != 0;
      std::vector<std::string> src = idx;
      src[a] = "k";
      std::string lo = rev ? fmt::format("{}{}", idx[a], excl ? " + 1" : "") : "0";
      std::string hi = rev ? fmt::format("{}LL", os[a]) : fmt::format("{}{}", idx[a], excl ? "" : " + 1");
      w.Linef("{} acc = 0;", rt);
      w.Linef("for (long long k = {}; k < {}; ++k) acc += {};", lo, hi, LoadCall(in(0), src));
      w.Line("return acc;");
      return Status::Ok();
    }
    case OpKind::kMatMul: {
      const ir::Shape& as = in(0)->shape();
      const ir::Shape& bs = in(1)->shape();
      bool sm = as.size() == 1, sn = bs.size() == 1;
      int64_t k = as.back();
      size_t nb = os.size() - (sm ? 0 : 1) - (sn ? 0 : 1);
      std::vector<std::string> batch(idx.begin(), idx.begin() + static_cast<int64_t>(nb));
      std::string m = sm ? "0" : idx[nb], nn = sn ? "0" : idx[os.size() - 1];
      ir::Shape ob(os.begin(), os.begin() + static_cast<int64_t>(nb));
      std::vector<std::string> ai, bi;
      if (!sm) {
        ir::Shape ab(as.begin(), as.end() - 2);
        ai = BroadcastIndex(ab, ob, batch);
        ai.push_back(m);
      }
      ai.push_back("k");
      bi.push_back("k");
      if (!sn) {
        ir::Shape bb(bs.begin(), bs.end() - 2);
        std::vector<std::string> b2 = BroadcastIndex(bb, ob, batch);
        b2.push_back("k");
        b2.push_back(nn);
        bi = b2;
      }
      w.Line("float acc = 0.0f;");
      w.Linef("for (long long k = 0; k < {}LL; ++k) acc += {} * {};", k, LoadCall(in(0), ai), LoadCall(in(1), bi));
      w.Line("return acc;");
      return Status::Ok();
    }
    case OpKind::kLinear: {
      int64_t k = in(0)->shape().back();
      std::vector<std::string> xi = idx;
      xi.back() = "k";
      w.Linef("float acc = {};", n.num_inputs() > 2 ? LoadCall(in(2), {idx.back()}) : "0.0f");
      w.Linef("for (long long k = 0; k < {}LL; ++k) acc += {} * {};", k, LoadCall(in(0), xi), LoadCall(in(1), {"k", idx.back()}));
      w.Line("return acc;");
      return Status::Ok();
    }
    case OpKind::kConv2d:
    case OpKind::kMaxPool:
    case OpKind::kConv2dNhwc:
    case OpKind::kMaxPoolNhwc: {
      const bool conv = n.op() == OpKind::kConv2d || n.op() == OpKind::kConv2dNhwc;
      const bool nhwc = n.op() == OpKind::kConv2dNhwc || n.op() == OpKind::kMaxPoolNhwc;
      // Positions of the channel and the two spatial dims in the output (and input) index.
      const size_t ch = nhwc ? 3 : 1, hy = nhwc ? 1 : 2, wx = nhwc ? 2 : 3;
      const ir::Shape& xs = in(0)->shape();
      // The verifier's window check guarantees two strides and dilations and four pads.
      const std::vector<int64_t>& s = at.ints(ir::AttrKey::kStrides), &p = at.ints(ir::AttrKey::kPads), &dl = at.ints(ir::AttrKey::kDilations);
      int64_t kh, kw, cg = 1, og = 1;
      if (conv) {
        const ir::Shape& ws = in(1)->shape();   // [O, C/g, kh, kw] or [O, kh, kw, C]
        kh = nhwc ? ws[1] : ws[2];
        kw = nhwc ? ws[2] : ws[3];
        cg = nhwc ? ws[3] : ws[1];
        og = ws[0] / std::max<int64_t>(1, at.has(ir::AttrKey::kGroup) ? at.i(ir::AttrKey::kGroup) : 1);
      } else {
        std::vector<int64_t> ks = Ints(at, ir::AttrKey::kKernelShape);
        kh = ks[0];
        kw = ks[1];
      }
      w.Linef("float acc = {};", conv ? (n.num_inputs() > 2 ? LoadCall(in(2), {idx[ch]}) : "0.0f") : "-AGT_INF");
      if (conv) w.Linef("long long cbase = ({} / {}LL) * {}LL;", idx[ch], og, cg);
      w.Open(conv ? fmt::format("for (long long c = 0; c < {}LL; ++c)", cg) : std::string("if (true)"));
      w.Open(fmt::format("for (long long ky = 0; ky < {}LL; ++ky)", kh));
      w.Linef("long long iy = {} * {}LL - {}LL + ky * {}LL;", idx[hy], s[0], p[0], dl[0]);
      w.Linef("if (iy < 0 || iy >= {}LL) continue;", xs[hy]);
      w.Open(fmt::format("for (long long kx = 0; kx < {}LL; ++kx)", kw));
      w.Linef("long long ix = {} * {}LL - {}LL + kx * {}LL;", idx[wx], s[1], p[1], dl[1]);
      w.Linef("if (ix < 0 || ix >= {}LL) continue;", xs[wx]);
      auto at4 = [&](std::string b, std::string c, std::string y, std::string x) {
        return nhwc ? std::vector<std::string>{b, y, x, c} : std::vector<std::string>{b, c, y, x};
      };
      if (conv) {
        w.Linef("acc += {} * {};", LoadCall(in(0), at4(idx[0], "cbase + c", "iy", "ix")), LoadCall(in(1), at4(idx[ch], "c", "ky", "kx")));
      } else {
        w.Linef("acc = agt_max(acc, {});", LoadCall(in(0), at4(idx[0], idx[ch], "iy", "ix")));
      }
      w.Close();
      w.Close();
      w.Close();
      w.Line("return acc;");
      return Status::Ok();
    }
    default: break;
  }
  return EmitSelectLoaderBody(w, n, v, idx);
}

}  // namespace agt::codegen

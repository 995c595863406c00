// Loaders of the ops that weigh or select several elements per output element: cubic resize (4
// taps per resized dim), top-k (the j-th element of TopK's order, found by j + 1 selection passes
// over the axis) and scatter-nd (the data element, then every update aimed at it, in order). The
// generic sketch's work, like expr_emitter_loops.cpp, which hands these over; the semantics are
// those of the reference (ir/ops/resize.cpp, ir/ops/select.cpp).
#include <string>
#include <vector>

#include "codegen/expr_emitter.h"
#include "codegen/expr_emitter_text.h"

namespace agt::codegen {

using ir::Node;
using ir::OpKind;
using ir::Value;
using expr_text::FloatLit;
using expr_text::Join;
using expr_text::NormAxis;

namespace {

// Keys' cubic convolution weights of the taps floor(c) - 1 .. floor(c) + 2 of dim d, as
// `cw{d}_{j}` floats, their (clamped) indices as `ci{d}_{j}`; exclude_outside drops the taps past
// the edge and renormalises the rest.
void EmitCubicTaps(CudaWriter& w, size_t d, double a, bool exclude, int64_t n_in) {
  w.Linef("const double f{0} = floor(c{0});", d);
  w.Linef("const float t{0} = (float)(c{0} - f{0});", d);
  const std::string A = FloatLit(a);
  auto near = [&](const std::string& x) { return fmt::format("((({0} + 2.0f) * {1} - ({0} + 3.0f)) * {1} * {1} + 1.0f)", A, x); };
  auto far = [&](const std::string& x) { return fmt::format("((({0} * {1} - 5.0f * {0}) * {1} + 8.0f * {0}) * {1} - 4.0f * {0})", A, x); };
  const std::string t = fmt::format("t{}", d);
  const std::string args[4] = {far("(" + t + " + 1.0f)"), near(t), near("(1.0f - " + t + ")"), far("(2.0f - " + t + ")")};
  for (int j = 0; j < 4; ++j) {
    w.Linef("const agt_ix r{0}_{1} = (agt_ix)f{0} - 1 + {1};", d, j);
    w.Linef("float cw{0}_{1} = {2};", d, j, args[j]);
    if (exclude) w.Linef("if (r{0}_{1} < 0 || r{0}_{1} >= {2}) cw{0}_{1} = 0.0f;", d, j, n_in);
    w.Linef("const agt_ix ci{0}_{1} = r{0}_{1} < 0 ? 0 : (r{0}_{1} >= {2} ? {2} - 1 : r{0}_{1});", d, j, n_in);
  }
  if (exclude) {
    w.Linef("{{ const float s = cw{0}_0 + cw{0}_1 + cw{0}_2 + cw{0}_3; cw{0}_0 /= s; cw{0}_1 /= s; cw{0}_2 /= s; cw{0}_3 /= s; }}", d);
  }
}

}  // namespace

Status ExprEmitter::EmitSelectLoaderBody(CudaWriter& w, const Node& n, const Value* v, const std::vector<std::string>& idx) {
  const ir::Shape& os = v->shape();
  const ir::Attrs& at = n.attrs();
  auto in = [&](size_t k) { return n.input(k); };
  switch (n.op()) {
    case OpKind::kResize: {
      if (at.s(ir::AttrKey::kMode) != "cubic") break;
      const ir::Shape& xs = in(0)->shape();
      const std::string& coord = at.s(ir::AttrKey::kCoordMode);
      const double a = at.has(ir::AttrKey::kCubicCoeffA) ? at.f(ir::AttrKey::kCubicCoeffA) : -0.75;
      const bool exclude = at.has(ir::AttrKey::kExcludeOutside) && at.i(ir::AttrKey::kExcludeOutside) != 0;
      std::vector<size_t> resized;
      for (size_t d = 0; d < os.size(); ++d) {
        if (xs[d] == os[d]) continue;
        w.Linef("const double c{} = {};", d, expr_text::ResizeCoordExpr(coord, idx[d], xs[d], os[d]));
        EmitCubicTaps(w, d, a, exclude, xs[d]);
        resized.push_back(d);
      }
      w.Line("float acc = 0.0f;");
      // Every combination of the resized dims' taps: 4^k terms.
      size_t terms = 1;
      for (size_t j = 0; j < resized.size(); ++j) terms *= 4;
      for (size_t c = 0; c < terms; ++c) {
        std::vector<std::string> src = idx, wts;
        size_t rest = c;
        for (size_t d : resized) {
          const size_t tap = rest % 4;
          rest /= 4;
          src[d] = fmt::format("ci{}_{}", d, tap);
          wts.push_back(fmt::format("cw{}_{}", d, tap));
        }
        w.Linef("acc += {} * {};", wts.empty() ? std::string("1.0f") : Join(wts, " * "), LoadCall(in(0), src));
      }
      w.Line("return acc;");
      return Status::Ok();
    }
    case OpKind::kTopKValues:
    case OpKind::kTopKIndices: {
      // Output position j along the axis holds the (j+1)-th element of the order: j + 1 passes, each
      // taking the best element that comes after the previous pass's (value, index).
      const ir::Shape& xs = in(0)->shape();
      const size_t ax = static_cast<size_t>(NormAxis(at.i(ir::AttrKey::kAxis), xs.size()));
      const bool largest = !at.has(ir::AttrKey::kLargest) || at.i(ir::AttrKey::kLargest) != 0;
      const bool fl = ir::IsFloat(in(0)->dtype());
      const std::string t = fl ? "float" : "long long";
      std::vector<std::string> src = idx;
      src[ax] = "q";
      // before(a, ia, b, ib): a precedes b. NaN above every number; equal values by index.
      std::string gt = fl ? (largest ? "((isnan(a) && !isnan(b)) || a > b)" : "((isnan(b) && !isnan(a)) || a < b)")
                          : (largest ? "(a > b)" : "(a < b)");
      std::string eq = fl ? "((isnan(a) && isnan(b)) || a == b)" : "(a == b)";
      w.Linef("auto before = [](const {0} a, const long long ia, const {0} b, const long long ib) {{ return {1} || ({2} && ia < ib); }};", t, gt, eq);
      w.Linef("{} pv = 0; long long pi = -1;", t);
      w.Open(fmt::format("for (long long s = 0; s <= (long long){}; ++s)", idx[ax]));
      w.Linef("{} bv = 0; long long bi = -1;", t);
      w.Open(fmt::format("for (long long q = 0; q < {}LL; ++q)", xs[ax]));
      w.Linef("const {} x = ({}){};", t, t, LoadCall(in(0), src));
      w.Line("if (pi >= 0 && !before(pv, pi, x, q)) continue;");
      w.Line("if (bi < 0 || before(x, q, bv, bi)) { bv = x; bi = q; }");
      w.Close();
      w.Line("pv = bv; pi = bi;");
      w.Close();
      w.Linef("return ({}){};", RegType(v), n.op() == OpKind::kTopKIndices ? "pi" : "pv");
      return Status::Ok();
    }
    case OpKind::kScatterNd: {
      // The data element, then each update slice aimed at this element's first q coordinates.
      const ir::Shape& ds = in(0)->shape();
      const ir::Shape& is = in(1)->shape();
      const size_t q = static_cast<size_t>(is.back());
      const ir::Shape tuples_shape(is.begin(), is.end() - 1);
      const int64_t tuples = ir::NumElements(tuples_shape);
      const std::string red = at.has(ir::AttrKey::kReduction) ? at.s(ir::AttrKey::kReduction) : "none";
      const std::string rt = RegType(v);
      w.Linef("{} y = {};", rt, LoadCall(in(0), idx));
      w.Open(fmt::format("for (long long u = 0; u < {}LL; ++u)", tuples));
      std::vector<std::string> tidx = Unravel("u", tuples_shape);
      std::vector<std::string> hit;
      for (size_t j = 0; j < q; ++j) {
        std::vector<std::string> at_j = tidx;
        at_j.push_back(fmt::format("{}", j));
        w.Linef("long long k{} = (long long){};", j, LoadCall(in(1), at_j));
        w.Linef("if (k{0} < 0) k{0} += {1}LL;", j, ds[j]);
        hit.push_back(fmt::format("k{} == (long long){}", j, idx[j]));
      }
      w.Linef("if (!({})) continue;", Join(hit, " && "));
      std::vector<std::string> uidx = tidx;
      uidx.insert(uidx.end(), idx.begin() + static_cast<std::ptrdiff_t>(q), idx.end());
      const std::string u = fmt::format("({}){}", rt, LoadCall(in(2), uidx));
      if (red == "add") w.Linef("y = y + {};", u);
      else if (red == "mul") w.Linef("y = y * {};", u);
      else if (red == "max") w.Linef("{{ const {} b = {}; y = y < b ? b : y; }}", rt, u);   // std::max's choice
      else if (red == "min") w.Linef("{{ const {} b = {}; y = b < y ? b : y; }}", rt, u);   // std::min's
      else w.Linef("y = {};", u);
      w.Close();
      w.Line("return y;");
      return Status::Ok();
    }
    default: break;
  }
  return Status::Errorf("no loader for {}", n.Describe());
}

}  // namespace agt::codegen

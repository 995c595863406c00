// Loaders and local chains for every op of the table (see expr_emitter.h): inputs, constants,
// element-wise and injective ops here; the ops that loop over their operands in expr_emitter_loops.cpp.
#include "codegen/expr_emitter.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

#include <fmt/ranges.h>

#include "codegen/expr_emitter_text.h"
#include "codegen/ptx/grid_dependency.h"

namespace agt::codegen {

using ir::DType;
using ir::Node;
using ir::OpKind;
using ir::Value;
using expr_text::FloatLit;
using expr_text::Ints;
using expr_text::Join;
using expr_text::NormAxis;

namespace {

std::vector<std::string> IndexNames(size_t rank) {
  std::vector<std::string> idx;
  for (size_t d = 0; d < rank; ++d) idx.push_back(fmt::format("i{}", d));
  return idx;
}

// Per-dim (start, step) of a slice, with ONNX's clamping (as the reference does).
std::vector<std::pair<int64_t, int64_t>> SliceStarts(const ir::Attrs& attrs, const ir::Shape& in) {
  std::vector<int64_t> starts = Ints(attrs, ir::AttrKey::kStarts), ends = Ints(attrs, ir::AttrKey::kEnds);
  std::vector<int64_t> axes = Ints(attrs, ir::AttrKey::kAxes), steps = Ints(attrs, ir::AttrKey::kSteps);
  size_t n = starts.size();
  if (axes.empty()) {
    for (size_t i = 0; i < n; ++i) axes.push_back(static_cast<int64_t>(i));
  }
  if (steps.empty()) steps.assign(n, 1);
  std::vector<std::pair<int64_t, int64_t>> r(in.size(), {0, 1});
  for (size_t i = 0; i < n && i < axes.size(); ++i) {
    int64_t a = axes[i] < 0 ? axes[i] + static_cast<int64_t>(in.size()) : axes[i];
    int64_t dim = in[a], step = steps[i];
    int64_t s = std::clamp<int64_t>(starts[i], -dim - 1, dim + 1);
    if (s < 0) s += dim;
    s = step > 0 ? std::clamp<int64_t>(s, 0, dim) : std::clamp<int64_t>(s, 0, dim - 1);
    r[a] = {s, step};
  }
  return r;
}


}  // namespace

bool DependsOn(const Value* v, const std::set<const Value*>& sources) {
  std::map<const Value*, bool> memo;
  std::function<bool(const Value*)> rec = [&](const Value* x) -> bool {
    if (sources.count(x)) return true;
    auto it = memo.find(x);
    if (it != memo.end()) return it->second;
    bool r = false;
    if (x->producer() != nullptr) {
      for (const Value* in : x->producer()->inputs()) r = r || rec(in);
    }
    memo[x] = r;
    return r;
  };
  return rec(v);
}

std::string ExprEmitter::Prelude(Precision p) {
  std::string st = p == Precision::kFP16 ? "__half" : p == Precision::kBF16 ? "__nv_bfloat16" : "float";
  return fmt::format(R"(#include <cuda_fp16.h>
#include <cuda_bf16.h>

// Storage type of floating tensors at this precision ({}); arithmetic is fp32.
typedef {} st_t;
#define AGT_NAN __int_as_float(0x7fffffff)
#define AGT_INF __int_as_float(0x7f800000)
__device__ __forceinline__ float agt_f(float x) {{ return x; }}
__device__ __forceinline__ float agt_f(__half x) {{ return __half2float(x); }}
__device__ __forceinline__ float agt_f(__nv_bfloat16 x) {{ return __bfloat162float(x); }}
__device__ __forceinline__ void agt_st(float* p, float v) {{ *p = v; }}
__device__ __forceinline__ void agt_st(__half* p, float v) {{ *p = __float2half_rn(v); }}
__device__ __forceinline__ void agt_st(__nv_bfloat16* p, float v) {{ *p = __float2bfloat16_rn(v); }}
__device__ __forceinline__ void agt_st(long long* p, long long v) {{ *p = v; }}
__device__ __forceinline__ void agt_st(int* p, long long v) {{ *p = (int)v; }}
__device__ __forceinline__ void agt_st(signed char* p, long long v) {{ *p = (signed char)v; }}
__device__ __forceinline__ void agt_st(unsigned char* p, bool v) {{ *p = v ? 1 : 0; }}
// max/min propagate NaN, as the reference does (fmaxf would drop it).
__device__ __forceinline__ float agt_max(float a, float b) {{ return (a != a || b != b) ? AGT_NAN : fmaxf(a, b); }}
__device__ __forceinline__ float agt_min(float a, float b) {{ return (a != a || b != b) ? AGT_NAN : fminf(a, b); }}
__device__ __forceinline__ long long agt_max(long long a, long long b) {{ return a > b ? a : b; }}
__device__ __forceinline__ long long agt_min(long long a, long long b) {{ return a < b ? a : b; }}
__device__ __forceinline__ long long agt_ipow(long long b, long long e) {{
  if (e < 0) return b == 1 ? 1 : (b == -1 ? ((e & 1) ? -1 : 1) : 0);
  long long r = 1;
  while (e > 0) {{ if (e & 1) r *= b; b *= b; e >>= 1; }}
  return r;
}}
__device__ __forceinline__ float agt_round_f16(float x) {{ return __half2float(__float2half_rn(x)); }}
__device__ __forceinline__ float agt_round_bf16(float x) {{ return __bfloat162float(__float2bfloat16_rn(x)); }}

)",
                     PrecisionName(p), st) +
         std::string(GridDependencyWrappers());
}

std::string ExprEmitter::FloatStorage() const {
  return precision_ == Precision::kFP16 ? "__half" : precision_ == Precision::kBF16 ? "__nv_bfloat16" : "float";
}

std::string ExprEmitter::RegType(const Value* v) const {
  if (ir::IsFloat(v->dtype())) return "float";
  if (v->dtype() == DType::kBool) return "bool";
  return "long long";
}

std::string ExprEmitter::StorageType(const Value* v) const {
  if (ir::IsStatistics(*v)) return "float";   // f32 at every precision (ir::StorageDType)
  switch (v->dtype()) {
    case DType::kF32:
    case DType::kF16:
    case DType::kBF16: return "st_t";
    case DType::kI64: return "long long";
    case DType::kI32: return "int";
    case DType::kI8: return "signed char";
    case DType::kBool: return "unsigned char";
  }
  return "st_t";
}

void ExprEmitter::EmitParamsStruct(CudaWriter& w) const {
  auto s = w.Block("struct Params", ";");
  for (size_t i = 0; i < g_.inputs().size(); ++i) {
    w.Linef("const {}* __restrict__ in{};   // {}", StorageType(g_.inputs()[i]), i, g_.inputs()[i]->type().ToString());
  }
  for (size_t i = 0; i < g_.outputs().size(); ++i) {
    w.Linef("{}* __restrict__ out{};   // {}", StorageType(g_.outputs()[i]), i, g_.outputs()[i]->type().ToString());
  }
  if (g_.inputs().empty() && g_.outputs().empty()) w.Line("int unused;");
}

std::string ExprEmitter::KernelParams() const {
  std::vector<std::string> ps;
  for (size_t i = 0; i < g_.inputs().size(); ++i) ps.push_back(fmt::format("const {}* __restrict__ in{}", StorageType(g_.inputs()[i]), i));
  for (size_t i = 0; i < g_.outputs().size(); ++i) ps.push_back(fmt::format("{}* __restrict__ out{}", StorageType(g_.outputs()[i]), i));
  return Join(ps);
}

std::string ExprEmitter::ParamsInit() const {
  std::vector<std::string> ps;
  for (size_t i = 0; i < g_.inputs().size(); ++i) ps.push_back(fmt::format("in{}", i));
  for (size_t i = 0; i < g_.outputs().size(); ++i) ps.push_back(fmt::format("out{}", i));
  if (ps.empty()) ps.push_back("0");
  return fmt::format("Params P{{{}}};", Join(ps));
}

std::vector<size_t> ExprEmitter::OutputSlots(const Value* v) const {
  std::vector<size_t> r;
  for (size_t i = 0; i < g_.outputs().size(); ++i) {
    if (g_.outputs()[i] == v) r.push_back(i);
  }
  return r;
}

int ExprEmitter::InputIndex(const Value* v) const {
  for (size_t i = 0; i < g_.inputs().size(); ++i) {
    if (g_.inputs()[i] == v) return static_cast<int>(i);
  }
  return -1;
}

namespace {
// Index constants of a tensor of `shape`: plain (int) literals when the tensor is small enough for
// 32-bit index arithmetic, so that a 32-bit index stays 32-bit through the division; long long past that.
std::string IndexLit(int64_t v, const ir::Shape& shape) {
  return ir::NumElements(shape) < ExprEmitter::kNarrowIndexLimit ? fmt::format("{}", v) : fmt::format("{}LL", v);
}
}  // namespace

const char* ExprEmitter::IndexType() const {
  auto narrow = [](const Value* v) { return v->type().num_elements() < kNarrowIndexLimit; };
  for (const Value* v : g_.inputs()) {
    if (!narrow(v)) return "long long";
  }
  for (const Value* v : g_.constants()) {
    if (!narrow(v)) return "long long";
  }
  for (const auto& n : g_.nodes()) {
    for (const Value* v : n->outputs()) {
      if (!narrow(v)) return "long long";
    }
  }
  return "int";
}

std::string ExprEmitter::Ravel(const std::vector<std::string>& idx, const ir::Shape& shape) {
  std::vector<int64_t> st = ir::Strides(shape);
  std::vector<std::string> terms;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1 || idx[d] == "0") continue;
    terms.push_back(st[d] == 1 ? fmt::format("({})", idx[d]) : fmt::format("({}) * {}", idx[d], IndexLit(st[d], shape)));
  }
  return terms.empty() ? "0" : Join(terms, " + ");
}

std::vector<std::string> ExprEmitter::Unravel(const std::string& flat, const ir::Shape& shape) {
  std::vector<int64_t> st = ir::Strides(shape);
  std::vector<std::string> idx;
  for (size_t d = 0; d < shape.size(); ++d) {
    const std::string n = IndexLit(shape[d], shape), s = IndexLit(st[d], shape);
    if (shape[d] == 1) {
      idx.push_back("0");
    } else if (d == 0) {
      idx.push_back(st[d] == 1 ? fmt::format("({})", flat) : fmt::format("(({}) / {})", flat, s));
    } else {
      idx.push_back(st[d] == 1 ? fmt::format("(({}) % {})", flat, n) : fmt::format("((({}) / {}) % {})", flat, s, n));
    }
  }
  return idx;
}

std::vector<std::string> ExprEmitter::BroadcastIndex(const ir::Shape& operand, const ir::Shape& out,
                                                     const std::vector<std::string>& out_idx) {
  std::vector<std::string> r;
  size_t shift = out.size() - operand.size();
  for (size_t d = 0; d < operand.size(); ++d) r.push_back(operand[d] == 1 ? "0" : out_idx[d + shift]);
  return r;
}

void ExprEmitter::Require(const Value* v) {
  if (!required_.insert(v->id()).second) return;
  if (v->producer() != nullptr) {
    for (const Value* in : v->producer()->inputs()) Require(in);
  }
}

std::string ExprEmitter::LoadCall(const Value* v, const std::vector<std::string>& idx) {
  Require(v);
  std::vector<std::string> args = {"P"};
  args.insert(args.end(), idx.begin(), idx.end());
  return fmt::format("ld_{}({})", Name(v), Join(args));
}

std::string ExprEmitter::StoreStmt(size_t k, const std::string& flat, const std::string& value) const {
  return fmt::format("agt_st(&P.out{}[{}], {});", k, flat, value);
}

std::string ExprEmitter::Literal(const Value* v, int64_t i) const {
  const ir::Tensor& t = v->data();
  if (ir::IsFloat(t.dtype())) return FloatLit(t.GetF32(i));
  if (t.dtype() == DType::kBool) return t.GetI64(i) ? "true" : "false";
  return fmt::format("{}LL", t.GetI64(i));
}

Status ExprEmitter::EmitLoaders(CudaWriter& w) {
  w.Linef("typedef {} agt_ix;   // the loaders' index type (ExprEmitter::IndexType)", IndexType());
  // Inputs and constants first, then node results in graph (topological) order.
  for (const Value* v : g_.inputs()) {
    if (required_.count(v->id())) AGT_RETURN_IF_ERROR(EmitLoader(w, v));
  }
  for (const Value* v : g_.constants()) {
    if (required_.count(v->id())) AGT_RETURN_IF_ERROR(EmitLoader(w, v));
  }
  for (const auto& n : g_.nodes()) {
    for (const Value* v : n->outputs()) {
      if (required_.count(v->id())) AGT_RETURN_IF_ERROR(EmitLoader(w, v));
    }
  }
  return Status::Ok();
}

Status ExprEmitter::EmitLoader(CudaWriter& w, const Value* v) {
  if (!emitted_.insert(v->id()).second) return Status::Ok();
  std::vector<std::string> idx = IndexNames(v->shape().size());
  std::vector<std::string> params = {"const Params& P"};
  for (const auto& i : idx) params.push_back("agt_ix " + i);
  std::string head = fmt::format("__device__ __forceinline__ {} ld_{}({})", RegType(v), Name(v), Join(params));
  if (v->is_graph_input()) {
    int k = InputIndex(v);
    auto s = w.Block(head);
    std::string ld = fmt::format("P.in{}[{}]", k, Ravel(idx, v->shape()));
    if (ir::IsFloat(v->dtype())) w.Linef("return agt_f({});", ld);
    else if (v->dtype() == DType::kBool) w.Linef("return {} != 0;", ld);
    else w.Linef("return (long long){};", ld);
    return Status::Ok();
  }
  if (v->is_constant()) {
    int64_t n = v->data().num_elements();
    if (n == 1) {
      auto s = w.Block(head);
      for (const auto& i : idx) w.Linef("(void){};", i);
      w.Linef("return {};", Literal(v, 0));
      return Status::Ok();
    }
    if (n > 65536) return Status::Errorf("constant {} is too large to inline in a kernel", v->type().ToString());
    std::vector<std::string> lits;
    for (int64_t i = 0; i < n; ++i) lits.push_back(Literal(v, i));
    w.Linef("__device__ const {} c_{}[{}] = {{{}}};", RegType(v), Name(v), n, Join(lits));
    auto s = w.Block(head);
    w.Linef("return c_{}[{}];", Name(v), Ravel(idx, v->shape()));
    return Status::Ok();
  }
  const Node& n = *v->producer();
  auto s = w.Block(head);
  w.Comment(fmt::format("{} -> {}", n.op_name(), v->type().ToString()));
  return EmitNodeLoaderBody(w, n, v, idx);
}

Expected<std::string> ExprEmitter::ElementExpr(const Node& n, const std::vector<std::string>& a) const {
  const Value* out = n.output(0);
  bool fl = ir::IsFloat(n.num_inputs() ? n.input(n.op() == OpKind::kWhere ? 1 : 0)->dtype() : out->dtype());
  auto u = [&](const char* fexpr, const char* iexpr) { return fmt::format(fmt::runtime(fl ? fexpr : iexpr), a[0]); };
  auto b = [&](const char* fexpr, const char* iexpr) { return fmt::format(fmt::runtime(fl ? fexpr : iexpr), a[0], a[1]); };
  switch (n.op()) {
    case OpKind::kRelu: return u("fmaxf({}, 0.0f)", "agt_max({}, 0LL)");
    case OpKind::kSigmoid: return u("(1.0f / (1.0f + expf(-({}))))", "");
    case OpKind::kGelu:
      if (n.attrs().s(ir::AttrKey::kApproximate) == "tanh") {
        return fmt::format("([&](float x) {{ return 0.5f * x * (1.0f + tanhf(0.7978845608f * (x + 0.044715f * x * x * x))); }}({}))", a[0]);
      }
      return fmt::format("([&](float x) {{ return 0.5f * x * (1.0f + erff(x * 0.7071067812f)); }}({}))", a[0]);
    case OpKind::kSqrt: return u("sqrtf({})", "");
    case OpKind::kErf: return u("erff({})", "");
    case OpKind::kExp: return u("expf({})", "");
    case OpKind::kLog: return u("logf({})", "");
    case OpKind::kTanh: return u("tanhf({})", "");
    case OpKind::kNeg: return u("(-({}))", "(-({}))");
    case OpKind::kAbs: return u("fabsf({})", "llabs({})");
    case OpKind::kReciprocal: return u("(1.0f / ({}))", "");
    case OpKind::kSin: return u("sinf({})", "");
    case OpKind::kCos: return u("cosf({})", "");
    case OpKind::kFloor: return u("floorf({})", "");
    case OpKind::kCeil: return u("ceilf({})", "");
    case OpKind::kNot: return fmt::format("(!({}))", a[0]);
    case OpKind::kIsNaN: return fmt::format("isnan({})", a[0]);
    case OpKind::kIdentity: return a[0];
    case OpKind::kCast: {
      DType to = out->dtype(), from = n.input(0)->dtype();
      if (ir::IsFloat(to)) {
        std::string x = fmt::format("(float)({})", a[0]);
        if (to == DType::kF16) return fmt::format("agt_round_f16({})", x);
        if (to == DType::kBF16) return fmt::format("agt_round_bf16({})", x);
        return x;
      }
      if (to == DType::kBool) return fmt::format("(({}) != 0)", a[0]);
      if (ir::IsFloat(from)) return fmt::format("(long long)truncf({})", a[0]);
      if (to == DType::kI32) return fmt::format("(long long)(int)({})", a[0]);
      if (to == DType::kI8) return fmt::format("(long long)(signed char)({})", a[0]);
      return fmt::format("(long long)({})", a[0]);
    }
    case OpKind::kAdd: return b("(({}) + ({}))", "(({}) + ({}))");
    case OpKind::kSub: return b("(({}) - ({}))", "(({}) - ({}))");
    case OpKind::kMul: return b("(({}) * ({}))", "(({}) * ({}))");
    case OpKind::kDiv: return b("(({}) / ({}))", "(({}) / ({}))");
    case OpKind::kPow: return b("powf({}, {})", "agt_ipow({}, {})");
    case OpKind::kMax: return b("agt_max({}, {})", "agt_max({}, {})");
    case OpKind::kMin: return b("agt_min({}, {})", "agt_min({}, {})");
    case OpKind::kEqual: return b("(({}) == ({}))", "(({}) == ({}))");
    case OpKind::kLess: return b("(({}) < ({}))", "(({}) < ({}))");
    case OpKind::kLessOrEqual: return b("(({}) <= ({}))", "(({}) <= ({}))");
    case OpKind::kGreater: return b("(({}) > ({}))", "(({}) > ({}))");
    case OpKind::kGreaterOrEqual: return b("(({}) >= ({}))", "(({}) >= ({}))");
    case OpKind::kAnd: return fmt::format("(({}) && ({}))", a[0], a[1]);
    case OpKind::kOr: return fmt::format("(({}) || ({}))", a[0], a[1]);
    case OpKind::kWhere: return fmt::format("(({}) ? ({}) : ({}))", a[0], a[1], a[2]);
    default: break;
  }
  return Status::Errorf("{} is not element-wise", n.Describe());
}

Status ExprEmitter::EmitNodeLoaderBody(CudaWriter& w, const Node& n, const Value* v, const std::vector<std::string>& idx) {
  const ir::Shape& os = v->shape();
  const ir::Attrs& at = n.attrs();
  std::string rt = RegType(v);
  auto in = [&](size_t k) { return n.input(k); };
  auto bidx = [&](size_t k) { return BroadcastIndex(in(k)->shape(), os, idx); };
  switch (n.op()) {
    case OpKind::kBatchNorm: {
      double eps = at.f(ir::AttrKey::kEpsilon);
      std::vector<std::string> c = {idx[1]};
      w.Linef("float x = {};", LoadCall(in(0), idx));
      w.Linef("return (x - {}) * ({} / sqrtf({} + {})) + {};", LoadCall(in(3), c), LoadCall(in(1), c), LoadCall(in(4), c),
              FloatLit(eps), LoadCall(in(2), c));
      return Status::Ok();
    }
    case OpKind::kReshape: {
      w.Linef("agt_ix f = {};", Ravel(idx, os));
      w.Linef("return {};", LoadCall(in(0), Unravel("f", in(0)->shape())));
      return Status::Ok();
    }
    case OpKind::kTranspose: {
      std::vector<int64_t> perm = Ints(at, ir::AttrKey::kPerm);
      size_t r = os.size();
      if (perm.empty()) {
        for (size_t d = 0; d < r; ++d) perm.push_back(static_cast<int64_t>(r - 1 - d));
      }
      std::vector<std::string> src(r);
      for (size_t d = 0; d < r; ++d) src[perm[d]] = idx[d];
      w.Linef("return {};", LoadCall(in(0), src));
      return Status::Ok();
    }
    case OpKind::kConcat: {
      int64_t a = NormAxis(at.i(ir::AttrKey::kAxis), os.size());
      int64_t off = 0;
      for (size_t k = 0; k < n.num_inputs(); ++k) {
        std::vector<std::string> src = idx;
        src[a] = fmt::format("{} - {}", idx[a], off);
        int64_t len = in(k)->shape()[a];
        if (k + 1 == n.num_inputs()) {
          w.Linef("return {};", LoadCall(in(k), src));
        } else if (len > 0) {
          w.Linef("if ({} < {}) return {};", idx[a], off + len, LoadCall(in(k), src));
        }
        off += len;
      }
      return Status::Ok();
    }
    case OpKind::kSlice: {
      auto plan = SliceStarts(at, in(0)->shape());
      std::vector<std::string> src;
      for (size_t d = 0; d < os.size(); ++d) {
        auto [s, st] = plan[d];
        src.push_back(st == 1 ? (s == 0 ? idx[d] : fmt::format("{} + {}", s, idx[d])) : fmt::format("{} + ({}) * {}", s, st, idx[d]));
      }
      w.Linef("return {};", LoadCall(in(0), src));
      return Status::Ok();
    }
    case OpKind::kGather: {
      const ir::Shape& ds = in(0)->shape();
      int64_t a = NormAxis(at.i(ir::AttrKey::kAxis), ds.size());
      size_t ri = in(1)->shape().size();
      std::vector<std::string> iidx(idx.begin() + a, idx.begin() + a + static_cast<int64_t>(ri));
      w.Linef("long long g = {};", LoadCall(in(1), iidx));
      w.Linef("if (g < 0) g += {}LL;", ds[a]);
      std::vector<std::string> src(idx.begin(), idx.begin() + a);
      src.push_back("g");
      src.insert(src.end(), idx.begin() + a + static_cast<int64_t>(ri), idx.end());
      w.Linef("return {};", LoadCall(in(0), src));
      return Status::Ok();
    }
    case OpKind::kGatherNd: {
      // out [B..., I..., slice...]: the tuple indices[B..., I..., 0..k) picks data[B..., tuple, slice...].
      const ir::Shape& ds = in(0)->shape();
      const ir::Shape& is = in(1)->shape();
      const int64_t b = at.i(ir::AttrKey::kBatchDims), k = is.back();
      const size_t tuple_dims = is.size() - 1;
      std::vector<std::string> src(idx.begin(), idx.begin() + b);
      for (int64_t j = 0; j < k; ++j) {
        std::vector<std::string> iidx(idx.begin(), idx.begin() + static_cast<int64_t>(tuple_dims));
        iidx.push_back(fmt::format("{}LL", j));
        w.Linef("long long g{} = {};", j, LoadCall(in(1), iidx));
        w.Linef("if (g{} < 0) g{} += {}LL;", j, j, ds[b + j]);
        src.push_back(fmt::format("g{}", j));
      }
      src.insert(src.end(), idx.begin() + static_cast<int64_t>(tuple_dims), idx.end());
      w.Linef("return {};", LoadCall(in(0), src));
      return Status::Ok();
    }
    case OpKind::kSplit: {
      int64_t a = NormAxis(at.i(ir::AttrKey::kAxis), os.size());
      std::vector<int64_t> split = Ints(at, ir::AttrKey::kSplit);
      int64_t off = 0;
      for (int k = 0; k < v->output_index(); ++k) off += split[k];
      std::vector<std::string> src = idx;
      src[a] = fmt::format("{} + {}", idx[a], off);
      w.Linef("return {};", LoadCall(in(0), src));
      return Status::Ok();
    }
    case OpKind::kExpand:
      w.Linef("return {};", LoadCall(in(0), bidx(0)));
      return Status::Ok();
    case OpKind::kTile: {
      std::vector<std::string> src;
      for (size_t d = 0; d < os.size(); ++d) src.push_back(fmt::format("{} % {}", idx[d], in(0)->shape()[d]));
      w.Linef("return {};", LoadCall(in(0), src));
      return Status::Ok();
    }
    case OpKind::kPad: {
      std::vector<int64_t> pads = Ints(at, ir::AttrKey::kPads);
      const std::string& mode = at.s(ir::AttrKey::kMode);
      const ir::Shape& xs = in(0)->shape();
      size_t r = xs.size();
      std::vector<std::string> src;
      for (size_t d = 0; d < r; ++d) {
        std::string s = fmt::format("s{}", d);
        w.Linef("agt_ix {} = {} - {};", s, idx[d], pads[d]);
        if (mode == "constant") {
          w.Linef("if ({0} < 0 || {0} >= {1}) return ({2}){3};", s, xs[d], rt, FloatLit(at.f(ir::AttrKey::kValue)));
        } else if (mode == "edge" || xs[d] == 1) {
          w.Linef("{0} = {0} < 0 ? 0 : ({0} >= {1} ? {1} - 1 : {0});", s, xs[d]);
        } else {
          w.Linef("{{ agt_ix per = {0}; agt_ix m = (({1} % per) + per) % per; {1} = m < {2} ? m : per - m; }}",
                  2 * (xs[d] - 1), s, xs[d]);
        }
        src.push_back(s);
      }
      w.Linef("return {};", LoadCall(in(0), src));
      return Status::Ok();
    }
    case OpKind::kResize: {
      if (at.s(ir::AttrKey::kMode) == "cubic") break;   // 4^k taps: expr_emitter_select.cpp
      bool linear = at.s(ir::AttrKey::kMode) == "linear";
      const std::string& coord = at.s(ir::AttrKey::kCoordMode);
      const std::string& nearest = at.s(ir::AttrKey::kNearestMode);
      const ir::Shape& xs = in(0)->shape();
      std::vector<std::string> lo = idx, hi = idx;
      std::vector<size_t> resized;
      for (size_t d = 0; d < os.size(); ++d) {
        if (xs[d] == os[d]) continue;
        w.Linef("double c{} = {};", d, expr_text::ResizeCoordExpr(coord, idx[d], xs[d], os[d]));
        if (linear) {
          w.Linef("c{0} = c{0} < 0.0 ? 0.0 : (c{0} > {1}.0 ? {1}.0 : c{0});", d, xs[d] - 1);
          w.Linef("agt_ix lo{0} = (agt_ix)floor(c{0});", d);
          w.Linef("agt_ix hi{0} = lo{0} + 1 < {1} ? lo{0} + 1 : {1};", d, xs[d] - 1);
          w.Linef("float w{0} = (float)(c{0} - (double)lo{0});", d);
          lo[d] = fmt::format("lo{}", d);
          hi[d] = fmt::format("hi{}", d);
          resized.push_back(d);
        } else {
          std::string r;
          if (nearest == "floor") r = fmt::format("floor(c{})", d);
          else if (nearest == "ceil") r = fmt::format("ceil(c{})", d);
          else if (nearest == "round_prefer_ceil") r = fmt::format("(c{0} - floor(c{0}) == 0.5 ? floor(c{0}) + 1.0 : floor(c{0} + 0.5))", d);
          else r = fmt::format("(c{0} - floor(c{0}) == 0.5 ? floor(c{0}) : floor(c{0} + 0.5))", d);
          w.Linef("agt_ix n{} = (agt_ix){};", d, r);
          w.Linef("n{0} = n{0} < 0 ? 0 : (n{0} > {1} ? {1} : n{0});", d, xs[d] - 1);
          lo[d] = fmt::format("n{}", d);
        }
      }
      if (!linear) {
        w.Linef("return {};", LoadCall(in(0), lo));
        return Status::Ok();
      }
      w.Line("float acc = 0.0f;");
      for (size_t c = 0; c < (size_t{1} << resized.size()); ++c) {
        std::vector<std::string> src = lo, wts;
        for (size_t j = 0; j < resized.size(); ++j) {
          size_t d = resized[j];
          if (c & (size_t{1} << j)) {
            src[d] = hi[d];
            wts.push_back(fmt::format("w{}", d));
          } else {
            wts.push_back(fmt::format("(1.0f - w{})", d));
          }
        }
        w.Linef("acc += {} * {};", Join(wts, " * "), LoadCall(in(0), src));
      }
      w.Line("return acc;");
      return Status::Ok();
    }
    default: break;
  }
  // Ops whose element is a loop over its operands (expr_emitter_loops.cpp).
  return EmitLoopLoaderBody(w, n, v, idx);
}

Status ExprEmitter::EmitLocalChain(CudaWriter& w, BoundMap& bound, std::span<const Value* const> targets,
                                   const Iteration* iteration) {
  std::set<const Value*> sources;
  for (const auto& [v, b] : bound) sources.insert(v);
  // Values to compute: targets and their producers' operands that depend on bound values.
  std::set<const Value*> needed;
  std::function<void(const Value*)> mark = [&](const Value* v) {
    if (bound.count(v) || needed.count(v) || !DependsOn(v, sources)) return;
    needed.insert(v);
    for (const Value* in : v->producer()->inputs()) mark(in);
  };
  for (const Value* t : targets) mark(t);
  for (const auto& np : g_.nodes()) {
    const Node& n = *np;
    if (n.num_outputs() != 1 || !needed.count(n.output(0))) {
      for (const Value* o : n.outputs()) {
        if (needed.count(o)) return Status::Errorf("{} has several results and cannot be fused here", n.Describe());
      }
      continue;
    }
    const Value* out = n.output(0);
    const ir::Shape& os = out->shape();
    BoundValue res;
    bool elementwise = n.pattern() == ir::OpPattern::kElemWise ||
                       (n.pattern() == ir::OpPattern::kBroadcast && n.op() != OpKind::kBatchNorm);
    if (elementwise) {
      // The index comes from a bound operand of the output's shape; uniform ones broadcast.
      const BoundValue* ref = nullptr;
      for (const Value* in : n.inputs()) {
        auto it = bound.find(in);
        if (it == bound.end()) continue;
        if (!it->second.uniform && in->shape() == os) {
          if (ref != nullptr && ref->idx != it->second.idx) {
            return Status::Errorf("{} combines values held at different indices", n.Describe());
          }
          ref = &it->second;
        } else if (!it->second.uniform) {
          return Status::Errorf("{} broadcasts a value held per element", n.Describe());
        }
      }
      BoundValue iter;
      if (ref == nullptr) {
        // Every bound operand is uniform. The result is uniform too when it keeps a uniform operand's
        // shape (the others broadcast into it); when it has the shape of the walked index space, it
        // varies with that index.
        for (const Value* in : n.inputs()) {
          auto it = bound.find(in);
          if (it != bound.end() && in->shape() == os) ref = &it->second;
        }
        if (ref != nullptr) {
          res.uniform = true;
        } else if (iteration != nullptr && iteration->shape == os) {
          iter.idx = iteration->idx;
          ref = &iter;
        } else {
          return Status::Errorf("{} broadcasts a per-row value to a shape the kernel does not walk", n.Describe());
        }
      }
      res.idx = ref->idx;
      std::vector<std::string> ops;
      for (const Value* in : n.inputs()) {
        auto it = bound.find(in);
        if (it != bound.end()) ops.push_back(it->second.var);
        else ops.push_back(LoadCall(in, BroadcastIndex(in->shape(), os, res.idx)));
      }
      AGT_ASSIGN_OR_RETURN(std::string e, ElementExpr(n, ops));
      res.var = w.Fresh("e");
      w.Linef("{} {} = {};   // {}", RegType(out), res.var, e, n.op_name());
    } else if (n.op() == OpKind::kReshape || n.op() == OpKind::kTranspose) {
      const BoundValue& src = bound.at(n.input(0));
      res.var = src.var;
      res.uniform = src.uniform;
      if (src.uniform) return Status::Errorf("{} moves a per-row value", n.Describe());
      if (n.op() == OpKind::kReshape) {
        std::string f = w.Fresh("f");
        w.Linef("long long {} = {};   // reshape", f, Ravel(src.idx, n.input(0)->shape()));
        res.idx = Unravel(f, os);
      } else {
        std::vector<int64_t> perm = Ints(n.attrs(), ir::AttrKey::kPerm);
        if (perm.empty()) {
          for (size_t d = 0; d < os.size(); ++d) perm.push_back(static_cast<int64_t>(os.size() - 1 - d));
        }
        for (size_t d = 0; d < os.size(); ++d) res.idx.push_back(src.idx[perm[d]]);
      }
    } else {
      return Status::Errorf("{} cannot be computed in registers after the kernel's main loop", n.Describe());
    }
    bound[out] = res;
  }
  return Status::Ok();
}

}  // namespace agt::codegen

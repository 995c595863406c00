// The Hopper GEMM sketch: a Linear group (linear -> [gelu] -> [+ residual]) at fp16/bf16/tf32 on sm_90, on
// the warp-specialised TMA + wgmma core of codegen/hopper (persistent grid, deterministic split-K,
// epilogue fused from registers). It comes before the mma.sync GEMM sketch in the table and applies
// only where the copy engine can read both operands as they lie in memory: A an affine [M, K] view
// with unit inner stride, B the [K, N] (or [N, K]) weight, 16-byte row strides and bases, the bias a
// plain [N] vector, the residual and the output [M, N] with row stride N. Anything else (a computed
// prologue, a strided output view, another epilogue op) says why and falls to the GEMM sketch.
//
// Knobs: block_m / block_n (the CTA tile), stages (ring depth), consumers (warpgroups issuing wgmma),
// split_k (k-ranges per tile, reduced in a fixed order), raster (0: tiles walk M, 1: along N),
// swap_ab (1: computed as C^T = B^T A^T, block_m then counts the weight's columns and block_n the
// activation rows, any multiple of 8: batch-1 token counts such as 197 or 257 fill their tiles),
// cluster (2: CTA pairs whose tiles read the same weight columns share its tiles by TMA multicast).
// tile_k is one 128-byte swizzle row (64 16-bit values, 32 f32 ones); the epilogue is staged through
// shared memory whenever the ring leaves room for its buffer. tf32 (f32 storage, tf32 wgmma) needs the
// weight K-major, an [N, K] view (wgmma transposes only 16-bit types): at tf32 the precision pass
// tf32-k-major-weights stores each linear's weight [N, K] behind a transpose, which the group reads
// with strides (1, K); a [K, N] weight is refused by the core's validator and falls to the GEMM sketch.
// An affine-free layer_norm in the group feeding A (fold-layer-norm-affine's form) is the core's
// LayerNorm prologue (codegen/hopper/norm_prologue_sm90.h): swapped and unsplit programs only.
#include <algorithm>

#include "codegen/affine_view.h"
#include "codegen/conv_geometry.h"
#include "codegen/hopper/gemm_sm90.h"
#include "codegen/hopper/implicit_gemm_sm90.h"
#include "codegen/hopper/tile_scheduler_sm90.h"
#include "codegen/sketches/sketch.h"

namespace agt::codegen {

namespace {

using hopper::BLayout;
using hopper::GemmSm90Config;
using ir::Node;
using ir::OpKind;
using ir::Value;
using sketch_math::CeilDiv;

// The group as the core sees it.
struct Sm90Plan {
  int64_t M = 0, N = 0, K = 0;
  AffineView a, b;
  int64_t a_row = 0;         // A's row stride, elements
  int64_t b_row = 0;         // B's row stride (rows of K in kKN, of N in kNK), elements
  BLayout b_layout = BLayout::kKN;
  int bias = -1;             // group input of the bias, or -1
  int residual = -1;         // group input of the residual, or -1
  bool gelu = false;
  bool relu = false;         // after the bias, before the residual
  bool relu_out = false;     // after the residual
  // conv2d_nhwc: A is the implicit GEMM of the channels-last input `a` (a dense [batch, H, W, C] view).
  bool conv = false;
  ConvGeometry2d geom;
  // A = layer_norm(a) (affine-free, over K) inside the group: the core's LayerNorm prologue.
  bool norm = false;
  float norm_eps = 1e-5f;
};

// A view that is a plain row-major [rows, cols] block of its input at `stride` elements per row; the
// leading dims of `shape` collapse into the rows. The row stride, or nullopt.
std::optional<int64_t> RowMajorStride(const AffineView& v, const ir::Shape& shape) {
  if (shape.empty() || v.strides.back() != 1) return std::nullopt;
  if (shape.size() == 1) return shape[0];
  const size_t r = shape.size();
  for (size_t d = 0; d + 2 < r; ++d) {
    if (shape[d] != 1 && v.strides[d] != v.strides[d + 1] * shape[d + 1]) return std::nullopt;
  }
  return shape[r - 2] == 1 ? shape[r - 1] : v.strides[r - 2];
}

// Whether a pointer argument can be the input itself: offset 0, dense row-major, `row` elements a row.
bool DenseFromStart(const AffineView& v, const ir::Shape& shape, int64_t row) {
  auto s = RowMajorStride(v, shape);
  return v.offset == 0 && s && *s == row;
}

// conv2d_nhwc: x a dense channels-last view with C % 8 == 0, the weight a dense [O, KH, KW, C] input
// (the [N, K] K-major operand).
Status PlanConv(const ir::Graph& g, const Node& conv, Sm90Plan& p) {
  const ir::Shape& xs = conv.input(0)->shape();
  const ir::Shape& ws = conv.input(1)->shape();
  const ConvGeometry2d& c = p.geom = ConvGeometryOf(conv);
  p.conv = true;
  p.M = c.M();
  p.N = c.O;
  p.K = c.K();
  if (c.C % 8 != 0) return Status::Errorf("C = {}: the core gathers 16-byte runs of channels (C % 8 == 0)", c.C);
  auto x = AffineOf(g, conv.input(0));
  if (!x || x->strides[3] != 1 || x->strides[2] != xs[3] || x->strides[1] != xs[2] * xs[3] ||
      (xs[0] != 1 && x->strides[0] != xs[1] * xs[2] * xs[3])) {
    return Status::Error("the input is not a dense channels-last view of a group input");
  }
  if (x->offset != 0) return Status::Error("the input does not start at its buffer's base (the kernel takes the pointer itself)");
  p.a = *x;
  p.a_row = xs[3];
  auto w = AffineOf(g, conv.input(1));
  if (!w || w->strides[3] != 1 || w->strides[2] != ws[3] || w->strides[1] != ws[2] * ws[3] || w->strides[0] != p.K) {
    return Status::Error("the weight is not a dense [O, KH, KW, C] input");
  }
  p.b = *w;
  p.b_layout = BLayout::kNK;
  p.b_row = p.K;
  return Status::Ok();
}

Status PlanEpilogue(const ir::Graph& g, const Node& anchor, Sm90Plan& p);

// A first operand produced in the group by an affine-free last-axis layer_norm (fold-layer-norm-affine's
// form) read by the product alone: the core's LayerNorm prologue, A then being that norm's input.
Status PlanNormPrologue(const Node& anchor, Sm90Plan& p, const Value*& a_value) {
  const Node* ln = a_value->producer();
  if (ln == nullptr || ln->op() != OpKind::kLayerNorm) return Status::Ok();
  if (ln->num_inputs() != 1) {
    return Status::Error("the LayerNorm before the product has gamma/beta (compile --fold-layer-norm folds them into the weight)");
  }
  const int64_t rank = static_cast<int64_t>(ln->input(0)->shape().size());
  if (ir::NormalizeAxis(ln->attrs().i(ir::AttrKey::kAxis), rank) != rank - 1) return Status::Error("the LayerNorm is not over the last axis");
  if (a_value->uses().size() != 1 || anchor.input(1) == a_value) return Status::Error("the normalised rows have other readers");
  p.norm = true;
  p.norm_eps = static_cast<float>(ln->attrs().f(ir::AttrKey::kEpsilon));
  a_value = ln->input(0);
  return Status::Ok();
}

Expected<Sm90Plan> PlanSm90(const ir::Graph& g) {
  const Node* anchor = nullptr;
  for (const auto& n : g.nodes()) {
    if (n->op() == OpKind::kMatMul || n->op() == OpKind::kConv2d) return Status::Error("not a linear (matmul/conv anchor)");
    if (n->op() == OpKind::kLinear || n->op() == OpKind::kConv2dNhwc) {
      if (anchor != nullptr) return Status::Error("more than one product in the group");
      anchor = n.get();
    }
  }
  if (anchor == nullptr) return Status::Error("no linear or channels-last conv in the group");
  Sm90Plan p;
  if (anchor->op() == OpKind::kConv2dNhwc) {
    AGT_RETURN_IF_ERROR(PlanConv(g, *anchor, p));
    AGT_RETURN_IF_ERROR(PlanEpilogue(g, *anchor, p));
    return p;
  }
  const ir::Shape& xs = anchor->input(0)->shape();
  p.K = xs.back();
  p.N = anchor->input(1)->shape()[1];
  p.M = p.K == 0 ? 0 : ir::NumElements(xs) / p.K;
  if (p.M <= 0 || p.N <= 0 || p.K <= 0) return Status::Error("empty product");

  const ir::Value* a_value = anchor->input(0);
  AGT_RETURN_IF_ERROR(PlanNormPrologue(*anchor, p, a_value));
  auto a = AffineOf(g, a_value);
  auto a_row = a ? RowMajorStride(*a, xs) : std::nullopt;
  if (!a_row) return Status::Error("A is not a row-major view of a group input (a computed prologue or a transpose)");
  // A broadcast (stride 0) or overlapping row is no tensor TMA can describe.
  if (*a_row < p.K) return Status::Errorf("A's rows overlap (row stride {} < K = {}: a broadcast)", *a_row, p.K);
  p.a = *a;
  p.a_row = *a_row;
  auto b = AffineOf(g, anchor->input(1));
  if (!b) return Status::Error("the weight is not a view of a group input");
  p.b = *b;
  if (b->strides[1] == 1 && b->strides[0] >= p.N) {
    p.b_layout = BLayout::kKN;
    p.b_row = b->strides[0];
  } else if (b->strides[0] == 1 && b->strides[1] >= p.K) {
    p.b_layout = BLayout::kNK;
    p.b_row = b->strides[1];
  } else {
    return Status::Error("the weight is neither [K, N] nor [N, K] with a unit inner stride");
  }
  AGT_RETURN_IF_ERROR(PlanEpilogue(g, *anchor, p));
  return p;
}

// The bias ([N]) and the epilogue chain: product -> [gelu | relu] -> [add residual] -> [relu], one use
// each, ending at the group's output.
Status PlanEpilogue(const ir::Graph& g, const Node& anchor_node, Sm90Plan& p) {
  const Node* anchor = &anchor_node;
  if (anchor->num_inputs() > 2) {
    auto bias = AffineOf(g, anchor->input(2));
    if (!bias || !DenseFromStart(*bias, anchor->input(2)->shape(), p.N)) return Status::Error("the bias is not a plain [N] input");
    p.bias = bias->input;
  }
  const Value* v = anchor->output(0);
  auto sole_user = [](const Value* x) -> const Node* { return x->uses().size() == 1 ? x->uses()[0].node : nullptr; };
  for (const Node* u = sole_user(v); u != nullptr; u = sole_user(v)) {
    if (u->op() == OpKind::kGelu && !p.gelu && !p.relu && p.residual < 0 &&
        (!u->attrs().has(ir::AttrKey::kApproximate) || u->attrs().s(ir::AttrKey::kApproximate) == "none")) {
      p.gelu = true;
    } else if (u->op() == OpKind::kRelu && !p.gelu && !p.relu && p.residual < 0) {
      p.relu = true;
    } else if (u->op() == OpKind::kRelu && p.residual >= 0 && !p.relu_out) {
      p.relu_out = true;
    } else if (u->op() == OpKind::kAdd && p.residual < 0) {
      const Value* other = u->input(0) == v ? u->input(1) : u->input(0);
      if (other == v || other->shape() != v->shape()) return Status::Error("the add after the product is not a residual [M, N]");
      auto r = AffineOf(g, other);
      if (!r || !DenseFromStart(*r, other->shape(), p.N)) return Status::Error("the residual is not a dense [M, N] input");
      p.residual = r->input;
    } else {
      return Status::Errorf("{} after the product is not an epilogue the core fuses (gelu or relu, residual add, relu)", u->Describe());
    }
    v = u->output(0);
  }
  if (g.outputs().size() != 1 || g.outputs()[0] != v || v->has_uses()) {
    return Status::Error("the group's output is not the end of the epilogue chain");
  }
  return Status::Ok();
}

ProblemDims DimsOf(const Sm90Plan& p) {
  ProblemDims d;
  d.m = p.M;
  d.n = p.N;
  d.k = p.K;
  d.b_k_contiguous = p.b_layout == BLayout::kNK;
  d.implicit_conv = p.conv;
  d.norm_prologue = p.norm;
  d.elements = p.M * p.N;
  return d;
}

hopper::GemmInput InputOf(Precision p) {
  return p == Precision::kBF16 ? hopper::GemmInput::kBF16 : p == Precision::kTF32 ? hopper::GemmInput::kTF32 : hopper::GemmInput::kF16;
}

bool OnCore(Precision p) { return p == Precision::kFP16 || p == Precision::kBF16 || p == Precision::kTF32; }

GemmSm90Config ConfigOf(const SpaceContext& ctx, const Annotation& a) {
  GemmSm90Config c;
  c.input = InputOf(ctx.precision);
  c.b_layout = ctx.dims.b_k_contiguous ? BLayout::kNK : BLayout::kKN;
  c.tile_m = static_cast<int>(a.get(Knob::kBlockM, 128));
  c.tile_n = static_cast<int>(a.get(Knob::kBlockN, 128));
  c.tile_k = hopper::GemmSm90TileK(c.input);
  c.stages = static_cast<int>(a.get(Knob::kStages, 4));
  c.consumers = static_cast<int>(a.get(Knob::kConsumers, 2));
  c.split_k = static_cast<int>(a.get(Knob::kSplitK, 1));
  c.raster = a.get(Knob::kRaster, 0) == 1 ? hopper::Raster::kAlongN : hopper::Raster::kAlongM;
  c.swap_ab = a.get(Knob::kSwapAB, 0) == 1;
  c.cluster = static_cast<int>(a.get(Knob::kCluster, 1));
  c.split_scatter = a.get(Knob::kSplitScatter, 0) == 1;
  c.conv = ctx.dims.implicit_conv;
  c.norm = ctx.dims.norm_prologue;
  // Staged through shared memory unless the ring leaves no room for its buffer.
  c.staged_epilogue = true;
  if (!hopper::ValidateGemmSm90(c).ok()) c.staged_epilogue = false;
  return c;
}

class GemmSm90 final : public SketchDef {
 public:
  SketchKind kind() const override { return SketchKind::kGemmSm90; }

  std::vector<Sketch> Variants(const Task&) const override { return {Sketch{kind(), true}}; }

  Expected<ProblemDims> Analyze(const ir::Graph& g) const override {
    AGT_ASSIGN_OR_RETURN(Sm90Plan p, PlanSm90(g));
    return DimsOf(p);
  }

  bool Applies(const ir::Graph& g, const Task& task, const Sketch& variant, std::string* why) const override {
    auto fail = [&](std::string m) {
      if (why) *why = std::move(m);
      return false;
    };
    if (!OnCore(task.precision)) return fail("the core takes fp16, bf16 or tf32");
    auto ctx = VariantSpace(*this, g, task, variant);
    if (!ctx.ok()) return fail(ctx.status().message());
    if (ctx->arch.sm != 90) return fail("wgmma and TMA need sm_90");
    return EmitsAtDefault(*this, g, task, *ctx, why);
  }

  std::vector<KnobSpec> Space(const SpaceContext& ctx) const override {
    // block_n: the unswapped tiles' widths, and the swapped tiles' row counts for this M (Validate
    // keeps each where it belongs: multiples of 64 unswapped with a [K, N] weight, of 8 swapped).
    std::vector<int64_t> block_n = {64, 128, 192, 256};
    // (Space runs for every annotation validated: the row counts only, not the ring fitting of the choices.)
    for (int tn : hopper::GemmSm90SwappedTileRows(ctx.dims.m)) {
      if (std::find(block_n.begin(), block_n.end(), tn) == block_n.end()) block_n.push_back(tn);
    }
    // stages: 7 is the deepest ring some swapped tiles fit beside their staging buffer. swap_ab and
    // cluster came after the first logs: their records stand for unswapped, unclustered programs.
    return {{Knob::kBlockM, {64, 128}},   {Knob::kBlockN, block_n},            {Knob::kStages, {2, 3, 4, 5, 6, 7, 8}},
            {Knob::kConsumers, {1, 2}},   {Knob::kSplitK, {1, 2, 3, 4, 6, 8}}, {Knob::kRaster, {0, 1}},
            {Knob::kSwapAB, {0, 1}, 0}};
    // Knob::kCluster (2: the weight multicast to CTA pairs) joins the space once it is faster
    // somewhere: on an H100 (2026-12-07) it was right but 2-4x slower than unclustered, and still
    // 15-24% slower with the CTA-scope remote release (docs/perf-notes.md). An annotation may still
    // name it, and bench_gemm_sm90's sweep times it. Knob::kSplitScatter (reduce-scatter split-K) likewise:
    // right on an H100 but 6-7% slower than the last-arrival reduction at the K-heavy rows (perf-notes).
  }

  Annotation Default(const SpaceContext& ctx) const override {
    GemmSm90Config epi = ConfigOf(ctx, Annotation());
    GemmSm90Config c = hopper::DefaultGemmSm90Config(ctx.dims.m, ctx.dims.n, ctx.dims.k, ctx.arch.sm_count, epi);
    Annotation a;
    a.set(Knob::kBlockM, c.tile_m);
    a.set(Knob::kBlockN, c.tile_n);
    a.set(Knob::kStages, c.stages);
    a.set(Knob::kConsumers, c.consumers);
    a.set(Knob::kSplitK, c.split_k);
    a.set(Knob::kRaster, c.raster == hopper::Raster::kAlongN ? 1 : 0);
    a.set(Knob::kSwapAB, c.swap_ab ? 1 : 0);
    return a;
  }

  ResourceEstimate Resources(const SpaceContext& ctx, const Annotation& a) const override {
    GemmSm90Config c = ConfigOf(ctx, a);
    ResourceEstimate r;
    r.threads = 128 * (1 + c.consumers);
    r.smem_bytes = hopper::GemmSm90SmemBytes(c);
    // Registers at launch, before setmaxnreg moves them to the consumers (the whole file at two consumers).
    r.registers_per_thread = 168;
    return r;
  }

  Status Validate(const SpaceContext& ctx, const Annotation& a) const override {
    GemmSm90Config c = ConfigOf(ctx, a);
    AGT_RETURN_IF_ERROR(hopper::ValidateGemmSm90(c));
    AGT_RETURN_IF_ERROR(hopper::ValidateGemmSm90Problem(c, ctx.dims.m, ctx.dims.n, ctx.dims.k));
    if (c.split_k > 1 && CeilDiv(ctx.dims.k, int64_t{c.tile_k}) < 2 * c.split_k) {
      return Status::Errorf("split_k={} leaves k-ranges under two {}-deep blocks (K = {})", c.split_k, c.tile_k, ctx.dims.k);
    }
    const int64_t rows = c.swap_ab ? ctx.dims.n : ctx.dims.m, cols = c.swap_ab ? ctx.dims.m : ctx.dims.n;
    if (c.tile_m > 2 * std::max<int64_t>(64, rows) || c.tile_n > 2 * std::max<int64_t>(64, cols)) {
      return Status::Error("tile far larger than the matrix");
    }
    if (c.cluster > 1 && hopper::GemmSm90PairedSideTiles(c, ctx.dims.m) < 2) {
      return Status::Error("a cluster pairs tiles along the activation's rows: this product has one");
    }
    return Status::Ok();
  }

  int EmitterVersion() const override { return 1; }
  double MatrixFlops(const ProblemDims& d) const override { return 2.0 * d.m * d.n * d.k; }

  SketchFeatures Features(const SpaceContext& ctx, const Annotation& a, const FeatureInputs& in) const override {
    const ProblemDims& d = ctx.dims;
    GemmSm90Config c = ConfigOf(ctx, a);
    hopper::GemmSm90Schedule s = hopper::ScheduleGemmSm90(c, d.m, d.n, d.k);
    SketchFeatures f = SketchFeatures::Start(in);
    f.blocks = static_cast<double>(std::min<int64_t>(s.units, ctx.arch.sm_count));
    const double tiles = static_cast<double>(s.tiles_m * s.tiles_n);   // (swapped products: the same count, sides exchanged)
    const hopper::GemmSm90StreamRows rows = hopper::GemmSm90L2StreamRows(c);
    f.global_load_bytes = tiles * (rows.weight + rows.activation) * static_cast<double>(d.k) * in.storage_bytes;
    f.smem_read_bytes = tiles * static_cast<double>((c.tile_m + c.tile_n) * d.k) * in.storage_bytes;   // wgmma reads each staged byte once per consumer slab
    // The LayerNorm prologue reads each staged activation row once more per consumer warpgroup, and
    // each weight slab once more (norm_prologue_sm90.h).
    if (c.norm) f.smem_read_bytes += tiles * static_cast<double>((c.tile_n * c.consumers + c.tile_m) * d.k) * in.storage_bytes;
    f.padding_efficiency = static_cast<double>(d.m * d.n) / (tiles * c.tile_m * c.tile_n);
    f.k_iterations = static_cast<double>(CeilDiv(s.k_blocks, int64_t{c.split_k}));
    f.vector_bytes = 16;
    return f;
  }

  Expected<KernelSource> Emit(const ir::Graph& g, const Program& p) const override;
};

Expected<KernelSource> GemmSm90::Emit(const ir::Graph& g, const Program& prog) const {
  AGT_ASSIGN_OR_RETURN(Sm90Plan p, PlanSm90(g));
  const ProblemDims dims = DimsOf(p);
  AGT_ASSIGN_OR_RETURN(ir::DeviceInfo arch, ir::DeviceForArch(prog.task.arch));
  if (arch.sm != 90) return Status::Error("the Hopper GEMM core needs sm_90");
  if (!OnCore(prog.task.precision)) return Status::Error("the Hopper GEMM core takes fp16, bf16 or tf32");
  SpaceContext ctx{prog.sketch, prog.task.precision, arch, dims};
  GemmSm90Config c = ConfigOf(ctx, prog.annotation);
  c.bias = p.bias >= 0;
  c.gelu = p.gelu;
  c.relu = p.relu;
  c.residual = p.residual >= 0;
  c.relu_out = p.relu_out;
  c.geom = p.geom;
  c.norm_eps = p.norm_eps;
  AGT_RETURN_IF_ERROR(hopper::ValidateGemmSm90Problem(c, p.M, p.N, p.K));
  if (c.conv) AGT_RETURN_IF_ERROR(hopper::ValidateConvProblem(c, p.M, p.K));
  // TMA reads from 16-byte aligned bases with 16-byte row strides (runtime/tensor_map.h).
  const int64_t esz = hopper::GemmInputBytes(c.input);
  if ((p.a.offset * esz) % 16 != 0 || (p.a_row * esz) % 16 != 0) return Status::Error("A's base or row stride is not 16-byte aligned");
  if ((p.b.offset * esz) % 16 != 0 || (p.b_row * esz) % 16 != 0) return Status::Error("B's base or row stride is not 16-byte aligned");
  AGT_ASSIGN_OR_RETURN(hopper::GemmSm90Kernel k, hopper::EmitGemmSm90(c));

  KernelSource out;
  out.source = KernelHeader(g, prog) + k.source;
  out.arch_specific = true;
  LaunchSpec& l = out.launch;
  l.kernel_name = k.kernel_name;
  l.grid = hopper::GemmSm90Grid(c, p.M, p.N, p.K, arch.sm_count);
  l.block = {static_cast<uint32_t>(k.threads), 1, 1};
  l.dynamic_smem_bytes = static_cast<uint32_t>(k.smem_bytes);
  l.num_inputs = static_cast<int>(g.inputs().size());
  l.num_outputs = 1;
  l.workspace_bytes = static_cast<uint64_t>(hopper::GemmSm90WorkspaceBytes(c, p.M, p.N));
  // The fp32 partials are written before they are read; only the per-tile counters after them need zeros.
  if (l.workspace_bytes > 0) {
    const hopper::GemmSm90Schedule s = hopper::ScheduleGemmSm90(c, p.M, p.N, p.K);
    l.workspace_scratch_bytes = l.workspace_bytes - static_cast<uint64_t>(s.tiles_m * s.tiles_n * 4);
  }
  // CUtensorMapDataType: 6 f16, 9 bf16, 7 f32 (tf32 reads f32 storage; the wgmma takes its top 19 bits).
  const int element = c.input == hopper::GemmInput::kF16 ? 6 : c.input == hopper::GemmInput::kBF16 ? 9 : 7;
  TensorMapOperand ta;
  ta.input = p.a.input;
  ta.offset_bytes = static_cast<uint64_t>(p.a.offset * esz);
  ta.element = element;
  ta.rows = static_cast<uint64_t>(p.M);
  ta.cols = static_cast<uint64_t>(p.K);
  ta.row_stride_bytes = static_cast<uint64_t>(p.a_row * esz);
  ta.box_cols = k.a_box[0];
  ta.box_rows = k.a_box[1];
  TensorMapOperand tb = ta;
  tb.input = p.b.input;
  tb.offset_bytes = static_cast<uint64_t>(p.b.offset * esz);
  tb.rows = static_cast<uint64_t>(p.b_layout == BLayout::kKN ? p.K : p.N);
  tb.cols = static_cast<uint64_t>(p.b_layout == BLayout::kKN ? p.N : p.K);
  tb.row_stride_bytes = static_cast<uint64_t>(p.b_row * esz);
  tb.box_cols = k.b_box[0];
  tb.box_rows = k.b_box[1];
  auto ptr = [](int input) { return input >= 0 ? LaunchArg{LaunchArgKind::kInput, input} : LaunchArg{LaunchArgKind::kNull, 0}; };
  // (tm_a, tm_b, bias, residual, c, M, N, K, ldc, workspace): gemm_sm90.h; a convolution takes its
  // input's pointer in tm_a's place.
  // Every thread waits on the kernel before (agt_grid_wait) except for the producer's first weight
  // tiles (tm_b), issued ahead of the wait: programmatic only where B is a weight.
  l.programmatic = true;
  l.co_resident = c.split_scatter && c.split_k > 1;
  if (!c.conv) l.pre_wait_inputs = {p.b.input};
  l.tensor_maps = c.conv ? std::vector<TensorMapOperand>{tb} : std::vector<TensorMapOperand>{ta, tb};
  l.args = {c.conv ? ptr(p.a.input) : LaunchArg{LaunchArgKind::kTensorMap, 0}, {LaunchArgKind::kTensorMap, c.conv ? 0 : 1}, ptr(p.bias), ptr(p.residual),
            {LaunchArgKind::kOutput, 0},    {LaunchArgKind::kI32, p.M},     {LaunchArgKind::kI32, p.N},
            {LaunchArgKind::kI32, p.K},     {LaunchArgKind::kI32, p.N},
            l.workspace_bytes > 0 ? LaunchArg{LaunchArgKind::kWorkspace, 0} : LaunchArg{LaunchArgKind::kNull, 0}};
  return out;
}

}  // namespace

const SketchDef& GemmSm90Sketch() {
  static const GemmSm90 sketch;
  return sketch;
}

}  // namespace agt::codegen

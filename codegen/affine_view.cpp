// Affine view analysis (see affine_view.h).
#include "codegen/affine_view.h"

#include <algorithm>

namespace agt::codegen {

using ir::OpKind;

namespace {
std::vector<int64_t> IntsOf(const ir::Attrs& a, ir::AttrKey k) {
  const ir::AttrValue* v = a.find(k);
  if (v == nullptr) return {};
  if (const auto* i = std::get_if<std::vector<int64_t>>(v)) return *i;
  return {};
}
// The strides of `to` as a view of a tensor of shape `from` with strides `strides`, when a reshape
// needs no copy: `from` splits into runs of dims that are contiguous with each other (a dim's stride
// is the next one's times its size, size-1 dims aside), and every run is a product of consecutive
// dims of `to`, which then take strides within the run. Else nullopt (the reshape mixes elements
// across a gap, e.g. merging the two dims of a transposed matrix).
std::optional<std::vector<int64_t>> ReshapeStrides(const ir::Shape& from, const std::vector<int64_t>& strides,
                                                   const ir::Shape& to) {
  int64_t numel = 1;
  for (int64_t d : from) numel *= d;
  std::vector<int64_t> out(to.size(), 0);
  if (numel == 0) return ir::Strides(to);
  // Runs of `from`, innermost first, size-1 dims skipped (their stride never matters).
  struct Run { int64_t size, inner_stride; };
  std::vector<Run> runs;
  for (int d = static_cast<int>(from.size()) - 1; d >= 0; --d) {
    if (from[d] == 1) continue;
    if (!runs.empty() && strides[d] == runs.back().size * runs.back().inner_stride) {
      runs.back().size *= from[d];
    } else {
      runs.push_back({from[d], strides[d]});
    }
  }
  // Walk `to` from its innermost dim, filling the runs in order.
  size_t run = 0;
  int64_t filled = 1;   // product of the `to` dims placed in the current run so far
  for (int d = static_cast<int>(to.size()) - 1; d >= 0; --d) {
    if (to[d] == 1) {   // any stride does (its index is always 0): the one a dim here would have
      out[d] = run < runs.size() ? filled * runs[run].inner_stride : 1;
      continue;
    }
    if (run >= runs.size()) return std::nullopt;
    out[d] = filled * runs[run].inner_stride;
    filled *= to[d];
    if (filled > runs[run].size || runs[run].size % filled != 0) return std::nullopt;
    if (filled == runs[run].size) {
      ++run;
      filled = 1;
    }
  }
  if (run != runs.size() || filled != 1) return std::nullopt;
  return out;
}
}  // namespace

std::optional<AffineView> AffineOf(const ir::Graph& g, const ir::Value* v) {
  if (v->is_graph_input()) {
    for (size_t i = 0; i < g.inputs().size(); ++i) {
      if (g.inputs()[i] == v) return AffineView{static_cast<int>(i), 0, ir::Strides(v->shape())};
    }
    return std::nullopt;
  }
  const ir::Node* n = v->producer();
  if (n == nullptr) return std::nullopt;
  const ir::Shape& os = v->shape();
  switch (n->op()) {
    case OpKind::kIdentity: return AffineOf(g, n->input(0));
    case OpKind::kReshape: {
      auto src = AffineOf(g, n->input(0));
      if (!src) return std::nullopt;
      auto strides = ReshapeStrides(n->input(0)->shape(), src->strides, os);
      if (!strides) return std::nullopt;
      return AffineView{src->input, src->offset, std::move(*strides)};
    }
    case OpKind::kTranspose: {
      auto src = AffineOf(g, n->input(0));
      if (!src) return std::nullopt;
      std::vector<int64_t> perm = IntsOf(n->attrs(), ir::AttrKey::kPerm);
      if (perm.empty()) {
        for (size_t d = 0; d < os.size(); ++d) perm.push_back(static_cast<int64_t>(os.size() - 1 - d));
      }
      AffineView r{src->input, src->offset, {}};
      for (int64_t p : perm) r.strides.push_back(src->strides[p]);
      return r;
    }
    case OpKind::kExpand: {
      auto src = AffineOf(g, n->input(0));
      if (!src) return std::nullopt;
      const ir::Shape& is = n->input(0)->shape();
      AffineView r{src->input, src->offset, std::vector<int64_t>(os.size(), 0)};
      size_t shift = os.size() - is.size();
      for (size_t d = 0; d < is.size(); ++d) r.strides[d + shift] = is[d] == 1 ? 0 : src->strides[d];
      return r;
    }
    case OpKind::kSplit: {
      auto src = AffineOf(g, n->input(0));
      if (!src) return std::nullopt;
      int64_t axis = n->attrs().i(ir::AttrKey::kAxis);
      if (axis < 0) axis += static_cast<int64_t>(os.size());
      std::vector<int64_t> split = IntsOf(n->attrs(), ir::AttrKey::kSplit);
      int64_t off = 0;
      for (int k = 0; k < v->output_index(); ++k) off += split[k];
      src->offset += off * src->strides[axis];
      return src;
    }
    case OpKind::kGather: {
      // Only a constant scalar index (timm's q/k/v unbind): drops the axis.
      const ir::Value* idx = n->input(1);
      if (!idx->is_constant() || idx->data().num_elements() != 1 || !idx->shape().empty()) return std::nullopt;
      auto src = AffineOf(g, n->input(0));
      if (!src) return std::nullopt;
      int64_t axis = n->attrs().i(ir::AttrKey::kAxis);
      const ir::Shape& ds = n->input(0)->shape();
      if (axis < 0) axis += static_cast<int64_t>(ds.size());
      int64_t i = idx->data().GetI64(0);
      if (i < 0) i += ds[axis];
      src->offset += i * src->strides[axis];
      src->strides.erase(src->strides.begin() + axis);
      return src;
    }
    case OpKind::kSlice: {
      auto src = AffineOf(g, n->input(0));
      if (!src) return std::nullopt;
      const ir::Shape& is = n->input(0)->shape();
      std::vector<int64_t> starts = IntsOf(n->attrs(), ir::AttrKey::kStarts), ends = IntsOf(n->attrs(), ir::AttrKey::kEnds);
      std::vector<int64_t> axes = IntsOf(n->attrs(), ir::AttrKey::kAxes), steps = IntsOf(n->attrs(), ir::AttrKey::kSteps);
      if (axes.empty()) {
        for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
      }
      if (steps.empty()) steps.assign(starts.size(), 1);
      for (size_t i = 0; i < starts.size() && i < axes.size(); ++i) {
        int64_t a = axes[i] < 0 ? axes[i] + static_cast<int64_t>(is.size()) : axes[i];
        int64_t dim = is[a], step = steps[i];
        int64_t s = std::clamp<int64_t>(starts[i], -dim - 1, dim + 1);
        if (s < 0) s += dim;
        s = step > 0 ? std::clamp<int64_t>(s, 0, dim) : std::clamp<int64_t>(s, 0, dim - 1);
        src->offset += s * src->strides[a];
        src->strides[a] *= step;
      }
      return src;
    }
    default: return std::nullopt;
  }
}

}  // namespace agt::codegen

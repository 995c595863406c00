// Slices that cut one value into consecutive pieces along one axis become one split: the dynamo
// exporter writes q, k, v = qkv.unbind(0) as three Slice nodes ([0:1], [1:2], [2:3] of the permuted
// qkv), the TorchScript exporter and the zoo as one Split. Both then plan the same attention task.
// The slices must be of the same value, on the same single axis, with step 1, and together cover
// the axis exactly once (in any order of the nodes); other readers of the value are left alone.
#include <algorithm>
#include <map>
#include <optional>

#include "compiler/passes/passes.h"
#include "compiler/passes/pattern.h"

namespace agt::passes {
namespace {

using ir::Node;
using ir::OpKind;

struct Piece {
  Node* slice;
  int64_t axis, begin, end;
};

// A slice of one axis with step 1, as [begin, end) clamped to the axis (nullopt for anything else).
std::optional<Piece> PieceOf(Node* n) {
  if (n->op() != OpKind::kSlice || n->num_inputs() != 1) return std::nullopt;
  const ir::Shape& s = n->input(0)->shape();
  const auto& axes = n->attrs().ints(ir::AttrKey::kAxes);
  const auto& starts = n->attrs().ints(ir::AttrKey::kStarts);
  const auto& ends = n->attrs().ints(ir::AttrKey::kEnds);
  const auto& steps = n->attrs().ints(ir::AttrKey::kSteps);
  if (starts.size() != 1 || ends.size() != 1 || axes.size() > 1) return std::nullopt;
  if (!steps.empty() && (steps.size() != 1 || steps[0] != 1)) return std::nullopt;
  auto axis = ir::NormalizeAxis(axes.empty() ? 0 : axes[0], static_cast<int64_t>(s.size()));
  if (!axis) return std::nullopt;
  const int64_t dim = s[static_cast<size_t>(*axis)];
  auto clamp = [dim](int64_t x) { return std::clamp<int64_t>(x < 0 ? x + dim : x, 0, dim); };
  const int64_t b = clamp(starts[0]), e = clamp(ends[0]);
  if (e <= b) return std::nullopt;
  return Piece{n, *axis, b, e};
}

}  // namespace

Expected<bool> RunSlicesToSplit(ir::Graph& g) {
  // Candidate pieces by (sliced value, axis), in the graph's order.
  std::map<std::pair<const ir::Value*, int64_t>, std::vector<Piece>> by_source;
  std::vector<std::pair<const ir::Value*, int64_t>> order;
  for (const auto& up : g.nodes()) {
    auto p = PieceOf(up.get());
    if (!p) continue;
    auto key = std::make_pair(static_cast<const ir::Value*>(up->input(0)), p->axis);
    if (!by_source.count(key)) order.push_back(key);
    by_source[key].push_back(*p);
  }
  Replacer r(g);
  for (const auto& key : order) {
    std::vector<Piece> pieces = by_source[key];
    if (pieces.size() < 2) continue;
    // Listed in the graph's order: the split goes before the first slice, which every reader of the pieces follows.
    Node* first = pieces.front().slice;
    std::sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) { return a.begin < b.begin; });
    const int64_t dim = key.first->shape()[static_cast<size_t>(key.second)];
    bool tiles = pieces.front().begin == 0 && pieces.back().end == dim;
    for (size_t i = 1; i < pieces.size(); ++i) tiles = tiles && pieces[i].begin == pieces[i - 1].end;
    if (!tiles) continue;
    std::vector<int64_t> sizes;
    for (const Piece& p : pieces) sizes.push_back(p.end - p.begin);
    ir::Attrs attrs;
    attrs.set(ir::AttrKey::kAxis, key.second);
    attrs.set(ir::AttrKey::kSplit, sizes);
    AGT_ASSIGN_OR_RETURN(Node * split, g.AddNode(OpKind::kSplit, {const_cast<ir::Value*>(key.first)}, std::move(attrs),
                                                 pieces.front().slice->name(), first));
    for (size_t i = 0; i < pieces.size(); ++i) r.Replace(pieces[i].slice->output(), split->output(i));
  }
  return r.Finish();
}

}  // namespace agt::passes

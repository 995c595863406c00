// One spelling of a fused qkv layer's heads. A model that computes q, k, v in one linear (timm, the zoo)
// and one whose separate projections concat-sibling-linears merged (Hugging Face) reach the same per-head
// tensors two ways:
//   timm:  y [B, T, 3C] -> reshape [B, T, 3, H, D] -> transpose [2, 0, 3, 1, 4] -> split(axis 0) -> reshape [B, H, T, D]
//   HF:    y [B, T, 3C] -> split(last axis, C each) -> reshape [B, T, H, D] -> transpose (p_i)
// This pass rewrites the second into the first, each head tensor followed by the transpose that gives
// the original result (p_i composed with [0, 2, 1, 3]; none where that is the identity, as for q and v;
// k's [0, 2, 3, 1] becomes the [0, 1, 3, 2] that timm's k^T has), so both plan the same attention task.
// Matched: a split of a rank-3 value along its last axis into three equal parts, each part read once by
// a reshape to [B, T, H, D] (the same H, D for all three), each of those read once by a transpose.
#include <vector>

#include "compiler/passes/passes.h"
#include "compiler/passes/pattern.h"

namespace agt::passes {
namespace {

using ir::Node;
using ir::OpKind;

struct Head {
  Node* reshape;
  Node* transpose;
};

// The three (reshape, transpose) pairs under `split` when it has the HF form, else empty.
std::vector<Head> HeadsOf(const ir::Graph& g, const Node& split) {
  const ir::Shape& ys = split.input(0)->shape();
  if (split.op() != OpKind::kSplit || ys.size() != 3 || split.num_outputs() != 3) return {};
  auto axis = ir::NormalizeAxis(split.attrs().i(ir::AttrKey::kAxis), 3);
  // Non-empty dims: the reshapes below spell every dim out, and a 0 in a reshape's shape means "copy".
  if (!axis || *axis != 2 || ys[2] % 3 != 0 || ys[0] < 1 || ys[1] < 1 || ys[2] < 3) return {};
  std::vector<Head> heads;
  for (size_t i = 0; i < 3; ++i) {
    const ir::Value* part = split.output(i);
    if (part->shape() != ir::Shape{ys[0], ys[1], ys[2] / 3} || !UsedOnce(g, part)) return {};
    Node* r = part->uses()[0].node;
    if (r->op() != OpKind::kReshape) return {};
    const ir::Shape& rs = r->output()->shape();
    if (rs.size() != 4 || rs[0] != ys[0] || rs[1] != ys[1] || rs[2] < 1 || rs[2] * rs[3] != ys[2] / 3) return {};
    if (!heads.empty() && rs != heads.front().reshape->output()->shape()) return {};
    if (!UsedOnce(g, r->output())) return {};
    Node* t = r->output()->uses()[0].node;
    if (t->op() != OpKind::kTranspose) return {};
    const std::vector<int64_t>& p = t->attrs().ints(ir::AttrKey::kPerm);
    if (p.size() != 4) return {};
    for (int64_t d : p) {
      if (d < 0 || d > 3) return {};
    }
    heads.push_back({r, t});
  }
  return heads;
}

}  // namespace

Expected<bool> RunCanonicalQkvSplit(ir::Graph& g) {
  std::vector<Node*> order;
  for (const auto& up : g.nodes()) order.push_back(up.get());
  Replacer r(g);
  for (Node* split : order) {
    if (split->op() != OpKind::kSplit) continue;
    std::vector<Head> heads = HeadsOf(g, *split);
    if (heads.empty()) continue;
    ir::Value* y = split->input(0);
    const ir::Shape& hs = heads.front().reshape->output()->shape();   // [B, T, H, D]
    const int64_t B = hs[0], T = hs[1], H = hs[2], D = hs[3];
    const std::string base = split->name().empty() ? split->output(0)->name() : split->name();
    AGT_ASSIGN_OR_RETURN(Node * grid, g.AddNode(OpKind::kReshape, {y}, ir::Attrs{{ir::AttrKey::kShape, ir::Shape{B, T, 3, H, D}}},
                                                base + ".qkv_heads", split));
    AGT_ASSIGN_OR_RETURN(Node * perm, g.AddNode(OpKind::kTranspose, {grid->output()},
                                                ir::Attrs{{ir::AttrKey::kPerm, std::vector<int64_t>{2, 0, 3, 1, 4}}},
                                                base + ".qkv_permute", split));
    ir::Attrs split_attrs;
    split_attrs.set(ir::AttrKey::kAxis, int64_t{0});
    split_attrs.set(ir::AttrKey::kSplit, std::vector<int64_t>{1, 1, 1});
    AGT_ASSIGN_OR_RETURN(Node * parts, g.AddNode(OpKind::kSplit, {perm->output()}, std::move(split_attrs), base, split));
    for (size_t i = 0; i < 3; ++i) {
      Node* old_t = heads[i].transpose;
      AGT_ASSIGN_OR_RETURN(Node * head, g.AddNode(OpKind::kReshape, {parts->output(i)},
                                                  ir::Attrs{{ir::AttrKey::kShape, ir::Shape{B, H, T, D}}},
                                                  heads[i].reshape->name(), old_t));
      // [B, H, T, D] is [B, T, H, D] under q = [0, 2, 1, 3]; the old result is that under p: q[p[j]].
      const std::vector<int64_t>& p = old_t->attrs().ints(ir::AttrKey::kPerm);
      static const int64_t q[4] = {0, 2, 1, 3};
      std::vector<int64_t> c;
      for (int64_t d : p) c.push_back(q[d]);
      ir::Value* result = head->output();
      if (c != std::vector<int64_t>{0, 1, 2, 3}) {
        AGT_ASSIGN_OR_RETURN(Node * t, g.AddNode(OpKind::kTranspose, {result}, ir::Attrs{{ir::AttrKey::kPerm, c}}, old_t->name(), old_t));
        result = t->output();
      }
      r.Replace(old_t->output(), result);
    }
  }
  return r.Finish();
}

}  // namespace agt::passes

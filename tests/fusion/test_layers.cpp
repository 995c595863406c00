// DPOF on transformer layers built in IR as the exporters lay them out: ViT-Base-16 encoder layers
// (at most 6 kernels per layer, attention one group), DETR's encoder self-attention and decoder
// self- and cross-attention (one group each), the "not fused because" notes, and the
// co-optimisation loop (a measured time that makes a fusion look bad undoes it).
#include <catch2/catch.hpp>

#include "compiler/fusion/dpof.h"
#include "compiler/fusion/group_signature.h"
#include "tests/fusion/fusion_test_graphs.h"

using namespace agt;
using namespace agt::fusion;

namespace {

const Phase* PhaseWith(const FusionPlan& plan, const ir::Graph& g, const std::string& node_name) {
  const ir::Node* n = g.FindNode(node_name);
  REQUIRE(n != nullptr);
  for (const Phase& ph : plan.phases) {
    for (const ir::Node* m : ph.group.nodes) {
      if (m == n) return &ph;
    }
  }
  return nullptr;
}

int CountKind(const FusionPlan& plan, GroupKind k) {
  int c = 0;
  for (const Phase& ph : plan.phases) c += ph.group.kind == k;
  return c;
}

// The attention group holding `prefix`.qk, .softmax and .pv.
void CheckAttentionFused(const FusionPlan& plan, const ir::Graph& g, const std::string& prefix) {
  INFO(prefix);
  const Phase* a = PhaseWith(plan, g, prefix + ".qk");
  REQUIRE(a != nullptr);
  CHECK(a->group.kind == GroupKind::kAttention);
  CHECK(PhaseWith(plan, g, prefix + ".softmax") == a);
  CHECK(PhaseWith(plan, g, prefix + ".pv") == a);
}

}  // namespace

TEST_CASE("DPOF: with LayerNorm prologues a ViT-Base-16 encoder layer is at most 6 kernels with attention one group",
          "[fusion][layers]") {
  for (ir::Precision p : {ir::Precision::kFP16, ir::Precision::kFP32}) {
    auto g = test::BuildVitEncoder({});
    // The seed's assumption that a prologue's statistics hide under the products (norm_prologue_rate 0);
    // priced as measured, the full-size layer keeps its LayerNorms apart (next case).
    AnalyticalCostModel model(ir::H100(), AnalyticalCostOptions{.norm_prologue_rate = 0});
    FusionOptions o;
    o.precision = p;
    o.legality.allow_norm_prologue = true;
    auto plan = RunDpof(*g, model, o);
    REQUIRE(plan.ok());
    INFO(ir::PrecisionName(p));
    CHECK(plan->phases.size() <= 6);
    CHECK(CountKind(*plan, GroupKind::kAttention) == 1);
    CheckAttentionFused(*plan, *g, "blocks.0.attn");
    // The head split (reshape, transpose, gathers, k transpose) is the attention's prologue.
    const Phase* a = PhaseWith(*plan, *g, "blocks.0.attn.qk");
    CHECK(PhaseWith(*plan, *g, "blocks.0.attn.permute") == a);
    CHECK(PhaseWith(*plan, *g, "blocks.0.attn.kt") == a);
    // GELU is fc1's epilogue; the residual add is fc2's.
    CHECK(PhaseWith(*plan, *g, "blocks.0.mlp.gelu") == PhaseWith(*plan, *g, "blocks.0.mlp.fc1"));
    CHECK(PhaseWith(*plan, *g, "blocks.0.residual2") == PhaseWith(*plan, *g, "blocks.0.mlp.fc2"));
    CHECK(plan->total_us < plan->unfused_us);
    for (const FusionNote& n : plan->notes) {
      if (n.pattern == "attention") CHECK(n.fused);
    }
  }
}

TEST_CASE("DPOF: without LayerNorm prologues a ViT layer is 7 kernels and the notes say why", "[fusion][layers]") {
  auto g = test::BuildVitEncoder({});
  AnalyticalCostModel model(ir::H100());
  FusionOptions o;
  REQUIRE_FALSE(o.legality.allow_norm_prologue);   // the default: what compile and tune plan with
  auto plan = RunDpof(*g, model, o);
  REQUIRE(plan.ok());
  CHECK(plan->phases.size() == 7);
  int ln_notes = 0;
  for (const FusionNote& n : plan->notes) {
    if (n.pattern != "layer_norm") continue;
    ++ln_notes;
    CHECK_FALSE(n.fused);
    CHECK_THAT(n.reason, Catch::Contains("turned off"));
  }
  CHECK(ln_notes == 2);
}

TEST_CASE("DPOF: DETR encoder self-attention and decoder self/cross-attention are one group each",
          "[fusion][layers]") {
  auto g = test::BuildDetrLayers();
  AnalyticalCostModel model(ir::H100());
  FusionOptions o;
  o.legality.allow_norm_prologue = true;   // so that the notes give the structural reason below
  auto plan = RunDpof(*g, model, o);
  REQUIRE(plan.ok());
  CHECK(CountKind(*plan, GroupKind::kAttention) == 3);
  CheckAttentionFused(*plan, *g, "enc.self_attn");
  CheckAttentionFused(*plan, *g, "dec.self_attn");
  CheckAttentionFused(*plan, *g, "dec.cross_attn");
  // The q scaling after the projection rides along: epilogue of q_proj or prologue of the attention.
  const Phase* scale = PhaseWith(*plan, *g, "dec.cross_attn.q_scale");
  CHECK((scale == PhaseWith(*plan, *g, "dec.cross_attn.qk") || scale == PhaseWith(*plan, *g, "dec.cross_attn.q_proj")));
  // Post-norm LayerNorms feed several projections (q/k through the positional add, and v): they
  // cannot be one GEMM's prologue, and the notes say so.
  bool explained = false;
  for (const FusionNote& n : plan->notes) {
    if (n.pattern == "layer_norm" && !n.fused && n.reason.find("feeds") != std::string::npos) explained = true;
  }
  CHECK(explained);
}

TEST_CASE("DPOF: an attention that cannot fuse is reported with the reason", "[fusion][layers]") {
  auto g = std::make_unique<ir::Graph>("bad_attention");
  test::GraphBuilder b(*g);
  ir::Value* x = g->AddInput("x", {ir::DType::kF32, {1, 50, 64}});
  g->SetOutputs({b.Mha(x, x, x, 4, "attn", /*softmax_axis=*/-2)});
  AnalyticalCostModel model(ir::H100());
  auto plan = RunDpof(*g, model);
  REQUIRE(plan.ok());
  CHECK(CountKind(*plan, GroupKind::kAttention) == 0);
  REQUIRE(plan->notes.size() >= 1);
  CHECK(plan->notes[0].pattern == "attention");
  CHECK_FALSE(plan->notes[0].fused);
  CHECK(plan->notes[0].reason == "softmax axis is not the key axis");
}

TEST_CASE("DPOF: a measured time replaces the estimate and DPOF undoes a bad fusion (co-optimisation)",
          "[fusion][layers]") {
  auto g = test::BuildVitEncoder({});
  AnalyticalCostModel analytical(ir::H100());
  auto first = RunDpof(*g, analytical);
  REQUIRE(first.ok());
  const Phase* att = PhaseWith(*first, *g, "blocks.0.attn.qk");
  REQUIRE(att->group.kind == GroupKind::kAttention);
  auto text = GroupSignatureText(*g, att->group);
  REQUIRE(text.ok());
  // The tuned attention kernel turned out slow: 10 ms. That exact group is not chosen again.
  std::string id = SignatureId(*text, ir::Precision::kFP16);
  MeasuredCostModel measured(analytical, TaskIdKeyFn(*g));
  measured.SetMeasured(id, 10000.0);
  auto second = RunDpof(*g, measured);
  REQUIRE(second.ok());
  CHECK(measured.hits() > 0);
  for (const Phase& ph : second->phases) {
    auto t = GroupSignatureText(*g, ph.group);
    REQUIRE(t.ok());
    CHECK(SignatureId(*t, ir::Precision::kFP16) != id);
  }
  CHECK(second->total_us < 10000.0);
  // Every attention variant measured slow: no attention group is left, and the note says why.
  MeasuredCostModel all_slow(analytical, [](const FusionGroup& grp, ir::Precision) {
    return std::string(grp.kind == GroupKind::kAttention ? "attention" : "");
  });
  all_slow.SetMeasured("attention", 10000.0);
  auto third = RunDpof(*g, all_slow);
  REQUIRE(third.ok());
  CHECK(CountKind(*third, GroupKind::kAttention) == 0);
  bool explained = false;
  for (const FusionNote& n : third->notes) {
    if (n.pattern == "attention") {
      CHECK_FALSE(n.fused);
      explained = n.reason == "the cost model found separate kernels cheaper";
    }
  }
  CHECK(explained);
}

TEST_CASE("DPOF: an attention larger than the group limit is reported as such", "[fusion][layers]") {
  auto g = test::BuildVitEncoder({});
  AnalyticalCostModel model(ir::H100());
  FusionOptions o;
  o.legality.max_group_size = 3;   // matmul, scale, softmax, matmul is 4 ops
  auto plan = RunDpof(*g, model, o);
  REQUIRE(plan.ok());
  CHECK(CountKind(*plan, GroupKind::kAttention) == 0);
  bool explained = false;
  for (const FusionNote& n : plan->notes) {
    if (n.pattern == "attention") explained = n.reason == "group would exceed max size (4 > 3 ops)";
  }
  CHECK(explained);
}

TEST_CASE("DPOF: priced as measured on the Hopper core, a ViT-Base-16 layer keeps its LayerNorms apart from its GEMMs",
          "[fusion][layers]") {
  auto g = test::BuildVitEncoder({});
  FusionOptions o;
  o.legality.allow_norm_prologue = true;
  auto hidden = RunDpof(*g, AnalyticalCostModel(ir::H100(), AnalyticalCostOptions{.norm_prologue_rate = 0}), o);
  auto serial = RunDpof(*g, AnalyticalCostModel(ir::H100()), o);
  REQUIRE(hidden.ok());
  REQUIRE(serial.ok());
  auto prologues = [](const FusionPlan& plan) {
    int n = 0;
    for (const auto& ph : plan.phases) {
      for (const ir::Node* node : ph.group.prologue) n += node->op() == ir::OpKind::kLayerNorm ? 1 : 0;
    }
    return n;
  };
  CHECK(prologues(*hidden) == 2);   // qkv's and fc1's
  CHECK(prologues(*serial) == 0);
  CHECK(serial->phases.size() == hidden->phases.size() + 2);
}

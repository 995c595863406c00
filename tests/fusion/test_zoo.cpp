// DPOF on the zoo's models (tiny versions, through the real frontend and passes): the issue's
// done-means checks in CI. ViT: at most 6 kernels per encoder layer, attention one group; DETR:
// encoder self-attention and decoder cross-attention one group each; SETR: the head convolutions
// absorb BatchNorm (folded by the frontend, or as an epilogue) and ReLU. The full-size table is in
// docs/dpof.md.
#include <catch2/catch.hpp>

#include "compiler/fusion/dpof.h"
#include "compiler/frontend/onnx_loader.h"
#include "compiler/passes/pipeline.h"
#include "compiler/tasks/task.h"
#include "models/zoo.h"

using namespace agt;
using namespace agt::fusion;

namespace {

std::unique_ptr<ir::Graph> TinyZooGraph(const std::string& name) {
  models::ZooOptions o;
  o.tiny = true;
  auto m = models::BuildZooModel(name, o);
  if (!m.ok()) FAIL(name << ": " << m.status().message());
  auto g = frontend::ImportModel(m->proto, "", name);
  if (!g.ok()) FAIL(name << ": " << g.status().message());
  auto p = passes::RunFrontendPipeline(**g);
  if (!p.ok()) FAIL(name << ": " << p.status().message());
  return std::move(g).value();
}

bool InOnePhase(const FusionPlan& plan, const std::vector<const ir::Node*>& nodes) {
  for (const Phase& ph : plan.phases) {
    int found = 0;
    for (const ir::Node* n : nodes) found += std::count(ph.group.nodes.begin(), ph.group.nodes.end(), n) > 0;
    if (found > 0) return found == static_cast<int>(nodes.size());
  }
  return false;
}

int Count(const FusionPlan& plan, GroupKind k) {
  int c = 0;
  for (const Phase& ph : plan.phases) c += ph.group.kind == k;
  return c;
}

int CountOps(const ir::Graph& g, ir::OpKind op) {
  int c = 0;
  for (const auto& n : g.nodes()) c += n->op() == op;
  return c;
}

}  // namespace

TEST_CASE("zoo: ViT (tiny) fuses every attention and stays within 7 kernels per layer", "[fusion][zoo]") {
  for (const char* name : {"vit-base-16", "vit-huge-14"}) {
    INFO(name);
    auto g = TinyZooGraph(name);
    AnalyticalCostModel model(ir::H100());
    auto plan = RunDpof(*g, model);
    REQUIRE(plan.ok());
    int layers = CountOps(*g, ir::OpKind::kSoftmax);
    REQUIRE(layers >= 2);
    CHECK(Count(*plan, GroupKind::kAttention) == layers);
    for (const FusionNote& n : plan->notes) {
      if (n.pattern == "attention") CHECK(n.fused);
    }
    // Two LayerNorms, qkv, attention, proj, fc1, fc2 per layer (LayerNorm prologues are off by default);
    // patch embedding (conv + its epilogue), embeddings, the final norm and the head come on top.
    CHECK(static_cast<int>(plan->phases.size()) <= 7 * layers + 5);
    auto tasks = tasks::ExtractTasks(*g, *plan, ir::Precision::kFP16);
    REQUIRE(tasks.ok());
    for (const auto& t : *tasks) {
      if (t.kind == GroupKind::kAttention) CHECK(t.weight == layers);
    }
  }
}

TEST_CASE("zoo: DETR (tiny) fuses encoder self-attention and decoder self- and cross-attention", "[fusion][zoo]") {
  auto g = TinyZooGraph("detr-resnet50-e3");
  AnalyticalCostModel model(ir::H100());
  auto plan = RunDpof(*g, model);
  REQUIRE(plan.ok());
  int softmaxes = CountOps(*g, ir::OpKind::kSoftmax);
  REQUIRE(softmaxes >= 3);
  CHECK(Count(*plan, GroupKind::kAttention) == softmaxes);
  for (const FusionNote& n : plan->notes) {
    INFO(n.reason);
    if (n.pattern == "attention") {
      CHECK(n.fused);
      CHECK(InOnePhase(*plan, n.nodes));
    }
  }
}

// SETR-Naive's head convs are 1x1 over the token grid: token-conv-to-linear makes them linears, and
// their ReLU fuses into the GEMM group there; SETR-PUP's 3x3 convs stay convs.
TEST_CASE("zoo: SETR (tiny) head convolutions absorb BatchNorm and ReLU", "[fusion][zoo]") {
  for (const char* name : {"setr-naive-base", "setr-pup"}) {
    INFO(name);
    auto g = TinyZooGraph(name);
    AnalyticalCostModel model(ir::H100());
    auto plan = RunDpof(*g, model);
    REQUIRE(plan.ok());
    int relus = 0;
    for (const Phase& ph : plan->phases) {
      for (const ir::Node* n : ph.group.nodes) {
        if (n->op() == ir::OpKind::kRelu || n->op() == ir::OpKind::kBatchNorm) {
          ++relus;
          CHECK((ph.group.kind == GroupKind::kConv || ph.group.kind == GroupKind::kGemm));
        }
      }
    }
    CHECK(relus >= 1);
    CHECK(Count(*plan, GroupKind::kAttention) == CountOps(*g, ir::OpKind::kSoftmax));
  }
}

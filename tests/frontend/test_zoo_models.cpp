// The model zoo through the frontend: every tiny zoo model loads, verifies, survives the pass
// pipeline with the same results, and has the canonical ops the passes promise. (The full-size
// models are checked by `autogtco inspect`; they take minutes and gigabytes.)
#include "compiler/frontend/graph_stats.h"
#include "compiler/passes/pipeline.h"
#include "models/zoo.h"
#include "tests/frontend/frontend_test_util.h"
#include "tests/support/test_support.h"

namespace agt {
namespace {

TEST_CASE("tiny zoo models import, verify and run the same before and after the passes", "[frontend][zoo]") {
  for (const models::ZooEntry& e : models::ZooEntries()) {
    DYNAMIC_SECTION(e.name) {
      models::ZooOptions zo;
      zo.tiny = true;
      zo.seed = 3;
      auto built = models::BuildZooModel(e.name, zo);
      INFO(built.status().message());
      REQUIRE(built.ok());
      auto g = frontend::ImportModel(built->proto, "", std::string(e.name));
      INFO(g.status().message());
      REQUIRE(g.ok());
      REQUIRE(ir::Verify(**g).ok());
      frontend::GraphStats before = frontend::ComputeGraphStats(**g);
      CHECK(before.parameters > 0);
      CHECK(before.matrix_flops > 0);
      auto optimised = (*g)->Clone();
      auto rec = passes::RunFrontendPipeline(*optimised);
      INFO(rec.status().message());
      REQUIRE(rec.ok());
      CHECK(optimised->num_nodes() <= (*g)->num_nodes());
      CHECK(test::CountOps(*optimised, ir::OpKind::kLayerNorm) > 0);
      CHECK(test::CountOps(*optimised, ir::OpKind::kLinear) > 0);
      CHECK(test::CountOps(*optimised, ir::OpKind::kBatchNorm) == 0);
      std::vector<ir::Tensor> ins;
      for (const ir::Value* in : (*g)->inputs()) ins.push_back(test::RandomTensor(in->type(), 11));
      auto a = ir::Interpret(**g, ins);
      auto b = ir::Interpret(*optimised, ins);
      REQUIRE(a.ok());
      REQUIRE(b.ok());
      for (size_t i = 0; i < a->size(); ++i) CHECK(test::RelativeL2((*b)[i], (*a)[i]) < 1e-5);
    }
  }
}

}  // namespace
}  // namespace agt

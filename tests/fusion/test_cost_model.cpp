// The analytical cost model against hand-computed figures on the canned H100, and its properties:
// fusion saves DRAM traffic and launches, small GEMMs leave SMs idle (waves), fp32 runs on SIMT.
#include <catch2/catch.hpp>

#include <cmath>

#include "compiler/fusion/cost_model.h"
#include "compiler/fusion/legality.h"
#include "tests/support/test_support.h"

using namespace agt;
using namespace agt::fusion;

namespace {

FusionGroup Group(const ir::Graph& g, const OpGraph& og, std::initializer_list<const char*> results) {
  std::vector<int> ops;
  for (const char* r : results) ops.push_back(og.index(g.FindValue(r)->producer()));
  GroupCheck c = CheckGroup(og, ops);
  REQUIRE(c.legal);
  return c.group;
}

}  // namespace

TEST_CASE("cost model: the canned ir::H100", "[fusion][cost]") {
  ir::DeviceInfo d = ir::H100();
  CHECK(d.sm_count == 132);
  CHECK(d.dram_bandwidth == 3.0e12);
  CHECK(d.MatrixFlops(ir::Precision::kFP16) == 800e12);
  CHECK(d.MatrixFlops(ir::Precision::kBF16) == 800e12);
  CHECK(d.MatrixFlops(ir::Precision::kTF32) == 400e12);
  CHECK(d.MatrixFlops(ir::Precision::kFP32) == 67e12);
}

TEST_CASE("cost model: a ViT-Base linear in fp16, by hand", "[fusion][cost]") {
  auto g = test::ParseIr(R"(graph g(%x: f32[1,197,768], %w: f32[768,768], %b: f32[768]) {
    %y = linear(%x, %w, %b)
    return %y
  })");
  OpGraph og(*g);
  AnalyticalCostModel model(ir::H100());
  CostBreakdown b = model.Explain(Group(*g, og, {"y"}), ir::Precision::kFP16);
  // Bytes: x, w, b read once and y written once, 2 bytes each.
  double bytes = (197.0 * 768 + 768.0 * 768 + 768 + 197.0 * 768) * 2;
  CHECK(b.dram_bytes == Approx(bytes + 2.0 * 2 * 197 * 768 * 4));   // with split-K partials, below
  CHECK(b.matrix_flops == Approx(2.0 * 197 * 768 * 768));
  // Without split-K the best tile is 64x64: ceil(197/64)*12 = 48 CTAs in one wave, each doing
  // 2*64*64*768 FLOPs at 800 TFLOP/s * 0.75 / 132 per SM, derated to 0.75 for the small tile: 1.85 us,
  // above the 0.66 us of memory. Split-K 2 halves the compute (96 CTAs, still one wave) but writes and
  // re-reads fp32 partials, 2 * 2 * 197*768*4 bytes: memory 1.56 us, which now bounds the kernel.
  double per_sm = 800e12 * 0.75 / 132;
  double t64 = 2.0 * 64 * 64 * 768 / (per_sm * 0.75) * 1e6;
  double mem1 = bytes / 2.7e12 * 1e6;
  double mem2 = (bytes + 2.0 * 2 * 197 * 768 * 4) / 2.7e12 * 1e6;
  CHECK(t64 == Approx(1.845).epsilon(0.01));
  CHECK(mem1 < t64);
  CHECK(t64 / 2 < mem2);
  CHECK(b.split_k == 2);
  CHECK(b.waves == 1);
  CHECK(b.memory_us == Approx(mem2));
  CHECK(b.total_us == Approx(mem2 + 1.0));
  CHECK(b.total_us < t64 + 1.0);
}

TEST_CASE("cost model: waves over the SM count", "[fusion][cost]") {
  // Two compute-bound linears (K = 384 is too short for split-K): 12 x 11 = 132 tiles of 128x128
  // fill the GPU once; 7 x 19 = 133 tiles need a second wave, and the best the model can do then is
  // 128x64 tiles in 3 waves at 0.9 efficiency (or 64x64 in 5 at 0.75): 5/3 of the time, not 133/132.
  auto g = test::ParseIr(R"(graph g(%a: f32[1536,384], %b: f32[384,1408], %c: f32[896,384], %d: f32[384,2432]) {
    %x = linear(%a, %b)
    %y = linear(%c, %d)
    return %x, %y
  })");
  OpGraph og(*g);
  AnalyticalCostModel model(ir::H100());
  CostBreakdown x = model.Explain(Group(*g, og, {"x"}), ir::Precision::kFP16);
  CostBreakdown y = model.Explain(Group(*g, og, {"y"}), ir::Precision::kFP16);
  double per_sm = 800e12 * 0.75 / 132;
  CHECK(x.ctas == 132);
  CHECK(x.waves == 1);
  CHECK(x.compute_us == Approx(2.0 * 128 * 128 * 384 / per_sm * 1e6));
  CHECK(x.compute_us > x.memory_us);
  CHECK(y.split_k == 1);
  CHECK(y.compute_us == Approx(x.compute_us * 5.0 / 3.0));
  CHECK(y.total_us > 1.5 * x.total_us - 1.0);
}

TEST_CASE("cost model: fusion saves traffic and launches, fp32 is slower than fp16", "[fusion][cost]") {
  // K = 256 is too short for split-K, so the bytes are exactly inputs + outputs.
  auto g = test::ParseIr(R"(graph g(%x: f32[1,197,256], %w: f32[256,3072], %b: f32[3072]) {
    %y = linear(%x, %w, %b)
    %z = gelu(%y)
    return %z
  })");
  OpGraph og(*g);
  AnalyticalCostModel model(ir::H100());
  double fused = model.EstimateUs(Group(*g, og, {"y", "z"}), ir::Precision::kFP16);
  double apart = model.EstimateUs(Group(*g, og, {"y"}), ir::Precision::kFP16) +
                 model.EstimateUs(Group(*g, og, {"z"}), ir::Precision::kFP16);
  CHECK(fused < apart);
  // The fused group does not write or re-read the intermediate: 197*3072 elements * 2 bytes * 2.
  CostBreakdown f = model.Explain(Group(*g, og, {"y", "z"}), ir::Precision::kFP16);
  CostBreakdown y = model.Explain(Group(*g, og, {"y"}), ir::Precision::kFP16);
  CostBreakdown z = model.Explain(Group(*g, og, {"z"}), ir::Precision::kFP16);
  CHECK(y.dram_bytes + z.dram_bytes - f.dram_bytes == Approx(197.0 * 3072 * 2 * 2));
  double fp32 = model.EstimateUs(Group(*g, og, {"y", "z"}), ir::Precision::kFP32);
  CHECK(fp32 > 2 * fused);
  // Without CUDA graphs every kernel pays the full launch.
  AnalyticalCostOptions eager;
  eager.cuda_graphs = false;
  AnalyticalCostModel model_eager(ir::H100(), eager);
  CHECK(model_eager.EstimateUs(Group(*g, og, {"z"}), ir::Precision::kFP16) ==
        Approx(model.EstimateUs(Group(*g, og, {"z"}), ir::Precision::kFP16) + 1.5));
}

TEST_CASE("cost model: measured times come first", "[fusion][cost]") {
  auto g = test::ParseIr(R"(graph g(%x: f32[4,8]) {
    %a = relu(%x)
    %b = exp(%a)
    return %b
  })");
  OpGraph og(*g);
  AnalyticalCostModel analytical(ir::H100());
  MeasuredCostModel m(analytical, [](const FusionGroup& grp, ir::Precision) { return std::to_string(grp.ops.size()); });
  FusionGroup one = Group(*g, og, {"a"}), two = Group(*g, og, {"a", "b"});
  CHECK(m.EstimateUs(two, ir::Precision::kFP16) == analytical.EstimateUs(two, ir::Precision::kFP16));
  m.SetMeasured("2", 42.0);
  CHECK(m.EstimateUs(two, ir::Precision::kFP16) == 42.0);
  CHECK(m.EstimateUs(one, ir::Precision::kFP16) == analytical.EstimateUs(one, ir::Precision::kFP16));
  CHECK(m.hits() == 1);
}

TEST_CASE("cost model: calibration scales unmeasured groups by the measured/estimated ratio of their kind",
          "[fusion][cost]") {
  auto g = test::ParseIr(R"(graph g(%x: f32[64,64], %w: f32[64,64]) {
    %a = relu(%x)
    %b = exp(%a)
    %c = tanh(%b)
    %m = matmul(%c, %w)
    return %m
  })");
  OpGraph og(*g);
  AnalyticalCostModel analytical(ir::H100());
  // Keys: the first member's name, so that each group below has its own.
  MeasuredCostModel m(analytical, [&](const FusionGroup& grp, ir::Precision) { return std::string(grp.outputs.front()->name()); },
                      /*per_kernel_overhead_us=*/0.5);
  FusionGroup a = Group(*g, og, {"a"}), b = Group(*g, og, {"b"}), c = Group(*g, og, {"c"}), mm = Group(*g, og, {"m"});
  const double ea = analytical.EstimateUs(a, ir::Precision::kFP16), eb = analytical.EstimateUs(b, ir::Precision::kFP16);
  const double ec = analytical.EstimateUs(c, ir::Precision::kFP16), em = analytical.EstimateUs(mm, ir::Precision::kFP16);
  // Element-wise groups measured at 3x, 4x and 6x their estimate (overhead included): median 4x.
  m.SetMeasured("a", 3 * ea - 0.5);
  m.SetMeasured("b", 4 * eb - 0.5);
  m.SetMeasured("c", 6 * ec - 0.5);
  // Before calibrating, an unmeasured group costs the analytical estimate.
  CHECK(m.EstimateUs(mm, ir::Precision::kFP16) == Approx(em));
  m.Calibrate([&] {
    for (const FusionGroup* grp : {&a, &b, &c, &mm, &a}) (void)m.EstimateUs(*grp, ir::Precision::kFP16);
  });
  CHECK(m.scale(GroupKind::kElementwise) == Approx(4.0));
  CHECK(m.EstimateUs(a, ir::Precision::kFP16) == Approx(3 * ea));          // measured: as measured
  // A kind with no measured group takes the median over all kinds.
  CHECK(m.scale(GroupKind::kGemm) == Approx(4.0));
  CHECK(m.EstimateUs(mm, ir::Precision::kFP16) == Approx(4 * em));
  // Measurements faster than the estimates never make the model more optimistic than the analytical one.
  MeasuredCostModel fast(analytical, [&](const FusionGroup& grp, ir::Precision) { return std::string(grp.outputs.front()->name()); });
  for (const char* k : {"a", "b", "c"}) fast.SetMeasured(k, 0.01);
  fast.Calibrate([&] {
    for (const FusionGroup* grp : {&a, &b, &c}) (void)fast.EstimateUs(*grp, ir::Precision::kFP16);
  });
  CHECK(fast.scale(GroupKind::kElementwise) == 1.0);
  CHECK(fast.EstimateUs(mm, ir::Precision::kFP16) == Approx(em));
  // One measured group is not enough to calibrate on.
  MeasuredCostModel one(analytical, [&](const FusionGroup& grp, ir::Precision) { return std::string(grp.outputs.front()->name()); });
  one.SetMeasured("a", 100 * ea);
  one.Calibrate([&] { (void)one.EstimateUs(a, ir::Precision::kFP16); });
  CHECK(one.scale(GroupKind::kElementwise) == 1.0);
  CHECK(one.EstimateUs(mm, ir::Precision::kFP16) == Approx(em));
}

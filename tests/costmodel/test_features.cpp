// Features of a small GEMM program against numbers worked out by hand.
#include <cmath>
#include <set>

#include <catch2/catch.hpp>

#include "tests/tuner/tuner_test_util.h"
#include "costmodel/features.h"

namespace agt::costmodel {
namespace {

using codegen::Knob;

TEST_CASE("feature names are distinct and the vector has fixed length", "[costmodel][features]") {
  std::set<std::string_view> names;
  for (size_t i = 0; i < kNumFeatures; ++i) names.insert(FeatureName(static_cast<Feature>(i)));
  CHECK(names.size() == kNumFeatures);
  CHECK(FeatureName(Feature::kLogFlops) == "log2_flops");
}

TEST_CASE("features of a 64x128x256 fp16 GEMM match hand-computed values", "[costmodel][features]") {
  codegen::TaskContext t = test::LinearTask(64, 128, 256, ir::Precision::kFP16, "sm_80");   // the mma.sync sketch
  REQUIRE(t.sketches.front().kind == codegen::SketchKind::kGemm);
  REQUIRE(t.sketches.front().tensor_cores);
  codegen::Annotation a;
  a.set(Knob::kBlockM, 64);
  a.set(Knob::kBlockN, 64);
  a.set(Knob::kBlockK, 32);
  a.set(Knob::kWarpsM, 2);
  a.set(Knob::kWarpsN, 2);
  a.set(Knob::kStages, 3);
  a.set(Knob::kSplitK, 1);
  a.set(Knob::kSwizzle, 1);
  codegen::Program p{t.task, t.sketches.front(), a};
  auto space = t.Space(p.sketch);
  REQUIRE(space.ok());
  REQUIRE(codegen::ValidateAnnotation(*space, a).ok());

  FeatureExtractor fx(t, ir::H100());
  FeatureVector f = fx.Extract(p);
  auto get = [&](Feature k) { return static_cast<double>(Get(f, k)); };

  // 2*M*N*K = 2*64*256*128.
  CHECK(fx.matrix_flops(p.sketch) == 4194304.0);
  CHECK(get(Feature::kLogFlops) == Approx(std::log2(4194305.0)));
  // x 64x128 + W 128x256 + bias 256 + y 64x256, two bytes each.
  CHECK(fx.dram_bytes() == 115200.0);
  CHECK(get(Feature::kLogDramBytes) == Approx(std::log2(115201.0)));
  CHECK(get(Feature::kDramIntensity) == Approx(4194304.0 / 115200.0));
  CHECK(get(Feature::kSketchGemm) == 1);
  CHECK(get(Feature::kSketchAttention) == 0);
  CHECK(get(Feature::kTensorCores) == 1);
  CHECK(get(Feature::kStorageBytes) == 2);
  CHECK(get(Feature::kBlockM) == 64);
  CHECK(get(Feature::kStages) == 3);
  CHECK(get(Feature::kBlockQ) == 0);   // not a knob of this sketch
  // 1 x 4 tiles of 64x64; 2x2 warps.
  CHECK(get(Feature::kBlocks) == 4);
  CHECK(get(Feature::kThreads) == 128);
  CHECK(get(Feature::kWarpsPerBlock) == 4);
  // 3 stages x (A 64x(32+8) + B 32x(64+8)) halves.
  CHECK(get(Feature::kSmemBytes) == 29184);
  // Each of the 4 blocks reads its 64 rows of A and 64 columns of B over K=128: 4*(64*128+128*64)*2.
  CHECK(get(Feature::kLogGlobalLoadBytes) == Approx(std::log2(131073.0)));
  // Each of the 4 warps of a block reads 32 rows of A and 32 columns of B per k: 4*(2*64+2*64)*128*2.
  CHECK(get(Feature::kLogSmemReadBytes) == Approx(std::log2(262145.0)));
  CHECK(get(Feature::kKIterations) == 4);
  CHECK(get(Feature::kPaddingEfficiency) == 1);
  // Residency: 2048/128 = 16 by threads, floor(228 KB / (29184 + 1024)) = 7 by shared memory, and
  // floor(65536 / (regs * 128)) by registers.
  double regs = get(Feature::kRegisters);
  REQUIRE(regs > 0);
  double per_sm = std::min({16.0, 7.0, std::floor(65536.0 / (regs * 128))});
  CHECK(get(Feature::kBlocksPerSm) == per_sm);
  CHECK(get(Feature::kOccupancy) == Approx(per_sm * 4 / 64));
  CHECK(get(Feature::kWaves) == Approx(4 / (per_sm * 132)));

  // Split-K doubles the blocks and halves the K iterations of each.
  a.set(Knob::kSplitK, 2);
  FeatureVector f2 = fx.Extract(codegen::Program{t.task, t.sketches.front(), a});
  CHECK(Get(f2, Feature::kBlocks) == 8);
  CHECK(Get(f2, Feature::kKIterations) == 2);
}

TEST_CASE("a ragged GEMM reports its padding", "[costmodel][features]") {
  codegen::TaskContext t = test::LinearTask(197, 64, 96);
  codegen::Annotation a;
  a.set(Knob::kBlockM, 64);
  a.set(Knob::kBlockN, 64);
  a.set(Knob::kBlockK, 32);
  a.set(Knob::kWarpsM, 2);
  a.set(Knob::kWarpsN, 2);
  a.set(Knob::kStages, 2);
  a.set(Knob::kSplitK, 1);
  a.set(Knob::kSwizzle, 1);
  FeatureExtractor fx(t, ir::H100());
  FeatureVector f = fx.Extract(codegen::Program{t.task, t.sketches.front(), a});
  // ceil(197/64)=4 by ceil(96/64)=2 tiles cover 256x128 for 197x96 useful elements.
  CHECK(Get(f, Feature::kBlocks) == 8);
  CHECK(Get(f, Feature::kPaddingEfficiency) == Approx(197.0 * 96 / (256.0 * 128)));
}

}  // namespace
}  // namespace agt::costmodel

// Tests of BatchNorm folding into conv2d (compiler/passes/fold_batch_norm.cpp).
#include "compiler/passes/passes.h"
#include "tests/passes/pass_test_util.h"

namespace agt {
namespace {

using test::OpSequence;
using Ops = std::vector<std::string>;

TEST_CASE("batch_norm after conv2d folds into the conv's weights and bias", "[passes][bn]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[1,2,4,4]) {
  %w = constant f32[2,2,1,1] [1, 2, 3, 4]
  %scale = constant f32[2] [2, 0.5]
  %bias = constant f32[2] [1, -1]
  %mean = constant f32[2] [0.5, 1]
  %var = constant f32[2] [3, 0]
  %c = conv2d(%x, %w)
  %y = batch_norm(%c, %scale, %bias, %mean, %var) {epsilon = 1}
  return %y
}
)", passes::RunFoldBatchNorm);
  CHECK(changed);
  CHECK(OpSequence(*g) == Ops{"conv2d"});
  const ir::Node* conv = g->nodes().front().get();
  // k = scale / sqrt(var + eps) = [2 / 2, 0.5 / 1] = [1, 0.5]; W' = W * k per out channel;
  // b' = (0 - mean) * k + bias = [-0.5 + 1, -0.5 - 1].
  CHECK(conv->input(1)->data().ToF32() == std::vector<float>{1, 2, 1.5f, 2});
  CHECK(conv->input(2)->data().ToF32() == std::vector<float>{0.5f, -1.5f});
}

TEST_CASE("FrozenBatchNorm as Hugging Face exports it (per-channel mul, then add) folds into the conv", "[passes][bn]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[1,2,4,4]) {
  %w = constant f32[2,2,1,1] [1, 2, 3, 4]
  %b = constant f32[2] [1, -1]
  %scale = constant f32[1,2,1,1] [2, 0.5]
  %shift = constant f32[1,2,1,1] [0.25, 3]
  %c = conv2d(%x, %w, %b)
  %m = mul(%c, %scale)
  %y = add(%shift, %m)
  %r = relu(%y)
  return %r
}
)", passes::RunFoldBatchNorm);
  CHECK(changed);
  CHECK(OpSequence(*g) == Ops{"conv2d", "relu"});
  const ir::Node* conv = g->nodes().front().get();
  // W' = W * scale per out channel; b' = b * scale + shift = [2 + 0.25, -0.5 + 3].
  CHECK(conv->input(1)->data().ToF32() == std::vector<float>{2, 4, 1.5f, 2});
  CHECK(conv->input(2)->data().ToF32() == std::vector<float>{2.25f, 2.5f});
}

TEST_CASE("a mul that is not per output channel, or a conv with another use, does not fold", "[passes][bn]") {
  SECTION("per input pixel") {
    auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[1,2,2,2]) {
  %w = constant f32[2,2,1,1] [1, 2, 3, 4]
  %s = constant f32[1,1,2,2] [1, 2, 3, 4]
  %c = conv2d(%x, %w)
  %m = mul(%c, %s)
  return %m
}
)", passes::RunFoldBatchNorm);
    CHECK_FALSE(changed);
  }
  SECTION("the conv's output used twice") {
    auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[1,2,2,2]) {
  %w = constant f32[2,2,1,1] [1, 2, 3, 4]
  %s = constant f32[2,1,1] [2, 3]
  %c = conv2d(%x, %w)
  %m = mul(%c, %s)
  %a = add(%m, %c)
  return %a
}
)", passes::RunFoldBatchNorm);
    CHECK_FALSE(changed);
  }
}

TEST_CASE("a lone batch_norm stays", "[passes][bn]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[1,2,2,2]) {
  %s = constant f32[2] [1, 2]
  %b = constant f32[2] [0, 1]
  %m = constant f32[2] [0, 0]
  %v = constant f32[2] [1, 1]
  %r = relu(%x)
  %y = batch_norm(%r, %s, %b, %m, %v)
  return %y
}
)", passes::RunFoldBatchNorm);
  CHECK_FALSE(changed);
  CHECK(OpSequence(*g) == Ops{"relu", "batch_norm"});
}

TEST_CASE("a conv whose output is also used elsewhere is not folded", "[passes][bn]") {
  auto [g, changed] = test::RunPassChecked(R"(
graph main(%x: f32[1,1,3,3]) {
  %w = constant f32[1,1,1,1] [2]
  %s = constant f32[1] [3]
  %b = constant f32[1] [1]
  %m = constant f32[1] [0]
  %v = constant f32[1] [1]
  %c = conv2d(%x, %w)
  %y = batch_norm(%c, %s, %b, %m, %v)
  return %y, %c
}
)", passes::RunFoldBatchNorm);
  CHECK_FALSE(changed);
}

}  // namespace
}  // namespace agt

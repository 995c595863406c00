// Unit dims dropped from group graphs (ir/unit_dims.h): a sequence-first [T, 1, C] group and the
// batch-first [1, T, C] one become the same text; attributes follow (perm, axis, axes, reshape
// targets); a drop that would change what an op computes leaves the graph alone; and the squeezed
// graph computes the original's values from the same bytes.
#include <catch2/catch.hpp>

#include "ir/interpreter.h"
#include "ir/text.h"
#include "ir/unit_dims.h"
#include "tests/support/test_support.h"

using namespace agt;
using namespace agt::ir;

namespace {

std::string Squeezed(const std::string& text) {
  auto g = test::ParseIr(text);
  auto s = SqueezeUnitDims(*g);
  return s ? PrintGraph(*s) : std::string("unchanged");
}

// Runs both graphs on the same random bytes and returns the largest difference over all outputs.
double RunBoth(const Graph& original, const Graph& squeezed) {
  std::vector<Tensor> a, b;
  for (size_t i = 0; i < original.inputs().size(); ++i) {
    Tensor t = test::RandomTensor(original.inputs()[i]->type(), 40 + i);
    b.push_back(t.Reshaped(squeezed.inputs()[i]->shape()));
    a.push_back(std::move(t));
  }
  auto ra = Interpret(original, a);
  auto rb = Interpret(squeezed, b);
  REQUIRE(ra.ok());
  REQUIRE(rb.ok());
  REQUIRE(ra->size() == rb->size());
  double worst = 0;
  for (size_t i = 0; i < ra->size(); ++i) {
    REQUIRE((*ra)[i].num_elements() == (*rb)[i].num_elements());
    worst = std::max(worst, test::MaxAbsDiff((*rb)[i].Reshaped((*ra)[i].shape()), (*ra)[i]));
  }
  return worst;
}

// An attention-output block in both layouts: residual add, layer_norm, a linear and a softmax.
std::string Block(const std::string& x_shape, const std::string& perm) {
  return "graph g(%x: f32" + x_shape + ", %r: f32" + x_shape + R"(, %w: f32[16,16], %b: f32[16], %gamma: f32[16]) {
    %a = add(%x, %r)
    %n = layer_norm(%a, %gamma) {epsilon = 1e-5}
    %y = linear(%n, %w, %b)
    %s = softmax(%y)
    %t = transpose(%s) {perm = )" + perm + R"(}
    return %t
  })";
}

}  // namespace

TEST_CASE("unit dims: sequence-first and batch-first groups squeeze to one text", "[unit_dims]") {
  // [6, 1, 16] with perm [1, 0, 2] moves only the unit dim, as [1, 6, 16] with perm [0, 1, 2] does.
  const std::string seq_first = Squeezed(Block("[6,1,16]", "[1, 0, 2]"));
  const std::string batch_first = Squeezed(Block("[1,6,16]", "[0, 1, 2]"));
  CHECK(seq_first == batch_first);
  CHECK_THAT(seq_first, Catch::Contains("%y = linear(%n, %w, %b) : f32[6,16]"));
  CHECK_THAT(seq_first, Catch::Contains("%t = transpose(%s) {perm = [0, 1]} : f32[6,16]"));
  CHECK_THAT(seq_first, Catch::Contains("%x: f32[6,16]"));
  auto g = test::ParseIr(Block("[6,1,16]", "[1, 0, 2]"));
  auto s = SqueezeUnitDims(*g);
  REQUIRE(s != nullptr);
  CHECK(RunBoth(*g, *s) == 0.0);
}

TEST_CASE("unit dims: attributes follow the dims that stay", "[unit_dims]") {
  auto g = test::ParseIr(R"(graph g(%x: f32[2,1,3,1,4]) {
    %t = transpose(%x) {perm = [4, 1, 0, 3, 2]}
    %r = reshape(%t) {shape = [4, 1, 6]}
    %m = reduce_mean(%x) {axes = [1, 2], keepdims = 1}
    %k = reduce_sum(%x) {axes = [-1], keepdims = 0}
    %p = softmax(%x) {axis = 2}
    return %r, %m, %k, %p
  })");
  auto s = SqueezeUnitDims(*g);
  REQUIRE(s != nullptr);
  const std::string text = PrintGraph(*s);
  CHECK_THAT(text, Catch::Contains("%t = transpose(%x) {perm = [2, 0, 1]} : f32[4,2,3]"));
  CHECK_THAT(text, Catch::Contains("%r = reshape(%t) {shape = [4, 6]} : f32[4,6]"));
  CHECK_THAT(text, Catch::Contains("%m = reduce_mean(%x) {axes = [1], keepdims = 0} : f32[2,4]"));   // the unit axis 1 drops out
  CHECK_THAT(text, Catch::Contains("%k = reduce_sum(%x) {axes = [-1], keepdims = 0} : f32[2,3]"));
  CHECK_THAT(text, Catch::Contains("%p = softmax(%x) {axis = 1} : f32[2,3,4]"));
  CHECK(RunBoth(*g, *s) == 0.0);
}

TEST_CASE("unit dims: a drop that would change the computation leaves the graph alone", "[unit_dims]") {
  // [6, 1] broadcast along the 64: squeezed to [6] it would face the 64.
  CHECK(Squeezed(R"(graph g(%x: f32[6,1], %y: f32[6,64]) {
    %z = add(%x, %y)
    return %z
  })") == "unchanged");
  // A matrix of one row stays a matrix.
  CHECK(Squeezed(R"(graph g(%x: f32[2,1,16], %y: f32[2,16,8]) {
    %z = matmul(%x, %y)
    return %z
  })") == "unchanged");
  // A softmax over a unit axis.
  CHECK(Squeezed(R"(graph g(%x: f32[4,1]) {
    %z = softmax(%x) {axis = -1}
    return %z
  })") == "unchanged");
  // An op without a rule (concat) keeps every op of the graph as it was.
  CHECK(Squeezed(R"(graph g(%x: f32[1,4], %y: f32[1,4]) {
    %z = concat(%x, %y) {axis = 1}
    %w = relu(%z)
    return %w
  })") == "unchanged");
  // Nothing to drop.
  CHECK(Squeezed(R"(graph g(%x: f32[4,8]) {
    %z = relu(%x)
    return %z
  })") == "unchanged");
}

TEST_CASE("unit dims: broadcasting operands keep their alignment; batched matmuls lose unit batch dims",
          "[unit_dims]") {
  auto g = test::ParseIr(R"(graph g(%q: f32[1,2,6,8], %k: f32[1,2,8,6], %bias: f32[1,1,6,6], %c: f32[6]) {
    %s = matmul(%q, %k)
    %a = add(%s, %bias)
    %b = mul(%a, %c)
    return %b
  })");
  auto s = SqueezeUnitDims(*g);
  REQUIRE(s != nullptr);
  const std::string text = PrintGraph(*s);
  CHECK_THAT(text, Catch::Contains("%s = matmul(%q, %k) : f32[2,6,6]"));
  CHECK_THAT(text, Catch::Contains("%bias: f32[6,6]"));
  CHECK(RunBoth(*g, *s) == 0.0);
}

// Affine views (codegen/affine_view.h) against the reference interpreter: the group input holds
// 0, 1, 2, ... (exact in f32), so the interpreter's output element at index i IS the flat input
// position it reads, and the view's offset + sum(i_d * stride_d) must equal it for every i. Chains
// that need a copy (merging the dims of a transposed matrix) must have no view.
#include <random>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "codegen/affine_view.h"
#include "ir/interpreter.h"
#include "ir/text.h"

using namespace agt;

namespace {

// Checks the view of the graph's only output, or that there is none when `expect_view` is false.
void CheckView(const std::string& text, bool expect_view) {
  INFO(text);
  auto g = ir::ParseGraph(text);
  REQUIRE(g.ok());
  const ir::Value* in = (*g)->inputs()[0];
  const ir::Value* out = (*g)->outputs()[0];
  auto view = codegen::AffineOf(**g, out);
  if (!expect_view) {
    CHECK_FALSE(view.has_value());
    return;
  }
  REQUIRE(view.has_value());
  CHECK(view->input == 0);
  REQUIRE(view->strides.size() == out->shape().size());
  std::vector<float> iota(static_cast<size_t>(in->type().num_elements()));
  for (size_t i = 0; i < iota.size(); ++i) iota[i] = static_cast<float>(i);
  std::vector<ir::Tensor> inputs{ir::Tensor::FromF32(ir::DType::kF32, in->shape(), iota)};
  auto res = ir::Interpret(**g, inputs);
  REQUIRE(res.ok());
  const ir::Tensor& y = (*res)[0];
  const ir::Shape& s = out->shape();
  int bad = 0;
  for (int64_t flat = 0; flat < y.num_elements(); ++flat) {
    int64_t rem = flat, pos = view->offset;
    for (int d = static_cast<int>(s.size()) - 1; d >= 0; --d) {
      pos += (rem % s[d]) * view->strides[d];
      rem /= s[d];
    }
    if (static_cast<int64_t>(y.GetF32(flat)) != pos && ++bad <= 3) {
      FAIL_CHECK("element " << flat << ": the view reads input position " << pos << ", the interpreter "
                            << y.GetF32(flat));
    }
  }
  CHECK(bad == 0);
}

std::string Dims(const std::vector<int64_t>& d) { return fmt::format("[{}]", fmt::join(d, ", ")); }

}  // namespace

TEST_CASE("affine view: ViT's qkv split (TorchScript export: reshape, transpose, split, squeeze-reshape)",
          "[codegen][affine]") {
  // [1, T, 3*H*D] -> [1, T, 3, H, D] -> [3, 1, H, T, D] -> split on axis 0 -> [1, H, T, D], and K^T.
  const char* head = "graph g(%x: f32[1,5,24]) {\n"
                     "  %r = reshape(%x) {shape = [1, 5, 3, 2, 4]}\n"
                     "  %t = transpose(%r) {perm = [2, 0, 3, 1, 4]}\n"
                     "  %q, %k, %v = split(%t) {axis = 0, split = [1, 1, 1]}\n";
  CheckView(std::string(head) + "  %k2 = reshape(%k) {shape = [1, 2, 5, 4]}\n  return %k2\n}\n", true);
  CheckView(std::string(head) + "  %v2 = reshape(%v) {shape = [2, 5, 4]}\n  return %v2\n}\n", true);
  CheckView(std::string(head) +
                "  %k2 = reshape(%k) {shape = [1, 2, 5, 4]}\n  %kt = transpose(%k2) {perm = [0, 1, 3, 2]}\n  return %kt\n}\n",
            true);
  // Heads merged back ([1, H, T, D] -> [1, T, H, D] -> [1, T, H*D]) is a view of the qkv layout,
  // where H and D are adjacent; of a contiguous [1, H, T, D] it is not (the second case).
  CheckView(std::string(head) +
                "  %k2 = reshape(%k) {shape = [1, 2, 5, 4]}\n  %kt = transpose(%k2) {perm = [0, 2, 1, 3]}\n"
                "  %m = reshape(%kt) {shape = [1, 5, 8]}\n  return %m\n}\n",
            true);
  CheckView("graph g(%x: f32[1,2,5,4]) {\n  %t = transpose(%x) {perm = [0, 2, 1, 3]}\n"
            "  %m = reshape(%t) {shape = [1, 5, 8]}\n  return %m\n}\n",
            false);
}

TEST_CASE("affine view: reshapes of strided views, size-1 dims, slices and expands", "[codegen][affine]") {
  // Splitting a transposed dim, merging two dims that stay adjacent in memory, size-1 dims anywhere.
  CheckView("graph g(%x: f32[6,4]) {\n  %t = transpose(%x) {perm = [1, 0]}\n"
            "  %r = reshape(%t) {shape = [4, 2, 3]}\n  return %r\n}\n",
            true);
  CheckView("graph g(%x: f32[2,3,4]) {\n  %t = transpose(%x) {perm = [2, 0, 1]}\n"
            "  %r = reshape(%t) {shape = [4, 6]}\n  return %r\n}\n",
            true);
  CheckView("graph g(%x: f32[2,3,4]) {\n  %t = transpose(%x) {perm = [1, 0, 2]}\n"
            "  %r = reshape(%t) {shape = [1, 3, 1, 2, 4, 1]}\n  return %r\n}\n",
            true);
  // Merging across a gap: no view.
  CheckView("graph g(%x: f32[2,3,4]) {\n  %t = transpose(%x) {perm = [2, 0, 1]}\n"
            "  %r = reshape(%t) {shape = [8, 3]}\n  return %r\n}\n",
            false);
  CheckView("graph g(%x: f32[8,6]) {\n  %s = slice(%x) {starts = [0, 2], ends = [8, 6], axes = [0, 1]}\n"
            "  %r = reshape(%s) {shape = [2, 4, 4]}\n  return %r\n}\n",
            true);
  CheckView("graph g(%x: f32[8,6]) {\n  %s = slice(%x) {starts = [2], ends = [6], axes = [1]}\n"
            "  %r = reshape(%s) {shape = [32]}\n  return %r\n}\n",
            false);
  CheckView("graph g(%x: f32[1,4]) {\n  %e = expand(%x) {shape = [3, 4]}\n"
            "  %r = reshape(%e) {shape = [3, 2, 2]}\n  return %r\n}\n",
            true);
}

TEST_CASE("affine view: random chains of transposes and reshapes agree with the interpreter", "[codegen][affine]") {
  std::mt19937_64 rng(5);
  int with_view = 0, without = 0;
  for (int trial = 0; trial < 200; ++trial) {
    // A 4-d input of small sizes; a transpose; a reshape that splits or merges dims; maybe again.
    std::vector<int64_t> shape;
    for (int d = 0; d < 4; ++d) shape.push_back(std::uniform_int_distribution<int64_t>(1, 4)(rng));
    std::string text = fmt::format("graph g(%x: f32{}) {{\n", Dims(shape));
    std::string cur = "%x";
    for (int step = 0; step < 2; ++step) {
      std::vector<int64_t> perm(shape.size());
      for (size_t i = 0; i < perm.size(); ++i) perm[i] = static_cast<int64_t>(i);
      std::shuffle(perm.begin(), perm.end(), rng);
      std::vector<int64_t> ts;
      for (int64_t p : perm) ts.push_back(shape[p]);
      text += fmt::format("  %t{} = transpose({}) {{perm = {}}}\n", step, cur, Dims(perm));
      // Reshape: merge two neighbouring dims, or split one into factors, or both.
      std::vector<int64_t> rs = ts;
      size_t a = std::uniform_int_distribution<size_t>(0, rs.size() - 2)(rng);
      if (rng() % 2 == 0) {
        rs[a] *= rs[a + 1];
        rs.erase(rs.begin() + static_cast<long>(a) + 1);
      }
      size_t b = std::uniform_int_distribution<size_t>(0, rs.size() - 1)(rng);
      if (rs[b] % 2 == 0) {
        rs[b] /= 2;
        rs.insert(rs.begin() + static_cast<long>(b), 2);
      } else {
        rs.insert(rs.begin() + static_cast<long>(b), 1);
      }
      while (rs.size() > 4) {   // keep the rank at 4: merge the two outermost
        rs[1] *= rs[0];
        rs.erase(rs.begin());
      }
      while (rs.size() < 4) rs.insert(rs.begin(), 1);
      text += fmt::format("  %r{} = reshape(%t{}) {{shape = {}}}\n", step, step, Dims(rs));
      cur = fmt::format("%r{}", step);
      shape = rs;
    }
    text += fmt::format("  return {}\n}}\n", cur);
    auto g = ir::ParseGraph(text);
    REQUIRE(g.ok());
    bool has = codegen::AffineOf(**g, (*g)->outputs()[0]).has_value();
    (has ? with_view : without)++;
    // With a view, every element must agree (a missed view costs speed, not correctness).
    if (has) CheckView(text, true);
  }
  // Both outcomes occur, so the test sees the analysis say yes and no.
  CHECK(with_view > 20);
  CHECK(without > 20);
}

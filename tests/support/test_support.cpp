// Helpers shared by the tests.
#include "tests/support/test_support.h"

#include <dlfcn.h>

#include <cmath>
#include <random>

#include <catch2/catch.hpp>

#include "ir/text.h"

namespace agt::test {

ir::Tensor RandomTensor(const ir::TensorType& type, uint64_t seed, float lo, float hi) {
  ir::Tensor t(type);
  std::mt19937_64 rng(seed);
  int64_t n = t.num_elements();
  if (ir::IsFloat(type.dtype)) {
    std::uniform_real_distribution<float> d(lo, hi);
    for (int64_t i = 0; i < n; ++i) t.SetF32(i, d(rng));
  } else if (type.dtype == ir::DType::kBool) {
    std::bernoulli_distribution d(0.5);
    for (int64_t i = 0; i < n; ++i) t.SetI64(i, d(rng) ? 1 : 0);
  } else {
    std::uniform_int_distribution<int64_t> d(static_cast<int64_t>(lo), static_cast<int64_t>(hi));
    for (int64_t i = 0; i < n; ++i) t.SetI64(i, d(rng));
  }
  return t;
}

double RelativeL2(const ir::Tensor& a, const ir::Tensor& b) {
  double num = 0, den = 0;
  int64_t n = std::min(a.num_elements(), b.num_elements());
  for (int64_t i = 0; i < n; ++i) {
    double d = static_cast<double>(a.GetF32(i)) - b.GetF32(i);
    num += d * d;
    den += static_cast<double>(b.GetF32(i)) * b.GetF32(i);
  }
  if (a.num_elements() != b.num_elements()) return INFINITY;
  return std::sqrt(num) / std::max(std::sqrt(den), 1e-30);
}

double MaxAbsDiff(const ir::Tensor& a, const ir::Tensor& b) {
  if (a.num_elements() != b.num_elements()) return INFINITY;
  double m = 0;
  for (int64_t i = 0; i < a.num_elements(); ++i) m = std::max(m, std::fabs(static_cast<double>(a.GetF32(i)) - b.GetF32(i)));
  return m;
}

bool HasGpuDriver() {
  void* h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) return false;
  dlclose(h);
  return true;
}

std::unique_ptr<ir::Graph> ParseIr(std::string_view text) {
  auto g = ir::ParseGraph(text, "<test>");
  if (!g.ok()) FAIL("IR text does not parse: " << g.status().message());
  return std::move(g).value();
}

}  // namespace agt::test

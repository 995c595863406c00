// Benchmark of the Hopper GEMM core at every Linear shape of ViT-B/L/H, SETR and DETR (batch 1, fp16,
// + bias): for each shape, a handful of configurations, each timed as the median of 60 replays of a
// CUDA graph of 20 launches that cycle through 4 copies of the weight (so L2 does not keep it),
// inputs random; the best per weight layout is printed with TFLOP/s. scripts/gpu/bench_linear_torch.py
// times torch.nn.functional.linear the same way and joins the two tables (--ours FILE).
//
//   bench_gemm_sm90 [--cache DIR] [--compile-only] [--quick]      (cache default: $AGT_NVRTC_CACHE, else ../nvrtc-cache-sm90)
//
// --compile-only fills the NVRTC cache (no GPU needed), so the GPU machine, given the build folder,
// only loads cubins. Output: one line per shape, whitespace-separated, header first.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "codegen/hopper/gemm_sm90.h"
#include "codegen/nvrtc.h"
#include "tests/codegen/gemm_sm90_runner.h"

namespace {

using agt::codegen::hopper::BLayout;
using agt::codegen::hopper::GemmSm90Config;

struct Shape {
  std::string name;
  int64_t M, K, N;
};

// Every Linear of the models: tokens, width, qkv width, MLP width.
std::vector<Shape> Shapes() {
  std::vector<Shape> v;
  auto model = [&](const std::string& prefix, int64_t m, int64_t d, int64_t qkv, int64_t mlp) {
    v.push_back({prefix + ".qkv", m, d, qkv});
    v.push_back({prefix + ".proj", m, d, d});
    v.push_back({prefix + ".fc1", m, d, mlp});
    v.push_back({prefix + ".fc2", m, mlp, d});
  };
  model("vit-b", 197, 768, 2304, 3072);
  model("vit-l", 197, 1024, 3072, 4096);
  model("vit-h", 257, 1280, 3840, 5120);
  model("setr", 577, 1024, 3072, 4096);
  model("detr-enc", 1050, 256, 768, 2048);
  model("detr-dec", 100, 256, 768, 2048);
  return v;
}

GemmSm90Config Cfg(BLayout b, int tm, int tn, int stages, int consumers) {
  GemmSm90Config c;
  c.b_layout = b;
  c.tile_m = tm;
  c.tile_n = tn;
  c.stages = stages;
  c.consumers = consumers;
  c.bias = true;
  return c;
}

// The handful of configurations tried per shape: small tiles for more CTAs on these short-M
// products (no split-K yet), wide tiles for the large-N ones.
std::vector<GemmSm90Config> Configs(bool quick) {
  std::vector<GemmSm90Config> v;
  for (BLayout b : {BLayout::kKN, BLayout::kNK}) {
    v.push_back(Cfg(b, 128, 128, 4, 2));
    v.push_back(Cfg(b, 64, 64, 6, 1));
    if (quick) continue;
    v.push_back(Cfg(b, 128, 256, 3, 2));
    v.push_back(Cfg(b, 128, 64, 6, 2));
    v.push_back(Cfg(b, 64, 128, 6, 1));
    v.push_back(Cfg(b, 64, 256, 4, 1));
    v.push_back(Cfg(b, 128, 192, 4, 2));
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  // The cache: --cache, else $AGT_NVRTC_CACHE, else nvrtc-cache-sm90 beside bin/ (build/ or .carry/).
  const char* env = std::getenv("AGT_NVRTC_CACHE");
  std::string cache = env != nullptr && *env != '\0'
                          ? std::string(env)
                          : (std::filesystem::path(argv[0]).parent_path().parent_path() / "nvrtc-cache-sm90").string();
  bool compile_only = false, quick = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--cache") == 0 && i + 1 < argc) {
      cache = argv[++i];
    } else if (std::strcmp(argv[i], "--compile-only") == 0) {
      compile_only = true;
    } else if (std::strcmp(argv[i], "--quick") == 0) {
      quick = true;
    } else {
      std::fprintf(stderr, "usage: %s [--cache DIR] [--compile-only] [--quick]\n", argv[0]);
      return 2;
    }
  }
  std::vector<GemmSm90Config> cfgs = Configs(quick);
  agt::codegen::NvrtcCompiler nvrtc(cache);
  if (compile_only) {
    std::vector<std::thread> pool;
    std::atomic<size_t> next{0};
    std::atomic<int> failed{0};
    unsigned threads = std::max(2u, std::thread::hardware_concurrency());
    for (unsigned t = 0; t < threads; ++t) {
      pool.emplace_back([&]() {
        for (size_t i = next++; i < cfgs.size(); i = next++) {
          auto k = agt::codegen::hopper::EmitGemmSm90(cfgs[i]);
          auto out = k.ok() ? nvrtc.Compile(k->source, "sm_90a", k->kernel_name + ".cu")
                            : agt::Expected<std::shared_ptr<const agt::codegen::CompileOutput>>(k.status());
          if (!out.ok()) {
            std::fprintf(stderr, "%s: %s\n", cfgs[i].Describe().c_str(), out.status().message().c_str());
            ++failed;
          }
        }
      });
    }
    for (auto& th : pool) th.join();
    std::fprintf(stderr, "compiled %zu configurations into %s (%d failed)\n", cfgs.size(), cache.c_str(), failed.load());
    return failed == 0 ? 0 : 1;
  }
  std::string why;
  auto gpu = agt::test::Sm90GemmRunner::Create(&why);
  if (!gpu) {
    std::fprintf(stderr, "bench_gemm_sm90: no usable sm_90 GPU: %s\n", why.c_str());
    return 2;
  }
  std::vector<int> handles;
  for (const auto& c : cfgs) {
    auto h = gpu->Load(c, nvrtc);
    if (!h.ok()) {
      std::fprintf(stderr, "%s: %s\n", c.Describe().c_str(), h.status().message().c_str());
      return 1;
    }
    handles.push_back(h.value());
  }
  std::printf("# sm90 GEMM core on %s, fp16 + bias, median of 60 graph replays x 20 launches, 4 weight copies\n",
              gpu->device_name().c_str());
  std::printf("%-14s %5s %5s %5s %9s %8s %-24s %9s %8s %-24s\n", "name", "M", "N", "K", "kn_us", "kn_TF/s", "kn_config",
              "nk_us", "nk_TF/s", "nk_config");
  for (const Shape& s : Shapes()) {
    agt::test::Sm90Problem p{s.M, s.N, s.K};
    double best[2] = {1e30, 1e30};
    std::string best_cfg[2] = {"-", "-"};
    for (size_t i = 0; i < cfgs.size(); ++i) {
      auto t = gpu->Time(handles[i], p);
      if (!t.ok()) {
        std::fprintf(stderr, "%s %s: %s\n", s.name.c_str(), cfgs[i].Describe().c_str(), t.status().message().c_str());
        continue;
      }
      int l = cfgs[i].b_layout == BLayout::kKN ? 0 : 1;
      if (t.value() < best[l]) {
        best[l] = t.value();
        best_cfg[l] = std::to_string(cfgs[i].tile_m) + "x" + std::to_string(cfgs[i].tile_n) + "_s" +
                      std::to_string(cfgs[i].stages) + "_c" + std::to_string(cfgs[i].consumers);
      }
    }
    const double flop = 2.0 * static_cast<double>(s.M) * static_cast<double>(s.N) * static_cast<double>(s.K);
    std::printf("%-14s %5lld %5lld %5lld %9.2f %8.1f %-24s %9.2f %8.1f %-24s\n", s.name.c_str(), static_cast<long long>(s.M),
                static_cast<long long>(s.N), static_cast<long long>(s.K), best[0], flop / best[0] * 1e-6,
                best_cfg[0].c_str(), best[1], flop / best[1] * 1e-6, best_cfg[1].c_str());
    std::fflush(stdout);
  }
  return 0;
}

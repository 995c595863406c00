// Benchmark of the Hopper GEMM core at every Linear shape of ViT-B/L/H, SETR and DETR (batch 1, fp16,
// + bias, the weight as the artifact stores it, [K, N]): for each shape the shape-based default
// configuration (DefaultGemmSm90Config: tile, stages, split-K on this GPU's SM count), timed as the
// median of 60 replays of a CUDA graph of 20 launches that cycle through 4 copies of the weight (so
// L2 does not keep it), inputs random. With --sweep, also every configuration of the sweep space
// (GemmSm90TileChoices x split 1..4, raster along N for two tiles, other ring depths for three small
// tiles, and each tile with the register-store epilogue at split 1: `_rs`) on each shape, the best printed
// beside the default and every timing written to --sweep-log FILE (default: stderr), with probes of
// each tile's fixed and per-k-block cost (K = 64 and 768, with and without the bias, and with the
// register-store epilogue). The sweep runs with the bias only; then each shape whose model fuses more
// (fc1's GELU, proj/fc2's residual) has its 6 fastest sweep configurations compiled (in parallel) and
// timed again with that epilogue: the `tuned` column is the fastest of those and the default, each
// with the shape's fused epilogue (what tuning the model's task finds in this space; bias-only shapes:
// the sweep's best).
// scripts/gpu/bench_linear_torch.py times torch.nn.functional.linear the same way and joins the tables
// (--ours FILE).
//
//   bench_gemm_sm90 [--cache DIR] [--compile-only [--emit DIR]] [--sweep] [--sweep-log FILE] [--shapes A,B] [--sms N] [--nk]
//
// (cache default: $AGT_NVRTC_CACHE, else ../nvrtc-cache-sm90; --sms: the SM count the defaults are
// chosen for when there is no GPU, default 132.) --compile-only fills the NVRTC cache (no GPU
// needed) with the defaults and the sweep, so the GPU machine only loads cubins. Output: one line per
// shape, whitespace-separated, header first.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "codegen/hopper/gemm_sm90.h"
#include "codegen/hopper/tile_scheduler_sm90.h"
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
  model("setr-b", 577, 768, 2304, 3072);   // SETR-Naive-Base: ViT-B at 384x384
  // The patch embeddings as GEMMs (compiler/passes/conv_as_linear.cpp: a 16x16/16 conv over 3 channels
  // is [tokens, 768] x [768, width]); ViT-H's 14x14 patch (K = 588, not a multiple of 8) cannot be
  // read by TMA and stays on the mma.sync sketch. And SETR-Naive's head: a 1x1 conv 1024 -> 256 on the
  // 24x24 token grid, as a Linear.
  v.push_back({"vit-b.patch", 196, 768, 768});
  v.push_back({"vit-l.patch", 196, 768, 1024});
  v.push_back({"setr.patch", 576, 768, 1024});
  v.push_back({"setr-b.patch", 576, 768, 768});
  v.push_back({"setr.head", 576, 1024, 256});
  return v;
}

GemmSm90Config Epilogue() {
  GemmSm90Config c;
  c.b_layout = BLayout::kKN;
  c.bias = true;
  return c;
}

// The epilogue the compiled model fuses into each Linear: fc1 + GELU, proj and fc2 + the residual
// add, the rest bias only (torch's F.linear beside it does bias only: ours does more).
GemmSm90Config FusedEpilogue(const Shape& s) {
  GemmSm90Config c = Epilogue();
  auto ends = [&](const char* suffix) {
    const std::string x = suffix;
    return s.name.size() >= x.size() && s.name.compare(s.name.size() - x.size(), x.size(), x) == 0;
  };
  c.gelu = ends(".fc1");
  c.residual = ends(".proj") || ends(".fc2");
  return c;
}

GemmSm90Config Default(const Shape& s, int sms) {
  return agt::codegen::hopper::DefaultGemmSm90Config(s.M, s.N, s.K, sms, FusedEpilogue(s));
}

bool g_nk_twins = false;   // --nk

// The sweep: every tile choice x split 1..4, and raster along N for the two most likely tiles; with
// a shape, also its swapped tiles (GemmSm90SwappedTileChoices) x split 1..3.
std::vector<GemmSm90Config> Sweep(const Shape* shape = nullptr) {
  std::vector<GemmSm90Config> v;
  if (shape != nullptr) {
    for (const auto& t : agt::codegen::hopper::GemmSm90SwappedTileChoices(shape->M)) {
      for (int split = 1; split <= 3; ++split) {
        GemmSm90Config c = agt::codegen::hopper::WithTile(Epilogue(), t);
        c.swap_ab = true;
        c.split_k = split;
        v.push_back(c);
      }
    }
  }
  for (const auto& t : agt::codegen::hopper::GemmSm90TileChoices()) {
    for (int split = 1; split <= 4; ++split) {
      GemmSm90Config c = agt::codegen::hopper::WithTile(Epilogue(), t);
      c.split_k = split;
      v.push_back(c);
      if (split == 1) {   // the register-store epilogue beside the staged one: what the staging buys per shape
        GemmSm90Config r = c;
        r.staged_epilogue = false;
        v.push_back(r);
      }
      if ((t.tile_n == 128 || t.tile_n == 64) && t.tile_m == 128 && split <= 2) {
        c.raster = agt::codegen::hopper::Raster::kAlongN;
        v.push_back(c);
      }
    }
  }
  // Other ring depths for the load-bound small tiles than the default's choices (the second H200
  // sweep measured 8 stages 1-10% faster than 6 for 128x64 and 64x128, the same for 64x64).
  for (const auto& t : std::vector<agt::codegen::hopper::GemmSm90TileChoice>{{64, 64, 8, 1}, {128, 64, 6, 2}, {64, 128, 6, 1}}) {
    for (int split = 1; split <= 2; ++split) {
      GemmSm90Config c = agt::codegen::hopper::WithTile(Epilogue(), t);
      c.split_k = split;
      v.push_back(c);
    }
  }
  // Clusters of 2 (the weight's boxes multicast to a pair of tiles) for split 1 and 2, where the
  // paired side (M unswapped, the token tiles swapped) has at least two tiles.
  const size_t unclustered = v.size();
  for (size_t i = 0; i < unclustered; ++i) {
    GemmSm90Config c = v[i];
    if (c.split_k > 2 || !c.staged_epilogue) continue;
    c.cluster = 2;
    if (shape != nullptr) {
      if (agt::codegen::hopper::GemmSm90PairedSideTiles(c, shape->M) < 2) continue;
    }
    v.push_back(c);
  }
  // Reduce-scatter twins (`_scat`) of every unclustered split-K configuration.
  for (size_t i = 0; i < unclustered; ++i) {
    GemmSm90Config c = v[i];
    if (c.split_k < 2) continue;
    c.split_scatter = true;
    if (agt::codegen::hopper::ValidateGemmSm90(c).ok()) v.push_back(c);
  }
  // --nk: [N, K] twins (torch's layout: the weight K-major, no transpose bit) of the staged split 1 and 2
  // unclustered configurations, to tell what the [K, N] weight's MN-major reads cost.
  if (g_nk_twins) {
    for (size_t i = 0; i < unclustered; ++i) {
      GemmSm90Config c = v[i];
      if (c.split_k > 2 || !c.staged_epilogue) continue;
      c.b_layout = BLayout::kNK;
      if (agt::codegen::hopper::ValidateGemmSm90(c).ok()) v.push_back(c);
    }
  }
  return v;
}

std::string Short(const GemmSm90Config& c) {
  std::string s = std::to_string(c.tile_m) + "x" + std::to_string(c.tile_n) + "_s" + std::to_string(c.stages) + "_c" +
                  std::to_string(c.consumers) + "_k" + std::to_string(c.split_k);
  if (c.raster == agt::codegen::hopper::Raster::kAlongN) s += "_rn";
  if (!c.staged_epilogue) s += "_rs";
  if (c.swap_ab) s += "_sw";
  if (c.cluster > 1) s += "_x" + std::to_string(c.cluster);
  if (c.b_layout == BLayout::kNK) s += "_nk";
  if (c.split_scatter) s += "_scat";
  return s;
}

// Compiles `cfgs` into the NVRTC cache on every core; returns how many failed.
int CompileParallel(agt::codegen::NvrtcCompiler& nvrtc, const std::vector<GemmSm90Config>& cfgs) {
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
  return failed.load();
}

}  // namespace

int main(int argc, char** argv) {
  // The cache: --cache, else $AGT_NVRTC_CACHE, else nvrtc-cache-sm90 beside bin/ (build/ or .carry/).
  const char* env = std::getenv("AGT_NVRTC_CACHE");
  std::string cache = env != nullptr && *env != '\0'
                          ? std::string(env)
                          : (std::filesystem::path(argv[0]).parent_path().parent_path() / "nvrtc-cache-sm90").string();
  bool compile_only = false, sweep = false;
  int sms_arg = 132;
  std::string sweep_log, emit_dir, only;   // only: --shapes NAME,NAME (timing; default every shape)
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--cache") == 0 && i + 1 < argc) {
      cache = argv[++i];
    } else if (std::strcmp(argv[i], "--compile-only") == 0) {
      compile_only = true;
    } else if (std::strcmp(argv[i], "--sweep") == 0) {
      sweep = true;
    } else if (std::strcmp(argv[i], "--shapes") == 0 && i + 1 < argc) {
      only = argv[++i];
    } else if (std::strcmp(argv[i], "--sweep-log") == 0 && i + 1 < argc) {
      sweep_log = argv[++i];
    } else if (std::strcmp(argv[i], "--emit") == 0 && i + 1 < argc) {
      emit_dir = argv[++i];
    } else if (std::strcmp(argv[i], "--sms") == 0 && i + 1 < argc) {
      sms_arg = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--nk") == 0) {
      g_nk_twins = true;
    } else {
      std::fprintf(stderr, "usage: %s [--cache DIR] [--compile-only [--emit DIR]] [--sweep] [--sweep-log FILE] [--shapes A,B] [--sms N] [--nk]\n", argv[0]);
      return 2;
    }
  }
  agt::codegen::NvrtcCompiler nvrtc(cache);
  if (compile_only) {
    std::vector<GemmSm90Config> cfgs = Sweep();
    for (const Shape& s : Shapes()) {   // each shape's swapped tiles
      for (const auto& c : Sweep(&s)) {
        if (!c.swap_ab) continue;
        bool have = false;
        for (const auto& x : cfgs) have = have || x.KernelName() == c.KernelName();
        if (!have) cfgs.push_back(c);
      }
    }
    for (const auto& t : agt::codegen::hopper::GemmSm90TileChoices()) {   // the probes' bias-free kernels
      GemmSm90Config c = agt::codegen::hopper::WithTile(Epilogue(), t);
      c.bias = false;
      cfgs.push_back(c);
      c.bias = true;   // and the register-store epilogue's probes
      c.staged_epilogue = false;
      cfgs.push_back(c);
    }
    std::printf("# defaults on %d SMs (no GPU: the cost model's choice and estimate)\n%-14s %5s %5s %5s %-24s %6s %9s\n",
                sms_arg, "name", "M", "N", "K", "default_config", "units", "est_cyc");
    for (const Shape& s : Shapes()) {
      GemmSm90Config d = Default(s, sms_arg);
      std::printf("%-14s %5lld %5lld %5lld %-24s %6lld %9.0f\n", s.name.c_str(), static_cast<long long>(s.M),
                  static_cast<long long>(s.N), static_cast<long long>(s.K), Short(d).c_str(),
                  static_cast<long long>(agt::codegen::hopper::ScheduleGemmSm90(d, s.M, s.N, s.K).units),
                  agt::codegen::hopper::GemmSm90EstimateCycles(d, s.M, s.N, s.K, sms_arg));
      bool have = false;
      for (const auto& c : cfgs) have = have || c.KernelName() == d.KernelName();
      if (!have) cfgs.push_back(d);
    }
    std::fflush(stdout);
    if (!emit_dir.empty()) {   // the sources too, for nvcc -Xptxas -v
      for (const auto& c : cfgs) {
        auto k = agt::codegen::hopper::EmitGemmSm90(c);
        if (k.ok()) std::ofstream(emit_dir + "/" + k->kernel_name + ".cu") << k->source;
      }
    }
    const int failed = CompileParallel(nvrtc, cfgs);
    std::fprintf(stderr, "compiled %zu configurations into %s (%d failed)\n", cfgs.size(), cache.c_str(), failed);
    return failed == 0 ? 0 : 1;
  }
  std::string why;
  auto gpu = agt::test::Sm90GemmRunner::Create(&why);
  if (!gpu) {
    std::fprintf(stderr, "bench_gemm_sm90: no usable sm_90 GPU: %s\n", why.c_str());
    return 2;
  }
  const int sms = gpu->sm_count();
  // Kernels loaded once each, by name.
  std::vector<std::pair<std::string, int>> loaded;
  auto load = [&](const GemmSm90Config& c) -> int {
    for (const auto& [name, h] : loaded) {
      if (name == c.KernelName()) return h;
    }
    auto h = gpu->Load(c, nvrtc);
    if (!h.ok()) {
      std::fprintf(stderr, "%s: %s\n", c.Describe().c_str(), h.status().message().c_str());
      return -1;
    }
    loaded.emplace_back(c.KernelName(), h.value());
    return h.value();
  };
  FILE* log = stderr;
  if (!sweep_log.empty()) {
    log = std::fopen(sweep_log.c_str(), "w");
    if (log == nullptr) {
      std::fprintf(stderr, "cannot write %s\n", sweep_log.c_str());
      return 2;
    }
  }
  std::printf("# sm90 GEMM core on %s (%d SMs), fp16, [K, N] weight, median of 60 graph replays x 20 launches, "
              "4 weight copies; default: the shape's fused epilogue (fc1 +bias gelu, proj/fc2 +bias +residual, else "
              "+bias); sweep: +bias\n",
              gpu->device_name().c_str(), sms);
  std::printf("%-14s %5s %5s %5s %9s %8s %-24s %9s %8s %-24s", "name", "M", "N", "K", "default_us", "def_TF/s",
              "default_config", "best_us", "best_TF/s", "best_config");
  std::printf(sweep ? " %9s %8s %-24s\n" : "\n", "tuned_us", "tun_TF/s", "tuned_config");
  for (const Shape& s : Shapes()) {
    if (!only.empty() && ("," + only + ",").find("," + s.name + ",") == std::string::npos) continue;
    const std::vector<GemmSm90Config> space = sweep ? Sweep(&s) : std::vector<GemmSm90Config>{};
    agt::test::Sm90Problem p{s.M, s.N, s.K};
    const double flop = 2.0 * static_cast<double>(s.M) * static_cast<double>(s.N) * static_cast<double>(s.K);
    const GemmSm90Config d = Default(s, sms);
    double def_us = 1e30;
    int hd = load(d);
    if (hd >= 0) {
      auto t = gpu->Time(hd, p);
      if (t.ok()) {
        def_us = t.value();
      } else {
        std::fprintf(stderr, "%s %s: %s\n", s.name.c_str(), d.Describe().c_str(), t.status().message().c_str());
      }
    }
    double best = def_us;
    std::string best_cfg = Short(d);
    std::vector<std::pair<double, GemmSm90Config>> timed;
    const int64_t k_blocks = (s.K + 63) / 64;
    for (const GemmSm90Config& c : space) {
      if (c.split_k > 1 && k_blocks < 2 * c.split_k) continue;
      int h = load(c);
      if (h < 0) continue;
      auto t = gpu->Time(h, p);
      if (!t.ok()) {
        std::fprintf(stderr, "%s %s: %s\n", s.name.c_str(), c.Describe().c_str(), t.status().message().c_str());
        continue;
      }
      std::fprintf(log, "sweep %-14s %-24s %8.2f est %8.0f\n", s.name.c_str(), Short(c).c_str(), t.value(),
                   agt::codegen::hopper::GemmSm90EstimateCycles(c, s.M, s.N, s.K, sms));
      if (t.value() < best) {
        best = t.value();
        best_cfg = Short(c);
      }
      timed.emplace_back(t.value(), c);
    }
    std::printf("%-14s %5lld %5lld %5lld %9.2f %8.1f %-24s %9.2f %8.1f %-24s", s.name.c_str(), static_cast<long long>(s.M),
                static_cast<long long>(s.N), static_cast<long long>(s.K), def_us, flop / def_us * 1e-6, Short(d).c_str(),
                best, flop / best * 1e-6, best_cfg.c_str());
    if (sweep) {
      // The tuned column: the default, or one of the sweep's 6 fastest with the fused epilogue.
      const GemmSm90Config f = FusedEpilogue(s);
      double tuned = def_us;
      std::string tuned_cfg = Short(d);
      if (!f.gelu && !f.residual) {
        tuned = best;
        tuned_cfg = best_cfg;
      } else {
        std::sort(timed.begin(), timed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        std::vector<GemmSm90Config> fused;
        for (size_t i = 0; i < timed.size() && fused.size() < 6; ++i) {
          GemmSm90Config c = timed[i].second;
          c.gelu = f.gelu;
          c.residual = f.residual;
          if (c.KernelName() != d.KernelName()) fused.push_back(c);
        }
        CompileParallel(nvrtc, fused);
        for (const GemmSm90Config& c : fused) {
          int h = load(c);
          if (h < 0) continue;
          auto t = gpu->Time(h, p);
          if (!t.ok()) continue;
          std::fprintf(log, "fused %-14s %-24s %8.2f\n", s.name.c_str(), Short(c).c_str(), t.value());
          if (t.value() < tuned) {
            tuned = t.value();
            tuned_cfg = Short(c);
          }
        }
      }
      std::printf(" %9.2f %8.1f %-24s", tuned, flop / tuned * 1e-6, tuned_cfg.c_str());
    }
    std::printf("\n");
    std::fflush(stdout);
    std::fflush(log);
  }
  if (sweep) {
    // Probes of each tile's fixed and per-k-block cost (S = 1, ViT-B qkv's 197 x 2304): K = 64 is one
    // k-block, K = 768 twelve; and the default configuration without its bias (what the epilogue's
    // bias loads cost).
    for (const auto& t : agt::codegen::hopper::GemmSm90TileChoices()) {
      GemmSm90Config c = agt::codegen::hopper::WithTile(Epilogue(), t);
      for (int variant = 0; variant < 3; ++variant) {   // staged + bias, staged without bias, register stores + bias
        c.bias = variant != 1;
        c.staged_epilogue = variant != 2;
        int h = load(c);
        if (h < 0) continue;
        for (int64_t k : {64, 768}) {
          auto tm = gpu->Time(h, agt::test::Sm90Problem{197, 2304, k});
          if (tm.ok()) std::fprintf(log, "probe 197x2304x%-5lld %-24s %8.2f%s\n", static_cast<long long>(k), Short(c).c_str(), tm.value(), c.bias ? "" : " nobias");
        }
      }
    }
  }
  if (log != stderr) std::fclose(log);
  return 0;
}

// trace_model MODEL.so [--runs N] [--warmup N] [--device D] [--top K]
//
// Where a compiled model's time goes, from a CUPTI activity trace of its CUDA-graph replays (issue 17's
// gap report; Nsight Systems does not run on the lent GPU machine, and Nsight Compute times each kernel
// alone, serialised, which measured more than the whole run). The artifact is loaded through its C API
// (dlopen, as an application does), given seeded random inputs once, then replayed warmup + runs times
// back to back (agt_model_bench) with kernel, memset and memcpy activity recorded. The records are
// cut into runs of the model's launch count in start order; for each timed run:
//   span   = last end - first start (the GPU's view of the run),
//   sum    = the launches' durations added up,
//   busy   = the union of their intervals (with programmatic dependent launch kernels overlap),
//   idle   = span - busy: time no launch of the run is on the GPU (the launch gaps),
//   overlap = sum - busy: time two launches run at once.
// Printed as medians over the timed runs, with the CUDA-event latency of the same replays and the K
// launches with the largest median duration. CUPTI's timestamps cost little per kernel, but tracing is
// not free: the span is the number to set the others against, not the event latency.
#include <cupti.h>
#include <dlfcn.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "runtime/include/autogtco/runtime.h"
#include "tests/runtime/bench/trace_stats.h"

namespace {

struct Span {
  uint64_t start = 0, end = 0;
  std::string name;
};

std::mutex g_mu;
std::vector<Span> g_spans;

void CUPTIAPI BufferRequested(uint8_t** buffer, size_t* size, size_t* max_records) {
  *size = 8 << 20;
  *buffer = static_cast<uint8_t*>(std::aligned_alloc(8, *size));
  *max_records = 0;
}

void CUPTIAPI BufferCompleted(CUcontext, uint32_t, uint8_t* buffer, size_t, size_t valid) {
  CUpti_Activity* rec = nullptr;
  std::lock_guard<std::mutex> lock(g_mu);
  while (cuptiActivityGetNextRecord(buffer, valid, &rec) == CUPTI_SUCCESS) {
    if (rec->kind == CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL || rec->kind == CUPTI_ACTIVITY_KIND_KERNEL) {
      auto* k = reinterpret_cast<CUpti_ActivityKernel10*>(rec);
      g_spans.push_back({k->start, k->end, k->name != nullptr ? k->name : "?"});
    } else if (rec->kind == CUPTI_ACTIVITY_KIND_MEMSET) {
      auto* m = reinterpret_cast<CUpti_ActivityMemset4*>(rec);
      g_spans.push_back({m->start, m->end, "memset"});
    } else if (rec->kind == CUPTI_ACTIVITY_KIND_MEMCPY) {
      auto* m = reinterpret_cast<CUpti_ActivityMemcpy6*>(rec);
      g_spans.push_back({m->start, m->end, "memcpy"});
    }
  }
  std::free(buffer);
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

// Seeded random values in each input's staging buffer: never zeros (which can run faster than data).
bool FillInputs(void* lib, agt_model* m) {
  auto num = reinterpret_cast<int (*)(const agt_model*)>(dlsym(lib, "agt_model_num_inputs"));
  auto dtype = reinterpret_cast<int (*)(const agt_model*, int)>(dlsym(lib, "agt_model_input_dtype"));
  auto bytes = reinterpret_cast<uint64_t (*)(const agt_model*, int)>(dlsym(lib, "agt_model_input_bytes"));
  auto num_out = reinterpret_cast<int (*)(const agt_model*)>(dlsym(lib, "agt_model_num_outputs"));
  auto out_bytes = reinterpret_cast<uint64_t (*)(const agt_model*, int)>(dlsym(lib, "agt_model_output_bytes"));
  auto run = reinterpret_cast<agt_model_run_host_fn>(dlsym(lib, "agt_model_run_host"));
  std::mt19937 rng(1000003u);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<std::vector<uint8_t>> in(num(m)), out(num_out(m));
  for (int i = 0; i < num(m); ++i) {
    in[i].resize(bytes(m, i));
    const int t = dtype(m, i);
    if (t == AGT_DTYPE_F32) {
      auto* f = reinterpret_cast<float*>(in[i].data());
      for (size_t j = 0; j < in[i].size() / 4; ++j) f[j] = normal(rng);
    } else {
      for (auto& b : in[i]) b = static_cast<uint8_t>(rng() % 3);   // small integers (or tiny 16-bit floats)
    }
  }
  for (int i = 0; i < num_out(m); ++i) out[i].resize(out_bytes(m, i));
  std::vector<const void*> ip;
  std::vector<void*> op;
  for (auto& b : in) ip.push_back(b.data());
  for (auto& b : out) op.push_back(b.data());
  return run(m, ip.data(), op.data()) == AGT_OK;
}

}  // namespace

int main(int argc, char** argv) {
  const char* path = nullptr;
  int runs = 50, warmup = 20, device = 0, top = 12;
  for (int i = 1; i < argc; ++i) {
    auto num = [&](int& v) { v = i + 1 < argc ? std::atoi(argv[++i]) : -1; };
    if (!std::strcmp(argv[i], "--runs")) num(runs);
    else if (!std::strcmp(argv[i], "--warmup")) num(warmup);
    else if (!std::strcmp(argv[i], "--device")) num(device);
    else if (!std::strcmp(argv[i], "--top")) num(top);
    else if (argv[i][0] != '-' && path == nullptr) path = argv[i];
    else path = nullptr, runs = -1;
  }
  if (path == nullptr || runs < 1 || warmup < 0 || top < 0) {
    std::fprintf(stderr, "usage: %s MODEL.so [--runs N] [--warmup N] [--device D] [--top K]\n", argv[0]);
    return 2;
  }
  if (cuptiActivityRegisterCallbacks(BufferRequested, BufferCompleted) != CUPTI_SUCCESS ||
      cuptiActivityEnable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL) != CUPTI_SUCCESS ||
      cuptiActivityEnable(CUPTI_ACTIVITY_KIND_MEMSET) != CUPTI_SUCCESS ||
      cuptiActivityEnable(CUPTI_ACTIVITY_KIND_MEMCPY) != CUPTI_SUCCESS) {
    std::fprintf(stderr, "error: CUPTI activity tracing could not be enabled\n");
    return 2;
  }
  void* lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    std::fprintf(stderr, "error: %s\n", dlerror());
    return 2;
  }
  auto last_error = reinterpret_cast<agt_last_error_fn>(dlsym(lib, "agt_last_error"));
  auto create = reinterpret_cast<agt_model_create_fn>(dlsym(lib, "agt_model_create"));
  auto launches = reinterpret_cast<int (*)(const agt_model*)>(dlsym(lib, "agt_model_num_launches"));
  auto bench = reinterpret_cast<int (*)(agt_model*, int, int, float*)>(dlsym(lib, "agt_model_bench"));
  agt_model* m = nullptr;
  if (create == nullptr || create(&m, device) != AGT_OK || !FillInputs(lib, m)) {
    std::fprintf(stderr, "error: %s\n", last_error != nullptr ? last_error() : "not an AutoGTCO artifact");
    return 2;
  }
  cuptiActivityFlushAll(1);
  {
    std::lock_guard<std::mutex> lock(g_mu);
    g_spans.clear();   // the loading and the input run
  }
  std::vector<float> ms(static_cast<size_t>(warmup + runs));
  if (bench(m, 0, warmup + runs, ms.data()) != AGT_OK) {
    std::fprintf(stderr, "error: %s\n", last_error());
    return 2;
  }
  cuptiActivityFlushAll(1);
  const size_t per_run = static_cast<size_t>(launches(m));
  std::vector<Span> spans;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    spans = g_spans;
  }
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.start < b.start; });
  if (per_run == 0 || spans.size() != per_run * static_cast<size_t>(warmup + runs)) {
    std::fprintf(stderr, "error: %zu records for %d runs of %zu launches\n", spans.size(), warmup + runs, per_run);
    return 2;
  }
  std::vector<double> span_us, sum_us, busy_us, event_ms;
  std::vector<std::vector<double>> launch_us(per_run);
  for (int r = warmup; r < warmup + runs; ++r) {
    const Span* s = &spans[static_cast<size_t>(r) * per_run];
    std::vector<agt::bench::Interval> run;
    for (size_t i = 0; i < per_run; ++i) {
      run.push_back({s[i].start, s[i].end});
      launch_us[i].push_back(static_cast<double>(s[i].end - s[i].start) / 1e3);
    }
    const agt::bench::RunStats st = agt::bench::Summarize(run);
    span_us.push_back(st.span_us);
    sum_us.push_back(st.sum_us);
    busy_us.push_back(st.busy_us);
    event_ms.push_back(ms[static_cast<size_t>(r)]);
  }
  const double span = Median(span_us), sum = Median(sum_us), busy = Median(busy_us);
  std::printf("%s: %zu launches a run, %d runs traced after %d\n", path, per_run, runs, warmup);
  std::printf("events %.1f us | span %.1f us | sum %.1f us | busy %.1f us | idle %.1f us (%.1f%%) | overlap %.1f us\n",
              Median(event_ms) * 1e3, span, sum, busy, span - busy, 100.0 * (span - busy) / span, sum - busy);
  std::vector<size_t> order(per_run);
  for (size_t i = 0; i < per_run; ++i) order[i] = i;
  std::vector<double> med(per_run);
  for (size_t i = 0; i < per_run; ++i) med[i] = Median(launch_us[i]);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return med[a] > med[b]; });
  const Span* first_run = &spans[static_cast<size_t>(warmup) * per_run];
  for (size_t k = 0; k < std::min(per_run, static_cast<size_t>(top)); ++k) {
    std::printf("  #%-4zu %8.2f us  %s\n", order[k], med[order[k]], first_run[order[k]].name.c_str());
  }
  cuptiActivityDisable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL);
  cuptiActivityDisable(CUPTI_ACTIVITY_KIND_MEMSET);
  cuptiActivityDisable(CUPTI_ACTIVITY_KIND_MEMCPY);
  reinterpret_cast<agt_model_destroy_fn>(dlsym(lib, "agt_model_destroy"))(m);
  return 0;
}

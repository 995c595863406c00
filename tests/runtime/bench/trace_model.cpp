// trace_model MODEL.so [--runs N] [--warmup N] [--device D] [--top K] [--csv FILE]
//
// Where a compiled model's time goes, from a CUPTI activity trace of its CUDA-graph replays (issue 17's
// gap report; Nsight Systems does not run on the lent GPU machine, and Nsight Compute times each kernel
// alone, serialised, which measured more than the whole run). The artifact is loaded through its C API
// (dlopen, as an application does: cli/artifact_handle.h, as `autogtco bench`), given the seeded random
// inputs `bench` uses (cli/random_input.h) once, then replayed warmup + runs times
// back to back (agt_model_bench) with kernel, memset and memcpy activity recorded. The records are
// cut into runs of the model's launch count in start order; for each timed run:
//   span   = last end - first start (the GPU's view of the run),
//   sum    = the launches' durations added up,
//   busy   = the union of their intervals (with programmatic dependent launch kernels overlap),
//   idle   = span - busy: time no launch of the run is on the GPU (the launch gaps),
//   overlap = sum - busy: time two launches run at once.
// Printed as medians over the timed runs, with the CUDA-event latency of the same replays and the K
// launches with the largest median duration. --csv FILE writes one row per launch (index, median start
// and end relative to the run's first start, median duration, kernel name), so that each launch's share
// of the span (its end past every earlier end) can be set beside the same model without PDL. CUPTI's timestamps cost little per kernel, but tracing is
// not free: the span is the number to set the others against, not the event latency.
#include <cupti.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "cli/artifact_handle.h"
#include "cli/random_input.h"
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

}  // namespace

int main(int argc, char** argv) {
  const char* path = nullptr;
  int runs = 50, warmup = 20, device = 0, top = 12;
  const char* csv = nullptr;
  for (int i = 1; i < argc; ++i) {
    auto num = [&](int& v) { v = i + 1 < argc ? std::atoi(argv[++i]) : -1; };
    if (!std::strcmp(argv[i], "--runs")) num(runs);
    else if (!std::strcmp(argv[i], "--warmup")) num(warmup);
    else if (!std::strcmp(argv[i], "--device")) num(device);
    else if (!std::strcmp(argv[i], "--top")) num(top);
    else if (!std::strcmp(argv[i], "--csv") && i + 1 < argc) csv = argv[++i];
    else if (argv[i][0] != '-' && path == nullptr) path = argv[i];
    else path = nullptr, runs = -1;
  }
  if (path == nullptr || runs < 1 || warmup < 0 || top < 0) {
    std::fprintf(stderr, "usage: %s MODEL.so [--runs N] [--warmup N] [--device D] [--top K] [--csv FILE]\n", argv[0]);
    return 2;
  }
  if (cuptiActivityRegisterCallbacks(BufferRequested, BufferCompleted) != CUPTI_SUCCESS ||
      cuptiActivityEnable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL) != CUPTI_SUCCESS ||
      cuptiActivityEnable(CUPTI_ACTIVITY_KIND_MEMSET) != CUPTI_SUCCESS ||
      cuptiActivityEnable(CUPTI_ACTIVITY_KIND_MEMCPY) != CUPTI_SUCCESS) {
    std::fprintf(stderr, "error: CUPTI activity tracing could not be enabled\n");
    return 2;
  }
  auto fail = [](const agt::Status& st) {
    std::fprintf(stderr, "error: %s\n", st.message().c_str());
    return 2;
  };
  auto h = agt::cli::ArtifactHandle::Open(path);
  if (!h.ok()) return fail(h.status());
  if (agt::Status st = (*h)->Load(device); !st.ok()) return fail(st);
  std::vector<agt::ir::Tensor> inputs;
  for (size_t i = 0; i < (*h)->inputs().size(); ++i) inputs.push_back(agt::cli::RandomInput((*h)->inputs()[i].type, 1000003u + i));
  if (auto out = (*h)->Run(inputs); !out.ok()) return fail(out.status());
  cuptiActivityFlushAll(1);
  {
    std::lock_guard<std::mutex> lock(g_mu);
    g_spans.clear();   // the loading and the input run
  }
  auto ms = (*h)->Bench(0, warmup + runs);
  if (!ms.ok()) return fail(ms.status());
  cuptiActivityFlushAll(1);
  const size_t per_run = static_cast<size_t>((*h)->num_launches());
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
  std::vector<std::vector<double>> launch_us(per_run), start_us(per_run), end_us(per_run);
  for (int r = warmup; r < warmup + runs; ++r) {
    const Span* s = &spans[static_cast<size_t>(r) * per_run];
    std::vector<agt::bench::Interval> run;
    for (size_t i = 0; i < per_run; ++i) {
      run.push_back({s[i].start, s[i].end});
      launch_us[i].push_back(static_cast<double>(s[i].end - s[i].start) / 1e3);
      start_us[i].push_back(static_cast<double>(s[i].start - s[0].start) / 1e3);
      end_us[i].push_back(static_cast<double>(s[i].end - s[0].start) / 1e3);
    }
    const agt::bench::RunStats st = agt::bench::Summarize(run);
    span_us.push_back(st.span_us);
    sum_us.push_back(st.sum_us);
    busy_us.push_back(st.busy_us);
    event_ms.push_back((*ms)[static_cast<size_t>(r)]);
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
  if (csv != nullptr) {
    FILE* f = std::fopen(csv, "w");
    if (f == nullptr) {
      std::fprintf(stderr, "error: cannot write %s\n", csv);
      return 2;
    }
    std::fprintf(f, "index,start_us,end_us,duration_us,name\n");
    for (size_t i = 0; i < per_run; ++i) {
      std::fprintf(f, "%zu,%.3f,%.3f,%.3f,%s\n", i, Median(start_us[i]), Median(end_us[i]), med[i],
                   first_run[i].name.c_str());
    }
    std::fclose(f);
  }
  cuptiActivityDisable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL);
  cuptiActivityDisable(CUPTI_ACTIVITY_KIND_MEMSET);
  cuptiActivityDisable(CUPTI_ACTIVITY_KIND_MEMCPY);
  return 0;
}

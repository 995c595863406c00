// The measurer's side of measurement: parallel compiles streamed to one worker per GPU (see measurer.h).
#include "tuner/measurer.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "runtime/cuda_driver.h"

namespace agt::tuner {

namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

int CompileThreads(int requested, size_t programs) {
  int t = requested > 0 ? requested : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  return std::max(1, std::min<int>(t, static_cast<int>(programs)));
}

}  // namespace

std::vector<Expected<codegen::CompiledProgram>> CompileParallel(const codegen::TaskContext& task,
                                                                const std::vector<codegen::Program>& programs,
                                                                codegen::NvrtcCompiler& nvrtc, int threads) {
  std::vector<Expected<codegen::CompiledProgram>> out(programs.size(), Status::Error("not compiled"));
  threads = CompileThreads(threads, programs.size());
  std::atomic<size_t> next{0};
  auto work = [&]() {
    for (size_t i = next++; i < programs.size(); i = next++) out[i] = codegen::CompileProgram(task, programs[i], nvrtc);
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  return out;
}

struct Measurer::Worker {
  std::unique_ptr<WorkerProcess> proc;
  DeviceUse use;
};

// One Measure call's shared state: compile threads fill `compiled` in order, worker threads take
// programs in order as they become ready (retries first), results land in `out` by index.
struct Measurer::Dispatch {
  explicit Dispatch(size_t n, double best_us)
      : compiled(n, Status::Error("not compiled")), ready(n, 0), attempts(n, 0), out(n), reference(best_us > 0 ? best_us : INFINITY) {}
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Expected<codegen::CompiledProgram>> compiled;
  std::vector<char> ready;          // compiled[i] is final
  std::vector<int> attempts;        // reruns after a lost worker
  std::vector<Measurement> out;
  std::deque<size_t> retry;         // programs whose worker was lost: first in line
  std::atomic<size_t> next_compile{0};
  size_t next_dispatch = 0;         // the next program, in order, to hand to a worker
  int in_flight = 0;
  int live_workers = 0;
  double reference;                 // the early cut's: the best so far, this batch included
  double compile_s = 0;
  int64_t retried = 0;
};

Measurer::Measurer(MeasurerOptions options) : options_(std::move(options)), nvrtc_(options_.nvrtc_cache_dir) {}

Measurer::~Measurer() = default;

Expected<std::unique_ptr<Measurer>> Measurer::Create(MeasurerOptions options) {
  if (options.probe_driver) {
    auto drv = options.driver_library.empty() ? runtime::GetCudaDriver() : runtime::LoadCudaDriverForTest(options.driver_library);
    if (!drv.ok()) return Status::Errorf("no CUDA driver: {} (tuning measures on a GPU; compile works without one)", drv.status().message());
  }
  if (!options.devices.all && options.devices.ids.empty()) return Status::Error("--devices: no GPU chosen");
  // A worker that dies while we write to it must not kill the tuner.
  ::signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<Measurer> m(new Measurer(std::move(options)));
  AGT_RETURN_IF_ERROR(m->StartWorkers());
  return m;
}

WorkerSpec Measurer::SpecFor(int device) const {
  WorkerSpec s;
  s.command = options_.worker_command;
  s.driver_library = options_.driver_library;
  s.device = device;
  s.hello_timeout_s = options_.hello_timeout_s;
  s.timeout_s = options_.timeout_s;
  s.first_timeout_s = options_.first_timeout_s;
  return s;
}

// The first chosen GPU's worker says how many GPUs the host has; the choice is checked against
// that, the other workers start side by side, and all must be GPUs of one kind.
Status Measurer::StartWorkers() {
  const DeviceSelection& sel = options_.devices;
  auto first = std::make_unique<WorkerProcess>(SpecFor(sel.all ? 0 : sel.ids.front()));
  Status st = first->Start();
  const int count = first->hello().devices;
  if (!st.ok()) {
    if (count > 0) AGT_RETURN_IF_ERROR(ResolveDevices(sel, count).status());
    return st;
  }
  AGT_ASSIGN_OR_RETURN(std::vector<int> ids, ResolveDevices(sel, count > 0 ? count : first->device() + 1));
  workers_.push_back(std::make_unique<Worker>(Worker{std::move(first), {}}));
  std::vector<Status> started(ids.size(), Status::Ok());
  for (size_t k = 1; k < ids.size(); ++k) workers_.push_back(std::make_unique<Worker>(Worker{std::make_unique<WorkerProcess>(SpecFor(ids[k])), {}}));
  std::vector<std::thread> starters;
  for (size_t k = 1; k < ids.size(); ++k) starters.emplace_back([&, k]() { started[k] = workers_[k]->proc->Start(); });
  for (std::thread& t : starters) t.join();
  for (const Status& s : started) AGT_RETURN_IF_ERROR(s);
  const WorkerHello& h0 = workers_.front()->proc->hello();
  for (const auto& w : workers_) {
    w->use.device = w->proc->device();
    const WorkerHello& h = w->proc->hello();
    if (h.gpu != h0.gpu || h.arch != h0.arch) {
      return Status::Errorf("--devices: GPU {} is {} ({}) but GPU {} is {} ({}): their times do not compare; tune on one kind "
                            "at a time (--devices {} or --devices {})",
                            ids.front(), h0.gpu, h0.arch, w->proc->device(), h.gpu, h.arch, ids.front(), w->proc->device());
    }
  }
  env_.gpu = h0.gpu;
  env_.arch = h0.arch;
  env_.driver = h0.driver;
  env_.compiler = "nvrtc " + codegen::NvrtcCompiler::Version();
  return Status::Ok();
}

void Measurer::CompileLoop(Dispatch& d, const codegen::TaskContext& task, const std::vector<codegen::Program>& programs) {
  for (size_t i = d.next_compile++; i < programs.size(); i = d.next_compile++) {
    const auto t0 = Clock::now();
    auto c = codegen::CompileProgram(task, programs[i], nvrtc_);
    const double dt = Since(t0);
    std::lock_guard<std::mutex> lk(d.mu);
    d.compiled[i] = std::move(c);
    d.ready[i] = 1;
    d.compile_s += dt;
    if (!d.compiled[i].ok()) {
      d.out[i].result.error = records::MeasureError::kCompileError;
      d.out[i].result.message = d.compiled[i].status().message();
    }
    d.cv.notify_all();
  }
}

void Measurer::WorkerLoop(Dispatch& d, Worker& w, const codegen::TaskContext& task) {
  const size_t n = d.compiled.size();
  std::unique_lock<std::mutex> lk(d.mu);
  while (true) {
    d.cv.wait(lk, [&]() {
      while (d.next_dispatch < n && d.ready[d.next_dispatch] && !d.compiled[d.next_dispatch].ok()) ++d.next_dispatch;
      return !d.retry.empty() || (d.next_dispatch < n && d.ready[d.next_dispatch]) || (d.next_dispatch >= n && d.in_flight == 0);
    });
    size_t i = 0;
    if (!d.retry.empty()) {
      i = d.retry.front();
      d.retry.pop_front();
    } else if (d.next_dispatch < n) {
      i = d.next_dispatch++;
    } else {
      return;   // every program answered
    }
    const codegen::CompiledProgram& c = *d.compiled[i];
    MeasureRequest req;
    req.id = next_id_++;
    req.graph_text = task.task.graph_text;
    req.precision = task.task.precision;
    req.cubin = c.binary->cubin;
    req.launch = c.kernel.launch;
    req.warmup = options_.warmup;
    req.repeats = options_.repeats;
    req.check = options_.check;
    req.input_seed = 1;
    req.cut_after = options_.early_cut_after;
    req.cut_us = options_.early_cut_factor > 0 && std::isfinite(d.reference) ? options_.early_cut_factor * d.reference : 0;
    ++d.in_flight;
    lk.unlock();
    const auto t0 = Clock::now();
    bool lost = false;
    records::MeasureResult r = w.proc->Run(req, &lost);
    const double busy = Since(t0);
    lk.lock();
    --d.in_flight;
    w.use.busy_s += busy;
    d.cv.notify_all();
    if (r.error == records::MeasureError::kNoDevice && d.live_workers > 1) {
      spdlog::warn("GPU {}: its worker cannot start again ({}); the other GPUs go on", w.use.device, r.message);
      w.use.dropped = true;
      --d.live_workers;
      d.retry.push_front(i);
      return;
    }
    if (lost && d.attempts[i] < options_.lost_worker_retries) {
      spdlog::warn("GPU {}: its worker exited without answering; program {} runs again", w.use.device, i);
      ++d.attempts[i];
      ++d.retried;
      d.retry.push_front(i);
      continue;
    }
    ++w.use.programs;
    d.out[i] = Measurement{std::move(r), w.use.device};
    const records::MeasureResult& res = d.out[i].result;
    if (res.ok() && !res.cut) d.reference = std::min(d.reference, res.median_us);
    if (res.error == records::MeasureError::kTimeout || res.error == records::MeasureError::kLaunchError) {
      spdlog::debug("program {} of task on GPU {}: {} ({})", i, w.use.device, records::MeasureErrorName(res.error), res.message);
    }
  }
}

std::vector<Measurement> Measurer::Measure(const codegen::TaskContext& task, const std::vector<codegen::Program>& programs,
                                           double best_us) {
  const auto t0 = Clock::now();
  Dispatch d(programs.size(), best_us);
  std::vector<Worker*> live;
  for (auto& w : workers_) {
    if (!w->use.dropped) live.push_back(w.get());
  }
  d.live_workers = static_cast<int>(live.size());
  std::vector<std::thread> threads;
  const int compile_threads = CompileThreads(options_.compile_threads, programs.size());
  for (int t = 0; t < compile_threads; ++t) threads.emplace_back([&]() { CompileLoop(d, task, programs); });
  for (Worker* w : live) threads.emplace_back([&d, w, &task, this]() { WorkerLoop(d, *w, task); });
  for (std::thread& t : threads) t.join();
  // Programs left in line when every worker was dropped: nothing could measure them.
  for (size_t i : d.retry) {
    d.out[i].result.error = records::MeasureError::kNoDevice;
    d.out[i].result.message = "no GPU worker could be started";
  }
  compile_s_ += d.compile_s;
  retried_ += d.retried;
  measure_wall_s_ += Since(t0);
  return std::move(d.out);
}

std::vector<int> Measurer::devices() const {
  std::vector<int> ids;
  for (const auto& w : workers_) ids.push_back(w->proc->device());
  return ids;
}

int64_t Measurer::worker_restarts() const {
  int64_t n = 0;
  for (const auto& w : workers_) n += w->proc->restarts();
  return n;
}

std::vector<pid_t> Measurer::worker_pids() const {
  std::vector<pid_t> p;
  for (const auto& w : workers_) p.push_back(w->proc->pid());
  return p;
}

MeasurerStats Measurer::stats() const {
  MeasurerStats s;
  for (const auto& w : workers_) {
    DeviceUse u = w->use;
    u.restarts = w->proc->restarts();
    s.devices.push_back(u);
  }
  s.measure_wall_s = measure_wall_s_;
  s.compile_s = compile_s_;
  s.retried = retried_;
  return s;
}

}  // namespace agt::tuner

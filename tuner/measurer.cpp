// The measurer's side of measurement: parallel compiles and the worker process (see measurer.h).
#include "tuner/measurer.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>

#include <spdlog/spdlog.h>

#include "runtime/cuda_driver.h"

extern char** environ;

namespace agt::tuner {

std::vector<Expected<codegen::CompiledProgram>> CompileParallel(const codegen::TaskContext& task,
                                                                const std::vector<codegen::Program>& programs,
                                                                codegen::NvrtcCompiler& nvrtc, int threads) {
  std::vector<Expected<codegen::CompiledProgram>> out(programs.size(), Status::Error("not compiled"));
  if (threads <= 0) threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  threads = std::min<int>(threads, static_cast<int>(programs.size()));
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

Measurer::Measurer(MeasurerOptions options) : options_(std::move(options)), nvrtc_(options_.nvrtc_cache_dir) {}

Measurer::~Measurer() { StopWorker(/*kill=*/false); }

Expected<std::unique_ptr<Measurer>> Measurer::Create(MeasurerOptions options) {
  if (options.probe_driver) {
    auto drv = options.driver_library.empty() ? runtime::GetCudaDriver() : runtime::LoadCudaDriverForTest(options.driver_library);
    if (!drv.ok()) return Status::Errorf("no CUDA driver: {} (tuning measures on a GPU; compile works without one)", drv.status().message());
  }
  // A worker that dies while we write to it must not kill the tuner.
  ::signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<Measurer> m(new Measurer(std::move(options)));
  AGT_RETURN_IF_ERROR(m->StartWorker());
  return m;
}

Status Measurer::StartWorker() {
  std::vector<std::string> cmd = options_.worker_command;
  if (cmd.empty()) cmd = {"/proc/self/exe", "tune-worker"};
  if (!options_.driver_library.empty()) cmd.push_back("--driver=" + options_.driver_library);
  int in_pipe[2], out_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) return Status::Errorf("pipe: {}", std::strerror(errno));
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    ::close(in_pipe[0]);
    ::close(in_pipe[1]);
    return Status::Errorf("pipe: {}", std::strerror(errno));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  std::vector<char*> argv;
  for (std::string& s : cmd) argv.push_back(s.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  if (rc != 0) {
    ::close(in_pipe[1]);
    ::close(out_pipe[0]);
    return Status::Errorf("cannot start the GPU worker '{}': {}", cmd[0], std::strerror(rc));
  }
  pid_ = pid;
  to_worker_ = in_pipe[1];
  from_worker_ = out_pipe[0];
  pending_.clear();
  referenced_.clear();
  bool timed_out = false;
  auto line = ReadLine(options_.hello_timeout_s, &timed_out);
  if (!line.ok()) {
    StopWorker(/*kill=*/true);
    return Status::Errorf("the GPU worker did not say hello: {}", line.status().message());
  }
  auto hello = HelloFromLine(*line);
  if (!hello.ok() || !hello->ok) {
    StopWorker(/*kill=*/true);
    return Status::Error(hello.ok() ? hello->error : hello.status().message());
  }
  env_.gpu = hello->gpu;
  env_.arch = hello->arch;
  env_.driver = hello->driver;
  env_.compiler = "nvrtc " + codegen::NvrtcCompiler::Version();
  return Status::Ok();
}

void Measurer::StopWorker(bool kill) {
  if (to_worker_ >= 0) ::close(to_worker_);
  if (pid_ > 0) {
    if (kill) ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (from_worker_ >= 0) ::close(from_worker_);
  pid_ = -1;
  to_worker_ = from_worker_ = -1;
}

Expected<std::string> Measurer::ReadLine(double timeout_s, bool* timed_out) {
  *timed_out = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (true) {
    size_t nl = pending_.find('\n');
    if (nl != std::string::npos) {
      std::string line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      *timed_out = true;
      return Status::Errorf("no answer within {} s", timeout_s);
    }
    pollfd pfd{from_worker_, POLLIN, 0};
    int pr = ::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left, 1000)));
    if (pr < 0 && errno != EINTR) return Status::Errorf("poll: {}", std::strerror(errno));
    if (pr <= 0) continue;
    char buf[65536];
    ssize_t n = ::read(from_worker_, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::Error("the worker exited");
    pending_.append(buf, static_cast<size_t>(n));
  }
}

records::MeasureResult Measurer::RunOnWorker(const MeasureRequest& req) {
  records::MeasureResult res;
  if (pid_ < 0) {
    ++restarts_;
    Status st = StartWorker();
    if (!st.ok()) {
      res.error = records::MeasureError::kNoDevice;
      res.message = st.message();
      return res;
    }
  }
  // The first program of a task on this worker also runs the reference interpreter.
  bool first_of_task = referenced_.insert(req.graph_text).second;
  std::string line = RequestToLine(req);
  line += '\n';
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(to_worker_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  bool timed_out = false;
  auto answer = done == line.size() ? ReadLine(first_of_task ? options_.first_timeout_s : options_.timeout_s, &timed_out)
                                    : Expected<std::string>(Status::Error("the worker exited"));
  if (!answer.ok()) {
    StopWorker(/*kill=*/true);
    res.error = timed_out ? records::MeasureError::kTimeout : records::MeasureError::kLaunchError;
    res.message = answer.status().message();
    return res;
  }
  auto resp = ResponseFromLine(*answer);
  if (!resp.ok() || resp->id != req.id) {
    StopWorker(/*kill=*/true);
    res.error = records::MeasureError::kLaunchError;
    res.message = resp.ok() ? "the worker answered another request" : resp.status().message();
    return res;
  }
  if (resp->fatal) StopWorker(/*kill=*/false);
  return resp->result;
}

std::vector<records::MeasureResult> Measurer::Measure(const codegen::TaskContext& task, const std::vector<codegen::Program>& programs,
                                                     double best_us) {
  std::vector<records::MeasureResult> out(programs.size());
  double reference = best_us > 0 ? best_us : INFINITY;   // the early cut's: the best so far, this batch included
  auto compiled = CompileParallel(task, programs, nvrtc_, options_.compile_threads);
  for (size_t i = 0; i < programs.size(); ++i) {
    if (!compiled[i].ok()) {
      out[i].error = records::MeasureError::kCompileError;
      out[i].message = compiled[i].status().message();
      continue;
    }
    const codegen::CompiledProgram& c = *compiled[i];
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
    req.cut_us = options_.early_cut_factor > 0 && std::isfinite(reference) ? options_.early_cut_factor * reference : 0;
    out[i] = RunOnWorker(req);
    if (out[i].ok() && !out[i].cut) reference = std::min(reference, out[i].median_us);
    if (out[i].error == records::MeasureError::kTimeout || out[i].error == records::MeasureError::kLaunchError) {
      spdlog::debug("program {} of task: {} ({})", i, records::MeasureErrorName(out[i].error), out[i].message);
    }
  }
  return out;
}

}  // namespace agt::tuner

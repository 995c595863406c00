// One worker process and its pipe (see worker_process.h).
#include "tuner/worker_process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

extern char** environ;

namespace agt::tuner {

Status WorkerProcess::Start() {
  std::vector<std::string> cmd = spec_.command;
  if (cmd.empty()) cmd = {"/proc/self/exe", "tune-worker"};
  if (!spec_.driver_library.empty()) cmd.push_back("--driver=" + spec_.driver_library);
  cmd.push_back(fmt::format("--device={}", spec_.device));
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
  std::string line, error;
  if (ReadLine(spec_.hello_timeout_s, &line, &error) != ReadEnd::kLine) {
    Stop(/*kill=*/true);
    return Status::Errorf("the GPU worker for GPU {} did not say hello: {}", spec_.device, error);
  }
  auto hello = HelloFromLine(line);
  hello_ = hello.ok() ? *hello : WorkerHello{};
  if (!hello.ok() || !hello->ok) {
    Stop(/*kill=*/true);
    return Status::Error(hello.ok() ? hello->error : hello.status().message());
  }
  return Status::Ok();
}

void WorkerProcess::Stop(bool kill) {
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

WorkerProcess::ReadEnd WorkerProcess::ReadLine(double timeout_s, std::string* line, std::string* error) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (true) {
    size_t nl = pending_.find('\n');
    if (nl != std::string::npos) {
      *line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      return ReadEnd::kLine;
    }
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      *error = fmt::format("no answer within {} s", timeout_s);
      return ReadEnd::kTimedOut;
    }
    pollfd pfd{from_worker_, POLLIN, 0};
    int pr = ::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left, 1000)));
    if (pr < 0 && errno != EINTR) {
      *error = fmt::format("poll: {}", std::strerror(errno));
      return ReadEnd::kFailed;
    }
    if (pr <= 0) continue;
    char buf[65536];
    ssize_t n = ::read(from_worker_, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = "the worker exited";
      return ReadEnd::kExited;
    }
    pending_.append(buf, static_cast<size_t>(n));
  }
}

bool WorkerProcess::WriteLine(const std::string& line) {
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(to_worker_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

records::MeasureResult WorkerProcess::Run(const MeasureRequest& req, bool* lost) {
  *lost = false;
  records::MeasureResult res;
  if (pid_ < 0) {
    ++restarts_;
    Status st = Start();
    if (!st.ok()) {
      res.error = records::MeasureError::kNoDevice;
      res.message = st.message();
      return res;
    }
  }
  // The first program of a task on this worker also runs the reference interpreter.
  bool first_of_task = referenced_.insert(req.graph_text).second;
  std::string answer, error = "the worker exited";
  ReadEnd end = WriteLine(RequestToLine(req) + '\n')
                    ? ReadLine(first_of_task ? spec_.first_timeout_s : spec_.timeout_s, &answer, &error)
                    : ReadEnd::kExited;
  if (end != ReadEnd::kLine) {
    Stop(/*kill=*/true);
    *lost = end == ReadEnd::kExited;
    res.error = end == ReadEnd::kTimedOut ? records::MeasureError::kTimeout : records::MeasureError::kLaunchError;
    res.message = error;
    return res;
  }
  auto resp = ResponseFromLine(answer);
  if (!resp.ok() || resp->id != req.id) {
    Stop(/*kill=*/true);
    res.error = records::MeasureError::kLaunchError;
    res.message = resp.ok() ? "the worker answered another request" : resp.status().message();
    return res;
  }
  if (resp->fatal) Stop(/*kill=*/false);
  return resp->result;
}

}  // namespace agt::tuner

// One measurement worker: the `autogtco tune-worker --device=N` process that owns one GPU, and the
// pipe to it (worker_protocol.h). Start() spawns it and reads its hello; Run() sends one request and
// waits for its answer within the timeout. A worker that hangs is killed (a timeout error); one that
// exits without answering is `lost` (killed from outside, or crashed: the measurer may run the program
// again elsewhere); one that answers garbage or another request is killed (a launch error). A fresh
// worker starts on the same GPU at the next request. The measurer (measurer.h) keeps one per GPU.
#pragma once

#include <sys/types.h>

#include <set>
#include <string>
#include <vector>

#include "ir/status.h"
#include "records/measure_result.h"
#include "tuner/worker_protocol.h"

namespace agt::tuner {

struct WorkerSpec {
  std::vector<std::string> command;  // empty: this executable's `tune-worker`
  std::string driver_library;        // passed as --driver= when set
  int device = 0;                    // passed as --device=
  double hello_timeout_s = 60;
  double timeout_s = 10;         // per request, once the task's reference exists on this worker
  double first_timeout_s = 300;  // the first request of a task also computes the reference
};

class WorkerProcess {
 public:
  explicit WorkerProcess(WorkerSpec spec) : spec_(std::move(spec)) {}
  ~WorkerProcess() { Stop(/*kill=*/false); }  // an idle worker exits when its input closes
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  // Spawns the worker and reads its hello (hello() holds it, also when it reports an error).
  Status Start();
  // One request. `lost` is set when the worker exited without an answer (not a timeout, not a
  // wrong answer). A worker that is not running is started first; if that fails the result is
  // kNoDevice with the reason.
  records::MeasureResult Run(const MeasureRequest& req, bool* lost);
  void Stop(bool kill);

  const WorkerHello& hello() const { return hello_; }
  int device() const { return spec_.device; }
  pid_t pid() const { return pid_; }
  int64_t restarts() const { return restarts_; }

 private:
  enum class ReadEnd { kLine, kTimedOut, kExited, kFailed };
  ReadEnd ReadLine(double timeout_s, std::string* line, std::string* error);
  bool WriteLine(const std::string& line);

  WorkerSpec spec_;
  WorkerHello hello_;
  pid_t pid_ = -1;
  int to_worker_ = -1, from_worker_ = -1;
  std::string pending_;               // bytes read past the last line
  std::set<std::string> referenced_;  // task graphs this worker has computed references for
  int64_t restarts_ = 0;
};

}  // namespace agt::tuner

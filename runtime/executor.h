// The executor: an opened artifact made live on one GPU. Create selects the device, checks that its
// compute capability runs the artifact's kernels, loads the modules, allocates one arena (the memory
// plan's peak) and the weights, and uploads the weights once. Run copies the caller's inputs into the
// arena's staging buffers, replays the launch list and copies the outputs out. The launch list is
// captured into a CUDA graph on the first run (on an internal stream, so that any caller stream, the
// legacy default one included, can replay it); since the graph only ever sees arena and weight
// pointers, it never needs updating when the caller's buffers change. AGT_NO_GRAPH=1 launches the
// kernels one by one instead.
//
// A kernel launch the compiler marked programmatic (Launch::programmatic) that follows another kernel
// launch is launched with programmatic stream serialization (Hopper's programmatic dependent launch,
// through LaunchKernel): it starts while its predecessor finishes and waits for it in the kernel. After
// a memset or a copy, or with AGT_PDL=0 in the environment when the executor is created, every launch
// is fully serialized.
//
// The artifact's TMA tensor maps are encoded once, after the arena and weights are allocated, into
// storage that never moves: a kTensorMap argument's parameter pointer points at its map, and
// cuLaunchKernel (and graph capture) copy the map's 128 bytes by value.
//
// Runs of one executor are serialised: a mutex on the host, and an event that makes each run's stream
// wait for the previous run, because all runs share the one arena.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/artifact_reader.h"
#include "runtime/cuda_driver.h"
#include "runtime/tensor_map.h"

namespace agt::runtime {

// Whether launch i may be programmatic: a kernel launch the compiler marked programmatic whose
// predecessor is a kernel launch (programmatic serialization overlaps a kernel with the kernel before
// it; after a memset or a copy the launch stays fully serialized).
bool MayLaunchProgrammatic(const std::vector<Launch>& launches, size_t i);

class Executor {
 public:
  static Result<std::unique_ptr<Executor>> Create(const OpenedArtifact& artifact, int device);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Device pointers; asynchronous on `stream`.
  Status Run(CUstream stream, const void* const* inputs, void* const* outputs);
  // Host buffers; returns when the outputs are written.
  Status RunHost(const void* const* inputs, void* const* outputs);
  // Milliseconds of each of `iters` back-to-back runs after `warmup` runs, on the staging buffers.
  Status Bench(int warmup, int iters, float* times_ms);

  bool uses_graph() const { return use_graph_; }
  const std::string& device_name() const { return device_name_; }

 private:
  struct PreparedLaunch {
    const Launch* launch = nullptr;
    CUfunction function = nullptr;
    std::vector<uint64_t> values;   // one slot per argument; 4-byte scalars use the low bytes
    std::vector<void*> params;      // pointers into values (or at a tensor map), as cuLaunchKernel wants them
    bool programmatic = false;      // launched with programmatic stream serialization
    unsigned smem = 0;              // dynamic shared bytes: the launch's, or spread (SpreadSharedBytes)
  };

  explicit Executor(const OpenedArtifact& artifact) : artifact_(artifact) {}
  Status Init(int device);
  Status LoadModules();
  Status UploadWeights();
  Status EncodeTensorMaps();
  // pdl: unless AGT_PDL=0; spread: with AGT_PDL_SPREAD=1 (SpreadSharedBytes).
  Status PrepareLaunches(bool pdl, bool spread);
  Status EnqueueLaunches(CUstream stream);
  Status EnqueueModel(CUstream stream);   // graph replay or direct launches
  CUdeviceptr InputPtr(size_t i) const { return arena_ + artifact_.contents.inputs[i].arena_offset; }
  CUdeviceptr OutputPtr(size_t i) const { return arena_ + artifact_.contents.outputs[i].arena_offset; }

  const OpenedArtifact& artifact_;   // owned by the model, which outlives its executor
  const CudaDriver* drv_ = nullptr;
  CUdevice device_ = 0;
  std::string device_name_;
  CUcontext context_ = nullptr;
  bool context_retained_ = false;
  std::vector<CUmodule> modules_;
  std::vector<CUfunction> functions_;
  CUdeviceptr arena_ = 0;
  CUdeviceptr weights_ = 0;
  // One per ArtifactContents::tensor_maps, sized once at load: the launches' params point into it.
  std::unique_ptr<TensorMap[]> tensor_maps_;
  CUstream stream_ = nullptr;        // capture, host runs and benchmarks
  CUevent done_ = nullptr;           // recorded at the end of each run
  CUgraph graph_ = nullptr;
  CUgraphExec graph_exec_ = nullptr;
  bool use_graph_ = true;
  std::vector<PreparedLaunch> launches_;
  std::mutex run_mutex_;
};

}  // namespace agt::runtime

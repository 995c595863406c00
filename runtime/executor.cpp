// Runs an artifact on a GPU through the dynamically loaded driver; see executor.h.
#include "runtime/executor.h"

namespace agt::runtime {
namespace {

// Makes a context current for the scope of one API call and restores the caller's afterwards, so that
// an application using its own context on this thread is not disturbed.
class ScopedContext {
 public:
  ScopedContext(const CudaDriver* drv, CUcontext ctx) : drv_(drv) {
    if (drv_->cuCtxGetCurrent(&previous_) != kCudaSuccess) previous_ = nullptr;
    switched_ = previous_ != ctx;
    if (switched_) status_ = drv_->Check(drv_->cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
  }
  ~ScopedContext() {
    if (switched_ && previous_ != nullptr) drv_->cuCtxSetCurrent(previous_);
  }
  const Status& status() const { return status_; }

 private:
  const CudaDriver* drv_;
  CUcontext previous_ = nullptr;
  bool switched_ = false;
  Status status_;
};

#define AGT_CU(call, what) AGT_RT_RETURN_IF_ERROR(drv_->Check((call), what))

}  // namespace

Result<std::unique_ptr<Executor>> Executor::Create(const OpenedArtifact& artifact, int device) {
  std::unique_ptr<Executor> e(new Executor(artifact));
  AGT_RT_RETURN_IF_ERROR(e->Init(device));
  return e;
}

Status Executor::Init(int device) {
  AGT_RT_ASSIGN_OR_RETURN(drv_, GetCudaDriver());
  int count = 0;
  AGT_CU(drv_->cuDeviceGetCount(&count), "cuDeviceGetCount");
  if (count == 0) return Status::Error(AGT_ERROR_NO_DEVICE, "the CUDA driver found no GPU");
  if (device < 0 || device >= count) {
    return Status::Error(AGT_ERROR_NO_DEVICE, "device " + std::to_string(device) + " requested but there are " +
                                                  std::to_string(count) + " CUDA devices");
  }
  AGT_CU(drv_->cuDeviceGet(&device_, device), "cuDeviceGet");
  char name[256] = {};
  if (drv_->cuDeviceGetName(name, sizeof name - 1, device_) == kCudaSuccess) device_name_ = name;
  int major = 0, minor = 0;
  AGT_CU(drv_->cuDeviceGetAttribute(&major, kAttrComputeCapabilityMajor, device_), "cuDeviceGetAttribute");
  AGT_CU(drv_->cuDeviceGetAttribute(&minor, kAttrComputeCapabilityMinor, device_), "cuDeviceGetAttribute");

  // A cubin runs on its own major version at an equal or higher minor (an "a" target only on exactly
  // its own); PTX is compiled by the driver for any equal or newer GPU; a fatbin is left to the driver,
  // whose "no binary for this GPU" error maps to the same status.
  const ArtifactContents& c = artifact_.contents;
  ArchInfo arch;
  ParseArch(c.metadata.arch, &arch);   // validated when the artifact was opened
  bool compatible = true;
  for (const Module& m : c.modules) {
    if (m.kind == ImageKind::kPtx) {
      compatible = compatible && major * 10 + minor >= arch.major * 10 + arch.minor;
    } else if (m.kind == ImageKind::kCubin) {
      compatible = compatible && major == arch.major && (arch.arch_specific ? minor == arch.minor : minor >= arch.minor);
    }
  }
  if (!compatible) {
    return Status::Error(AGT_ERROR_WRONG_ARCH,
                         "the artifact was compiled for " + c.metadata.arch + " but device " + std::to_string(device) +
                             " (" + device_name_ + ") has compute capability " + std::to_string(major) + "." +
                             std::to_string(minor) + "; recompile with --arch sm_" + std::to_string(major) +
                             std::to_string(minor));
  }
  // Kernels whose CTAs wait on each other need their whole grid resident: refused here, not hung later.
  int sms = 0;
  AGT_CU(drv_->cuDeviceGetAttribute(&sms, kAttrMultiprocessorCount, device_), "cuDeviceGetAttribute");
  for (size_t i = 0; i < c.launches.size(); ++i) {
    const Launch& l = c.launches[i];
    if (l.kind != LaunchKind::kKernel || !l.co_resident) continue;
    AGT_RT_RETURN_IF_ERROR(CoResidentFits(l.grid, sms, c.kernels[l.kernel].entry)
                               .WithContext("launch #" + std::to_string(i) + " on device " + std::to_string(device) + " (" +
                                            device_name_ + ")"));
  }

  AGT_CU(drv_->cuDevicePrimaryCtxRetain(&context_, device_), "cuDevicePrimaryCtxRetain");
  context_retained_ = true;
  ScopedContext scope(drv_, context_);
  AGT_RT_RETURN_IF_ERROR(scope.status());
  AGT_RT_RETURN_IF_ERROR(LoadModules());
  if (c.metadata.arena_bytes > 0) AGT_CU(drv_->cuMemAlloc(&arena_, c.metadata.arena_bytes), "cuMemAlloc (arena)");
  if (c.metadata.weight_bytes > 0) AGT_CU(drv_->cuMemAlloc(&weights_, c.metadata.weight_bytes), "cuMemAlloc (weights)");
  AGT_RT_RETURN_IF_ERROR(UploadWeights());
  AGT_RT_RETURN_IF_ERROR(EncodeTensorMaps());
  AGT_CU(drv_->cuStreamCreate(&stream_, kStreamNonBlocking), "cuStreamCreate");
  AGT_CU(drv_->cuEventCreate(&done_, kEventDisableTiming), "cuEventCreate");
  AGT_RT_RETURN_IF_ERROR(PrepareLaunches(PdlEnabledByEnvironment(), SpreadEnabledByEnvironment()));
  use_graph_ = !EnvironmentFlag("AGT_NO_GRAPH") && !launches_.empty();
  return Status::Ok();
}

Status Executor::LoadModules() {
  const ArtifactContents& c = artifact_.contents;
  for (const Module& m : c.modules) {
    std::vector<uint8_t> ptx;
    const void* image = m.image.data();
    if (m.kind == ImageKind::kPtx && m.image.back() != 0) {
      // The driver reads PTX as a NUL-terminated string.
      ptx = m.image;
      ptx.push_back(0);
      image = ptx.data();
    }
    CUmodule module = nullptr;
    AGT_RT_RETURN_IF_ERROR(drv_->Check(drv_->cuModuleLoadData(&module, image), "cuModuleLoadData")
                               .WithContext("module '" + m.name + "'"));
    modules_.push_back(module);
  }
  for (const Kernel& k : c.kernels) {
    CUfunction fn = nullptr;
    AGT_RT_RETURN_IF_ERROR(drv_->Check(drv_->cuModuleGetFunction(&fn, modules_[k.module], k.entry.c_str()),
                                       "cuModuleGetFunction")
                               .WithContext("kernel '" + k.entry + "'"));
    // Whenever non-zero, not only above 48 KB: a kernel's static shared bytes (a split-K flag, a
    // reduction scratch) count against the 48 KB default too (codegen/kernel_source.h).
    if (k.max_dynamic_smem > 0) {
      AGT_RT_RETURN_IF_ERROR(drv_->Check(drv_->cuFuncSetAttribute(fn, kFuncAttrMaxDynamicSharedSizeBytes,
                                                                  static_cast<int>(k.max_dynamic_smem)),
                                         "cuFuncSetAttribute(max dynamic shared memory)")
                                 .WithContext("kernel '" + k.entry + "'"));
    }
    functions_.push_back(fn);
  }
  return Status::Ok();
}

Status Executor::UploadWeights() {
  return ReadWeights(artifact_, [this](const uint8_t* data, uint64_t size, uint64_t offset) {
    return drv_->Check(drv_->cuMemcpyHtoD(weights_ + offset, data, size), "cuMemcpyHtoD (weights)");
  });
}

Status Executor::EncodeTensorMaps() {
  const std::vector<TensorMapDesc>& descs = artifact_.contents.tensor_maps;
  if (descs.empty()) return Status::Ok();
  tensor_maps_ = std::make_unique<TensorMap[]>(descs.size());
  for (size_t i = 0; i < descs.size(); ++i) {
    const TensorMapDesc& d = descs[i];
    const CUdeviceptr buffer = d.base_kind == ArgKind::kWeights ? weights_ : arena_;   // checked when opened
    AGT_RT_RETURN_IF_ERROR(EncodeTensorMap2D(*drv_, TensorMapSpec(d, buffer), &tensor_maps_[i])
                               .WithContext("tensor map #" + std::to_string(i)));
  }
  return Status::Ok();
}

bool MayLaunchProgrammatic(const std::vector<Launch>& launches, size_t i) {
  return launches[i].kind == LaunchKind::kKernel && launches[i].programmatic && i > 0 &&
         launches[i - 1].kind == LaunchKind::kKernel;
}

Status Executor::PrepareLaunches(bool pdl, bool spread) {
  const std::vector<Launch>& launches = artifact_.contents.launches;
  SmSharedMemory sm;
  if (pdl && spread) {
    AGT_RT_ASSIGN_OR_RETURN(sm, QuerySmSharedMemory(*drv_, device_));
  }
  for (size_t i = 0; i < launches.size(); ++i) {
    const Launch& l = launches[i];
    PreparedLaunch p;
    p.launch = &l;
    if (l.kind == LaunchKind::kKernel) {
      p.function = functions_[l.kernel];
      p.programmatic = pdl && MayLaunchProgrammatic(launches, i);
      p.smem = l.dynamic_smem;
      if (p.programmatic && spread) {
        AGT_RT_ASSIGN_OR_RETURN(p.smem, SpreadLaunchSharedBytes(*drv_, sm, p.function, l.grid, l.dynamic_smem));
      }
      for (const KernelArg& a : l.args) {
        switch (a.kind) {
          case ArgKind::kArena: p.values.push_back(arena_ + a.value); break;
          case ArgKind::kWeights: p.values.push_back(weights_ + a.value); break;
          case ArgKind::kInput: p.values.push_back(InputPtr(a.value)); break;
          case ArgKind::kOutput: p.values.push_back(OutputPtr(a.value)); break;
          case ArgKind::kTensorMap: p.values.push_back(0); break;   // passed from tensor_maps_ instead
          default: p.values.push_back(a.value); break;   // scalars: bits, low bytes first
        }
      }
      for (size_t i = 0; i < l.args.size(); ++i) {
        const KernelArg& a = l.args[i];
        p.params.push_back(a.kind == ArgKind::kTensorMap ? static_cast<void*>(&tensor_maps_[a.value])
                                                         : static_cast<void*>(&p.values[i]));
      }
    }
    launches_.push_back(std::move(p));
  }
  return Status::Ok();
}

Status Executor::EnqueueLaunches(CUstream stream) {
  for (size_t i = 0; i < launches_.size(); ++i) {
    PreparedLaunch& p = launches_[i];
    const Launch& l = *p.launch;
    CUresult r = kCudaSuccess;
    switch (l.kind) {
      case LaunchKind::kKernel:
        r = LaunchKernel(*drv_, {.fn = p.function, .grid = l.grid, .block = l.block, .smem = p.smem,
                                 .stream = stream, .params = p.params.empty() ? nullptr : p.params.data(),
                                 .programmatic = p.programmatic, .co_resident = l.co_resident});
        break;
      case LaunchKind::kMemset:
        r = drv_->cuMemsetD8Async(arena_ + l.dst, l.value, l.bytes, stream);
        break;
      case LaunchKind::kCopy:
        r = drv_->cuMemcpyDtoDAsync(arena_ + l.dst, (l.src_is_weights ? weights_ : arena_) + l.src, l.bytes, stream);
        break;
    }
    if (r != kCudaSuccess) {
      std::string what = "launch #" + std::to_string(i);
      if (l.kind == LaunchKind::kKernel) what += " (" + artifact_.contents.kernels[l.kernel].entry + ")";
      if (p.programmatic) what += ", programmatic: AGT_PDL=0 serializes the launches";
      return drv_->Check(r, p.programmatic ? "cuLaunchKernelEx" : "cuLaunchKernel").WithContext(what);
    }
  }
  return Status::Ok();
}

Status Executor::EnqueueModel(CUstream stream) {
  if (!use_graph_) return EnqueueLaunches(stream);
  if (graph_exec_ == nullptr) {
    AGT_CU(drv_->cuStreamBeginCapture(stream_, kStreamCaptureModeThreadLocal), "cuStreamBeginCapture");
    Status launched = EnqueueLaunches(stream_);
    CUgraph graph = nullptr;
    Status ended = drv_->Check(drv_->cuStreamEndCapture(stream_, &graph), "cuStreamEndCapture");
    if (!launched.ok() || !ended.ok()) {
      if (graph != nullptr) drv_->cuGraphDestroy(graph);
      return (launched.ok() ? ended : launched).WithContext("capturing the CUDA graph (AGT_NO_GRAPH=1 disables it)");
    }
    graph_ = graph;
    AGT_CU(drv_->cuGraphInstantiateWithFlags(&graph_exec_, graph_, 0), "cuGraphInstantiate");
  }
  AGT_CU(drv_->cuGraphLaunch(graph_exec_, stream), "cuGraphLaunch");
  return Status::Ok();
}

Status Executor::Run(CUstream stream, const void* const* inputs, void* const* outputs) {
  const ArtifactContents& c = artifact_.contents;
  if ((inputs == nullptr && !c.inputs.empty()) || (outputs == nullptr && !c.outputs.empty())) {
    return InvalidArgument("null input or output array");
  }
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    if (inputs[i] == nullptr) return InvalidArgument("input #" + std::to_string(i) + " ('" + c.inputs[i].name + "') is null");
  }
  for (size_t i = 0; i < c.outputs.size(); ++i) {
    if (outputs[i] == nullptr) return InvalidArgument("output #" + std::to_string(i) + " ('" + c.outputs[i].name + "') is null");
  }
  std::lock_guard<std::mutex> lock(run_mutex_);
  ScopedContext scope(drv_, context_);
  AGT_RT_RETURN_IF_ERROR(scope.status());
  AGT_CU(drv_->cuStreamWaitEvent(stream, done_, 0), "cuStreamWaitEvent");
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    AGT_CU(drv_->cuMemcpyDtoDAsync(InputPtr(i), reinterpret_cast<CUdeviceptr>(inputs[i]), c.inputs[i].size_bytes(), stream),
           "cuMemcpyDtoDAsync (input)");
  }
  AGT_RT_RETURN_IF_ERROR(EnqueueModel(stream));
  for (size_t i = 0; i < c.outputs.size(); ++i) {
    AGT_CU(drv_->cuMemcpyDtoDAsync(reinterpret_cast<CUdeviceptr>(outputs[i]), OutputPtr(i), c.outputs[i].size_bytes(), stream),
           "cuMemcpyDtoDAsync (output)");
  }
  AGT_CU(drv_->cuEventRecord(done_, stream), "cuEventRecord");
  return Status::Ok();
}

Status Executor::RunHost(const void* const* inputs, void* const* outputs) {
  const ArtifactContents& c = artifact_.contents;
  if ((inputs == nullptr && !c.inputs.empty()) || (outputs == nullptr && !c.outputs.empty())) {
    return InvalidArgument("null input or output array");
  }
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    if (inputs[i] == nullptr) return InvalidArgument("input #" + std::to_string(i) + " is null");
  }
  for (size_t i = 0; i < c.outputs.size(); ++i) {
    if (outputs[i] == nullptr) return InvalidArgument("output #" + std::to_string(i) + " is null");
  }
  std::lock_guard<std::mutex> lock(run_mutex_);
  ScopedContext scope(drv_, context_);
  AGT_RT_RETURN_IF_ERROR(scope.status());
  AGT_CU(drv_->cuStreamWaitEvent(stream_, done_, 0), "cuStreamWaitEvent");
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    AGT_CU(drv_->cuMemcpyHtoDAsync(InputPtr(i), inputs[i], c.inputs[i].size_bytes(), stream_), "cuMemcpyHtoDAsync (input)");
  }
  AGT_RT_RETURN_IF_ERROR(EnqueueModel(stream_));
  for (size_t i = 0; i < c.outputs.size(); ++i) {
    AGT_CU(drv_->cuMemcpyDtoHAsync(outputs[i], OutputPtr(i), c.outputs[i].size_bytes(), stream_), "cuMemcpyDtoHAsync (output)");
  }
  AGT_CU(drv_->cuEventRecord(done_, stream_), "cuEventRecord");
  AGT_CU(drv_->cuStreamSynchronize(stream_), "cuStreamSynchronize");
  return Status::Ok();
}

Status Executor::Bench(int warmup, int iters, float* times_ms) {
  if (warmup < 0 || iters <= 0 || times_ms == nullptr) return InvalidArgument("bench needs iters > 0 and a times array");
  std::lock_guard<std::mutex> lock(run_mutex_);
  ScopedContext scope(drv_, context_);
  AGT_RT_RETURN_IF_ERROR(scope.status());
  std::vector<CUevent> events(static_cast<size_t>(iters) + 1, nullptr);
  Status status;
  for (CUevent& e : events) {
    status = drv_->Check(drv_->cuEventCreate(&e, kEventDefault), "cuEventCreate");
    if (!status.ok()) break;
  }
  if (status.ok()) status = drv_->Check(drv_->cuStreamWaitEvent(stream_, done_, 0), "cuStreamWaitEvent");
  for (int i = 0; i < warmup && status.ok(); ++i) status = EnqueueModel(stream_);
  if (status.ok()) status = drv_->Check(drv_->cuEventRecord(events[0], stream_), "cuEventRecord");
  for (int i = 0; i < iters && status.ok(); ++i) {
    status = EnqueueModel(stream_);
    if (status.ok()) status = drv_->Check(drv_->cuEventRecord(events[i + 1], stream_), "cuEventRecord");
  }
  if (status.ok()) status = drv_->Check(drv_->cuEventRecord(done_, stream_), "cuEventRecord");
  if (status.ok()) status = drv_->Check(drv_->cuStreamSynchronize(stream_), "cuStreamSynchronize");
  for (int i = 0; i < iters && status.ok(); ++i) {
    status = drv_->Check(drv_->cuEventElapsedTime(&times_ms[i], events[i], events[i + 1]), "cuEventElapsedTime");
  }
  for (CUevent e : events) {
    if (e != nullptr) drv_->cuEventDestroy(e);
  }
  return status;
}

Executor::~Executor() {
  if (drv_ == nullptr || !context_retained_) return;
  {
    ScopedContext scope(drv_, context_);
    if (stream_ != nullptr) drv_->cuStreamSynchronize(stream_);
    if (done_ != nullptr) drv_->cuEventSynchronize(done_);
    if (graph_exec_ != nullptr) drv_->cuGraphExecDestroy(graph_exec_);
    if (graph_ != nullptr) drv_->cuGraphDestroy(graph_);
    if (done_ != nullptr) drv_->cuEventDestroy(done_);
    if (stream_ != nullptr) drv_->cuStreamDestroy(stream_);
    if (arena_ != 0) drv_->cuMemFree(arena_);
    if (weights_ != 0) drv_->cuMemFree(weights_);
    for (CUmodule m : modules_) drv_->cuModuleUnload(m);
  }
  drv_->cuDevicePrimaryCtxRelease(device_);
}

}  // namespace agt::runtime

// The GPU harness of the codegen tests (see gpu_harness.h).
#include "tests/codegen/gpu_harness.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>

#include "tests/support/test_support.h"

namespace agt::test {

using ir::Precision;
using runtime::CUdeviceptr;

struct GpuHarness::Loaded {
  runtime::CUmodule module = nullptr;
  runtime::CUfunction fn = nullptr;
};

Status GpuHarness::Check(runtime::CUresult r, const char* what) {
  if (r == runtime::kCudaSuccess) return Status::Ok();
  const char* s = nullptr;
  d_->cuGetErrorString(r, &s);
  return Status::Errorf("{} failed: {} ({})", what, r, s ? s : "?");
}

std::unique_ptr<GpuHarness> GpuHarness::Create(std::string* error) {
  auto drv = runtime::GetCudaDriver();
  if (!drv.ok()) {
    *error = drv.status().message();
    return nullptr;
  }
  auto h = std::unique_ptr<GpuHarness>(new GpuHarness());
  h->d_ = drv.value();
  int n = 0;
  if (h->d_->cuDeviceGetCount(&n) != 0 || n == 0) {
    *error = "no CUDA device";
    return nullptr;
  }
  h->d_->cuDeviceGet(&h->dev_, 0);
  if (h->d_->cuDevicePrimaryCtxRetain(&h->ctx_, h->dev_) != 0 || h->d_->cuCtxSetCurrent(h->ctx_) != 0) {
    *error = "cannot create a CUDA context";
    return nullptr;
  }
  char name[256] = {0};
  h->d_->cuDeviceGetName(name, sizeof(name), h->dev_);
  h->name_ = name;
  return h;
}

GpuHarness::~GpuHarness() {
  if (ctx_ != nullptr) d_->cuDevicePrimaryCtxRelease(dev_);
}

Expected<std::shared_ptr<GpuHarness::Loaded>> GpuHarness::Load(const codegen::CompiledProgram& c) {
  auto l = std::make_shared<Loaded>();
  d_->cuCtxSetCurrent(ctx_);
  AGT_RETURN_IF_ERROR(Check(d_->cuModuleLoadData(&l->module, c.binary->cubin.data()), "cuModuleLoadData"));
  AGT_RETURN_IF_ERROR(Check(d_->cuModuleGetFunction(&l->fn, l->module, c.kernel.launch.kernel_name.c_str()), "cuModuleGetFunction"));
  if (c.kernel.launch.dynamic_smem_bytes > 0) {
    AGT_RETURN_IF_ERROR(Check(d_->cuFuncSetAttribute(l->fn, runtime::kFuncAttrMaxDynamicSharedSizeBytes,
                                                     static_cast<int>(c.kernel.launch.dynamic_smem_bytes)),
                              "cuFuncSetAttribute"));
  }
  return l;
}

namespace {

// Device bytes of a host tensor at a precision: floats in the storage type, others as they are.
std::vector<uint8_t> ToDevice(const ir::Tensor& t, Precision p) {
  if (!ir::IsFloat(t.dtype())) return std::vector<uint8_t>(t.raw(), t.raw() + t.size_bytes());
  int64_t n = t.num_elements();
  std::vector<uint8_t> out(static_cast<size_t>(n) * ir::FloatStorageBytes(p));
  for (int64_t i = 0; i < n; ++i) {
    float v = t.GetF32(i);
    if (p == Precision::kFP16) {
      uint16_t h = ir::FloatToHalf(v);
      std::memcpy(out.data() + 2 * i, &h, 2);
    } else if (p == Precision::kBF16) {
      uint16_t h = ir::FloatToBFloat16(v);
      std::memcpy(out.data() + 2 * i, &h, 2);
    } else {
      std::memcpy(out.data() + 4 * i, &v, 4);
    }
  }
  return out;
}

// The precision whose float storage a value has: statistics stay f32 (ir::StorageDType).
Precision StoredAs(const ir::Value& v, Precision p) { return ir::IsStatistics(v) ? Precision::kFP32 : p; }

size_t DeviceBytes(const ir::TensorType& t, Precision p) {
  return ir::IsFloat(t.dtype) ? static_cast<size_t>(t.num_elements()) * ir::FloatStorageBytes(p) : t.size_bytes();
}

ir::Tensor FromDevice(const std::vector<uint8_t>& b, const ir::TensorType& type, Precision p) {
  if (!ir::IsFloat(type.dtype)) return ir::Tensor(type, b);
  ir::Tensor t(ir::TensorType{ir::DType::kF32, type.shape});
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    float v;
    if (p == Precision::kFP16 || p == Precision::kBF16) {
      uint16_t h;
      std::memcpy(&h, b.data() + 2 * i, 2);
      v = p == Precision::kFP16 ? ir::HalfToFloat(h) : ir::BFloat16ToFloat(h);
    } else {
      std::memcpy(&v, b.data() + 4 * i, 4);
    }
    t.SetF32(i, v);
  }
  return t;
}

}  // namespace

ir::Tensor RoundToStorage(const ir::Tensor& t, Precision p) {
  if (!ir::IsFloat(t.dtype()) || p == Precision::kFP32 || p == Precision::kTF32) return t;
  ir::Tensor r = t;
  for (int64_t i = 0; i < r.num_elements(); ++i) r.SetF32(i, ir::RoundTo(p == Precision::kFP16 ? ir::DType::kF16 : ir::DType::kBF16, t.GetF32(i)));
  return r;
}

double Tolerance(Precision p) {
  switch (p) {
    case Precision::kFP32: return 1e-4;
    case Precision::kTF32: return 5e-3;
    default: return 2e-2;
  }
}

Status GpuHarness::BuildParams(const codegen::CompiledProgram& c, size_t num_inputs, const std::vector<CUdeviceptr>& bufs,
                               tuner::LaunchParams& params) {
  const size_t no = c.kernel.launch.num_outputs > 0 ? static_cast<size_t>(c.kernel.launch.num_outputs) : 0;
  if (bufs.size() < num_inputs + no) return Status::Error("fewer buffers than the kernel's inputs and outputs");
  return params.Build(*d_, c.kernel.launch, std::vector<CUdeviceptr>(bufs.begin(), bufs.begin() + num_inputs),
                      std::vector<CUdeviceptr>(bufs.begin() + num_inputs, bufs.begin() + num_inputs + no),
                      c.kernel.launch.workspace_bytes > 0 ? bufs.back() : 0);
}

Expected<std::vector<ir::Tensor>> GpuHarness::Run(const codegen::CompiledProgram& c, const ir::Graph& g,
                                                  const std::vector<ir::Tensor>& inputs) {
  Precision p = c.program.task.precision;
  AGT_ASSIGN_OR_RETURN(auto l, Load(c));
  std::vector<CUdeviceptr> bufs;
  auto cleanup = [&]() {
    for (CUdeviceptr b : bufs) d_->cuMemFree(b);
    d_->cuModuleUnload(l->module);
  };
  auto alloc = [&](size_t bytes) -> Expected<CUdeviceptr> {
    CUdeviceptr ptr = 0;
    AGT_RETURN_IF_ERROR(Check(d_->cuMemAlloc(&ptr, std::max<size_t>(bytes, 16)), "cuMemAlloc"));
    bufs.push_back(ptr);
    return ptr;
  };
  Status st = [&]() -> Status {
    for (size_t i = 0; i < inputs.size(); ++i) {
      std::vector<uint8_t> b = ToDevice(inputs[i], StoredAs(*g.inputs()[i], p));
      AGT_ASSIGN_OR_RETURN(CUdeviceptr ptr, alloc(b.size()));
      AGT_RETURN_IF_ERROR(Check(d_->cuMemcpyHtoD(ptr, b.data(), b.size()), "cuMemcpyHtoD"));
    }
    for (const ir::Value* o : g.outputs()) {
      size_t bytes = DeviceBytes(o->type(), StoredAs(*o, p));
      AGT_ASSIGN_OR_RETURN(CUdeviceptr ptr, alloc(bytes));
      // 0xFF bytes read as NaN in f32, f16 and bf16: an element the kernel never writes fails the check.
      std::vector<uint8_t> poison(bytes, 0xFF);
      AGT_RETURN_IF_ERROR(Check(d_->cuMemcpyHtoD(ptr, poison.data(), bytes), "cuMemcpyHtoD"));
    }
    if (c.kernel.launch.workspace_bytes > 0) {
      AGT_ASSIGN_OR_RETURN(CUdeviceptr ws, alloc(c.kernel.launch.workspace_bytes));
      std::vector<uint8_t> zero(c.kernel.launch.workspace_bytes, 0);
      AGT_RETURN_IF_ERROR(Check(d_->cuMemcpyHtoD(ws, zero.data(), zero.size()), "cuMemcpyHtoD"));
    }
    const auto& ls = c.kernel.launch;
    tuner::LaunchParams params;
    AGT_RETURN_IF_ERROR(BuildParams(c, inputs.size(), bufs, params));
    AGT_RETURN_IF_ERROR(Check(runtime::LaunchKernel(*d_, {.fn = l->fn, .grid = ls.grid, .block = ls.block,
                                                          .smem = ls.dynamic_smem_bytes, .params = params.data()}),
                              "cuLaunchKernel"));
    AGT_RETURN_IF_ERROR(Check(d_->cuStreamSynchronize(nullptr), "kernel execution"));
    return Status::Ok();
  }();
  if (!st.ok()) {
    cleanup();
    return st;
  }
  std::vector<ir::Tensor> outs;
  for (size_t j = 0; j < g.outputs().size(); ++j) {
    const ir::TensorType& t = g.outputs()[j]->type();
    const Precision po = StoredAs(*g.outputs()[j], p);
    std::vector<uint8_t> b(DeviceBytes(t, po));
    Status s = Check(d_->cuMemcpyDtoH(b.data(), bufs[inputs.size() + j], b.size()), "cuMemcpyDtoH");
    if (!s.ok()) {
      cleanup();
      return s;
    }
    outs.push_back(FromDevice(b, t, po));
  }
  cleanup();
  return outs;
}

Expected<std::vector<ir::Tensor>> GpuHarness::RunProgrammaticPair(const codegen::CompiledProgram& first, const ir::Graph& g1,
                                                                  const codegen::CompiledProgram& second, const ir::Graph& g2,
                                                                  const std::vector<ir::Tensor>& inputs, int replays) {
  if (first.kernel.launch.workspace_bytes > 0 || second.kernel.launch.workspace_bytes > 0 || g1.outputs().size() != 1 ||
      g2.inputs().size() != 1 || g2.outputs().size() != 1) {
    return Status::Error("RunProgrammaticPair: one output into one input, no workspaces");
  }
  const Precision p = first.program.task.precision;
  AGT_ASSIGN_OR_RETURN(auto l1, Load(first));
  AGT_ASSIGN_OR_RETURN(auto l2, Load(second));
  runtime::CUstream stream = nullptr;
  std::vector<CUdeviceptr> bufs;   // first's inputs, the buffer between, second's output
  auto cleanup = [&]() {
    for (CUdeviceptr b : bufs) d_->cuMemFree(b);
    if (stream != nullptr) d_->cuStreamDestroy(stream);
    d_->cuModuleUnload(l1->module);
    d_->cuModuleUnload(l2->module);
  };
  const size_t mid_bytes = DeviceBytes(g1.outputs()[0]->type(), p), out_bytes = DeviceBytes(g2.outputs()[0]->type(), p);
  std::vector<ir::Tensor> outs;
  Status st = [&]() -> Status {
    AGT_RETURN_IF_ERROR(Check(d_->cuStreamCreate(&stream, runtime::kStreamNonBlocking), "cuStreamCreate"));
    for (size_t bytes : {mid_bytes, out_bytes}) {
      CUdeviceptr ptr = 0;
      AGT_RETURN_IF_ERROR(Check(d_->cuMemAlloc(&ptr, std::max<size_t>(bytes, 16)), "cuMemAlloc"));
      bufs.push_back(ptr);
    }
    for (const ir::Tensor& t : inputs) {
      std::vector<uint8_t> b = ToDevice(t, p);
      CUdeviceptr ptr = 0;
      AGT_RETURN_IF_ERROR(Check(d_->cuMemAlloc(&ptr, std::max<size_t>(b.size(), 16)), "cuMemAlloc"));
      bufs.push_back(ptr);
      AGT_RETURN_IF_ERROR(Check(d_->cuMemcpyHtoD(ptr, b.data(), b.size()), "cuMemcpyHtoD"));
    }
    tuner::LaunchParams pa, pb;
    AGT_RETURN_IF_ERROR(pa.Build(*d_, first.kernel.launch, std::vector<CUdeviceptr>(bufs.begin() + 2, bufs.end()), {bufs[0]}, 0));
    AGT_RETURN_IF_ERROR(pb.Build(*d_, second.kernel.launch, {bufs[0]}, {bufs[1]}, 0));
    const auto& la = first.kernel.launch;
    const auto& lb = second.kernel.launch;
    for (int r = 0; r < replays; ++r) {
      AGT_RETURN_IF_ERROR(Check(d_->cuMemsetD8Async(bufs[0], 0xFF, mid_bytes, stream), "cuMemsetD8Async"));
      AGT_RETURN_IF_ERROR(Check(d_->cuMemsetD8Async(bufs[1], 0xFF, out_bytes, stream), "cuMemsetD8Async"));
      AGT_RETURN_IF_ERROR(Check(runtime::LaunchKernel(*d_, {.fn = l1->fn, .grid = la.grid, .block = la.block, .smem = la.dynamic_smem_bytes,
                                                            .stream = stream, .params = pa.data()}),
                                "cuLaunchKernel (first)"));
      AGT_RETURN_IF_ERROR(Check(runtime::LaunchKernel(*d_, {.fn = l2->fn, .grid = lb.grid, .block = lb.block, .smem = lb.dynamic_smem_bytes,
                                                            .stream = stream, .params = pb.data(), .programmatic = true}),
                                "cuLaunchKernelEx (second, programmatic)"));
      std::vector<uint8_t> b(out_bytes);
      AGT_RETURN_IF_ERROR(Check(d_->cuMemcpyDtoHAsync(b.data(), bufs[1], out_bytes, stream), "cuMemcpyDtoHAsync"));
      AGT_RETURN_IF_ERROR(Check(d_->cuStreamSynchronize(stream), "the pair's execution"));
      outs.push_back(FromDevice(b, g2.outputs()[0]->type(), p));
    }
    return Status::Ok();
  }();
  cleanup();
  if (!st.ok()) return st;
  return outs;
}

Expected<double> GpuHarness::Time(const codegen::CompiledProgram& c, const ir::Graph& g, int warmup, int reps, bool graph) {
  Precision p = c.program.task.precision;
  AGT_ASSIGN_OR_RETURN(auto l, Load(c));
  std::vector<CUdeviceptr> bufs;
  runtime::CUevent e0 = nullptr, e1 = nullptr;
  d_->cuEventCreate(&e0, runtime::kEventDefault);
  d_->cuEventCreate(&e1, runtime::kEventDefault);
  std::vector<double> times;
  Status st = [&]() -> Status {
    uint64_t seed = 100;
    for (const ir::Value* v : g.inputs()) {
      std::vector<uint8_t> b = ToDevice(RandomTensor(v->type(), seed++), p);
      CUdeviceptr ptr = 0;
      AGT_RETURN_IF_ERROR(Check(d_->cuMemAlloc(&ptr, std::max<size_t>(b.size(), 16)), "cuMemAlloc"));
      bufs.push_back(ptr);
      AGT_RETURN_IF_ERROR(Check(d_->cuMemcpyHtoD(ptr, b.data(), b.size()), "cuMemcpyHtoD"));
    }
    for (const ir::Value* o : g.outputs()) {
      CUdeviceptr ptr = 0;
      AGT_RETURN_IF_ERROR(Check(d_->cuMemAlloc(&ptr, std::max<size_t>(DeviceBytes(o->type(), p), 16)), "cuMemAlloc"));
      bufs.push_back(ptr);
    }
    if (c.kernel.launch.workspace_bytes > 0) {
      CUdeviceptr ws = 0;
      AGT_RETURN_IF_ERROR(Check(d_->cuMemAlloc(&ws, c.kernel.launch.workspace_bytes), "cuMemAlloc"));
      bufs.push_back(ws);
      std::vector<uint8_t> zero(c.kernel.launch.workspace_bytes, 0);
      AGT_RETURN_IF_ERROR(Check(d_->cuMemcpyHtoD(ws, zero.data(), zero.size()), "cuMemcpyHtoD"));
    }
    const auto& ls = c.kernel.launch;
    tuner::LaunchParams params;
    AGT_RETURN_IF_ERROR(BuildParams(c, g.inputs().size(), bufs, params));
    auto launch = [&](runtime::CUstream s = nullptr) {
      return Check(runtime::LaunchKernel(*d_, {.fn = l->fn, .grid = ls.grid, .block = ls.block, .smem = ls.dynamic_smem_bytes,
                                               .stream = s, .params = params.data()}),
                   "cuLaunchKernel");
    };
    for (int i = 0; i < warmup; ++i) AGT_RETURN_IF_ERROR(launch());
    AGT_RETURN_IF_ERROR(Check(d_->cuStreamSynchronize(nullptr), "warm-up"));
    if (graph) {
      runtime::CUstream s = nullptr;
      runtime::CUgraph gr = nullptr;
      runtime::CUgraphExec ge = nullptr;
      AGT_RETURN_IF_ERROR(Check(d_->cuStreamCreate(&s, 0), "cuStreamCreate"));
      Status st = [&]() -> Status {
        AGT_RETURN_IF_ERROR(Check(d_->cuStreamBeginCapture(s, 2 /* relaxed */), "cuStreamBeginCapture"));
        for (int r = 0; r < reps; ++r) AGT_RETURN_IF_ERROR(launch(s));
        AGT_RETURN_IF_ERROR(Check(d_->cuStreamEndCapture(s, &gr), "cuStreamEndCapture"));
        AGT_RETURN_IF_ERROR(Check(d_->cuGraphInstantiateWithFlags(&ge, gr, 0), "cuGraphInstantiate"));
        AGT_RETURN_IF_ERROR(Check(d_->cuGraphLaunch(ge, s), "cuGraphLaunch"));
        AGT_RETURN_IF_ERROR(Check(d_->cuStreamSynchronize(s), "graph warm-up"));
        for (int i = 0; i < 5; ++i) {
          d_->cuEventRecord(e0, s);
          AGT_RETURN_IF_ERROR(Check(d_->cuGraphLaunch(ge, s), "cuGraphLaunch"));
          d_->cuEventRecord(e1, s);
          AGT_RETURN_IF_ERROR(Check(d_->cuEventSynchronize(e1), "timed graph"));
          float ms = 0;
          d_->cuEventElapsedTime(&ms, e0, e1);
          times.push_back(ms * 1000.0 / reps);
        }
        return Status::Ok();
      }();
      if (ge != nullptr) d_->cuGraphExecDestroy(ge);
      if (gr != nullptr) d_->cuGraphDestroy(gr);
      d_->cuStreamDestroy(s);
      return st;
    }
    // Launches back to back between one pair of events, so that host launch latency overlaps the
    // kernels (one event pair per launch would time the launch path of microsecond kernels).
    for (int i = 0; i < 5; ++i) {
      d_->cuEventRecord(e0, nullptr);
      for (int r = 0; r < reps; ++r) AGT_RETURN_IF_ERROR(launch());
      d_->cuEventRecord(e1, nullptr);
      AGT_RETURN_IF_ERROR(Check(d_->cuEventSynchronize(e1), "timed launch"));
      float ms = 0;
      d_->cuEventElapsedTime(&ms, e0, e1);
      times.push_back(ms * 1000.0 / reps);
    }
    return Status::Ok();
  }();
  for (CUdeviceptr b : bufs) d_->cuMemFree(b);
  d_->cuEventDestroy(e0);
  d_->cuEventDestroy(e1);
  d_->cuModuleUnload(l->module);
  if (!st.ok()) return st;
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

std::unique_ptr<GpuHarness> GpuHarnessOrSkip() {
  if (!HasGpuDriver()) {
    WARN("no GPU driver on this machine: skipping");
    return nullptr;
  }
  std::string err;
  auto gpu = GpuHarness::Create(&err);
  if (!gpu) WARN("no usable GPU (" << err << "): skipping");
  return gpu;
}

}  // namespace agt::test

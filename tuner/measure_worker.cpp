// The GPU worker loop (see measure_worker.h).
#include "tuner/measure_worker.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>

#include <fmt/format.h>

#include "ir/interpreter.h"
#include "ir/text.h"
#include "runtime/cuda_driver.h"
#include "tuner/launch_params.h"
#include "tuner/worker_protocol.h"

namespace agt::tuner {

namespace {

using ir::Precision;
using runtime::CUdeviceptr;

constexpr int kAttrL2CacheSize = 38;   // CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE

bool WriteLine(int fd, std::string line) {
  line += '\n';
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Errors after which the context is unusable (the driver's "sticky" errors).
bool IsSticky(runtime::CUresult r) { return r == 700 || r == 702 || (r >= 714 && r <= 720) || r == 999; }

ir::Tensor RandomInput(const ir::TensorType& type, uint64_t seed, Precision p) {
  ir::Tensor t(type);
  std::mt19937_64 rng(seed);
  if (ir::IsFloat(type.dtype)) {
    std::uniform_real_distribution<float> d(-1.0f, 1.0f);
    for (int64_t i = 0; i < t.num_elements(); ++i) {
      float v = d(rng);
      if (p == Precision::kFP16) v = ir::RoundTo(ir::DType::kF16, v);
      if (p == Precision::kBF16) v = ir::RoundTo(ir::DType::kBF16, v);
      t.SetF32(i, v);
    }
  } else {
    for (int64_t i = 0; i < t.num_elements(); ++i) t.SetI64(i, 0);
  }
  return t;
}

std::vector<uint8_t> ToDevice(const ir::Tensor& t, Precision p) {
  if (!ir::IsFloat(t.dtype())) return std::vector<uint8_t>(t.raw(), t.raw() + t.size_bytes());
  int64_t n = t.num_elements();
  std::vector<uint8_t> out(static_cast<size_t>(n) * ir::FloatStorageBytes(p));
  for (int64_t i = 0; i < n; ++i) {
    float v = t.GetF32(i);
    if (p == Precision::kFP16 || p == Precision::kBF16) {
      uint16_t h = p == Precision::kFP16 ? ir::FloatToHalf(v) : ir::FloatToBFloat16(v);
      std::memcpy(out.data() + 2 * i, &h, 2);
    } else {
      std::memcpy(out.data() + 4 * i, &v, 4);
    }
  }
  return out;
}

// The precision whose float storage a task value has: statistics stay f32 (ir::StorageDType).
Precision StoredAs(const ir::Value& v, Precision p) { return ir::IsStatistics(v) ? Precision::kFP32 : p; }

size_t DeviceBytes(const ir::TensorType& t, Precision p) {
  return ir::IsFloat(t.dtype) ? static_cast<size_t>(t.num_elements()) * ir::FloatStorageBytes(p) : t.size_bytes();
}

// Relative L2 error of device bytes (at storage precision) against an f32 reference; inf on NaN.
double RelL2(const std::vector<uint8_t>& b, const ir::Tensor& ref, Precision p) {
  double num = 0, den = 0;
  bool half = p == Precision::kFP16 || p == Precision::kBF16;
  bool is_float = ir::IsFloat(ref.dtype());
  for (int64_t i = 0; i < ref.num_elements(); ++i) {
    double v;
    if (!is_float) {
      v = 0;
      int64_t x = 0;
      std::memcpy(&x, b.data() + i * static_cast<int64_t>(ir::DTypeSize(ref.dtype())), std::min<size_t>(8, ir::DTypeSize(ref.dtype())));
      v = static_cast<double>(x);
    } else if (half) {
      uint16_t h;
      std::memcpy(&h, b.data() + 2 * i, 2);
      v = p == Precision::kFP16 ? ir::HalfToFloat(h) : ir::BFloat16ToFloat(h);
    } else {
      float f;
      std::memcpy(&f, b.data() + 4 * i, 4);
      v = f;
    }
    if (!std::isfinite(v)) return INFINITY;
    double r = ref.GetF32(i);
    num += (v - r) * (v - r);
    den += r * r;
  }
  return std::sqrt(num) / std::max(std::sqrt(den), 1e-30);
}

struct Reference {
  std::unique_ptr<ir::Graph> graph;
  std::vector<ir::Tensor> inputs;
  std::vector<ir::Tensor> outputs;
};

class GpuSession {
 public:
  WorkerHello Open(int device) {
    WorkerHello h;
    h.device = device;
    auto drv = runtime::GetCudaDriver();
    if (!drv.ok()) {
      h.error = "no CUDA driver: " + drv.status().message();
      return h;
    }
    d_ = drv.value();
    int n = 0;
    if (d_->cuDeviceGetCount(&n) != 0 || n == 0) {
      h.error = "no CUDA device";
      return h;
    }
    h.devices = n;
    if (device < 0 || device >= n || d_->cuDeviceGet(&dev_, device) != 0) {
      h.error = fmt::format("there is no GPU {} on this machine: it has {}", device, n);
      return h;
    }
    if (d_->cuDevicePrimaryCtxRetain(&ctx_, dev_) != 0 || d_->cuCtxSetCurrent(ctx_) != 0) {
      h.error = "cannot create a CUDA context";
      return h;
    }
    char name[256] = {0};
    d_->cuDeviceGetName(name, sizeof(name), dev_);
    int major = 0, minor = 0, l2 = 0, version = 0;
    d_->cuDeviceGetAttribute(&major, runtime::kAttrComputeCapabilityMajor, dev_);
    d_->cuDeviceGetAttribute(&minor, runtime::kAttrComputeCapabilityMinor, dev_);
    d_->cuDeviceGetAttribute(&l2, kAttrL2CacheSize, dev_);
    d_->cuDeviceGetAttribute(&sm_count_, runtime::kAttrMultiprocessorCount, dev_);
    d_->cuDriverGetVersion(&version);
    if (d_->cuStreamCreate(&stream_, runtime::kStreamNonBlocking) != 0 || d_->cuEventCreate(&e0_, runtime::kEventDefault) != 0 ||
        d_->cuEventCreate(&e1_, runtime::kEventDefault) != 0) {
      h.error = "cannot create a CUDA stream or events";
      return h;
    }
    pdl_ = runtime::PdlEnabledByEnvironment();
    if (pdl_ && runtime::SpreadEnabledByEnvironment()) {
      auto sm = runtime::QuerySmSharedMemory(*d_, dev_);
      if (sm.ok()) spread_ = sm.value();   // else launches keep their own bytes (sm_count 0 spreads nothing)
    }
    flush_bytes_ = std::max<size_t>(2 * static_cast<size_t>(std::max(l2, 0)), size_t{64} << 20);
    if (d_->cuMemAlloc(&flush_, flush_bytes_) != 0) {
      h.error = "cannot allocate the L2 flush buffer";
      return h;
    }
    h.ok = true;
    h.gpu = name;
    h.arch = fmt::format("sm_{}{}", major, minor);
    h.driver = fmt::format("{}.{}", version / 1000, (version % 1000) / 10);
    return h;
  }

  MeasureResponse Measure(const MeasureRequest& req) {
    MeasureResponse resp;
    resp.id = req.id;
    auto fail = [&](records::MeasureError e, std::string msg, runtime::CUresult r = 0) {
      resp.result.error = e;
      resp.result.message = std::move(msg);
      resp.fatal = IsSticky(r);
      return resp;
    };
    auto ref_or = GetReference(req);
    if (!ref_or.ok()) return fail(records::MeasureError::kLaunchError, "reference: " + ref_or.status().message());
    const Reference& ref = *ref_or.value();
    if (static_cast<size_t>(req.launch.num_inputs) != ref.inputs.size() ||
        static_cast<size_t>(req.launch.num_outputs) != ref.outputs.size()) {
      return fail(records::MeasureError::kLaunchError, "launch spec does not match the task's inputs and outputs");
    }
    if (req.launch.co_resident) {
      runtime::Status fits = runtime::CoResidentFits(req.launch.grid, sm_count_, req.launch.kernel_name);
      if (!fits.ok()) return fail(records::MeasureError::kLaunchError, fits.message());
    }
    d_->cuCtxSetCurrent(ctx_);
    runtime::CUmodule module = nullptr;
    runtime::CUfunction fn = nullptr;
    std::vector<CUdeviceptr> bufs;
    auto cleanup = [&]() {
      for (CUdeviceptr b : bufs) d_->cuMemFree(b);
      if (module != nullptr) d_->cuModuleUnload(module);
    };
    std::string what;
    runtime::CUresult r = 0;
    auto call = [&](runtime::CUresult res, const char* name) {
      r = res;
      if (res != 0) {
        const char* s = nullptr;
        d_->cuGetErrorName(res, &s);
        what = fmt::format("{} failed: {} ({})", name, s ? s : "?", res);
      }
      return res == 0;
    };
    const Precision p = req.precision;
    const auto& ls = req.launch;
    bool ok = call(d_->cuModuleLoadData(&module, req.cubin.data()), "cuModuleLoadData") &&
              call(d_->cuModuleGetFunction(&fn, module, ls.kernel_name.c_str()), "cuModuleGetFunction") &&
              (ls.dynamic_smem_bytes == 0 ||
               call(d_->cuFuncSetAttribute(fn, runtime::kFuncAttrMaxDynamicSharedSizeBytes, static_cast<int>(ls.dynamic_smem_bytes)),
                    "cuFuncSetAttribute"));
    // Programmatic repeats spread as the executor spreads them (runtime::SpreadSharedBytes), so that a
    // tuned time is the time the kernel takes in the model.
    unsigned smem = ls.dynamic_smem_bytes;
    if (ok && pdl_ && ls.programmatic) {
      auto spread = runtime::SpreadLaunchSharedBytes(*d_, spread_, fn, ls.grid, ls.dynamic_smem_bytes);
      if (!spread.ok()) {
        cleanup();
        return fail(records::MeasureError::kLaunchError, spread.status().message());
      }
      smem = spread.value();
    }
    for (size_t i = 0; ok && i < ref.inputs.size(); ++i) {
      std::vector<uint8_t> b = ToDevice(ref.inputs[i], StoredAs(*ref.graph->inputs()[i], p));
      CUdeviceptr ptr = 0;
      ok = call(d_->cuMemAlloc(&ptr, std::max<size_t>(b.size(), 16)), "cuMemAlloc");
      if (ok) bufs.push_back(ptr);
      ok = ok && call(d_->cuMemcpyHtoD(ptr, b.data(), b.size()), "cuMemcpyHtoD");
    }
    std::vector<size_t> out_bytes;
    for (size_t j = 0; ok && j < ref.outputs.size(); ++j) {
      out_bytes.push_back(DeviceBytes(ref.graph->outputs()[j]->type(), StoredAs(*ref.graph->outputs()[j], p)));
      CUdeviceptr ptr = 0;
      ok = call(d_->cuMemAlloc(&ptr, std::max<size_t>(out_bytes.back(), 16)), "cuMemAlloc");
      if (ok) bufs.push_back(ptr);
      // 0xFF bytes read as NaN in f32, f16 and bf16: an element the kernel never writes fails the check.
      ok = ok && call(d_->cuMemsetD8Async(ptr, 0xFF, out_bytes.back(), stream_), "cuMemsetD8Async");
    }
    if (ok && ls.workspace_bytes > 0) {
      CUdeviceptr ws = 0;
      ok = call(d_->cuMemAlloc(&ws, ls.workspace_bytes), "cuMemAlloc");
      if (ok) bufs.push_back(ws);
      ok = ok && call(d_->cuMemsetD8Async(ws, 0, ls.workspace_bytes, stream_), "cuMemsetD8Async");
    }
    if (!ok) {
      cleanup();
      return fail(records::MeasureError::kLaunchError, what, r);
    }
    const size_t ni = ref.inputs.size(), no = ref.outputs.size();
    LaunchParams params;
    Status built = params.Build(*d_, ls, std::vector<CUdeviceptr>(bufs.begin(), bufs.begin() + ni),
                                std::vector<CUdeviceptr>(bufs.begin() + ni, bufs.begin() + ni + no),
                                ls.workspace_bytes > 0 ? bufs.back() : 0);
    if (!built.ok()) {
      cleanup();
      return fail(records::MeasureError::kLaunchError, built.message());
    }
    // A repeat may be programmatic: the kernel waits for the launch before it, and reads nothing before
    // that wait but inputs no launch writes. The first launch, the checked one, is fully serialized.
    auto launch = [&](bool repeat) {
      return call(runtime::LaunchKernel(*d_, {.fn = fn, .grid = ls.grid, .block = ls.block, .smem = smem,
                                              .stream = stream_, .params = params.data(),
                                              .programmatic = repeat && pdl_ && ls.programmatic, .co_resident = ls.co_resident}),
                  "cuLaunchKernel");
    };
    if (!launch(false) || !call(d_->cuStreamSynchronize(stream_), "kernel execution")) {
      cleanup();
      return fail(records::MeasureError::kLaunchError, what, r);
    }
    if (req.check) {
      double worst = 0;
      for (size_t j = 0; j < ref.outputs.size(); ++j) {
        std::vector<uint8_t> b(out_bytes[j]);
        if (!call(d_->cuMemcpyDtoH(b.data(), bufs[ref.inputs.size() + j], b.size()), "cuMemcpyDtoH")) {
          cleanup();
          return fail(records::MeasureError::kLaunchError, what, r);
        }
        worst = std::max(worst, RelL2(b, ref.outputs[j], StoredAs(*ref.graph->outputs()[j], p)));
      }
      resp.result.rel_error = std::isfinite(worst) ? worst : 1e30;
      if (!(worst <= Tolerance(p))) {
        cleanup();
        return fail(records::MeasureError::kWrongAnswer, fmt::format("relative L2 error {:.3g} exceeds {:.3g}", worst, Tolerance(p)));
      }
    }
    for (int i = 0; i < req.warmup; ++i) {
      if (!launch(true)) break;
    }
    std::vector<double> times;
    for (int i = 0; i < std::max(1, req.repeats) && r == 0; ++i) {
      // A cold L2 for every repeat: the weights of a layer are not in L2 when the model reaches it.
      if (!call(d_->cuMemsetD8Async(flush_, static_cast<unsigned char>(i), flush_bytes_, stream_), "cuMemsetD8Async") ||
          !call(d_->cuEventRecord(e0_, stream_), "cuEventRecord") || !launch(true) || !call(d_->cuEventRecord(e1_, stream_), "cuEventRecord") ||
          !call(d_->cuEventSynchronize(e1_), "timed launch")) {
        break;
      }
      float ms = 0;
      d_->cuEventElapsedTime(&ms, e0_, e1_);
      times.push_back(static_cast<double>(ms) * 1000.0);
      if (static_cast<int>(times.size()) < req.repeats && EarlyCut(times, req.cut_us, req.cut_after)) {
        resp.result.cut = true;
        break;
      }
    }
    cleanup();
    if (r != 0) return fail(records::MeasureError::kLaunchError, what, r);
    resp.result.times_us = times;
    std::sort(times.begin(), times.end());
    size_t n = times.size();
    resp.result.median_us = n % 2 == 1 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
    return resp;
  }

 private:
  Expected<const Reference*> GetReference(const MeasureRequest& req) {
    std::string key = fmt::format("{}:{}:{}", req.input_seed, ir::PrecisionName(req.precision), req.graph_text);
    auto it = refs_.find(key);
    if (it != refs_.end()) return it->second.get();
    auto ref = std::make_unique<Reference>();
    AGT_ASSIGN_OR_RETURN(ref->graph, ir::ParseGraph(req.graph_text, "<task>"));
    uint64_t seed = req.input_seed;
    for (const ir::Value* v : ref->graph->inputs()) ref->inputs.push_back(RandomInput(v->type(), seed++, req.precision));
    AGT_ASSIGN_OR_RETURN(ref->outputs, ir::Interpret(*ref->graph, ref->inputs));
    if (refs_.size() >= 8) refs_.erase(refs_.begin());   // a task is tuned for a while, then rarely again
    return refs_.emplace(std::move(key), std::move(ref)).first->second.get();
  }

  const runtime::CudaDriver* d_ = nullptr;
  runtime::CUdevice dev_ = 0;
  runtime::CUcontext ctx_ = nullptr;
  runtime::CUstream stream_ = nullptr;
  runtime::CUevent e0_ = nullptr, e1_ = nullptr;
  CUdeviceptr flush_ = 0;
  size_t flush_bytes_ = 0;
  bool pdl_ = false;   // AGT_PDL=1
  runtime::SmSharedMemory spread_;   // zero unless programmatic repeats are spread (AGT_PDL_SPREAD=1)
  int sm_count_ = 0;   // for kernels that need their whole grid resident (LaunchSpec::co_resident)
  std::map<std::string, std::unique_ptr<Reference>> refs_;
};

}  // namespace

int RunMeasureWorker(int in_fd, int out_fd, int device) {
  GpuSession gpu;
  WorkerHello hello = gpu.Open(device);
  if (!WriteLine(out_fd, HelloToLine(hello)) || !hello.ok) return hello.ok ? 1 : 3;
  std::FILE* in = ::fdopen(in_fd, "r");
  if (in == nullptr) return 1;
  char* buf = nullptr;
  size_t cap = 0;
  int rc = 0;
  while (true) {
    ssize_t len = ::getline(&buf, &cap, in);
    if (len <= 0) break;
    auto req = RequestFromLine(std::string_view(buf, static_cast<size_t>(len)));
    MeasureResponse resp;
    if (!req.ok()) {
      resp.id = -1;
      resp.result.error = records::MeasureError::kLaunchError;
      resp.result.message = req.status().message();
    } else {
      resp = gpu.Measure(*req);
    }
    if (!WriteLine(out_fd, ResponseToLine(resp))) {
      rc = 1;
      break;
    }
    if (resp.fatal) {
      rc = 4;
      break;
    }
  }
  std::free(buf);
  return rc;
}

}  // namespace agt::tuner

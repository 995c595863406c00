// The GPU runner of the Hopper GEMM core; see gemm_sm90_runner.h.
#include "tests/codegen/gemm_sm90_runner.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "ir/tensor.h"
#include "codegen/hopper/tile_scheduler_sm90.h"
#include "runtime/tensor_map.h"

namespace agt::test {

using codegen::hopper::BLayout;
using codegen::hopper::GemmInput;
using codegen::hopper::GemmSm90Config;
using runtime::CUdeviceptr;

namespace {

// tf32 stores f32: its operands are not rounded (the tensor cores drop the low mantissa bits).
float RoundIn(GemmInput in, float v) {
  if (in == GemmInput::kTF32) return v;
  return in == GemmInput::kF16 ? ir::HalfToFloat(ir::FloatToHalf(v)) : ir::BFloat16ToFloat(ir::FloatToBFloat16(v));
}

// f32 values -> device bytes of the input type (2 bytes) or of f32 (`f32`, or a tf32 input).
std::vector<uint8_t> Pack(const std::vector<float>& v, GemmInput in, bool f32) {
  f32 = f32 || in == GemmInput::kTF32;
  std::vector<uint8_t> out(v.size() * (f32 ? 4 : 2));
  for (size_t i = 0; i < v.size(); ++i) {
    if (f32) {
      std::memcpy(out.data() + 4 * i, &v[i], 4);
    } else {
      uint16_t h = in == GemmInput::kF16 ? ir::FloatToHalf(v[i]) : ir::FloatToBFloat16(v[i]);
      std::memcpy(out.data() + 2 * i, &h, 2);
    }
  }
  return out;
}

float Unpack(const uint8_t* p, GemmInput in, bool f32) {
  if (f32) {
    float v;
    std::memcpy(&v, p, 4);
    return v;
  }
  uint16_t h;
  std::memcpy(&h, p, 2);
  return in == GemmInput::kF16 ? ir::HalfToFloat(h) : ir::BFloat16ToFloat(h);
}

// A device allocation freed on scope exit.
struct DeviceBuffer {
  const runtime::CudaDriver* d = nullptr;
  CUdeviceptr ptr = 0;
  DeviceBuffer() = default;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() {
    if (ptr != 0) d->cuMemFree(ptr);
  }
};

}  // namespace

Sm90Operands RandomSm90Operands(const GemmSm90Config& cfg, const Sm90Problem& p, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  auto fill = [&](size_t n, bool out_type) {
    std::vector<float> v(n);
    for (float& x : v) x = out_type && cfg.f32_out() ? u(rng) : RoundIn(cfg.input, u(rng));
    return v;
  };
  Sm90Operands o;
  o.a = fill(static_cast<size_t>(p.M * p.K), false);
  if (cfg.norm || cfg.norm_moments) {
    // LayerNorm rows as a residual stream has them: an offset per row (up to 8x the spread), a scale
    // per row, and a few large features, so that the shift and the mean correction matter; one row constant.
    std::uniform_real_distribution<float> off(-8.0f, 8.0f), scale(0.5f, 3.0f);
    for (int64_t m = 0; m < p.M; ++m) {
      const float o_m = off(rng), s_m = scale(rng);
      for (int64_t k = 0; k < p.K; ++k) {
        float& x = o.a[static_cast<size_t>(m * p.K + k)];
        // Row 3 constant: it normalises to zeros (the kernel's exact path for a zero variance).
        x = RoundIn(cfg.input, m == 3 ? o_m : o_m + s_m * x * (k % 97 == 5 ? 6.0f : 1.0f));
      }
    }
  }
  o.b = fill(static_cast<size_t>(p.K * p.N), false);
  if (cfg.bias) o.bias = fill(static_cast<size_t>(p.N), false);
  if (cfg.residual) o.residual = fill(static_cast<size_t>(p.M * p.N), true);
  return o;
}

void ShiftSm90Values(GemmInput input, std::vector<float>& v, float by) {
  for (float& x : v) x = RoundIn(input, x + by);
}

std::vector<float> ReferenceSm90(const GemmSm90Config& cfg, const Sm90Problem& p, const Sm90Operands& o) {
  std::vector<float> c(static_cast<size_t>(p.M * p.N));
  // B as [K, N] either way, so that the inner loop runs over contiguous memory.
  std::vector<float> bt;
  if (cfg.b_layout == BLayout::kNK) {
    bt.resize(o.b.size());
    for (int64_t n = 0; n < p.N; ++n) {
      for (int64_t k = 0; k < p.K; ++k) bt[static_cast<size_t>(k * p.N + n)] = o.b[static_cast<size_t>(n * p.K + k)];
    }
  }
  const std::vector<float>& bkn = cfg.b_layout == BLayout::kKN ? o.b : bt;
  std::vector<double> row(static_cast<size_t>(p.N));
  std::vector<double> a_row(static_cast<size_t>(p.K));
  for (int64_t m = 0; m < p.M; ++m) {
    std::fill(row.begin(), row.end(), 0.0);
    for (int64_t k = 0; k < p.K; ++k) a_row[static_cast<size_t>(k)] = o.a[static_cast<size_t>(m * p.K + k)];
    if (cfg.norm || cfg.norm_moments) {   // affine-free LayerNorm over the row (two passes, double)
      double mean = 0, var = 0;
      for (double x : a_row) mean += x;
      mean /= static_cast<double>(p.K);
      for (double x : a_row) var += (x - mean) * (x - mean);
      const double rstd = 1.0 / std::sqrt(var / static_cast<double>(p.K) + cfg.norm_eps);
      for (double& x : a_row) x = (x - mean) * rstd;
    }
    for (int64_t k = 0; k < p.K; ++k) {
      const double a = a_row[static_cast<size_t>(k)];
      const float* b = &bkn[static_cast<size_t>(k * p.N)];
      for (int64_t n = 0; n < p.N; ++n) row[static_cast<size_t>(n)] += a * b[n];
    }
    for (int64_t n = 0; n < p.N; ++n) {
      double v = row[static_cast<size_t>(n)];
      if (cfg.bias) v += o.bias[static_cast<size_t>(n)];
      if (cfg.gelu) v = 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
      if (cfg.relu) v = std::max(v, 0.0);
      if (cfg.residual) v += o.residual[static_cast<size_t>(m * p.N + n)];
      if (cfg.relu_out) v = std::max(v, 0.0);
      c[static_cast<size_t>(m * p.N + n)] = static_cast<float>(v);
    }
  }
  return c;
}

double RelativeL2(const std::vector<float>& got, const std::vector<float>& want) {
  double num = 0, den = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    double d = static_cast<double>(got[i]) - want[i];
    num += d * d;
    den += static_cast<double>(want[i]) * want[i];
  }
  return std::sqrt(num) / std::max(std::sqrt(den), 1e-30);   // NaN in `got` gives NaN: fails any bound
}

struct Sm90GemmRunner::Kernel {
  GemmSm90Config cfg;
  codegen::hopper::GemmSm90Kernel source;
  runtime::CUmodule module = nullptr;
  runtime::CUfunction fn = nullptr;
};

Status Sm90GemmRunner::Check(runtime::CUresult r, const char* what) const {
  runtime::Status s = d_->Check(r, what);
  return s.ok() ? Status::Ok() : Status::Error(s.message());
}

std::unique_ptr<Sm90GemmRunner> Sm90GemmRunner::Create(std::string* why_not) {
  auto drv = runtime::GetCudaDriver();
  if (!drv.ok()) {
    *why_not = drv.status().message();
    return nullptr;
  }
  auto r = std::unique_ptr<Sm90GemmRunner>(new Sm90GemmRunner());
  r->d_ = drv.value();
  int n = 0;
  if (r->d_->cuDeviceGetCount(&n) != 0 || n == 0) {
    *why_not = "no CUDA device";
    return nullptr;
  }
  r->d_->cuDeviceGet(&r->dev_, 0);
  int major = 0, minor = 0;
  r->d_->cuDeviceGetAttribute(&major, runtime::kAttrComputeCapabilityMajor, r->dev_);
  r->d_->cuDeviceGetAttribute(&minor, runtime::kAttrComputeCapabilityMinor, r->dev_);
  if (major != 9 || minor != 0) {
    *why_not = "device 0 is compute capability " + std::to_string(major) + "." + std::to_string(minor) +
               ", sm_90a kernels need 9.0";
    return nullptr;
  }
  if (r->d_->cuTensorMapEncodeTiled == nullptr) {
    *why_not = "the driver lacks cuTensorMapEncodeTiled";
    return nullptr;
  }
  if (r->d_->cuDevicePrimaryCtxRetain(&r->ctx_, r->dev_) != 0 || r->d_->cuCtxSetCurrent(r->ctx_) != 0) {
    *why_not = "cannot create a CUDA context";
    r->ctx_ = nullptr;
    return nullptr;
  }
  char name[256] = {0};
  r->d_->cuDeviceGetName(name, sizeof(name), r->dev_);
  r->name_ = name;
  r->d_->cuDeviceGetAttribute(&r->sms_, runtime::kAttrMultiprocessorCount, r->dev_);
  if (r->sms_ <= 0) r->sms_ = 1;
  return r;
}

struct Sm90GemmRunner::TimingBuffers {
  int64_t M = 0, N = 0, K = 0;
  GemmInput input = GemmInput::kF16;
  BLayout layout = BLayout::kKN;
  bool out_f32 = false;
  DeviceBuffer a, bias, res, c, workspace;
  std::vector<DeviceBuffer> b;
  size_t workspace_bytes = 0;
};

const GemmSm90Config& Sm90GemmRunner::config(int kernel) const { return kernels_.at(static_cast<size_t>(kernel))->cfg; }

Sm90GemmRunner::~Sm90GemmRunner() {
  if (ctx_ != nullptr) d_->cuCtxSetCurrent(ctx_);
  timing_.reset();   // its buffers belong to the context released below
  for (auto& k : kernels_) {
    if (k->module != nullptr) d_->cuModuleUnload(k->module);
  }
  if (ctx_ != nullptr) d_->cuDevicePrimaryCtxRelease(dev_);
}

Expected<int> Sm90GemmRunner::Load(const GemmSm90Config& cfg, codegen::NvrtcCompiler& nvrtc) {
  auto k = std::make_unique<Kernel>();
  k->cfg = cfg;
  AGT_ASSIGN_OR_RETURN(k->source, codegen::hopper::EmitGemmSm90(cfg));
  AGT_ASSIGN_OR_RETURN(auto bin, nvrtc.Compile(k->source.source, "sm_90a", k->source.kernel_name + ".cu"));
  d_->cuCtxSetCurrent(ctx_);
  AGT_RETURN_IF_ERROR(Check(d_->cuModuleLoadData(&k->module, bin->cubin.data()), "cuModuleLoadData"));
  AGT_RETURN_IF_ERROR(Check(d_->cuModuleGetFunction(&k->fn, k->module, k->source.kernel_name.c_str()), "cuModuleGetFunction"));
  AGT_RETURN_IF_ERROR(Check(d_->cuFuncSetAttribute(k->fn, runtime::kFuncAttrMaxDynamicSharedSizeBytes,
                                                   static_cast<int>(k->source.smem_bytes)),
                            "cuFuncSetAttribute(max dynamic shared memory)"));
  kernels_.push_back(std::move(k));
  return static_cast<int>(kernels_.size() - 1);
}

namespace {

// Tensor maps of A [M, K] and of one copy of B, with the kernel's boxes: maps[0] and maps[1].
Status Maps(const runtime::CudaDriver& d, const GemmSm90Config& cfg, const codegen::hopper::GemmSm90Kernel& k,
            const Sm90Problem& p, CUdeviceptr a, CUdeviceptr b, runtime::TensorMap* maps) {
  runtime::TensorMap2DSpec sa;
  sa.base = a;
  sa.element = cfg.input == GemmInput::kF16    ? runtime::TmaElement::kF16
               : cfg.input == GemmInput::kBF16 ? runtime::TmaElement::kBF16
                                               : runtime::TmaElement::kF32;
  const uint64_t esz = static_cast<uint64_t>(codegen::hopper::GemmInputBytes(cfg.input));
  sa.rows = static_cast<uint64_t>(p.M);
  sa.cols = static_cast<uint64_t>(p.K);
  sa.row_stride_bytes = static_cast<uint64_t>(p.K) * esz;
  sa.box_cols = k.a_box[0];
  sa.box_rows = k.a_box[1];
  runtime::TensorMap2DSpec sb = sa;
  sb.base = b;
  const bool kn = cfg.b_layout == BLayout::kKN;
  sb.rows = static_cast<uint64_t>(kn ? p.K : p.N);
  sb.cols = static_cast<uint64_t>(kn ? p.N : p.K);
  sb.row_stride_bytes = sb.cols * esz;
  sb.box_cols = k.b_box[0];
  sb.box_rows = k.b_box[1];
  runtime::Status sta = runtime::EncodeTensorMap2D(d, sa, &maps[0]);
  if (!sta.ok()) return Status::Error("A: " + sta.message());
  runtime::Status stb = runtime::EncodeTensorMap2D(d, sb, &maps[1]);
  if (!stb.ok()) return Status::Error("B: " + stb.message());
  return Status::Ok();
}

// One launch of a loaded configuration: its threads and shared memory, on a grid of `grid` CTAs;
// cooperative for reduce-scatter split-K (its splits wait on each other), as the runtime launches it.
runtime::KernelLaunch CoreLaunch(runtime::CUfunction fn, const codegen::hopper::GemmSm90Config& cfg,
                                 const codegen::hopper::GemmSm90Kernel& k, const std::array<uint32_t, 3>& grid,
                                 runtime::CUstream stream, void** args) {
  return {.fn = fn, .grid = grid, .block = {static_cast<unsigned>(k.threads), 1, 1},
          .smem = static_cast<unsigned>(k.smem_bytes), .stream = stream, .params = args,
          .co_resident = cfg.split_scatter && cfg.split_k > 1};
}

}  // namespace

Expected<Sm90GemmRunner::RunResult> Sm90GemmRunner::Run(int kernel, const Sm90Problem& p, const Sm90Operands& o,
                                                         const RunOptions& opt) {
  const Kernel& k = *kernels_.at(static_cast<size_t>(kernel));
  AGT_RETURN_IF_ERROR(codegen::hopper::ValidateGemmSm90Problem(k.cfg, p.M, p.N, p.K));
  d_->cuCtxSetCurrent(ctx_);
  const int out_bytes = k.cfg.f32_out() ? 4 : 2;
  const size_t c_elems = static_cast<size_t>(p.M * p.N);
  const size_t guard_elems = static_cast<size_t>(p.N) + 64;   // one more row and a bit
  DeviceBuffer a, b, bias, res, c, ws, mom, mom_in, colsum;
  for (DeviceBuffer* buf : {&a, &b, &bias, &res, &c, &ws, &mom, &mom_in, &colsum}) buf->d = d_;
  auto upload = [&](DeviceBuffer& buf, const std::vector<uint8_t>& bytes) -> Status {
    AGT_RETURN_IF_ERROR(Check(d_->cuMemAlloc(&buf.ptr, std::max<size_t>(bytes.size(), 16)), "cuMemAlloc"));
    return Check(d_->cuMemcpyHtoD(buf.ptr, bytes.data(), bytes.size()), "cuMemcpyHtoD");
  };
  AGT_RETURN_IF_ERROR(upload(a, Pack(o.a, k.cfg.input, false)));
  AGT_RETURN_IF_ERROR(upload(b, Pack(o.b, k.cfg.input, false)));
  if (k.cfg.bias) AGT_RETURN_IF_ERROR(upload(bias, Pack(o.bias, k.cfg.input, false)));
  if (k.cfg.residual) AGT_RETURN_IF_ERROR(upload(res, Pack(o.residual, k.cfg.input, k.cfg.f32_out())));
  // 0xFF bytes are NaN in f16, bf16 and f32: an element the kernel skips fails the comparison, and
  // one it writes past C's end shows in the guard.
  std::vector<uint8_t> poison((c_elems + guard_elems) * static_cast<size_t>(out_bytes), 0xFF);
  AGT_RETURN_IF_ERROR(upload(c, poison));
  // The split-K workspace, zeroed once, as an artifact would: later launches find what the last left.
  const int64_t ws_bytes = codegen::hopper::GemmSm90WorkspaceBytes(k.cfg, p.M, p.N);
  if (ws_bytes > 0) AGT_RETURN_IF_ERROR(upload(ws, std::vector<uint8_t>(static_cast<size_t>(ws_bytes), 0)));
  runtime::TensorMap maps[2];
  AGT_RETURN_IF_ERROR(Maps(*d_, k.cfg, k.source, p, a.ptr, b.ptr, maps));
  // row_moments: [M, ceil(N / 64), 2] floats, poisoned like C before each launch.
  const size_t mom_floats = k.cfg.row_moments ? static_cast<size_t>(p.M * ((p.N + 63) / 64) * 2) : 0;
  std::vector<uint8_t> mom_poison(mom_floats * 4, 0xFF);
  if (k.cfg.row_moments) AGT_RETURN_IF_ERROR(upload(mom, mom_poison));
  // norm_moments: A's (mean, M2) per 64-column block as a producer's row_moments would have written
  // them (from the stored values, in double), and B's column sums as stored.
  if (k.cfg.norm_moments) {
    const int64_t blocks = (p.K + 63) / 64;
    std::vector<float> mi(static_cast<size_t>(p.M * blocks * 2));
    for (int64_t m = 0; m < p.M; ++m) {
      for (int64_t bk = 0; bk < blocks; ++bk) {
        const int64_t k0 = 64 * bk, k1 = std::min<int64_t>(p.K, k0 + 64);
        double s = 0, q = 0;
        for (int64_t kk = k0; kk < k1; ++kk) s += o.a[static_cast<size_t>(m * p.K + kk)];
        const double mean = s / static_cast<double>(k1 - k0);
        for (int64_t kk = k0; kk < k1; ++kk) q += (o.a[static_cast<size_t>(m * p.K + kk)] - mean) * (o.a[static_cast<size_t>(m * p.K + kk)] - mean);
        mi[static_cast<size_t>((m * blocks + bk) * 2)] = static_cast<float>(mean);
        mi[static_cast<size_t>((m * blocks + bk) * 2 + 1)] = static_cast<float>(q);
      }
    }
    std::vector<float> cs(static_cast<size_t>(p.N));
    for (int64_t n = 0; n < p.N; ++n) {
      double s = 0;
      for (int64_t kk = 0; kk < p.K; ++kk) {
        s += o.b[static_cast<size_t>(k.cfg.b_layout == codegen::hopper::BLayout::kKN ? kk * p.N + n : n * p.K + kk)];
      }
      cs[static_cast<size_t>(n)] = static_cast<float>(s);
    }
    auto bytes = [](const std::vector<float>& v) {
      std::vector<uint8_t> out(v.size() * 4);
      std::memcpy(out.data(), v.data(), out.size());
      return out;
    };
    AGT_RETURN_IF_ERROR(upload(mom_in, bytes(mi)));
    AGT_RETURN_IF_ERROR(upload(colsum, bytes(cs)));
  }
  int M = static_cast<int>(p.M), N = static_cast<int>(p.N), K = static_cast<int>(p.K), ldc = N;
  // The parameter list (gemm_sm90.h): the fixed ten, then moments with row_moments, then moments_in and
  // colsum with norm_moments.
  std::vector<void*> args = {&maps[0], &maps[1], &bias.ptr, &res.ptr, &c.ptr, &M, &N, &K, &ldc, &ws.ptr};
  if (k.cfg.row_moments) args.push_back(&mom.ptr);
  if (k.cfg.norm_moments) {
    args.push_back(&mom_in.ptr);
    args.push_back(&colsum.ptr);
  }
  const int ctas = opt.max_ctas > 0 ? std::min(opt.max_ctas, sms_) : sms_;
  auto grid = codegen::hopper::GemmSm90Grid(k.cfg, p.M, p.N, p.K, ctas);
  RunResult r;
  r.grid = grid[0];
  std::vector<uint8_t> first, first_mom;
  for (int l = 0; l < std::max(1, opt.launches); ++l) {
    if (l > 0) AGT_RETURN_IF_ERROR(Check(d_->cuMemcpyHtoD(c.ptr, poison.data(), poison.size()), "cuMemcpyHtoD"));
    if (l > 0 && mom_floats > 0) AGT_RETURN_IF_ERROR(Check(d_->cuMemcpyHtoD(mom.ptr, mom_poison.data(), mom_poison.size()), "cuMemcpyHtoD"));
    AGT_RETURN_IF_ERROR(Check(runtime::LaunchKernel(*d_, CoreLaunch(k.fn, k.cfg, k.source, grid, nullptr, args.data())), "cuLaunchKernel"));
    AGT_RETURN_IF_ERROR(Check(d_->cuStreamSynchronize(nullptr), "kernel execution"));
    std::vector<uint8_t> back(poison.size());
    AGT_RETURN_IF_ERROR(Check(d_->cuMemcpyDtoH(back.data(), c.ptr, back.size()), "cuMemcpyDtoH"));
    r.guard_intact = r.guard_intact && std::all_of(back.begin() + static_cast<std::ptrdiff_t>(c_elems * out_bytes),
                                                   back.end(), [](uint8_t x) { return x == 0xFF; });
    std::vector<uint8_t> mom_back(mom_poison.size());
    if (mom_floats > 0) AGT_RETURN_IF_ERROR(Check(d_->cuMemcpyDtoH(mom_back.data(), mom.ptr, mom_back.size()), "cuMemcpyDtoH"));
    if (l == 0) {
      first = std::move(back);
      first_mom = std::move(mom_back);
    } else if (back != first || mom_back != first_mom) {
      r.identical = false;
    }
  }
  r.moments.resize(mom_floats);
  if (mom_floats > 0) std::memcpy(r.moments.data(), first_mom.data(), first_mom.size());
  r.c.resize(c_elems);
  for (size_t i = 0; i < c_elems; ++i) r.c[i] = Unpack(first.data() + i * out_bytes, k.cfg.input, k.cfg.f32_out());
  return r;
}

Expected<double> Sm90GemmRunner::Time(int kernel, const Sm90Problem& p, int copies, int per_graph, int samples) {
  const Kernel& k = *kernels_.at(static_cast<size_t>(kernel));
  if (k.cfg.row_moments || k.cfg.norm_moments) return Status::Error("timing moments kernels: not supported (their extra buffers)");
  AGT_RETURN_IF_ERROR(codegen::hopper::ValidateGemmSm90Problem(k.cfg, p.M, p.N, p.K));
  d_->cuCtxSetCurrent(ctx_);
  const int out_bytes = k.cfg.f32_out() ? 4 : 2;
  auto upload = [&](DeviceBuffer& buf, const std::vector<uint8_t>& bytes) -> Status {
    buf.d = d_;
    AGT_RETURN_IF_ERROR(Check(d_->cuMemAlloc(&buf.ptr, std::max<size_t>(bytes.size(), 16)), "cuMemAlloc"));
    return Check(d_->cuMemcpyHtoD(buf.ptr, bytes.data(), bytes.size()), "cuMemcpyHtoD");
  };
  TimingBuffers* tb = timing_.get();
  if (tb == nullptr || tb->M != p.M || tb->N != p.N || tb->K != p.K || tb->input != k.cfg.input ||
      tb->layout != k.cfg.b_layout || tb->out_f32 != k.cfg.out_f32 || static_cast<int>(tb->b.size()) != copies) {
    timing_.reset();
    timing_ = std::make_unique<TimingBuffers>();
    tb = timing_.get();
    tb->M = p.M;
    tb->N = p.N;
    tb->K = p.K;
    tb->input = k.cfg.input;
    tb->layout = k.cfg.b_layout;
    tb->out_f32 = k.cfg.out_f32;
    GemmSm90Config all = k.cfg;
    all.bias = true;
    all.residual = true;
    Sm90Operands o = RandomSm90Operands(all, p, 7);
    AGT_RETURN_IF_ERROR(upload(tb->a, Pack(o.a, k.cfg.input, false)));
    std::vector<uint8_t> wbytes = Pack(o.b, k.cfg.input, false);
    tb->b = std::vector<DeviceBuffer>(static_cast<size_t>(copies));
    for (DeviceBuffer& buf : tb->b) AGT_RETURN_IF_ERROR(upload(buf, wbytes));
    AGT_RETURN_IF_ERROR(upload(tb->bias, Pack(o.bias, k.cfg.input, false)));
    AGT_RETURN_IF_ERROR(upload(tb->res, Pack(o.residual, k.cfg.input, k.cfg.f32_out())));
    AGT_RETURN_IF_ERROR(upload(tb->c, std::vector<uint8_t>(static_cast<size_t>(p.M * p.N) * out_bytes, 0)));
  }
  // The workspace: grown as needed, zeroed before each timing (one per launch would be the same: the
  // kernel leaves it zeroed).
  const size_t ws_bytes = static_cast<size_t>(codegen::hopper::GemmSm90WorkspaceBytes(k.cfg, p.M, p.N));
  if (ws_bytes > tb->workspace_bytes) {
    if (tb->workspace.ptr != 0) d_->cuMemFree(tb->workspace.ptr);
    tb->workspace.ptr = 0;
    AGT_RETURN_IF_ERROR(upload(tb->workspace, std::vector<uint8_t>(ws_bytes, 0)));
    tb->workspace_bytes = ws_bytes;
  } else if (ws_bytes > 0) {
    AGT_RETURN_IF_ERROR(Check(d_->cuMemsetD8Async(tb->workspace.ptr, 0, ws_bytes, nullptr), "cuMemsetD8Async"));
    AGT_RETURN_IF_ERROR(Check(d_->cuStreamSynchronize(nullptr), "workspace memset"));
  }
  std::vector<runtime::TensorMap> maps(2 * tb->b.size());   // one pair (A, B copy i) per weight copy
  for (size_t i = 0; i < tb->b.size(); ++i) {
    AGT_RETURN_IF_ERROR(Maps(*d_, k.cfg, k.source, p, tb->a.ptr, tb->b[i].ptr, &maps[2 * i]));
  }
  int M = static_cast<int>(p.M), N = static_cast<int>(p.N), K = static_cast<int>(p.K), ldc = N;
  auto grid = codegen::hopper::GemmSm90Grid(k.cfg, p.M, p.N, p.K, sms_);
  runtime::CUstream s = nullptr;
  runtime::CUgraph gr = nullptr;
  runtime::CUgraphExec ge = nullptr;
  runtime::CUevent e0 = nullptr, e1 = nullptr;
  AGT_RETURN_IF_ERROR(Check(d_->cuStreamCreate(&s, runtime::kStreamNonBlocking), "cuStreamCreate"));
  d_->cuEventCreate(&e0, runtime::kEventDefault);
  d_->cuEventCreate(&e1, runtime::kEventDefault);
  std::vector<double> times;
  Status st = [&]() -> Status {
    AGT_RETURN_IF_ERROR(Check(d_->cuStreamBeginCapture(s, runtime::kStreamCaptureModeThreadLocal), "cuStreamBeginCapture"));
    for (int i = 0; i < per_graph; ++i) {
      runtime::TensorMap* m = &maps[2 * static_cast<size_t>(i % copies)];
      void* args[] = {&m[0], &m[1], &tb->bias.ptr, &tb->res.ptr, &tb->c.ptr, &M, &N, &K, &ldc, &tb->workspace.ptr};
      Status ls = Check(runtime::LaunchKernel(*d_, CoreLaunch(k.fn, k.cfg, k.source, grid, s, args)), "cuLaunchKernel");
      if (!ls.ok()) {
        d_->cuStreamEndCapture(s, &gr);
        return ls;
      }
    }
    AGT_RETURN_IF_ERROR(Check(d_->cuStreamEndCapture(s, &gr), "cuStreamEndCapture"));
    AGT_RETURN_IF_ERROR(Check(d_->cuGraphInstantiateWithFlags(&ge, gr, 0), "cuGraphInstantiate"));
    for (int i = 0; i < 5; ++i) AGT_RETURN_IF_ERROR(Check(d_->cuGraphLaunch(ge, s), "cuGraphLaunch"));
    AGT_RETURN_IF_ERROR(Check(d_->cuStreamSynchronize(s), "graph warm-up"));
    for (int i = 0; i < samples; ++i) {
      d_->cuEventRecord(e0, s);
      AGT_RETURN_IF_ERROR(Check(d_->cuGraphLaunch(ge, s), "cuGraphLaunch"));
      d_->cuEventRecord(e1, s);
      AGT_RETURN_IF_ERROR(Check(d_->cuEventSynchronize(e1), "timed graph"));
      float ms = 0;
      d_->cuEventElapsedTime(&ms, e0, e1);
      times.push_back(ms * 1000.0 / per_graph);
    }
    return Status::Ok();
  }();
  if (ge != nullptr) d_->cuGraphExecDestroy(ge);
  if (gr != nullptr) d_->cuGraphDestroy(gr);
  d_->cuEventDestroy(e0);
  d_->cuEventDestroy(e1);
  d_->cuStreamDestroy(s);
  AGT_RETURN_IF_ERROR(st);
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace agt::test

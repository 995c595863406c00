// The artifact's plain structs: section encoding and decoding, and the consistency check that stands
// between bytes read from disk and the executor (see artifact_format.h for the layout).
#include "runtime/artifact_format.h"

#include <cstdint>
#include <cstring>
#include <set>

#include "runtime/byte_io.h"
#include "runtime/tensor_map.h"

namespace agt::runtime {

namespace {
constexpr bool SameMagic(const char* a, const char* b) {
  for (int i = 0; i < 8; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}
// The footer's magics are spelled twice: here for the packer and reader, in autogtco/verify.h for
// applications' C; they must agree.
static_assert(SameMagic(kFooterMagic, AGT_FOOTER_MAGIC) && SameMagic(kFooterEndMagic, AGT_FOOTER_END_MAGIC));
}  // namespace
namespace {

constexpr size_t kMaxNameBytes = 4096;
constexpr int kMaxRank = 16;

Status Truncated(const char* section) {
  return CorruptError(std::string("section '") + section + "' is truncated or malformed");
}

void EncodeTensor(ByteWriter& w, const TensorInfo& t) {
  w.Str(t.name);
  w.U8(static_cast<uint8_t>(t.dtype));
  w.U32(static_cast<uint32_t>(t.shape.size()));
  for (int64_t d : t.shape) w.I64(d);
  w.U64(t.arena_offset);
}

TensorInfo DecodeTensor(ByteReader& r) {
  TensorInfo t;
  t.name = r.Str(kMaxNameBytes);
  t.dtype = static_cast<agt_dtype>(r.U8());
  uint32_t rank = r.U32();
  if (rank > kMaxRank) {
    r.Fail();
    return t;
  }
  for (uint32_t i = 0; i < rank; ++i) t.shape.push_back(r.I64());
  t.arena_offset = r.U64();
  return t;
}

Status CheckRange(uint64_t offset, uint64_t bytes, uint64_t limit, const std::string& what) {
  if (offset > limit || bytes > limit - offset) {
    return CorruptError(what + " [" + std::to_string(offset) + ", +" + std::to_string(bytes) +
                        ") lies outside its buffer of " + std::to_string(limit) + " bytes");
  }
  return Status::Ok();
}

Status CheckTensors(const std::vector<TensorInfo>& tensors, const char* role, uint64_t arena_bytes,
                    std::set<std::string>* names) {
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorInfo& t = tensors[i];
    std::string what = std::string(role) + " #" + std::to_string(i) + " '" + t.name + "'";
    if (t.name.empty() || !names->insert(t.name).second) {
      return CorruptError(what + ": empty or duplicate name");
    }
    if (DTypeBytes(t.dtype) == 0) return CorruptError(what + ": unknown dtype");
    uint64_t n = 1;
    for (int64_t d : t.shape) {
      if (d < 0 || (d > 0 && n > (uint64_t{1} << 48) / static_cast<uint64_t>(d))) {
        return CorruptError(what + ": bad dimension");
      }
      n *= static_cast<uint64_t>(d);
    }
    AGT_RT_RETURN_IF_ERROR(CheckRange(t.arena_offset, t.size_bytes(), arena_bytes, what));
  }
  return Status::Ok();
}

// A map the driver can encode (tensor_map.h's rules, with base = the offset: the arena and the weights
// start 256-byte aligned, so the offset's alignment is the address's) whose bytes, from the first row's
// first element to the last row's last, lie inside its buffer.
Status CheckTensorMap(const TensorMapDesc& d, size_t index, const ArtifactMetadata& m) {
  const std::string what = "tensor map #" + std::to_string(index);
  if (d.base_kind != ArgKind::kArena && d.base_kind != ArgKind::kWeights) {
    return CorruptError(what + ": its base must be the arena or the weights");
  }
  const TmaElement element = static_cast<TmaElement>(d.element);
  if (TmaElementBytes(element) == 0) return CorruptError(what + ": unknown element type " + std::to_string(d.element));
  if (d.swizzle > static_cast<uint8_t>(TmaSwizzle::k128B)) {
    return CorruptError(what + ": unknown swizzle " + std::to_string(d.swizzle));
  }
  Status rules = ValidateTensorMap2D(TensorMapSpec(d, 0));
  if (!rules.ok()) {
    std::string why = rules.message();
    if (why.rfind("tensor map ", 0) == 0) why.erase(0, 11);   // "tensor map #3: 64x64 (...): rule"
    return CorruptError(what + ": " + why);
  }
  // Sizes are in [1, 2^32] and the stride below 2^40 here, so only the product can overflow.
  const bool in_weights = d.base_kind == ArgKind::kWeights;
  const uint64_t limit = in_weights ? m.weight_bytes : m.arena_bytes;
  const uint64_t last_row = d.cols * static_cast<uint64_t>(TmaElementBytes(element));
  const uint64_t rows_before = d.rows - 1;
  if (rows_before > 0 && d.row_stride_bytes > (UINT64_MAX - last_row) / rows_before) {
    return CorruptError(what + ": the bytes it covers overflow 64 bits");
  }
  return CheckRange(d.base_offset, rows_before * d.row_stride_bytes + last_row, limit,
                    what + (in_weights ? " (weights)" : " (arena)"));
}

}  // namespace

TensorMap2DSpec TensorMapSpec(const TensorMapDesc& d, uint64_t buffer_base) {
  TensorMap2DSpec spec;
  spec.base = buffer_base + d.base_offset;
  spec.element = static_cast<TmaElement>(d.element);
  spec.rows = d.rows;
  spec.cols = d.cols;
  spec.row_stride_bytes = d.row_stride_bytes;
  spec.box_rows = d.box_rows;
  spec.box_cols = d.box_cols;
  spec.swizzle = static_cast<TmaSwizzle>(d.swizzle);
  spec.l2_promotion = d.l2_promotion;
  return spec;
}

KernelArg KernelArg::F32(float v) {
  uint32_t bits = 0;
  std::memcpy(&bits, &v, 4);
  return {ArgKind::kF32, bits};
}

uint64_t TensorInfo::size_bytes() const {
  uint64_t n = 1;
  for (int64_t d : shape) n *= static_cast<uint64_t>(d);
  return n * DTypeBytes(dtype);
}

size_t DTypeBytes(agt_dtype dtype) {
  switch (dtype) {
    case AGT_DTYPE_F32: return 4;
    case AGT_DTYPE_F16: return 2;
    case AGT_DTYPE_BF16: return 2;
    case AGT_DTYPE_I64: return 8;
    case AGT_DTYPE_I32: return 4;
    case AGT_DTYPE_I8: return 1;
    case AGT_DTYPE_BOOL: return 1;
    case AGT_DTYPE_U8: return 1;
  }
  return 0;
}

const char* DTypeName(agt_dtype dtype) {
  switch (dtype) {
    case AGT_DTYPE_F32: return "f32";
    case AGT_DTYPE_F16: return "f16";
    case AGT_DTYPE_BF16: return "bf16";
    case AGT_DTYPE_I64: return "i64";
    case AGT_DTYPE_I32: return "i32";
    case AGT_DTYPE_I8: return "i8";
    case AGT_DTYPE_BOOL: return "bool";
    case AGT_DTYPE_U8: return "u8";
  }
  return "?";
}

const char* WeightsModeName(WeightsMode mode) {
  return mode == WeightsMode::kExternal ? "external" : "embedded";
}

uint64_t AlignUp(uint64_t v, uint64_t alignment) { return (v + alignment - 1) / alignment * alignment; }

bool ParseArch(const std::string& arch, ArchInfo* out) {
  if (arch.size() < 5 || arch.compare(0, 3, "sm_") != 0) return false;
  std::string digits = arch.substr(3);
  ArchInfo info;
  if (!digits.empty() && (digits.back() == 'a' || digits.back() == 'f')) {
    info.arch_specific = digits.back() == 'a';
    digits.pop_back();
  }
  if (digits.size() < 2 || digits.size() > 3) return false;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
  }
  info.minor = digits.back() - '0';
  info.major = std::stoi(digits.substr(0, digits.size() - 1));
  *out = info;
  return true;
}

uint64_t AddWeights(ArtifactContents& contents, const void* data, uint64_t size) {
  uint64_t offset = AlignUp(contents.weights.size(), kAlignment);
  contents.weights.resize(offset + size);
  if (size > 0) std::memcpy(contents.weights.data() + offset, data, size);
  contents.metadata.weight_bytes = contents.weights.size();
  return offset;
}

Status ValidateContents(const ArtifactContents& c, const ArtifactMetadata& m) {
  ArchInfo arch;
  if (!ParseArch(m.arch, &arch)) return CorruptError("bad target architecture '" + m.arch + "'");
  if (m.weights_mode != WeightsMode::kEmbedded && m.weights_mode != WeightsMode::kExternal) {
    return CorruptError("unknown weights mode");
  }
  if (m.weights_mode == WeightsMode::kExternal &&
      (m.weights_file.empty() || m.weights_file.find('/') != std::string::npos)) {
    return CorruptError("external weights need a plain file name, got '" + m.weights_file + "'");
  }
  std::set<std::string> names;
  AGT_RT_RETURN_IF_ERROR(CheckTensors(c.inputs, "input", m.arena_bytes, &names));
  AGT_RT_RETURN_IF_ERROR(CheckTensors(c.outputs, "output", m.arena_bytes, &names));
  for (size_t i = 0; i < c.modules.size(); ++i) {
    const Module& mod = c.modules[i];
    if (mod.image.empty()) return CorruptError("module #" + std::to_string(i) + " has no image");
    if (mod.kind != ImageKind::kCubin && mod.kind != ImageKind::kPtx && mod.kind != ImageKind::kFatbin) {
      return CorruptError("module #" + std::to_string(i) + " has an unknown image kind");
    }
  }
  for (size_t i = 0; i < c.kernels.size(); ++i) {
    const Kernel& k = c.kernels[i];
    if (k.module >= c.modules.size() || k.entry.empty()) {
      return CorruptError("kernel #" + std::to_string(i) + " names no valid module or entry");
    }
  }
  for (size_t i = 0; i < c.tensor_maps.size(); ++i) AGT_RT_RETURN_IF_ERROR(CheckTensorMap(c.tensor_maps[i], i, m));
  for (size_t i = 0; i < c.launches.size(); ++i) {
    const Launch& l = c.launches[i];
    std::string what = "launch #" + std::to_string(i);
    switch (l.kind) {
      case LaunchKind::kKernel: {
        if (l.kernel >= c.kernels.size()) return CorruptError(what + ": kernel index out of range");
        uint64_t threads = 1;
        for (int d = 0; d < 3; ++d) {
          if (l.grid[d] == 0 || l.block[d] == 0) return CorruptError(what + ": zero grid or block dimension");
          threads *= l.block[d];
        }
        if (threads > 1024 || l.grid[1] > 65535 || l.grid[2] > 65535) {
          return CorruptError(what + ": grid or block exceeds CUDA's limits");
        }
        if (l.dynamic_smem > c.kernels[l.kernel].max_dynamic_smem && l.dynamic_smem > 48 * 1024) {
          return CorruptError(what + ": dynamic shared memory above the kernel's declared maximum");
        }
        for (size_t a = 0; a < l.args.size(); ++a) {
          const KernelArg& arg = l.args[a];
          std::string arg_what = what + " argument #" + std::to_string(a);
          switch (arg.kind) {
            case ArgKind::kArena:
              AGT_RT_RETURN_IF_ERROR(CheckRange(arg.value, 0, m.arena_bytes, arg_what + " (arena)"));
              break;
            case ArgKind::kWeights:
              AGT_RT_RETURN_IF_ERROR(CheckRange(arg.value, 0, m.weight_bytes, arg_what + " (weights)"));
              break;
            case ArgKind::kInput:
              if (arg.value >= c.inputs.size()) return CorruptError(arg_what + ": input index out of range");
              break;
            case ArgKind::kOutput:
              if (arg.value >= c.outputs.size()) return CorruptError(arg_what + ": output index out of range");
              break;
            case ArgKind::kI32: case ArgKind::kU32: case ArgKind::kF32:
              if (arg.value >> 32 != 0) return CorruptError(arg_what + ": 32-bit scalar with high bits set");
              break;
            case ArgKind::kI64: case ArgKind::kU64: case ArgKind::kF64:
              break;
            case ArgKind::kTensorMap:
              if (arg.value >= c.tensor_maps.size()) return CorruptError(arg_what + ": tensor map index out of range");
              break;
            default:
              return CorruptError(arg_what + ": unknown argument kind");
          }
        }
        break;
      }
      case LaunchKind::kMemset:
        AGT_RT_RETURN_IF_ERROR(CheckRange(l.dst, l.bytes, m.arena_bytes, what + " (memset)"));
        break;
      case LaunchKind::kCopy:
        AGT_RT_RETURN_IF_ERROR(CheckRange(l.dst, l.bytes, m.arena_bytes, what + " (copy destination)"));
        AGT_RT_RETURN_IF_ERROR(CheckRange(l.src, l.bytes, l.src_is_weights ? m.weight_bytes : m.arena_bytes,
                                          what + " (copy source)"));
        break;
      default:
        return CorruptError(what + ": unknown launch kind");
    }
  }
  return Status::Ok();
}

// ---- section encoding ----

std::vector<uint8_t> EncodeMetadata(const ArtifactMetadata& m) {
  ByteWriter w;
  w.Str(m.model_name);
  w.Str(m.compiler_version);
  w.Str(m.precision);
  w.Str(m.arch);
  w.U64(m.arena_bytes);
  w.U64(m.weight_bytes);
  w.U8(static_cast<uint8_t>(m.weights_mode));
  w.Str(m.weights_file);
  w.U64(m.weights_checksum);
  w.U64(m.properties.size());
  for (const auto& [k, v] : m.properties) {
    w.Str(k);
    w.Str(v);
  }
  return w.Take();
}

Status DecodeMetadata(const uint8_t* data, size_t size, ArtifactMetadata* out) {
  ByteReader r(data, size);
  ArtifactMetadata m;
  m.model_name = r.Str(kMaxNameBytes);
  m.compiler_version = r.Str(kMaxNameBytes);
  m.precision = r.Str(kMaxNameBytes);
  m.arch = r.Str(kMaxNameBytes);
  m.arena_bytes = r.U64();
  m.weight_bytes = r.U64();
  m.weights_mode = static_cast<WeightsMode>(r.U8());
  m.weights_file = r.Str(kMaxNameBytes);
  m.weights_checksum = r.U64();
  uint64_t n = r.Count(8);
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    std::string k = r.Str();
    std::string v = r.Str();
    m.properties.emplace_back(std::move(k), std::move(v));
  }
  if (!r.ok() || !r.at_end()) return Truncated("metadata");
  *out = std::move(m);
  return Status::Ok();
}

std::vector<uint8_t> EncodeTensors(const std::vector<TensorInfo>& inputs, const std::vector<TensorInfo>& outputs) {
  ByteWriter w;
  w.U64(inputs.size());
  for (const TensorInfo& t : inputs) EncodeTensor(w, t);
  w.U64(outputs.size());
  for (const TensorInfo& t : outputs) EncodeTensor(w, t);
  return w.Take();
}

Status DecodeTensors(const uint8_t* data, size_t size, std::vector<TensorInfo>* inputs,
                     std::vector<TensorInfo>* outputs) {
  ByteReader r(data, size);
  for (std::vector<TensorInfo>* list : {inputs, outputs}) {
    list->clear();
    uint64_t n = r.Count(17);
    for (uint64_t i = 0; i < n && r.ok(); ++i) list->push_back(DecodeTensor(r));
  }
  if (!r.ok() || !r.at_end()) return Truncated("tensors");
  return Status::Ok();
}

std::vector<uint8_t> EncodeModules(const std::vector<Module>& modules) {
  ByteWriter w;
  w.U64(modules.size());
  for (const Module& m : modules) {
    w.Str(m.name);
    w.U8(static_cast<uint8_t>(m.kind));
    w.Blob(m.image);
  }
  return w.Take();
}

Status DecodeModules(const uint8_t* data, size_t size, std::vector<Module>* out) {
  ByteReader r(data, size);
  out->clear();
  uint64_t n = r.Count(13);
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    Module m;
    m.name = r.Str(kMaxNameBytes);
    m.kind = static_cast<ImageKind>(r.U8());
    m.image = r.Blob();
    out->push_back(std::move(m));
  }
  if (!r.ok() || !r.at_end()) return Truncated("modules");
  return Status::Ok();
}

std::vector<uint8_t> EncodeKernels(const std::vector<Kernel>& kernels) {
  ByteWriter w;
  w.U64(kernels.size());
  for (const Kernel& k : kernels) {
    w.U32(k.module);
    w.Str(k.entry);
    w.U32(k.max_dynamic_smem);
  }
  return w.Take();
}

Status DecodeKernels(const uint8_t* data, size_t size, std::vector<Kernel>* out) {
  ByteReader r(data, size);
  out->clear();
  uint64_t n = r.Count(12);
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    Kernel k;
    k.module = r.U32();
    k.entry = r.Str(kMaxNameBytes);
    k.max_dynamic_smem = r.U32();
    out->push_back(std::move(k));
  }
  if (!r.ok() || !r.at_end()) return Truncated("kernels");
  return Status::Ok();
}

// A kernel launch's flags byte (format 5).
constexpr uint8_t kLaunchProgrammatic = 1, kLaunchCoResident = 2;

std::vector<uint8_t> EncodeLaunches(const std::vector<Launch>& launches) {
  ByteWriter w;
  w.U64(launches.size());
  for (const Launch& l : launches) {
    w.U8(static_cast<uint8_t>(l.kind));
    if (l.kind == LaunchKind::kKernel) {
      w.U32(l.kernel);
      for (uint32_t g : l.grid) w.U32(g);
      for (uint32_t b : l.block) w.U32(b);
      w.U32(l.dynamic_smem);
      w.U8(static_cast<uint8_t>((l.programmatic ? kLaunchProgrammatic : 0) | (l.co_resident ? kLaunchCoResident : 0)));
      w.U64(l.args.size());
      for (const KernelArg& a : l.args) {
        w.U8(static_cast<uint8_t>(a.kind));
        w.U64(a.value);
      }
    } else {
      w.U64(l.dst);
      w.U64(l.src);
      w.U8(l.src_is_weights ? 1 : 0);
      w.U64(l.bytes);
      w.U8(l.value);
    }
  }
  return w.Take();
}

Status DecodeLaunches(const uint8_t* data, size_t size, std::vector<Launch>* out) {
  ByteReader r(data, size);
  out->clear();
  uint64_t n = r.Count(1);
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    Launch l;
    l.kind = static_cast<LaunchKind>(r.U8());
    if (l.kind == LaunchKind::kKernel) {
      l.kernel = r.U32();
      for (uint32_t& g : l.grid) g = r.U32();
      for (uint32_t& b : l.block) b = r.U32();
      l.dynamic_smem = r.U32();
      const uint8_t flags = r.U8();
      if ((flags & ~(kLaunchProgrammatic | kLaunchCoResident)) != 0) {
        return CorruptError("launch #" + std::to_string(i) + ": flags byte " + std::to_string(flags) +
                            " has bits other than programmatic (1) and co-resident (2)");
      }
      l.programmatic = (flags & kLaunchProgrammatic) != 0;
      l.co_resident = (flags & kLaunchCoResident) != 0;
      uint64_t nargs = r.Count(9);
      for (uint64_t a = 0; a < nargs && r.ok(); ++a) {
        KernelArg arg;
        arg.kind = static_cast<ArgKind>(r.U8());
        arg.value = r.U64();
        l.args.push_back(arg);
      }
    } else {
      l.dst = r.U64();
      l.src = r.U64();
      l.src_is_weights = r.U8() != 0;
      l.bytes = r.U64();
      l.value = r.U8();
    }
    out->push_back(std::move(l));
  }
  if (!r.ok() || !r.at_end()) return Truncated("launches");
  return Status::Ok();
}

std::vector<uint8_t> EncodeTensorMaps(const std::vector<TensorMapDesc>& maps) {
  ByteWriter w;
  w.U64(maps.size());
  for (const TensorMapDesc& d : maps) {
    w.U8(static_cast<uint8_t>(d.base_kind));
    w.U64(d.base_offset);
    w.U8(d.element);
    w.U64(d.rows);
    w.U64(d.cols);
    w.U64(d.row_stride_bytes);
    w.U32(d.box_rows);
    w.U32(d.box_cols);
    w.U8(d.swizzle);
    w.U8(d.l2_promotion);
  }
  return w.Take();
}

Status DecodeTensorMaps(const uint8_t* data, size_t size, std::vector<TensorMapDesc>* out) {
  constexpr size_t kEntryBytes = 1 + 8 + 1 + 8 + 8 + 8 + 4 + 4 + 1 + 1;
  ByteReader r(data, size);
  std::vector<TensorMapDesc> maps;
  uint64_t n = r.Count(kEntryBytes);
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    TensorMapDesc d;
    d.base_kind = static_cast<ArgKind>(r.U8());
    d.base_offset = r.U64();
    d.element = r.U8();
    d.rows = r.U64();
    d.cols = r.U64();
    d.row_stride_bytes = r.U64();
    d.box_rows = r.U32();
    d.box_cols = r.U32();
    d.swizzle = r.U8();
    d.l2_promotion = r.U8();
    maps.push_back(d);
  }
  if (!r.ok() || !r.at_end()) return Truncated("tensor maps");
  *out = std::move(maps);
  return Status::Ok();
}

}  // namespace agt::runtime

// The artifact: what the compiler hands the runtime, as plain structs, and the versioned binary
// container that carries it. The compiler fills an ArtifactContents (kernels as cubins or PTX, the
// launch list with every argument as an arena offset / weight offset / input or output index / scalar,
// the memory plan's arena size, the inputs and outputs, the weights blob); ArtifactWriter turns it into
// bytes, the reader (artifact_reader.h) checks every byte before the executor sees it.
//
// Container (little-endian, every section 64-byte aligned):
//   header   64 bytes: magic "AGTARTF\0", format version, section count, container size, header checksum
//                      (over the header's first 56 bytes and the section table)
//   table    one 40-byte entry per section: kind, offset, size, checksum of the section's bytes
//   sections metadata, tensors, modules, kernels, launches, tensor maps, weights (last; absent with
//            external weights)
//
// Packed into a .so (pack.h), the container is appended to the runtime stub and found through a
// 64-byte footer at the very end of the file (magic, payload offset and size, version, weights mode, the
// checksum of the bytes before the payload, the footer's own checksum, end magic). External weights live in NAME.weights beside the .so,
// with their own 64-byte header.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "runtime/include/autogtco/verify.h"
#include "runtime/runtime_status.h"
#include "runtime/tensor_map.h"

namespace agt::runtime {

// 2: the pack footer holds a checksum of everything before the payload (the stub's code, its dynamic
// tables), so a flipped byte there is found before the file is handed to the dynamic loader.
// 3: TMA tensor maps: a tensor-maps section (always present, possibly with no maps) of TensorMapDesc,
// encoded once at load, and kernel arguments of kind kTensorMap that pass one by value. The reader
// reads only its own version, so version 2 artifacts are refused with "recompile the model".
// 4: programmatic dependent launch: a kernel launch carries one byte more, Launch::programmatic (0 or 1).
// 5: that byte is a set of flags: 1 programmatic, 2 co_resident (the whole grid resident at once).
inline constexpr uint32_t kFormatVersion = AGT_ARTIFACT_FORMAT_VERSION;   // defined in autogtco/verify.h
inline constexpr char kContainerMagic[8] = {'A', 'G', 'T', 'A', 'R', 'T', 'F', '\0'};
inline constexpr char kFooterMagic[8] = {'A', 'G', 'T', 'F', 'O', 'O', 'T', '1'};
inline constexpr char kFooterEndMagic[8] = {'A', 'G', 'T', 'E', 'N', 'D', '0', '1'};
inline constexpr char kWeightsMagic[8] = {'A', 'G', 'T', 'W', 'G', 'H', 'T', '\0'};
inline constexpr uint64_t kHeaderBytes = 64;
inline constexpr uint64_t kSectionEntryBytes = 40;
inline constexpr uint64_t kFooterBytes = AGT_FOOTER_BYTES;
inline constexpr uint64_t kWeightsHeaderBytes = 64;
inline constexpr uint64_t kAlignment = 64;   // sections, weights, and the payload inside the .so

enum class SectionKind : uint32_t {
  kMetadata = 1,
  kTensors = 2,
  kModules = 3,
  kKernels = 4,
  kLaunches = 5,
  kWeights = 6,
  kTensorMaps = 7,
};

enum class WeightsMode : uint8_t { kEmbedded = 0, kExternal = 1 };
enum class ImageKind : uint8_t { kCubin = 0, kPtx = 1, kFatbin = 2 };

struct ArtifactMetadata {
  std::string model_name;
  std::string compiler_version;
  std::string precision;        // "fp32", "tf32", "fp16", "bf16"
  std::string arch;             // "sm_90", "sm_90a", "sm_80", ...
  uint64_t arena_bytes = 0;     // the memory plan's peak: one device allocation
  uint64_t weight_bytes = 0;    // size of the weights blob
  WeightsMode weights_mode = WeightsMode::kEmbedded;
  std::string weights_file;     // external mode: file name, relative to the .so's folder
  uint64_t weights_checksum = 0;  // external mode: checksum of the weights blob
  // Free-form facts from the compiler (source model, tasks, options), shown by inspect tools.
  std::vector<std::pair<std::string, std::string>> properties;
};

// An input or output: a staging buffer in the arena. agt_model_run copies user buffers in and out of
// these, so the captured CUDA graph never depends on the caller's pointers.
struct TensorInfo {
  std::string name;
  agt_dtype dtype = AGT_DTYPE_F32;
  std::vector<int64_t> shape;
  uint64_t arena_offset = 0;

  uint64_t size_bytes() const;
};

struct Module {
  std::string name;
  ImageKind kind = ImageKind::kCubin;
  std::vector<uint8_t> image;
};

struct Kernel {
  uint32_t module = 0;               // index into modules
  std::string entry;                 // the extern "C" __global__ name
  uint32_t max_dynamic_smem = 0;     // set with cuFuncSetAttribute when non-zero
};

enum class ArgKind : uint8_t {
  kArena = 0,    // device pointer: arena base + value
  kWeights = 1,  // device pointer: weights base + value
  kInput = 2,    // device pointer: the staging buffer of input #value
  kOutput = 3,   // device pointer: the staging buffer of output #value
  kI32 = 4,      // scalars: value holds the bits, low bytes first
  kU32 = 5,
  kI64 = 6,
  kU64 = 7,
  kF32 = 8,
  kF64 = 9,
  kTensorMap = 10,   // the 128-byte CUtensorMap of ArtifactContents::tensor_maps[value], by value
};

struct KernelArg {
  ArgKind kind = ArgKind::kArena;
  uint64_t value = 0;

  static KernelArg Arena(uint64_t offset) { return {ArgKind::kArena, offset}; }
  static KernelArg Weights(uint64_t offset) { return {ArgKind::kWeights, offset}; }
  static KernelArg Input(uint64_t index) { return {ArgKind::kInput, index}; }
  static KernelArg Output(uint64_t index) { return {ArgKind::kOutput, index}; }
  static KernelArg I32(int32_t v) { return {ArgKind::kI32, static_cast<uint32_t>(v)}; }
  static KernelArg I64(int64_t v) { return {ArgKind::kI64, static_cast<uint64_t>(v)}; }
  static KernelArg F32(float v);
  static KernelArg TensorMap(uint64_t index) { return {ArgKind::kTensorMap, index}; }
  bool operator==(const KernelArg&) const = default;
};

enum class LaunchKind : uint8_t {
  kKernel = 0,
  kMemset = 1,   // arena[dst, dst + bytes) = byte value (e.g. zeroing split-K accumulators)
  kCopy = 2,     // arena[dst, dst + bytes) = (arena or weights)[src, src + bytes)
};

struct Launch {
  LaunchKind kind = LaunchKind::kKernel;
  // kKernel
  uint32_t kernel = 0;
  std::array<uint32_t, 3> grid = {1, 1, 1};
  std::array<uint32_t, 3> block = {1, 1, 1};
  uint32_t dynamic_smem = 0;
  std::vector<KernelArg> args;
  // The kernel waits on its grid dependency (griddepcontrol.wait) before it touches arena memory, so
  // it may start while the launch before it finishes (programmatic stream serialization: the executor
  // uses it where that launch is a kernel launch). Only the compiler sets it, where the kernel reads
  // nothing but weights before its wait.
  bool programmatic = false;
  // The kernel's CTAs wait on each other (the Hopper core's reduce-scatter split-K): the whole grid must
  // be resident at once, one CTA per SM; the executor refuses it on a GPU with fewer SMs than the grid
  // (CoResidentFits) instead of hanging.
  bool co_resident = false;
  // kMemset / kCopy
  uint64_t dst = 0;
  uint64_t src = 0;
  bool src_is_weights = false;
  uint64_t bytes = 0;
  uint8_t value = 0;
};

// A TMA tensor map over a row-major 2-D tensor in the arena or the weights (runtime/tensor_map.h). The
// executor encodes it once at load, when the arena and weights addresses are known, and a kTensorMap
// argument passes the encoded map; the kernel takes it as `const __grid_constant__ CUtensorMap`.
struct TensorMapDesc {
  ArgKind base_kind = ArgKind::kArena;  // kArena or kWeights only
  uint64_t base_offset = 0;             // bytes into the arena / weights blob
  uint8_t element = 6;                  // CUtensorMapDataType value (runtime::TmaElement): 6 f16, 7 f32, 9 bf16, 11 tf32
  uint64_t rows = 0, cols = 0;          // a row-major 2-D tensor: rows x cols elements
  uint64_t row_stride_bytes = 0;
  uint32_t box_rows = 0, box_cols = 0;  // box_cols innermost
  uint8_t swizzle = 3;                  // CUtensorMapSwizzle value (runtime::TmaSwizzle)
  uint8_t l2_promotion = 3;             // CUtensorMapL2promotion value
  bool operator==(const TensorMapDesc&) const = default;
};

// The driver's spec for a map whose buffer (the arena or the weights) starts at buffer_base.
TensorMap2DSpec TensorMapSpec(const TensorMapDesc& desc, uint64_t buffer_base);

struct ArtifactContents {
  ArtifactMetadata metadata;
  std::vector<TensorInfo> inputs;
  std::vector<TensorInfo> outputs;
  std::vector<Module> modules;
  std::vector<Kernel> kernels;
  std::vector<Launch> launches;
  std::vector<TensorMapDesc> tensor_maps;
  std::vector<uint8_t> weights;   // empty when read from an artifact (streamed at load time instead)
};

// Appends a tensor's bytes to the weights blob at the next 64-byte boundary, keeps metadata.weight_bytes
// in step, and returns its offset (for KernelArg::Weights).
uint64_t AddWeights(ArtifactContents& contents, const void* data, uint64_t size);

// Checks that the plan is self-consistent: every index in range, every buffer inside the arena or the
// weights, grid and block sizes legal, names unique, every tensor map one the driver can encode (its
// rules checked with base = the offset, since the arena and weights bases are 256-byte aligned) and
// inside its buffer. The reader calls it before anything is used.
Status ValidateContents(const ArtifactContents& contents, const ArtifactMetadata& metadata);
inline Status ValidateContents(const ArtifactContents& contents) { return ValidateContents(contents, contents.metadata); }

// Compute capability named by an arch string ("sm_90a" -> 9, 0, exact). False if malformed.
struct ArchInfo {
  int major = 0;
  int minor = 0;
  bool arch_specific = false;   // "a" suffix: runs only on exactly this compute capability
};
bool ParseArch(const std::string& arch, ArchInfo* out);

size_t DTypeBytes(agt_dtype dtype);
const char* DTypeName(agt_dtype dtype);
const char* WeightsModeName(WeightsMode mode);
uint64_t AlignUp(uint64_t v, uint64_t alignment);

// Section payloads. Encode never fails; Decode refuses anything malformed with a corrupt-artifact error.
std::vector<uint8_t> EncodeMetadata(const ArtifactMetadata& m);
std::vector<uint8_t> EncodeTensors(const std::vector<TensorInfo>& inputs, const std::vector<TensorInfo>& outputs);
std::vector<uint8_t> EncodeModules(const std::vector<Module>& modules);
std::vector<uint8_t> EncodeKernels(const std::vector<Kernel>& kernels);
std::vector<uint8_t> EncodeLaunches(const std::vector<Launch>& launches);
std::vector<uint8_t> EncodeTensorMaps(const std::vector<TensorMapDesc>& maps);
Status DecodeMetadata(const uint8_t* data, size_t size, ArtifactMetadata* out);
Status DecodeTensors(const uint8_t* data, size_t size, std::vector<TensorInfo>* inputs, std::vector<TensorInfo>* outputs);
Status DecodeModules(const uint8_t* data, size_t size, std::vector<Module>* out);
Status DecodeKernels(const uint8_t* data, size_t size, std::vector<Kernel>* out);
Status DecodeLaunches(const uint8_t* data, size_t size, std::vector<Launch>* out);
Status DecodeTensorMaps(const uint8_t* data, size_t size, std::vector<TensorMapDesc>* out);

}  // namespace agt::runtime

// The artifact container: a round trip keeps every field (tensor maps and the programmatic flag
// included), output is deterministic, any flipped byte or truncation is refused with a
// corrupt-artifact error, and so is a plan or a tensor map that does not hold together.
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "runtime/artifact_reader.h"
#include "runtime/artifact_writer.h"
#include "runtime/checksum.h"
#include "runtime/cuda_driver.h"
#include "tests/runtime/sample_artifact.h"

using namespace agt::runtime;
using agt::runtime::test::SampleArtifact;

namespace {

void RequireSameTensors(const std::vector<TensorInfo>& a, const std::vector<TensorInfo>& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].name == b[i].name);
    CHECK(a[i].dtype == b[i].dtype);
    CHECK(a[i].shape == b[i].shape);
    CHECK(a[i].arena_offset == b[i].arena_offset);
  }
}

}  // namespace

TEST_CASE("checksum: streaming equals one shot, and single-word changes are caught", "[runtime]") {
  std::vector<uint8_t> data(1000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7 + 3);
  uint64_t whole = Checksum(data.data(), data.size());
  Checksum64 parts;
  parts.Update(data.data(), 3);
  parts.Update(data.data() + 3, 500);
  parts.Update(data.data() + 503, 497);
  CHECK(parts.Finish() == whole);
  // Length matters even with zero bytes.
  std::vector<uint8_t> zeros(16, 0);
  CHECK(Checksum(zeros.data(), 8) != Checksum(zeros.data(), 16));
  data[777] ^= 0x10;
  CHECK(Checksum(data.data(), data.size()) != whole);
}

TEST_CASE("artifact: weights are 64-byte aligned", "[runtime]") {
  ArtifactContents c = SampleArtifact(1000);
  // 4000 bytes of the first tensor, then 12 bytes at the next multiple of 64 (4032).
  CHECK(c.weights.size() == 4032 + 12);
  CHECK(c.metadata.weight_bytes == 4044);
  CHECK(c.launches[2].args[2].value == 4032);
}

TEST_CASE("artifact: round trip keeps every field", "[runtime]") {
  ArtifactContents c = SampleArtifact();
  REQUIRE(ValidateContents(c).ok());
  std::vector<uint8_t> bytes = ArtifactWriter(c).ToBytes();
  CHECK(bytes.size() == ArtifactWriter(c).size());
  auto parsed = ParseContainer(bytes);
  REQUIRE(parsed.ok());
  const ArtifactContents& p = parsed.value();
  CHECK(p.metadata.model_name == "sample");
  CHECK(p.metadata.compiler_version == "0.1.0-test");
  CHECK(p.metadata.precision == "fp16");
  CHECK(p.metadata.arch == "sm_90");
  CHECK(p.metadata.arena_bytes == (1u << 20));
  CHECK(p.metadata.weight_bytes == c.weights.size());
  CHECK(p.metadata.weights_mode == WeightsMode::kEmbedded);
  CHECK(p.metadata.properties == c.metadata.properties);
  RequireSameTensors(p.inputs, c.inputs);
  RequireSameTensors(p.outputs, c.outputs);
  REQUIRE(p.modules.size() == 2);
  CHECK(p.modules[0].name == "gemm_module");
  CHECK(p.modules[0].kind == ImageKind::kCubin);
  CHECK(p.modules[0].image == c.modules[0].image);
  CHECK(p.modules[1].kind == ImageKind::kPtx);
  REQUIRE(p.kernels.size() == 2);
  CHECK(p.kernels[0].entry == "gemm_0");
  CHECK(p.kernels[0].max_dynamic_smem == 100 * 1024);
  CHECK(p.kernels[1].module == 1);
  REQUIRE(p.launches.size() == 4);
  CHECK(p.launches[0].kind == LaunchKind::kMemset);
  CHECK(p.launches[0].dst == 8192);
  CHECK(p.launches[0].bytes == 4096);
  CHECK(p.launches[1].kind == LaunchKind::kCopy);
  CHECK(p.launches[1].src_is_weights);
  const Launch& k0 = p.launches[2];
  CHECK(k0.grid == std::array<uint32_t, 3>{10, 2, 1});
  CHECK(k0.block == std::array<uint32_t, 3>{128, 1, 1});
  CHECK(k0.dynamic_smem == 100 * 1024);
  CHECK_FALSE(k0.programmatic);
  CHECK(p.launches[3].programmatic);
  CHECK_FALSE(k0.co_resident);
  CHECK(p.launches[3].co_resident);
  REQUIRE(k0.args.size() == 7);
  CHECK(k0.args == c.launches[2].args);
  // Scalars keep their bits: -7 as a 32-bit pattern, 0.125f as IEEE bits.
  CHECK(k0.args[4].value == 0xfffffff9u);
  CHECK(k0.args[5].value == 0x3e000000u);
  CHECK(static_cast<int64_t>(k0.args[6].value) == -1234567890123ll);
  CHECK(p.launches[3].args == c.launches[3].args);
  CHECK(p.launches[3].args[3] == KernelArg::TensorMap(1));
  REQUIRE(p.tensor_maps.size() == 2);
  CHECK(p.tensor_maps == c.tensor_maps);
  CHECK(p.tensor_maps[1].base_kind == ArgKind::kWeights);
  CHECK(p.tensor_maps[1].element == 7);
  CHECK(p.tensor_maps[1].swizzle == 0);
  CHECK(p.weights == c.weights);
}

TEST_CASE("artifact: tensor maps survive the round trip field by field, and none is fine", "[runtime]") {
  ArtifactContents c = SampleArtifact();
  TensorMapDesc d;   // every field away from its default, so a swapped field shows
  d.base_kind = ArgKind::kWeights;
  d.base_offset = 64;
  d.element = 9;
  d.rows = 3;
  d.cols = 40;
  d.row_stride_bytes = 96;
  d.box_rows = 3;
  d.box_cols = 8;
  d.swizzle = 1;
  d.l2_promotion = 2;
  c.tensor_maps.push_back(d);
  REQUIRE(ValidateContents(c).ok());
  auto parsed = ParseContainer(ArtifactWriter(c).ToBytes());
  REQUIRE(parsed.ok());
  REQUIRE(parsed->tensor_maps.size() == 3);
  CHECK(parsed->tensor_maps[2] == d);
  // The section is written with no maps too, and reads back empty.
  c.tensor_maps.clear();
  c.launches[3].args.resize(3);
  parsed = ParseContainer(ArtifactWriter(c).ToBytes());
  REQUIRE(parsed.ok());
  CHECK(parsed->tensor_maps.empty());
  // The spec the executor encodes: the buffer's address plus the offset, every other field as stored.
  TensorMap2DSpec spec = TensorMapSpec(d, 0x7f0000000000ull);
  CHECK(spec.base == 0x7f0000000040ull);
  CHECK(spec.element == TmaElement::kBF16);
  CHECK((spec.rows == 3 && spec.cols == 40 && spec.row_stride_bytes == 96));
  CHECK((spec.box_rows == 3 && spec.box_cols == 8));
  CHECK(spec.swizzle == TmaSwizzle::k32B);
  CHECK(spec.l2_promotion == 2);
}

TEST_CASE("artifact: a truncated or extended tensor-maps section is refused", "[runtime]") {
  const std::vector<uint8_t> bytes = EncodeTensorMaps(SampleArtifact().tensor_maps);
  std::vector<TensorMapDesc> maps;
  REQUIRE(DecodeTensorMaps(bytes.data(), bytes.size(), &maps).ok());
  CHECK(maps == SampleArtifact().tensor_maps);
  for (size_t len = 0; len < bytes.size(); ++len) {
    INFO("length " << len);
    Status s = DecodeTensorMaps(bytes.data(), len, &maps);
    REQUIRE_FALSE(s.ok());
    CHECK(s.code() == AGT_ERROR_CORRUPT_ARTIFACT);
    CHECK_THAT(s.message(), Catch::Contains("tensor maps"));
  }
  std::vector<uint8_t> longer = bytes;
  longer.push_back(0);
  CHECK_FALSE(DecodeTensorMaps(longer.data(), longer.size(), &maps).ok());
  // A count larger than the bytes can hold is refused before anything is allocated.
  std::vector<uint8_t> huge = bytes;
  huge[7] = 0x10;
  CHECK(DecodeTensorMaps(huge.data(), huge.size(), &maps).code() == AGT_ERROR_CORRUPT_ARTIFACT);
}

TEST_CASE("artifact: an inconsistent tensor map is refused, naming the map and the rule", "[runtime]") {
  auto expect_refused = [](const ArtifactContents& c, const char* needle) {
    Status s = ValidateContents(c);
    REQUIRE_FALSE(s.ok());
    CHECK(s.code() == AGT_ERROR_CORRUPT_ARTIFACT);
    CHECK_THAT(s.message(), Catch::Contains(needle));
    // The reader refuses the writer's output of it as well.
    CHECK(ParseContainer(ArtifactWriter(c).ToBytes()).status().code() == AGT_ERROR_CORRUPT_ARTIFACT);
  };
  ArtifactContents c = SampleArtifact();
  REQUIRE(ValidateContents(c).ok());
  c.launches[3].args[3] = KernelArg::TensorMap(2);
  expect_refused(c, "tensor map index out of range");
  c = SampleArtifact();
  c.tensor_maps[0].base_offset = (1 << 20) - 8192 + 16;   // the last row's end passes the arena's by 16 bytes
  expect_refused(c, "tensor map #0 (arena)");
  c = SampleArtifact();
  c.tensor_maps[0].base_offset = (1 << 20) - 8192;      // exactly reaches the end: fine
  CHECK(ValidateContents(c).ok());
  c.tensor_maps[0].rows = 65;
  expect_refused(c, "outside");
  c = SampleArtifact();
  c.tensor_maps[1].rows = c.weights.size() / 16 + 1;      // its last row passes the weights blob's end
  expect_refused(c, "tensor map #1 (weights)");
  c = SampleArtifact();
  c.tensor_maps[1].base_kind = ArgKind::kInput;
  expect_refused(c, "tensor map #1: its base must be the arena or the weights");
  c = SampleArtifact();
  c.tensor_maps[0].base_kind = ArgKind::kTensorMap;
  expect_refused(c, "tensor map #0: its base");
  c = SampleArtifact();
  c.tensor_maps[1].element = 8;                           // CU_TENSOR_MAP_DATA_TYPE_FLOAT64: not one of ours
  expect_refused(c, "tensor map #1: unknown element type 8");
  c = SampleArtifact();
  c.tensor_maps[0].swizzle = 4;
  expect_refused(c, "tensor map #0: unknown swizzle 4");
  c = SampleArtifact();
  c.tensor_maps[0].box_cols = 128;                        // 256 bytes of f16 in a 128-byte span
  c.tensor_maps[0].cols = 128;
  c.tensor_maps[0].row_stride_bytes = 256;
  c.tensor_maps[0].rows = 32;
  expect_refused(c, "exceeds the 128-byte swizzle span");
  c = SampleArtifact();
  c.tensor_maps[1].swizzle = 1;
  c.tensor_maps[1].box_cols = 16;                         // 64 bytes of f32 in a 32-byte span
  c.tensor_maps[1].cols = 16;
  c.tensor_maps[1].row_stride_bytes = 64;
  c.tensor_maps[1].rows = 10;
  expect_refused(c, "tensor map #1: ");
  expect_refused(c, "32-byte swizzle span");
  c = SampleArtifact();
  c.tensor_maps[0].base_offset += 8;                      // the driver wants a 16-byte aligned address
  expect_refused(c, "16-byte aligned");
  c = SampleArtifact();
  c.tensor_maps[0].row_stride_bytes = 120;
  expect_refused(c, "multiple of 16 bytes");
  c = SampleArtifact();
  c.tensor_maps[0].box_rows = 0;
  expect_refused(c, "box sides");
  c = SampleArtifact();
  c.tensor_maps[0].l2_promotion = 4;
  expect_refused(c, "L2 promotion");
  c = SampleArtifact();
  c.tensor_maps[0].rows = uint64_t{1} << 32;              // legal sizes whose covered bytes overflow 64 bits
  c.tensor_maps[0].row_stride_bytes = (uint64_t{1} << 40) - 16;
  expect_refused(c, "tensor map #0");
}

TEST_CASE("artifact: output is deterministic", "[runtime]") {
  CHECK(ArtifactWriter(SampleArtifact()).ToBytes() == ArtifactWriter(SampleArtifact()).ToBytes());
}

TEST_CASE("artifact: every flipped byte is refused", "[runtime]") {
  std::vector<uint8_t> bytes = ArtifactWriter(SampleArtifact(20)).ToBytes();
  REQUIRE(ParseContainer(bytes).ok());
  int accepted = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::vector<uint8_t> bad = bytes;
    bad[i] ^= 0x01;
    auto r = ParseContainer(bad);
    if (r.ok()) {
      ++accepted;
      WARN("flip at byte " << i << " was accepted");
    } else {
      CHECK(r.status().code() == AGT_ERROR_CORRUPT_ARTIFACT);
    }
  }
  CHECK(accepted == 0);
}

TEST_CASE("artifact: every truncation is refused", "[runtime]") {
  std::vector<uint8_t> bytes = ArtifactWriter(SampleArtifact(20)).ToBytes();
  for (size_t len = 0; len < bytes.size(); ++len) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(len));
    auto r = ParseContainer(cut);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == AGT_ERROR_CORRUPT_ARTIFACT);
  }
  // Appended bytes are refused too.
  bytes.push_back(0);
  CHECK_FALSE(ParseContainer(bytes).ok());
}

TEST_CASE("artifact: a wrong format version is refused with a clear message", "[runtime]") {
  std::vector<uint8_t> bytes = ArtifactWriter(SampleArtifact()).ToBytes();
  bytes[8] = 99;   // the version field; the header checksum would catch it too, the version is checked first
  auto r = ParseContainer(bytes);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message(), Catch::Contains("version 99"));
}

TEST_CASE("artifact: version 2 to 4 containers (before tensor maps, PDL, launch flags) are refused with a clear message",
          "[runtime]") {
  static_assert(kFormatVersion == 5, "version 5 makes the programmatic byte of kernel launches a flags byte");
  for (uint8_t old : {2, 3, 4}) {
    std::vector<uint8_t> bytes = ArtifactWriter(SampleArtifact()).ToBytes();
    bytes[8] = old;
    auto r = ParseContainer(bytes);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == AGT_ERROR_CORRUPT_ARTIFACT);
    CHECK_THAT(r.status().message(), Catch::Contains("version " + std::to_string(old)) && Catch::Contains("reads version 5"));
  }
}

TEST_CASE("artifact: the Python package reads the version this runtime writes", "[runtime]") {
  // python/autogtco/_verify.py checks the version before dlopen; a bump here must bump it there.
  std::ifstream in(std::filesystem::path(AGT_TEST_DATA_DIR).parent_path().parent_path() / "python" / "autogtco" / "_verify.py");
  REQUIRE(in.good());
  std::string line, found;
  while (std::getline(in, line)) {
    if (line.rfind("FORMAT_VERSION = ", 0) == 0) found = line.substr(17);
  }
  CHECK(found == std::to_string(kFormatVersion));
}

TEST_CASE("artifact: a kernel launch's flags are one byte, programmatic 1 and co-resident 2, any other bit corrupt", "[runtime]") {
  std::vector<Launch> launches = {SampleArtifact().launches[2]};
  const std::vector<uint8_t> plain = EncodeLaunches(launches);
  launches[0].programmatic = true;
  const std::vector<uint8_t> flagged = EncodeLaunches(launches);
  REQUIRE(plain.size() == flagged.size());
  std::vector<size_t> differ;
  for (size_t i = 0; i < plain.size(); ++i) {
    if (plain[i] != flagged[i]) differ.push_back(i);
  }
  REQUIRE(differ.size() == 1);
  CHECK(plain[differ[0]] == 0);
  CHECK(flagged[differ[0]] == 1);
  std::vector<Launch> back;
  REQUIRE(DecodeLaunches(flagged.data(), flagged.size(), &back).ok());
  REQUIRE(back.size() == 1);
  CHECK(back[0].programmatic);
  REQUIRE(DecodeLaunches(plain.data(), plain.size(), &back).ok());
  CHECK_FALSE(back[0].programmatic);
  std::vector<uint8_t> bad = flagged;
  // Co-resident alone (2) and with programmatic (3); each decodes to its own flags.
  for (uint8_t flags : {2, 3}) {
    std::vector<uint8_t> both = flagged;
    both[differ[0]] = flags;
    REQUIRE(DecodeLaunches(both.data(), both.size(), &back).ok());
    CHECK(back[0].co_resident);
    CHECK(back[0].programmatic == (flags == 3));
  }
  launches[0].programmatic = false;
  launches[0].co_resident = true;
  const std::vector<uint8_t> co = EncodeLaunches(launches);
  CHECK(co[differ[0]] == 2);
  for (uint8_t bad_flags : {4, 5, 128}) {
    std::vector<uint8_t> bad = flagged;
    bad[differ[0]] = bad_flags;
    Status s = DecodeLaunches(bad.data(), bad.size(), &back);
    REQUIRE_FALSE(s.ok());
    CHECK(s.code() == AGT_ERROR_CORRUPT_ARTIFACT);
    CHECK_THAT(s.message(), Catch::Contains("launch #0") && Catch::Contains("programmatic"));
  }
}

TEST_CASE("artifact: a co-resident kernel runs only where its whole grid fits, one CTA per SM", "[runtime]") {
  CHECK(CoResidentFits({132, 1, 1}, 132, "k").ok());
  CHECK(CoResidentFits({4, 1, 1}, 114, "k").ok());
  Status s = CoResidentFits({132, 1, 1}, 114, "agt_gemm_sm90_f16_kn_128x128x64_s4_c2_k4s_bias");
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == AGT_ERROR_WRONG_ARCH);
  CHECK_THAT(s.message(), Catch::Contains("agt_gemm_sm90_f16_kn_128x128x64_s4_c2_k4s_bias") && Catch::Contains("132 CTAs") &&
                              Catch::Contains("114 SMs") && Catch::Contains("--arch native"));
  CHECK_FALSE(CoResidentFits({2, 2, 1}, 3, "k").ok());   // every grid dimension counts
  CHECK_FALSE(CoResidentFits({1, 1, 1}, 0, "k").ok());   // an SM count the driver did not report
}

TEST_CASE("artifact: an inconsistent plan is refused", "[runtime]") {
  auto expect_refused = [](ArtifactContents c, const char* needle) {
    Status s = ValidateContents(c);
    REQUIRE_FALSE(s.ok());
    CHECK(s.code() == AGT_ERROR_CORRUPT_ARTIFACT);
    CHECK_THAT(s.message(), Catch::Contains(needle));
  };
  ArtifactContents c = SampleArtifact();
  c.launches[2].kernel = 5;
  expect_refused(c, "kernel index");
  c = SampleArtifact();
  c.launches[3].args[1] = KernelArg::Input(2);
  expect_refused(c, "input index");
  c = SampleArtifact();
  c.launches[2].args[1] = KernelArg::Weights(c.weights.size() + 1);
  expect_refused(c, "weights");
  c = SampleArtifact();
  c.outputs[0].arena_offset = (1 << 20) - 100;   // 4000 bytes do not fit before the arena's end
  expect_refused(c, "outside");
  c = SampleArtifact();
  c.launches[3].block = {64, 32, 1};
  expect_refused(c, "limits");
  c = SampleArtifact();
  c.inputs[1].name = "pixel_values";
  expect_refused(c, "duplicate");
  c = SampleArtifact();
  c.metadata.arch = "gfx90a";
  expect_refused(c, "architecture");
  c = SampleArtifact();
  c.launches[0].bytes = 1 << 21;
  expect_refused(c, "memset");
  // And the writer's output of a refused plan is refused by the reader too.
  c = SampleArtifact();
  c.kernels[1].module = 9;
  CHECK(ParseContainer(ArtifactWriter(c).ToBytes()).status().code() == AGT_ERROR_CORRUPT_ARTIFACT);
}

TEST_CASE("artifact: arch strings", "[runtime]") {
  ArchInfo a;
  REQUIRE(ParseArch("sm_90", &a));
  CHECK((a.major == 9 && a.minor == 0 && !a.arch_specific));
  REQUIRE(ParseArch("sm_90a", &a));
  CHECK((a.major == 9 && a.minor == 0 && a.arch_specific));
  REQUIRE(ParseArch("sm_100", &a));
  CHECK((a.major == 10 && a.minor == 0));
  REQUIRE(ParseArch("sm_86", &a));
  CHECK((a.major == 8 && a.minor == 6));
  CHECK_FALSE(ParseArch("sm_9", &a));
  CHECK_FALSE(ParseArch("compute_90", &a));
  CHECK_FALSE(ParseArch("sm_9x", &a));
}

// Packing: the stub plus an appended payload is a loadable .so whose C API reports the artifact's
// metadata without a GPU; truncated or corrupted files and weights are refused; without a driver,
// create fails with AGT_ERROR_NO_DRIVER and nothing crashes.
#include <catch2/catch.hpp>

#include <dlfcn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "runtime/artifact_reader.h"
#include "runtime/cuda_driver.h"
#include "runtime/include/autogtco/runtime.h"
#include "runtime/include/autogtco/verify.h"
#include "runtime/pack.h"
#include "tests/runtime/sample_artifact.h"
#include "tests/support/test_support.h"

using namespace agt::runtime;
using agt::runtime::test::ReadFile;
using agt::runtime::test::SampleArtifact;
using agt::runtime::test::TempDir;
using agt::runtime::test::WriteFile;

namespace {

std::string Stub() {
  auto stub = FindArtifactStub();
  REQUIRE(stub.ok());
  return stub.value();
}

// The C API of one dlopen'ed artifact.
struct Api {
  void* lib = nullptr;
  template <typename T>
  T Get(const char* name) {
    void* p = dlsym(lib, name);
    REQUIRE(p != nullptr);
    return reinterpret_cast<T>(p);
  }
};

Api Load(const std::string& path) {
  Api api;
  api.lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  INFO(dlerror());
  REQUIRE(api.lib != nullptr);
  return api;
}

std::vector<uint8_t> ReadAllWeights(const OpenedArtifact& a, Status* status) {
  std::vector<uint8_t> out(a.contents.metadata.weight_bytes);
  *status = ReadWeights(
      a,
      [&](const uint8_t* data, uint64_t size, uint64_t offset) {
        std::memcpy(out.data() + offset, data, size);
        return Status::Ok();
      },
      100);   // small chunks: exercise the streaming
  return out;
}

int RunCommand(const std::string& cmd, std::string* output) {
  std::FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) output->append(buf, n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("pack: the stub exists and is a bare shared library", "[runtime]") {
  std::vector<uint8_t> stub = ReadFile(Stub());
  REQUIRE(stub.size() > 1000);
  CHECK(std::memcmp(stub.data(), "\x7f" "ELF", 4) == 0);
  auto opened = OpenArtifactFile(Stub());
  REQUIRE_FALSE(opened.ok());
  CHECK_THAT(opened.status().message(), Catch::Contains("no AutoGTCO payload"));
}

TEST_CASE("pack: a packed .so reports its metadata through the C API without a GPU", "[runtime]") {
  TempDir dir;
  const std::string so = dir.path + "/sample.so";
  ArtifactContents c = SampleArtifact();
  REQUIRE(PackArtifact(Stub(), c, so, WeightsMode::kEmbedded).ok());
  CHECK_FALSE(std::filesystem::exists(so + ".tmp"));
  for (const auto& e : std::filesystem::directory_iterator(dir.path)) CHECK(e.path().filename() == "sample.so");   // no temporary left

  // Reader view.
  auto opened = OpenArtifactFile(so);
  REQUIRE(opened.ok());
  CHECK(opened->contents.metadata.model_name == "sample");
  CHECK(opened->contents.weights.empty());   // not read at open time
  Status s;
  CHECK(ReadAllWeights(opened.value(), &s) == c.weights);
  CHECK(s.ok());

  // The C API of the .so itself, which finds its own payload.
  Api api = Load(so);
  agt_model* m = nullptr;
  REQUIRE(api.Get<int (*)(agt_model**)>("agt_model_open")(&m) == AGT_OK);
  REQUIRE(m != nullptr);
  CHECK(std::string(api.Get<const char* (*)(const agt_model*)>("agt_model_name")(m)) == "sample");
  CHECK(std::string(api.Get<const char* (*)(const agt_model*)>("agt_model_precision")(m)) == "fp16");
  CHECK(std::string(api.Get<const char* (*)(const agt_model*)>("agt_model_arch")(m)) == "sm_90");
  CHECK(std::string(api.Get<const char* (*)(const agt_model*)>("agt_model_compiler_version")(m)) == "0.1.0-test");
  CHECK(std::string(api.Get<const char* (*)(const agt_model*)>("agt_model_weights_mode")(m)) == "embedded");
  CHECK(api.Get<uint64_t (*)(const agt_model*)>("agt_model_arena_bytes")(m) == (1u << 20));
  CHECK(api.Get<uint64_t (*)(const agt_model*)>("agt_model_weight_bytes")(m) == c.weights.size());
  CHECK(api.Get<int (*)(const agt_model*)>("agt_model_num_kernels")(m) == 2);
  CHECK(api.Get<int (*)(const agt_model*)>("agt_model_num_launches")(m) == 4);
  CHECK(api.Get<int (*)(const agt_model*)>("agt_model_num_inputs")(m) == 2);
  CHECK(api.Get<int (*)(const agt_model*)>("agt_model_num_outputs")(m) == 1);
  CHECK(std::string(api.Get<const char* (*)(const agt_model*, int)>("agt_model_input_name")(m, 1)) == "mask");
  CHECK(api.Get<const char* (*)(const agt_model*, int)>("agt_model_input_name")(m, 2) == nullptr);
  CHECK(api.Get<int (*)(const agt_model*, int)>("agt_model_input_dtype")(m, 0) == AGT_DTYPE_F16);
  CHECK(api.Get<int (*)(const agt_model*, int)>("agt_model_output_dtype")(m, 0) == AGT_DTYPE_F32);
  int64_t dims[8] = {};
  CHECK(api.Get<int (*)(const agt_model*, int, int64_t*, int)>("agt_model_input_shape")(m, 0, dims, 8) == 4);
  CHECK((dims[0] == 1 && dims[1] == 3 && dims[2] == 224 && dims[3] == 224));
  CHECK(api.Get<uint64_t (*)(const agt_model*, int)>("agt_model_input_bytes")(m, 0) == 1u * 3 * 224 * 224 * 2);
  CHECK(api.Get<uint64_t (*)(const agt_model*, int)>("agt_model_input_bytes")(m, 1) == 197u * 8);
  CHECK(api.Get<uint64_t (*)(const agt_model*, int)>("agt_model_output_bytes")(m, 0) == 4000u);
  std::string json = api.Get<const char* (*)(const agt_model*)>("agt_model_metadata_json")(m);
  CHECK_THAT(json, Catch::Contains("\"precision\": \"fp16\""));
  CHECK_THAT(json, Catch::Contains("\"shape\": [1, 3, 224, 224]"));
  CHECK_THAT(json, Catch::Contains("\"note\": \"quote \\\" and backslash \\\\\""));

  // A run on a model that was only opened is an error, not a crash.
  auto run = api.Get<agt_model_run_fn>("agt_model_run");
  auto last_error = api.Get<agt_last_error_fn>("agt_last_error");
  CHECK(run(m, nullptr, nullptr, nullptr) == AGT_ERROR_NOT_LOADED);
  CHECK(run(nullptr, nullptr, nullptr, nullptr) == AGT_ERROR_INVALID_ARGUMENT);
  CHECK_THAT(std::string(last_error()), Catch::Contains("did create fail"));
  api.Get<agt_model_destroy_fn>("agt_model_destroy")(m);
  dlclose(api.lib);
}

TEST_CASE("pack: two artifacts in one process each find their own payload", "[runtime]") {
  TempDir dir;
  ArtifactContents a = SampleArtifact(10), b = SampleArtifact(20);
  a.metadata.model_name = "first";
  b.metadata.model_name = "second";
  REQUIRE(PackArtifact(Stub(), a, dir.path + "/a.so", WeightsMode::kEmbedded).ok());
  REQUIRE(PackArtifact(Stub(), b, dir.path + "/b.so", WeightsMode::kEmbedded).ok());
  Api la = Load(dir.path + "/a.so"), lb = Load(dir.path + "/b.so");
  CHECK(la.lib != lb.lib);
  agt_model *ma = nullptr, *mb = nullptr;
  REQUIRE(la.Get<agt_model_open_fn>("agt_model_open")(&ma) == AGT_OK);
  REQUIRE(lb.Get<agt_model_open_fn>("agt_model_open")(&mb) == AGT_OK);
  CHECK(std::string(la.Get<const char* (*)(const agt_model*)>("agt_model_name")(ma)) == "first");
  CHECK(std::string(lb.Get<const char* (*)(const agt_model*)>("agt_model_name")(mb)) == "second");
  CHECK(lb.Get<uint64_t (*)(const agt_model*)>("agt_model_weight_bytes")(mb) == b.weights.size());
  la.Get<agt_model_destroy_fn>("agt_model_destroy")(ma);
  lb.Get<agt_model_destroy_fn>("agt_model_destroy")(mb);
  dlclose(la.lib);
  dlclose(lb.lib);
}

TEST_CASE("pack: truncated or corrupted .so files are refused", "[runtime]") {
  TempDir dir;
  const std::string so = dir.path + "/sample.so";
  REQUIRE(PackArtifact(Stub(), SampleArtifact(), so, WeightsMode::kEmbedded).ok());
  std::vector<uint8_t> good = ReadFile(so);
  const std::string bad = dir.path + "/bad.so";
  auto open_status = [&](const std::vector<uint8_t>& bytes) {
    WriteFile(bad, bytes);
    agt_model* m = nullptr;
    int rc = agt_model_open_file(bad.c_str(), &m);
    CHECK((rc == AGT_OK) == (m != nullptr));
    agt_model_destroy(m);
    return rc;
  };
  for (size_t cut : {size_t{1}, size_t{63}, size_t{64}, size_t{100}, size_t{5000}, good.size() / 2}) {
    INFO("cut " << cut << " bytes");
    std::vector<uint8_t> b(good.begin(), good.end() - static_cast<long>(cut));
    CHECK(open_status(b) == AGT_ERROR_CORRUPT_ARTIFACT);
  }
  // Flip bytes in the container header, its sections and the footer: refused at open.
  uint64_t payload = 0;
  for (int i = 7; i >= 0; --i) payload = (payload << 8) | good[good.size() - 64 + 8 + static_cast<size_t>(i)];
  REQUIRE(payload % 64 == 0);
  REQUIRE(std::memcmp(good.data() + payload, "AGTARTF", 7) == 0);
  for (size_t at : {payload + 10, payload + 70, payload + 300, payload + 700, good.size() - 30, good.size() - 8}) {
    INFO("flip at " << at);
    std::vector<uint8_t> b = good;
    b[at] ^= 0x40;
    CHECK(open_status(b) == AGT_ERROR_CORRUPT_ARTIFACT);
  }
  // A flip inside the weights passes open (they are not read then) but not the load.
  std::vector<uint8_t> b = good;
  b[good.size() - 64 - 100] ^= 0x40;
  REQUIRE(open_status(b) == AGT_OK);
  auto opened = OpenArtifactFile(bad);
  REQUIRE(opened.ok());
  Status s;
  ReadAllWeights(opened.value(), &s);
  CHECK(s.code() == AGT_ERROR_CORRUPT_ARTIFACT);
  CHECK_THAT(s.message(), Catch::Contains("checksum"));
  open_status(std::vector<uint8_t>(good.begin(), good.end() - 1));
  CHECK_THAT(std::string(agt_last_error()), Catch::Contains("bad.so"));
  // A missing file is an I/O error.
  agt_model* m = nullptr;
  CHECK(agt_model_open_file((dir.path + "/missing.so").c_str(), &m) == AGT_ERROR_IO);
}

TEST_CASE("pack: external weights live beside the .so and are checked", "[runtime]") {
  TempDir dir;
  const std::string so = dir.path + "/vit.so";
  ArtifactContents c = SampleArtifact(5000);
  REQUIRE(PackArtifact(Stub(), c, so, WeightsMode::kExternal).ok());
  const std::string weights = dir.path + "/vit.weights";
  REQUIRE(std::filesystem::exists(weights));
  CHECK(std::filesystem::file_size(weights) == 64 + c.weights.size());
  CHECK(std::filesystem::file_size(so) < ReadFile(Stub()).size() + 4096);

  // Moving both files together keeps them working: the side file is found relative to the .so.
  const std::string moved = dir.path + "/moved";
  std::filesystem::create_directory(moved);
  std::filesystem::rename(so, moved + "/vit.so");
  std::filesystem::rename(weights, moved + "/vit.weights");
  auto opened = OpenArtifactFile(moved + "/vit.so");
  REQUIRE(opened.ok());
  CHECK(opened->contents.metadata.weights_mode == WeightsMode::kExternal);
  CHECK(opened->contents.metadata.weights_file == "vit.weights");
  Status s;
  CHECK(ReadAllWeights(opened.value(), &s) == c.weights);
  CHECK(s.ok());

  Api api = Load(moved + "/vit.so");
  agt_model* m = nullptr;
  REQUIRE(api.Get<agt_model_open_fn>("agt_model_open")(&m) == AGT_OK);
  CHECK(std::string(api.Get<const char* (*)(const agt_model*)>("agt_model_weights_mode")(m)) == "external");
  CHECK(api.Get<uint64_t (*)(const agt_model*)>("agt_model_weight_bytes")(m) == c.weights.size());
  api.Get<agt_model_destroy_fn>("agt_model_destroy")(m);
  dlclose(api.lib);

  // A corrupted side file is refused at load time, a missing one is an I/O error.
  std::vector<uint8_t> w = ReadFile(moved + "/vit.weights");
  w[64 + 1234] ^= 1;
  WriteFile(moved + "/vit.weights", w);
  ReadAllWeights(opened.value(), &s);
  CHECK(s.code() == AGT_ERROR_CORRUPT_ARTIFACT);
  w.resize(w.size() - 10);
  WriteFile(moved + "/vit.weights", w);
  ReadAllWeights(opened.value(), &s);
  CHECK(s.code() == AGT_ERROR_CORRUPT_ARTIFACT);
  std::filesystem::remove(moved + "/vit.weights");
  ReadAllWeights(opened.value(), &s);
  CHECK(s.code() == AGT_ERROR_IO);
}

TEST_CASE("pack: the packer refuses bad input", "[runtime]") {
  TempDir dir;
  ArtifactContents c = SampleArtifact();
  c.launches[2].kernel = 7;
  Status s = PackArtifact(Stub(), c, dir.path + "/x.so", WeightsMode::kEmbedded);
  CHECK(s.code() == AGT_ERROR_CORRUPT_ARTIFACT);
  CHECK_FALSE(std::filesystem::exists(dir.path + "/x.so"));
  WriteFile(dir.path + "/notelf", {1, 2, 3, 4, 5});
  CHECK(PackArtifact(dir.path + "/notelf", SampleArtifact(), dir.path + "/x.so", WeightsMode::kEmbedded).code() == AGT_ERROR_IO);
  // Packing a packed artifact again would nest payloads: refused.
  REQUIRE(PackArtifact(Stub(), SampleArtifact(), dir.path + "/y.so", WeightsMode::kEmbedded).ok());
  CHECK(PackArtifact(dir.path + "/y.so", SampleArtifact(), dir.path + "/z.so", WeightsMode::kEmbedded).code() ==
        AGT_ERROR_INVALID_ARGUMENT);
}

TEST_CASE("runtime: without a CUDA driver create fails cleanly", "[runtime]") {
  if (agt::test::HasGpuDriver()) {
    WARN("a CUDA driver is present: the no-driver path is not exercised here");
    return;
  }
  TempDir dir;
  const std::string so = dir.path + "/sample.so";
  REQUIRE(PackArtifact(Stub(), SampleArtifact(), so, WeightsMode::kEmbedded).ok());
  Api api = Load(so);
  auto create = api.Get<agt_model_create_fn>("agt_model_create");
  auto last_error = api.Get<agt_last_error_fn>("agt_last_error");
  agt_model* m = reinterpret_cast<agt_model*>(0x1);
  CHECK(create(&m, 0) == AGT_ERROR_NO_DRIVER);
  CHECK(m == nullptr);
  CHECK_THAT(std::string(last_error()), Catch::Contains("CUDA driver not found"));
  CHECK_THAT(std::string(last_error()), Catch::Contains("libcuda.so.1"));
  // A run after the failed create is an error, not a crash.
  CHECK(api.Get<agt_model_run_fn>("agt_model_run")(m, nullptr, nullptr, nullptr) == AGT_ERROR_INVALID_ARGUMENT);
  CHECK(api.Get<agt_model_run_host_fn>("agt_model_run_host")(m, nullptr, nullptr) == AGT_ERROR_INVALID_ARGUMENT);

  // From several threads at once: every one gets the same clean error.
  std::vector<std::thread> threads;
  std::vector<int> codes(8, -1);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      agt_model* mt = nullptr;
      codes[static_cast<size_t>(t)] = create(&mt, 0);
      api.Get<agt_model_destroy_fn>("agt_model_destroy")(mt);
    });
  }
  for (auto& th : threads) th.join();
  for (int code : codes) CHECK(code == AGT_ERROR_NO_DRIVER);
  dlclose(api.lib);
}

TEST_CASE("runtime: the toolkit's link-time stub libcuda is not a driver", "[runtime]") {
  const std::string stub = "/usr/local/cuda/lib64/stubs/libcuda.so";
  if (!std::filesystem::exists(stub)) {
    WARN("no " << stub << " here");
    return;
  }
  auto d = LoadCudaDriverForTest(stub);
  REQUIRE_FALSE(d.ok());
  CHECK(d.status().code() == AGT_ERROR_NO_DRIVER);
}

TEST_CASE("examples: the C program prints an artifact's metadata", "[runtime]") {
  const std::string exe = std::string(AGT_BINARY_DIR) + "/bin/run_model";
  if (!std::filesystem::exists(exe)) {
    WARN("example not built: " << exe);
    return;
  }
  TempDir dir;
  REQUIRE(PackArtifact(Stub(), SampleArtifact(), dir.path + "/sample.so", WeightsMode::kEmbedded).ok());
  std::string out;
  int rc = RunCommand(exe + " " + dir.path + "/sample.so", &out);
  INFO(out);
  CHECK_THAT(out, Catch::Contains("model sample: precision fp16, arch sm_90"));
  CHECK_THAT(out, Catch::Contains("input 0: pixel_values dtype=1 shape=[1,3,224,224]"));
  CHECK_THAT(out, Catch::Contains("output 0: logits"));
  // The sample's kernels are fake: loading fails on any machine, with or without a GPU.
  CHECK(rc == 2);
}

TEST_CASE("examples: the Python ctypes script prints an artifact's metadata", "[runtime]") {
#if defined(__SANITIZE_ADDRESS__)
  // An ASan build's stub needs the ASan runtime first in the process: python3 would need LD_PRELOAD.
  WARN("AddressSanitizer build: the Python example is not run");
  return;
#endif
  std::string probe;
  if (RunCommand("python3 -c 'import numpy'", &probe) != 0) {
    WARN("python3 with numpy not available: " << probe);
    return;
  }
  TempDir dir;
  REQUIRE(PackArtifact(Stub(), SampleArtifact(), dir.path + "/sample.so", WeightsMode::kEmbedded).ok());
  std::string out;
  std::string source_dir = AGT_TEST_DATA_DIR;   // <source>/tests/data
  source_dir.resize(source_dir.size() - std::string("/tests/data").size());
  const std::string script = source_dir + "/examples/python/run_model.py";
  if (!std::filesystem::exists(script)) {
    WARN("source tree not found here: " << script);
    return;
  }
  int rc = RunCommand("python3 " + script + " " +
                          dir.path + "/sample.so",
                      &out);
  INFO(out);
  CHECK_THAT(out, Catch::Contains("precision fp16"));
  CHECK_THAT(out, Catch::Contains("pixel_values f16 (1, 3, 224, 224)"));
  CHECK(rc == 2);
}

TEST_CASE("pack: links left at the artifact's, its temporary's or the weights file's path are not followed", "[runtime]") {
  namespace fs = std::filesystem;
  TempDir dir;
  const std::string victim = dir.path + "/victim.txt";
  { std::ofstream(victim) << "keep me"; }
  const std::string so = dir.path + "/linked.so";
  fs::create_symlink(victim, so + ".tmp");                           // the old predictable temporary
  fs::create_symlink(victim, dir.path + "/" + WeightsFileNameFor(so));   // the external weights' name
  ArtifactContents c = SampleArtifact();
  REQUIRE(PackArtifact(Stub(), c, so, WeightsMode::kExternal).ok());
  std::ifstream v(victim);
  std::string text((std::istreambuf_iterator<char>(v)), std::istreambuf_iterator<char>());
  CHECK(text == "keep me");
  CHECK_FALSE(fs::is_symlink(dir.path + "/" + WeightsFileNameFor(so)));
  CHECK(OpenArtifactFile(so).ok());
  // A link at the artifact's own path is replaced by the new file, not written through.
  const std::string so2 = dir.path + "/linked2.so";
  fs::create_symlink(victim, so2);
  REQUIRE(PackArtifact(Stub(), c, so2, WeightsMode::kEmbedded).ok());
  CHECK_FALSE(fs::is_symlink(so2));
  std::ifstream v2(victim);
  std::string text2((std::istreambuf_iterator<char>(v2)), std::istreambuf_iterator<char>());
  CHECK(text2 == "keep me");
}

TEST_CASE("pack: verify-then-load finds a flipped byte in the runtime code, the container or the weights", "[runtime]") {
  TempDir dir;
  const std::string so = dir.path + "/verify.so";
  ArtifactContents c = SampleArtifact();
  REQUIRE(PackArtifact(Stub(), c, so, WeightsMode::kEmbedded).ok());
  CHECK(VerifyArtifactCode(so).ok());
  CHECK(VerifyArtifactFile(so).ok());
  const std::vector<uint8_t> good = ReadFile(so);
  const uint64_t stub_bytes = ReadFile(Stub()).size();
  auto flipped = [&](uint64_t at) {
    std::vector<uint8_t> b = good;
    b[at] ^= 0x10;
    const std::string p = dir.path + "/flipped.so";
    std::ofstream(p, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    return p;
  };
  // The ELF header, the middle of the code, and the last byte of the stub: before the payload.
  for (uint64_t at : {uint64_t{5}, stub_bytes / 2, stub_bytes - 1}) {
    INFO("byte " << at << " of " << stub_bytes);
    const std::string p = flipped(at);
    Status code = VerifyArtifactCode(p);
    REQUIRE_FALSE(code.ok());
    CHECK_THAT(code.message(), Catch::Contains("runtime code or its dynamic tables were modified"));
    CHECK_FALSE(VerifyArtifactFile(p).ok());
    // The applications' C check (autogtco/verify.h) agrees.
    char why[256] = {0};
    CHECK(agt_verify_code_file(p.c_str(), why, sizeof why) != 0);
    CHECK_THAT(std::string(why), Catch::Contains("runtime code or its dynamic tables were modified"));
  }
  {
    char why[256] = {'x', 0};
    CHECK(agt_verify_code_file(so.c_str(), why, sizeof why) == 0);
    CHECK(std::string(why).empty());
    // Not an artifact, a folder, a truncated artifact, a flipped footer: refused with why.
    CHECK(agt_verify_code_file(Stub().c_str(), why, sizeof why) != 0);
    CHECK_THAT(std::string(why), Catch::Contains("no AutoGTCO footer"));
    CHECK(agt_verify_code_file(dir.path.c_str(), why, sizeof why) != 0);
    CHECK_THAT(std::string(why), Catch::Contains("not a regular file"));
    const std::string cut = dir.path + "/cut.so";
    std::ofstream(cut, std::ios::binary).write(reinterpret_cast<const char*>(good.data()), static_cast<std::streamsize>(good.size() - 100));
    CHECK(agt_verify_code_file(cut.c_str(), why, sizeof why) != 0);
    CHECK(agt_verify_code_file(flipped(good.size() - 20).c_str(), nullptr, 0) != 0);   // in the footer's checksum
  }
  // A byte of the weights (the last payload byte before the footer is in the weights section here):
  // the code is intact, the full check finds it.
  const std::string w = flipped(good.size() - kFooterBytes - 1);
  CHECK(VerifyArtifactCode(w).ok());
  CHECK_FALSE(VerifyArtifactFile(w).ok());
}

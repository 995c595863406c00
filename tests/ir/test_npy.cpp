// .npy reading and writing: the bytes we write are spelled out here by hand from the format's
// definition; headers of version 2.0, the refused layouts and, where Python and NumPy are installed,
// files written and read by NumPy itself.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ir/npy.h"

using namespace agt;
using namespace agt::ir;

namespace {

// magic, version, little-endian header length, header text: built by hand from the format definition.
std::vector<uint8_t> NpyBytes(int major, const std::string& header, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<uint8_t>(major), 0};
  uint32_t len = static_cast<uint32_t>(header.size());
  int len_bytes = major == 1 ? 2 : 4;
  for (int i = 0; i < len_bytes; ++i) out.push_back(static_cast<uint8_t>(len >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

template <typename T>
std::vector<uint8_t> RawBytes(std::initializer_list<T> values) {
  std::vector<uint8_t> out(values.size() * sizeof(T));
  std::memcpy(out.data(), std::data(values), out.size());
  return out;
}

std::string TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "agt_npy_XXXXXX").string();
  REQUIRE(mkdtemp(tmpl.data()) != nullptr);
  return tmpl;
}

}  // namespace

TEST_CASE("npy: an f32 [2,3] tensor encodes exactly as numpy.save writes it", "[npy]") {
  Tensor t = Tensor::FromF32(DType::kF32, {2, 3}, std::vector<float>{1, 2, 3, 4, 5, 6.5f});
  auto bytes = EncodeNpy(t);
  REQUIRE(bytes.ok());
  // numpy pads the header with spaces and a final newline so that the data starts on a multiple of
  // 64 bytes: 10 bytes of preamble + 59 of dict + 1 newline = 70, padded to 128.
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  REQUIRE(dict.size() == 59);
  std::string header = dict + std::string(128 - 10 - 59 - 1, ' ') + "\n";
  auto expected = NpyBytes(1, header, RawBytes<float>({1, 2, 3, 4, 5, 6.5f}));
  CHECK(*bytes == expected);
  CHECK(bytes->size() == 128 + 24);
}

TEST_CASE("npy: shapes of rank 0 and 1 use Python's tuple spelling", "[npy]") {
  auto scalar = EncodeNpy(Tensor::ScalarI64(-7));
  REQUIRE(scalar.ok());
  std::string text(scalar->begin() + 10, scalar->begin() + 128);
  CHECK(scalar->size() == 128 + 8);
  CHECK(text.find("'descr': '<i8'") != std::string::npos);
  CHECK(text.find("'shape': (), }") != std::string::npos);
  auto vec = EncodeNpy(Tensor(TensorType{DType::kBool, {4}}));
  REQUIRE(vec.ok());
  text.assign(vec->begin() + 10, vec->begin() + 128);
  CHECK(text.find("'descr': '|b1'") != std::string::npos);
  CHECK(text.find("'shape': (4,), }") != std::string::npos);
}

TEST_CASE("npy: every supported dtype round-trips with identical bytes", "[npy]") {
  for (DType dt : {DType::kF32, DType::kF16, DType::kI64, DType::kI32, DType::kI8, DType::kBool}) {
    Tensor t(TensorType{dt, {3, 2}});
    for (int64_t i = 0; i < 6; ++i) t.SetF32(i, static_cast<float>(i % 2 == 0 ? i : -i) * (IsFloat(dt) ? 0.75f : 1.0f));
    if (dt == DType::kBool) t.SetI64(3, 1);
    auto bytes = EncodeNpy(t);
    REQUIRE(bytes.ok());
    auto back = DecodeNpy(*bytes);
    REQUIRE(back.ok());
    CHECK(*back == t);
  }
}

TEST_CASE("npy: a version 2.0 header with a 4-byte length is read", "[npy]") {
  std::string dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }";
  std::string header = dict + std::string(128 - 12 - dict.size() - 1, ' ') + "\n";
  auto t = DecodeNpy(NpyBytes(2, header, RawBytes<int32_t>({7, -8, 9})), "v2.npy");
  REQUIRE(t.ok());
  CHECK(t->type() == TensorType{DType::kI32, {3}});
  CHECK(t->ToI64() == std::vector<int64_t>{7, -8, 9});
}

TEST_CASE("npy: headers in other spellings are read (key order, double quotes, no trailing comma)", "[npy]") {
  std::string header = "{\"shape\": (2,1), \"fortran_order\": False, \"descr\": \"<f2\"}\n";
  auto t = DecodeNpy(NpyBytes(1, header, RawBytes<uint16_t>({0x3c00, 0xc000})));   // f16 1.0, -2.0
  REQUIRE(t.ok());
  CHECK(t->type() == TensorType{DType::kF16, {2, 1}});
  CHECK(t->ToF32() == std::vector<float>{1.0f, -2.0f});
}

TEST_CASE("npy: bad files give clear errors", "[npy]") {
  auto err = [](const std::vector<uint8_t>& bytes) {
    auto t = DecodeNpy(bytes, "x.npy");
    REQUIRE_FALSE(t.ok());
    return t.status().message();
  };
  auto h = [](const std::string& dict) { return dict + "\n"; };
  CHECK_THAT(err(NpyBytes(1, h("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }"), RawBytes<float>({1, 2}))),
             Catch::Contains("x.npy") && Catch::Contains("fortran_order"));
  CHECK_THAT(err(NpyBytes(1, h("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }"), RawBytes<float>({1}))),
             Catch::Contains("big-endian"));
  CHECK_THAT(err(NpyBytes(1, h("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }"), RawBytes<double>({1}))),
             Catch::Contains("unsupported .npy dtype '<f8'"));
  CHECK_THAT(err(NpyBytes(1, h("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"), RawBytes<float>({1}))),
             Catch::Contains("needs 24 data bytes") && Catch::Contains("has 4"));
  CHECK_THAT(err(NpyBytes(1, h("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3 }"), {})),
             Catch::Contains("malformed .npy header"));
  CHECK_THAT(err(NpyBytes(1, h("{'descr': '<f4', 'shape': (1,), }"), RawBytes<float>({1}))),
             Catch::Contains("needs 'descr', 'fortran_order' and 'shape'"));
  CHECK_THAT(err(NpyBytes(9, h("{}"), {})), Catch::Contains("version 9.0"));
  CHECK_THAT(err({'n', 'o', 't', ' ', 'n', 'p', 'y', '!', '!', '!', '!'}), Catch::Contains("not a .npy file"));
  CHECK_THAT(err(NpyBytes(1, h("{'descr': '<f4', 'fortran_order': False, 'shape': (999999999999999, 999999999999999), }"), {})),
             Catch::Contains("data bytes"));
  std::vector<uint8_t> short_header = NpyBytes(1, h("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }"), {});
  short_header.resize(20);
  CHECK_THAT(err(short_header), Catch::Contains("truncated"));
}

TEST_CASE("npy: bf16 has no NumPy dtype and is refused on write", "[npy]") {
  auto bytes = EncodeNpy(Tensor(TensorType{DType::kBF16, {2}}));
  REQUIRE_FALSE(bytes.ok());
  CHECK_THAT(bytes.status().message(), Catch::Contains("bf16"));
}

TEST_CASE("npy: files round-trip through the file system", "[npy]") {
  std::string dir = TempDir();
  Tensor t = Tensor::FromI64(DType::kI64, {2, 2}, std::vector<int64_t>{1, -2, int64_t{1} << 40, 0});
  REQUIRE(WriteNpy(dir + "/a.npy", t).ok());
  auto back = ReadNpy(dir + "/a.npy");
  REQUIRE(back.ok());
  CHECK(*back == t);
  auto missing = ReadNpy(dir + "/missing.npy");
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.status().message(), Catch::Contains("cannot open") && Catch::Contains("missing.npy"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("npy: NumPy reads what we write and we read what NumPy writes", "[npy][python]") {
  if (std::system("python3 -c 'import numpy' >/dev/null 2>&1") != 0) {
    WARN("python3 with numpy is not installed: skipping the NumPy cross-check");
    return;
  }
  std::string dir = TempDir();
  Tensor ours = Tensor::FromF32(DType::kF16, {2, 3}, std::vector<float>{0.5f, -1, 2, 3.25f, 1024, -0.125f});
  REQUIRE(WriteNpy(dir + "/ours.npy", ours).ok());
  std::string script =
      "import numpy as np, sys\n"
      "d = sys.argv[1]\n"
      "a = np.load(d + '/ours.npy')\n"
      "ok = a.dtype == np.float16 and a.shape == (2, 3) and "
      "(a == np.array([[0.5, -1, 2], [3.25, 1024, -0.125]], np.float16)).all()\n"
      "np.save(d + '/theirs_f32.npy', np.arange(12, dtype=np.float32).reshape(3, 4) / 8)\n"
      "np.save(d + '/theirs_bool.npy', np.array([True, False, True]))\n"
      "np.save(d + '/theirs_i32.npy', np.array(-5, dtype=np.int32))\n"
      "np.save(d + '/big.npy', np.zeros((3,) * 12 + (1,), np.int8))\n"
      "np.save(d + '/fortran.npy', np.asfortranarray(np.ones((2, 3), np.float32)))\n"
      "sys.exit(0 if ok else 3)\n";
  {
    FILE* f = std::fopen((dir + "/check.py").c_str(), "w");
    REQUIRE(f != nullptr);
    std::fputs(script.c_str(), f);
    std::fclose(f);
  }
  REQUIRE(std::system(("python3 " + dir + "/check.py " + dir).c_str()) == 0);

  auto f32 = ReadNpy(dir + "/theirs_f32.npy");
  REQUIRE(f32.ok());
  CHECK(f32->type() == TensorType{DType::kF32, {3, 4}});
  for (int64_t i = 0; i < 12; ++i) CHECK(f32->GetF32(i) == static_cast<float>(i) / 8);
  auto b = ReadNpy(dir + "/theirs_bool.npy");
  REQUIRE(b.ok());
  CHECK(b->ToI64() == std::vector<int64_t>{1, 0, 1});
  auto s = ReadNpy(dir + "/theirs_i32.npy");
  REQUIRE(s.ok());
  CHECK(s->type() == TensorType{DType::kI32, {}});
  CHECK(s->GetI64(0) == -5);
  auto big = ReadNpy(dir + "/big.npy");
  REQUIRE(big.ok());
  CHECK(big->num_elements() == 531441);
  auto fortran = ReadNpy(dir + "/fortran.npy");
  REQUIRE_FALSE(fortran.ok());
  CHECK_THAT(fortran.status().message(), Catch::Contains("fortran_order"));
  // Byte-identical to numpy.save for a file NumPy wrote.
  Tensor expect = Tensor::FromF32(DType::kF32, {3, 4}, f32->ToF32());
  auto ours_bytes = EncodeNpy(expect);
  REQUIRE(ours_bytes.ok());
  std::FILE* f = std::fopen((dir + "/theirs_f32.npy").c_str(), "rb");
  REQUIRE(f != nullptr);
  std::vector<uint8_t> theirs(ours_bytes->size() + 16);
  size_t n = std::fread(theirs.data(), 1, theirs.size(), f);
  std::fclose(f);
  theirs.resize(n);
  CHECK(theirs == *ours_bytes);
  std::filesystem::remove_all(dir);
}

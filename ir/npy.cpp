// NumPy .npy reading and writing. The header is a Python dict literal; we read the three keys NumPy
// writes ('descr', 'fortran_order', 'shape') with a small tolerant parser, and write the header the
// way numpy.save does (keys in that order, padded with spaces to a multiple of 64 bytes, ending in a
// newline), so that files we write are byte-identical to NumPy's.
#include "ir/npy.h"

#include "ir/input_file.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>

#include <fmt/format.h>

namespace agt::ir {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;

std::optional<std::string_view> DescrOf(DType t) {
  switch (t) {
    case DType::kF32: return "<f4";
    case DType::kF16: return "<f2";
    case DType::kI64: return "<i8";
    case DType::kI32: return "<i4";
    case DType::kI8: return "|i1";
    case DType::kBool: return "|b1";
    case DType::kBF16: return std::nullopt;
  }
  return std::nullopt;
}

struct Header {
  std::string descr;
  bool fortran_order = false;
  Shape shape;
  bool has_descr = false, has_order = false, has_shape = false;
};

// A reader for the dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
class HeaderParser {
 public:
  HeaderParser(std::string_view s, std::string_view what) : s_(s), what_(what) {}

  Expected<Header> Parse() {
    Header h;
    Skip();
    if (!Eat('{')) return Fail("expected '{'");
    while (true) {
      Skip();
      if (Eat('}')) break;
      std::string key;
      if (!ReadString(key)) return Fail("expected a quoted key");
      Skip();
      if (!Eat(':')) return Fail("expected ':'");
      Skip();
      if (key == "descr") {
        if (!ReadString(h.descr)) return Fail("'descr' must be a string");
        h.has_descr = true;
      } else if (key == "fortran_order") {
        if (Word("True")) {
          h.fortran_order = true;
        } else if (!Word("False")) {
          return Fail("'fortran_order' must be True or False");
        }
        h.has_order = true;
      } else if (key == "shape") {
        if (!ReadShape(h.shape)) return Fail("'shape' must be a tuple of non-negative integers");
        h.has_shape = true;
      } else {
        return Fail(fmt::format("unexpected key '{}'", key));
      }
      Skip();
      if (Eat(',')) continue;
      Skip();
      if (Eat('}')) break;
      return Fail("expected ',' or '}'");
    }
    if (!h.has_descr || !h.has_order || !h.has_shape) return Fail("needs 'descr', 'fortran_order' and 'shape'");
    return h;
  }

 private:
  Status Fail(const std::string& m) const {
    return Status::Errorf("{}: malformed .npy header at byte {}: {}", what_, i_, m);
  }
  void Skip() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool Eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool Word(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }
  bool ReadString(std::string& out) {
    if (i_ >= s_.size() || (s_[i_] != '\'' && s_[i_] != '"')) return false;
    char q = s_[i_++];
    size_t end = s_.find(q, i_);
    if (end == std::string_view::npos) return false;
    out = std::string(s_.substr(i_, end - i_));
    i_ = end + 1;
    return true;
  }
  bool ReadShape(Shape& shape) {
    if (!Eat('(')) return false;
    while (true) {
      Skip();
      if (Eat(')')) return true;
      if (i_ >= s_.size() || s_[i_] < '0' || s_[i_] > '9') return false;
      int64_t d = 0;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
        if (d > (int64_t{1} << 50)) return false;
        d = d * 10 + (s_[i_++] - '0');
      }
      Eat('L');   // Python 2 longs
      shape.push_back(d);
      Skip();
      if (Eat(',')) continue;
      Skip();
      return Eat(')');
    }
  }

  std::string_view s_;
  std::string_view what_;
  size_t i_ = 0;
};

Expected<DType> DTypeOfDescr(const std::string& descr, std::string_view what) {
  if (descr.size() >= 2 && descr[0] == '>' && descr.substr(1) != "i1" && descr.substr(1) != "b1") {
    return Status::Errorf("{}: big-endian data ('{}') is not supported; save it little-endian", what, descr);
  }
  std::string body = descr;
  if (!body.empty() && (body[0] == '<' || body[0] == '|' || body[0] == '=' || body[0] == '>')) body = body.substr(1);
  if (body == "f4") return DType::kF32;
  if (body == "f2") return DType::kF16;
  if (body == "i8") return DType::kI64;
  if (body == "i4") return DType::kI32;
  if (body == "i1") return DType::kI8;
  if (body == "b1" || body == "?") return DType::kBool;
  return Status::Errorf("{}: unsupported .npy dtype '{}' (supported: f4, f2, i8, i4, i1, b1)", what, descr);
}

uint32_t ReadLE(const uint8_t* p, int n) {
  uint32_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

Expected<Tensor> DecodeNpy(std::span<const uint8_t> bytes, std::string_view what) {
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, kMagicLen) != 0) {
    return Status::Errorf("{}: not a .npy file (no \\x93NUMPY magic)", what);
  }
  uint8_t major = bytes[6];
  size_t header_start = 0, header_len = 0;
  if (major == 1) {
    header_len = ReadLE(bytes.data() + 8, 2);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return Status::Errorf("{}: truncated .npy header", what);
    header_len = ReadLE(bytes.data() + 8, 4);
    header_start = 12;
  } else {
    return Status::Errorf("{}: unsupported .npy format version {}.{}", what, major, bytes[7]);
  }
  if (bytes.size() < header_start + header_len) return Status::Errorf("{}: truncated .npy header", what);
  std::string_view text(reinterpret_cast<const char*>(bytes.data() + header_start), header_len);
  AGT_ASSIGN_OR_RETURN(Header h, HeaderParser(text, what).Parse());
  if (h.fortran_order) {
    return Status::Errorf("{}: fortran_order arrays are not supported; save a C-ordered array "
                          "(numpy.ascontiguousarray)", what);
  }
  AGT_ASSIGN_OR_RETURN(DType dt, DTypeOfDescr(h.descr, what));
  TensorType type{dt, h.shape};
  size_t data_start = header_start + header_len;
  size_t have = bytes.size() - data_start;
  // Checked in 128-bit arithmetic: a hostile shape must not overflow the size computation.
  unsigned __int128 want = DTypeSize(dt);
  for (int64_t d : h.shape) want *= static_cast<unsigned __int128>(d);
  if (want != have) {
    return Status::Errorf("{}: a {} array needs {} data bytes, the file has {}", what, type.ToString(),
                          static_cast<uint64_t>(want > UINT64_MAX ? UINT64_MAX : want), have);
  }
  std::vector<uint8_t> data(bytes.begin() + static_cast<std::ptrdiff_t>(data_start), bytes.end());
  return Tensor(type, std::move(data));
}

Expected<std::vector<uint8_t>> EncodeNpy(const Tensor& t) {
  auto descr = DescrOf(t.dtype());
  if (!descr) return Status::Errorf("a {} tensor cannot be written as .npy: NumPy has no {}", t.type().ToString(),
                                    DTypeName(t.dtype()));
  std::string shape;
  if (t.shape().size() == 1) {
    shape = fmt::format("({},)", t.shape()[0]);
  } else {
    shape = fmt::format("({})", fmt::join(t.shape(), ", "));
  }
  std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", *descr, shape);
  // Pad (spaces, then '\n') so that the data starts on a multiple of 64 bytes, as numpy.save does.
  size_t prefix = dict.size() + 1 + 10 >= 65536 ? 12 : 10;
  size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  dict.append(total - prefix - dict.size() - 1, ' ');
  dict += '\n';
  std::vector<uint8_t> out(kMagic, kMagic + kMagicLen);
  out.push_back(prefix == 10 ? 1 : 2);
  out.push_back(0);
  uint32_t len = static_cast<uint32_t>(dict.size());
  for (size_t i = 0; i < prefix - 8; ++i) out.push_back(static_cast<uint8_t>(len >> (8 * i)));
  out.insert(out.end(), dict.begin(), dict.end());
  out.insert(out.end(), t.raw(), t.raw() + t.size_bytes());
  return out;
}

Expected<Tensor> ReadNpy(const std::string& path) {
  AGT_RETURN_IF_ERROR(CheckRegularFile(path));   // a folder throws in the stream, a pipe blocks it
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::Errorf("cannot open '{}'", path);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) return Status::Errorf("cannot read '{}'", path);
  return DecodeNpy(bytes, path);
}

Status WriteNpy(const std::string& path, const Tensor& t) {
  AGT_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, EncodeNpy(t));
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) return Status::Errorf("cannot create '{}'", path);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f) return Status::Errorf("cannot write '{}'", path);
  return Status::Ok();
}

}  // namespace agt::ir

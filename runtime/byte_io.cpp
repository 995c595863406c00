// Bounds-checked little-endian encoding of artifact sections; see byte_io.h.
#include "runtime/byte_io.h"

namespace agt::runtime {

void StoreLE32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
void StoreLE64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t LoadLE32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
uint64_t LoadLE64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void ByteWriter::U32(uint32_t v) {
  uint8_t b[4];
  StoreLE32(b, v);
  Raw(b, 4);
}
void ByteWriter::U64(uint64_t v) {
  uint8_t b[8];
  StoreLE64(b, v);
  Raw(b, 8);
}
void ByteWriter::Str(const std::string& s) {
  U32(static_cast<uint32_t>(s.size()));
  Raw(s.data(), s.size());
}
void ByteWriter::Blob(const std::vector<uint8_t>& b) {
  U64(b.size());
  Raw(b.data(), b.size());
}
void ByteWriter::Raw(const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  bytes_.insert(bytes_.end(), p, p + size);
}
void ByteWriter::PadTo(size_t alignment) {
  while (bytes_.size() % alignment != 0) bytes_.push_back(0);
}
void ByteWriter::PatchU64(size_t at, uint64_t v) { StoreLE64(bytes_.data() + at, v); }

bool ByteReader::Take(size_t n) {
  if (!ok_ || n > size_ - pos_) {
    ok_ = false;
    return false;
  }
  return true;
}

uint8_t ByteReader::U8() {
  if (!Take(1)) return 0;
  return data_[pos_++];
}
uint32_t ByteReader::U32() {
  if (!Take(4)) return 0;
  uint32_t v = LoadLE32(data_ + pos_);
  pos_ += 4;
  return v;
}
uint64_t ByteReader::U64() {
  if (!Take(8)) return 0;
  uint64_t v = LoadLE64(data_ + pos_);
  pos_ += 8;
  return v;
}
std::string ByteReader::Str(size_t max_len) {
  uint32_t n = U32();
  if (n > max_len || !Take(n)) {
    ok_ = false;
    return {};
  }
  std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
  pos_ += n;
  return s;
}
std::vector<uint8_t> ByteReader::Blob() {
  uint64_t n = U64();
  if (!Take(n)) return {};
  std::vector<uint8_t> b(data_ + pos_, data_ + pos_ + n);
  pos_ += n;
  return b;
}
uint64_t ByteReader::Count(size_t min_element_bytes) {
  uint64_t n = U64();
  if (!ok_) return 0;
  if (min_element_bytes > 0 && n > remaining() / min_element_bytes) {
    ok_ = false;
    return 0;
  }
  return n;
}

}  // namespace agt::runtime

// Little-endian encoding of the artifact's sections. ByteWriter appends fixed-width integers, strings
// and blobs; ByteReader reads them back with a bounds check on every read and a sticky failure, so a
// truncated or corrupted section can never make the reader step outside its bytes: the caller reads
// everything, then asks ok() once and refuses the artifact if anything was out of bounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace agt::runtime {

class ByteWriter {
 public:
  void U8(uint8_t v) { bytes_.push_back(v); }
  void U32(uint32_t v);
  void U64(uint64_t v);
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  void Str(const std::string& s);                        // u32 length + bytes
  void Blob(const std::vector<uint8_t>& b);              // u64 length + bytes
  void Raw(const void* data, size_t size);
  void PadTo(size_t alignment);                          // zero bytes up to a multiple of alignment
  void PatchU64(size_t at, uint64_t v);                  // overwrites 8 bytes written before

  size_t size() const { return bytes_.size(); }
  const std::vector<uint8_t>& bytes() const { return bytes_; }
  std::vector<uint8_t> Take() { return std::move(bytes_); }

 private:
  std::vector<uint8_t> bytes_;
};

class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  uint8_t U8();
  uint32_t U32();
  uint64_t U64();
  int64_t I64() { return static_cast<int64_t>(U64()); }
  std::string Str(size_t max_len = 1 << 20);
  std::vector<uint8_t> Blob();
  // A count of elements that follow, each at least min_element_bytes long; fails when the bytes left
  // cannot hold them, which stops a corrupted count from allocating gigabytes.
  uint64_t Count(size_t min_element_bytes);

  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == size_; }
  size_t position() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }
  void Fail() { ok_ = false; }

 private:
  bool Take(size_t n);
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  bool ok_ = true;
};

void StoreLE32(uint8_t* p, uint32_t v);
void StoreLE64(uint8_t* p, uint64_t v);
uint32_t LoadLE32(const uint8_t* p);
uint64_t LoadLE64(const uint8_t* p);

}  // namespace agt::runtime

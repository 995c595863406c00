/* The checksum that guards every part of an AutoGTCO artifact (the container header, each section,
 * the pack footer, the code before the payload, the external weights file), in C so that an
 * application can check an artifact before it loads one (autogtco/verify.h) with the same definition
 * the runtime uses (runtime/checksum.h wraps it). A streaming 64-bit hash over little-endian words:
 * each step is a bijection of the state for a given word, so a change confined to one word is always
 * detected, and it runs at several GB/s. C99, header-only. */
#ifndef AUTOGTCO_CHECKSUM64_H_
#define AUTOGTCO_CHECKSUM64_H_

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct agt_checksum64 {
  uint64_t state;
  uint64_t length;
  uint8_t pending[8];
  size_t num_pending;
} agt_checksum64;

static inline uint64_t agt_checksum64_load_le64(const uint8_t* p) {
  uint64_t v = 0;
  int i;
  for (i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

static inline void agt_checksum64_mix(agt_checksum64* c, uint64_t word) {
  uint64_t v = (c->state ^ word) * 0x9e3779b97f4a7c15ull;
  c->state = (v << 29) | (v >> 35);
}

static inline void agt_checksum64_init(agt_checksum64* c) {
  c->state = 0x243f6a8885a308d3ull;
  c->length = 0;
  memset(c->pending, 0, sizeof c->pending);
  c->num_pending = 0;
}

static inline void agt_checksum64_update(agt_checksum64* c, const void* data, size_t size) {
  const uint8_t* p = (const uint8_t*)data;
  size_t i;
  c->length += size;
  while (c->num_pending > 0 && size > 0) {
    c->pending[c->num_pending++] = *p++;
    --size;
    if (c->num_pending == 8) {
      agt_checksum64_mix(c, agt_checksum64_load_le64(c->pending));
      c->num_pending = 0;
    }
  }
  while (size >= 8) {
    agt_checksum64_mix(c, agt_checksum64_load_le64(p));
    p += 8;
    size -= 8;
  }
  for (i = 0; i < size; ++i) c->pending[c->num_pending++] = p[i];
}

/* The sum of everything given so far; the state is left as it was (more updates may follow). */
static inline uint64_t agt_checksum64_finish(const agt_checksum64* c) {
  agt_checksum64 tail = *c;
  uint64_t h;
  if (tail.num_pending > 0) {
    uint8_t word[8] = {0};
    memcpy(word, tail.pending, tail.num_pending);
    agt_checksum64_mix(&tail, agt_checksum64_load_le64(word));
  }
  agt_checksum64_mix(&tail, tail.length);
  /* Final avalanche (a bijection), so that nearby inputs give unrelated sums. */
  h = tail.state;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

#endif /* AUTOGTCO_CHECKSUM64_H_ */

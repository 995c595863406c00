/* Verify before you load: a flipped byte in an artifact's code or dynamic tables crashes inside the
 * system's dynamic loader, before any function of the artifact runs, so an application checks the
 * file first and only then dlopens it:
 *
 *   char why[256];
 *   if (agt_verify_code_file("model.so", why, sizeof why) != 0) { fprintf(stderr, "%s\n", why); exit(1); }
 *   void* lib = dlopen("model.so", RTLD_NOW | RTLD_LOCAL);
 *
 * It reads the pack footer at the end of the file (its magic, version and own checksum) and sums every
 * byte before the payload (the runtime's code and its tables) against the checksum the footer holds.
 * The payload itself (container, sections, weights) is checked by agt_model_open after the load; to
 * check everything on any machine, `autogtco verify model.so`. Header-only C99 (+ POSIX stat); the
 * same definitions the runtime packs and reads with (runtime/pack.cpp, runtime/artifact_reader.cpp).
 *
 * Footer (the file's last 64 bytes, little-endian): magic "AGTFOOT1", payload offset (u64), payload
 * size (u64), format version (u32), weights mode (u32), checksum of the bytes before the payload (u64),
 * 8 reserved bytes, checksum of the footer's first 48 bytes (u64), end magic "AGTEND01". */
#ifndef AUTOGTCO_VERIFY_H_
#define AUTOGTCO_VERIFY_H_

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "checksum64.h"

#define AGT_ARTIFACT_FORMAT_VERSION 5u
#define AGT_FOOTER_MAGIC "AGTFOOT1"
#define AGT_FOOTER_END_MAGIC "AGTEND01"
#define AGT_FOOTER_BYTES 64

static inline int agt_verify_fail(char* msg, size_t len, const char* path, const char* what) {
  if (msg != NULL && len > 0) snprintf(msg, len, "%s: %s", path, what);
  return 1;
}

/* 0 when the bytes before the payload of the packed artifact at `path` match its footer; otherwise 1,
 * with why in `msg` (up to `len` bytes, NUL-terminated; msg may be NULL). */
static inline int agt_verify_code_file(const char* path, char* msg, size_t len) {
  uint8_t footer[AGT_FOOTER_BYTES];
  uint8_t buf[1 << 14];
  struct stat st;
  agt_checksum64 sum;
  uint64_t offset, payload, body, at;
  long size;
  uint32_t version;
  FILE* f;
  /* Regular files only: a folder has no size to read, and opening a named pipe blocks. */
  if (stat(path, &st) != 0) return agt_verify_fail(msg, len, path, "cannot open the file");
  if (!S_ISREG(st.st_mode)) return agt_verify_fail(msg, len, path, "not a regular file");
  f = fopen(path, "rb");
  if (f == NULL) return agt_verify_fail(msg, len, path, "cannot open the file");
  if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0) {
    fclose(f);
    return agt_verify_fail(msg, len, path, "cannot read the file (not a regular file?)");
  }
  if (size < AGT_FOOTER_BYTES || fseek(f, size - AGT_FOOTER_BYTES, SEEK_SET) != 0 ||
      fread(footer, 1, AGT_FOOTER_BYTES, f) != AGT_FOOTER_BYTES || memcmp(footer, AGT_FOOTER_MAGIC, 8) != 0 ||
      memcmp(footer + 56, AGT_FOOTER_END_MAGIC, 8) != 0) {
    fclose(f);
    return agt_verify_fail(msg, len, path, "no AutoGTCO footer at its end (not a packed artifact, or truncated)");
  }
  agt_checksum64_init(&sum);
  agt_checksum64_update(&sum, footer, 48);
  if (agt_checksum64_finish(&sum) != agt_checksum64_load_le64(footer + 48)) {
    fclose(f);
    return agt_verify_fail(msg, len, path, "footer checksum mismatch");
  }
  version = (uint32_t)footer[24] | ((uint32_t)footer[25] << 8) | ((uint32_t)footer[26] << 16) | ((uint32_t)footer[27] << 24);
  if (version != AGT_ARTIFACT_FORMAT_VERSION) {
    fclose(f);
    return agt_verify_fail(msg, len, path, "another artifact format version (recompile the model)");
  }
  offset = agt_checksum64_load_le64(footer + 8);
  payload = agt_checksum64_load_le64(footer + 16);
  body = (uint64_t)size - AGT_FOOTER_BYTES;
  if (offset > body || payload != body - offset) {
    fclose(f);
    return agt_verify_fail(msg, len, path, "the footer's payload range does not match the file (truncated or modified)");
  }
  agt_checksum64_init(&sum);
  if (fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return agt_verify_fail(msg, len, path, "cannot read the file");
  }
  for (at = 0; at < offset;) {
    size_t n = offset - at < sizeof buf ? (size_t)(offset - at) : sizeof buf;
    if (fread(buf, 1, n, f) != n) {
      fclose(f);
      return agt_verify_fail(msg, len, path, "cannot read the file");
    }
    agt_checksum64_update(&sum, buf, n);
    at += n;
  }
  fclose(f);
  if (agt_checksum64_finish(&sum) != agt_checksum64_load_le64(footer + 32)) {
    return agt_verify_fail(msg, len, path, "the runtime code or its dynamic tables were modified (checksum mismatch before the payload)");
  }
  if (msg != NULL && len > 0) msg[0] = '\0';
  return 0;
}

#endif /* AUTOGTCO_VERIFY_H_ */

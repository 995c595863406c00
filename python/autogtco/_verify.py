"""Verify before dlopen, in Python: the check of autogtco/verify.h (agt_verify_code_file) over the same
definitions (runtime/include/autogtco/checksum64.h). A flipped byte in an artifact's code or dynamic
tables crashes inside the dynamic loader, which would take the Python process with it; a truncated
file can die of SIGBUS there. So load() reads the pack footer and sums every byte before the payload
first. The payload itself (container, sections, weights) is checked by agt_model_open afterwards.
"""
from __future__ import annotations

import os
import stat
import struct

from .errors import CorruptArtifactError

FORMAT_VERSION = 5
FOOTER_MAGIC = b"AGTFOOT1"
FOOTER_END_MAGIC = b"AGTEND01"
FOOTER_BYTES = 64
_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


class Checksum64:
    """checksum64.h's streaming hash: each 64-bit little-endian word is mixed in by a bijection."""

    def __init__(self) -> None:
        self.state = 0x243F6A8885A308D3
        self.length = 0
        self.pending = b""

    def update(self, data: bytes) -> None:
        self.length += len(data)
        data = self.pending + data
        whole = len(data) - len(data) % 8
        state = self.state
        for (word,) in struct.iter_unpack("<Q", data[:whole]):
            v = ((state ^ word) * _GOLDEN) & _MASK
            state = ((v << 29) | (v >> 35)) & _MASK
        self.state = state
        self.pending = data[whole:]

    def finish(self) -> int:
        state = self.state
        for word in ([int.from_bytes(self.pending.ljust(8, b"\0"), "little")] if self.pending else []) + [self.length]:
            v = ((state ^ word) * _GOLDEN) & _MASK
            state = ((v << 29) | (v >> 35)) & _MASK
        h = state
        h ^= h >> 33
        h = (h * 0xFF51AFD7ED558CCD) & _MASK
        h ^= h >> 33
        h = (h * 0xC4CEB9FE1A85EC53) & _MASK
        h ^= h >> 33
        return h


def checksum64(data: bytes) -> int:
    c = Checksum64()
    c.update(data)
    return c.finish()


def verify_code_file(path: str) -> None:
    """Raises CorruptArtifactError unless the bytes before the payload of the packed artifact at `path`
    match its footer (FileNotFoundError when there is no such file)."""
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise CorruptArtifactError(f"{path}: not a regular file")
    size = st.st_size
    with open(path, "rb") as f:
        footer = b""
        if size >= FOOTER_BYTES:
            f.seek(size - FOOTER_BYTES)
            footer = f.read(FOOTER_BYTES)
        if len(footer) != FOOTER_BYTES or footer[:8] != FOOTER_MAGIC or footer[56:] != FOOTER_END_MAGIC:
            raise CorruptArtifactError(f"{path}: no AutoGTCO footer at its end (not a packed artifact, or truncated)")
        offset, payload, version, _mode, code_sum = struct.unpack_from("<QQIIQ", footer, 8)
        if checksum64(footer[:48]) != struct.unpack_from("<Q", footer, 48)[0]:
            raise CorruptArtifactError(f"{path}: footer checksum mismatch")
        if version != FORMAT_VERSION:
            raise CorruptArtifactError(f"{path}: artifact format version {version}, this package reads "
                                       f"{FORMAT_VERSION} (recompile the model)")
        body = size - FOOTER_BYTES
        if offset > body or payload != body - offset:
            raise CorruptArtifactError(f"{path}: the footer's payload range does not match the file "
                                       "(truncated or modified)")
        f.seek(0)
        c = Checksum64()
        left = offset
        while left > 0:
            chunk = f.read(min(left, 1 << 20))
            if not chunk:
                raise CorruptArtifactError(f"{path}: cannot read the file")
            c.update(chunk)
            left -= len(chunk)
    if c.finish() != code_sum:
        raise CorruptArtifactError(f"{path}: the runtime code or its dynamic tables were modified "
                                   "(checksum mismatch before the payload)")

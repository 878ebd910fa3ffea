"""Files encrypted at rest in chunks (AES-256-GCM), written and read as streams.

Each chunk is `length (4 bytes, big-endian) || format byte || nonce || ciphertext`; its associated
data names the file (a label), the chunk's index and whether it is the last one, so chunks cannot
be reordered, dropped, swapped between files, or the file truncated, without failing to decrypt.
Memory stays at one chunk whatever the file size.
"""

from __future__ import annotations

import io
import secrets
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.crypto.aead import FORMAT_V1, NONCE_BYTES, DecryptionError

CHUNK_BYTES = 1 << 20
_LENGTH = struct.Struct(">I")


def _aad(label: str, index: int, last: bool) -> bytes:
    return f"parcours/stream/v1|{label}|{index}|{'last' if last else 'more'}".encode()


class EncryptingWriter(io.RawIOBase):
    """A write-only, unseekable file that encrypts what it is given into `handle`; `close` ends it."""

    def __init__(self, handle: BinaryIO, key: bytes, label: str) -> None:
        super().__init__()
        self._handle, self._aead, self._label = handle, AESGCM(key), label
        self._buffer = bytearray()
        self._index = self._position = 0

    def writable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        if self.closed:
            raise ValueError("write to a closed file")
        view = memoryview(data).cast("B")
        self._buffer += view
        self._position += len(view)
        while len(self._buffer) > CHUNK_BYTES:
            self._emit(bytes(self._buffer[:CHUNK_BYTES]), last=False)
            del self._buffer[:CHUNK_BYTES]
        return len(view)

    def close(self) -> None:
        if not self.closed:
            self._emit(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._handle.flush()
        super().close()

    def _emit(self, plaintext: bytes, *, last: bool) -> None:
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = FORMAT_V1 + nonce + self._aead.encrypt(nonce, plaintext, _aad(self._label, self._index, last))
        self._handle.write(_LENGTH.pack(len(sealed)) + sealed)
        self._index += 1


def decrypt_chunks(handle: BinaryIO, key: bytes, label: str) -> Iterator[bytes]:
    """The plaintext of a file written by `EncryptingWriter`, chunk by chunk; DecryptionError if altered."""
    aead, index, ended = AESGCM(key), 0, False
    while header := handle.read(_LENGTH.size):
        if ended or len(header) != _LENGTH.size:
            raise DecryptionError(f"{label}: data after the last chunk")
        length = _LENGTH.unpack(header)[0]
        if length > CHUNK_BYTES + 1 + NONCE_BYTES + 16:
            raise DecryptionError(f"{label}: chunk {index} too long")
        sealed = handle.read(length)
        if len(sealed) != length or sealed[:1] != FORMAT_V1:
            raise DecryptionError(f"{label}: chunk {index} truncated")
        nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
        for last in (False, True):
            try:
                plaintext = aead.decrypt(nonce, body, _aad(label, index, last))
            except InvalidTag:
                continue
            ended = last
            break
        else:
            raise DecryptionError(f"{label}: chunk {index} altered")
        index += 1
        yield plaintext
    if not ended:
        raise DecryptionError(f"{label}: file truncated")

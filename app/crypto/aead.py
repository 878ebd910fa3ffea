"""Authenticated encryption of per-child values (AES-256-GCM, random 96-bit nonces).

Every ciphertext carries a format byte and its nonce; the associated data names the table, the
row, the field, the data-key version and, for rows that count their writes, the write number, so
a ciphertext copied to another row or field, under another key, or an older value of the same
field written back into its row, does not decrypt.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_V1 = b"\x01"
NONCE_BYTES = 12


class DecryptionError(ValueError):
    """A ciphertext was altered, moved, or opened with the wrong key."""


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def associated_data(table: str, row_id: object, field: str, key_version: int, write: int = 0) -> bytes:
    """`write` (the row's write counter, 0 for rows that keep none) binds a value to one write."""
    suffix = f"|w{write}" if write else ""
    return f"parcours/v1|{table}|{row_id}|{field}|{key_version}{suffix}".encode()


class ChildCipher:
    """Encrypts and decrypts the values of one child with its data key."""

    def __init__(self, data_key: bytes, key_version: int) -> None:
        self._aead = AESGCM(data_key)
        self.key_version = key_version

    def encrypt(self, table: str, row_id: object, field: str, plaintext: bytes, *, write: int = 0) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        aad = associated_data(table, row_id, field, self.key_version, write)
        return FORMAT_V1 + nonce + self._aead.encrypt(nonce, plaintext, aad)

    def decrypt(self, table: str, row_id: object, field: str, ciphertext: bytes, *, write: int = 0) -> bytes:
        if len(ciphertext) < 1 + NONCE_BYTES + 16 or ciphertext[:1] != FORMAT_V1:
            raise DecryptionError(f"{table}.{field} of row {row_id}: not a Parcours ciphertext")
        nonce = ciphertext[1 : 1 + NONCE_BYTES]
        aad = associated_data(table, row_id, field, self.key_version, write)
        try:
            return self._aead.decrypt(nonce, ciphertext[1 + NONCE_BYTES :], aad)
        except InvalidTag as exc:
            raise DecryptionError(f"{table}.{field} of row {row_id}: authentication failed") from exc

    def encrypt_text(self, table: str, row_id: object, field: str, value: str, *, write: int = 0) -> bytes:
        return self.encrypt(table, row_id, field, value.encode("utf-8"), write=write)

    def decrypt_text(self, table: str, row_id: object, field: str, ciphertext: bytes, *, write: int = 0) -> str:
        return self.decrypt(table, row_id, field, ciphertext, write=write).decode("utf-8")

    def encrypt_json(self, table: str, row_id: object, field: str, value: Any, *, write: int = 0) -> bytes:
        payload = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        return self.encrypt_text(table, row_id, field, payload, write=write)

    def decrypt_json(self, table: str, row_id: object, field: str, ciphertext: bytes, *, write: int = 0) -> Any:
        return json.loads(self.decrypt_text(table, row_id, field, ciphertext, write=write))

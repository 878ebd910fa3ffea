"""Key-encryption keys and the blind-index key, stored as files in `instance/keys/`.

KEKs are numbered (`kek-1.key`, `kek-2.key`, ...); the highest number is the current one. A
per-child data key is wrapped (AES key wrap, NIST SP 800-38F) by the current KEK and records the
KEK's number, so a rotation can re-wrap every child key and resume where it stopped.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from app.crypto.aead import ChildCipher

KEY_BYTES = 32
BLIND_INDEX_FILE = "blind-index.key"
AUDIT_KEY_FILE = "audit.key"
BACKUP_KEY_FILE = "backup.key"
_KEK_FILE = re.compile(r"^kek-(\d+)\.key$")


class MissingKeyError(RuntimeError):
    """A key the instance needs is not in its keys folder."""


class UnwrapError(RuntimeError):
    """A wrapped data key does not open with the key-encryption key it names."""


def _write_key(path: Path, key: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)


def ensure_keys_dir(keys_path: Path) -> None:
    keys_path.mkdir(mode=0o700, parents=True, exist_ok=True)
    keys_path.chmod(0o700)


def create_initial_keys(keys_path: Path) -> bool:
    """Create the first KEK and the blind-index key; never overwrite. True if created."""
    ensure_keys_dir(keys_path)
    created = False
    if not any(_KEK_FILE.match(p.name) for p in keys_path.iterdir()):
        _write_key(keys_path / "kek-1.key", secrets.token_bytes(KEY_BYTES))
        created = True
    for name in (BLIND_INDEX_FILE, AUDIT_KEY_FILE, BACKUP_KEY_FILE):
        if not (keys_path / name).exists():
            _write_key(keys_path / name, secrets.token_bytes(KEY_BYTES))
            created = True
    return created


class KeyRing:
    """The instance's key-encryption keys and blind-index key, loaded once per process."""

    def __init__(
        self, keks: dict[int, bytes], blind_index_key: bytes, audit_key: bytes = b"", backup_key: bytes = b""
    ) -> None:
        if not keks:
            raise MissingKeyError("no key-encryption key")
        self._keks = keks
        self.blind_index_key = blind_index_key
        # HMAC keys of the audit chain and of backups (see app.audit, app.maintenance.backup).
        self.audit_key = audit_key
        self.backup_key = backup_key

    @classmethod
    def load(cls, keys_path: Path) -> KeyRing:
        if not keys_path.is_dir():
            raise MissingKeyError(
                f"Key folder {keys_path} is missing: the key-encryption key is required "
                "(run `parcours init`, or copy the keys of this instance)."
            )
        keks: dict[int, bytes] = {}
        for path in keys_path.iterdir():
            match = _KEK_FILE.match(path.name)
            if match:
                keks[int(match.group(1))] = _read_key(path)
        if not keks:
            raise MissingKeyError(f"No key-encryption key (kek-N.key) in {keys_path}; refusing to start without it.")
        blind_path = keys_path / BLIND_INDEX_FILE
        if not blind_path.is_file():
            raise MissingKeyError(f"Blind-index key {blind_path} is missing; refusing to start.")
        hmac_keys = []
        for name in (AUDIT_KEY_FILE, BACKUP_KEY_FILE):
            if not (keys_path / name).is_file():
                raise MissingKeyError(
                    f"Key {keys_path / name} is missing: run `parcours init` once on this existing instance "
                    "to create it (it never overwrites a key), then start again."
                )
            hmac_keys.append(_read_key(keys_path / name))
        return cls(keks, _read_key(blind_path), *hmac_keys)

    @property
    def current_version(self) -> int:
        return max(self._keks)

    def wrap(self, data_key: bytes) -> tuple[bytes, int]:
        version = self.current_version
        return aes_key_wrap(self._keks[version], data_key), version

    def unwrap(self, wrapped: bytes, version: int) -> bytes:
        kek = self._keks.get(version)
        if kek is None:
            raise UnwrapError(f"key-encryption key {version} is not in this instance")
        try:
            return aes_key_unwrap(kek, wrapped)
        except InvalidUnwrap as exc:
            raise UnwrapError(f"wrapped key does not open with key-encryption key {version}") from exc

    def _instance_cipher(self, version: int) -> ChildCipher:
        """AES-GCM under a key derived from KEK `version`, for the instance's own secrets."""
        kek = self._keks.get(version)
        if kek is None:
            raise UnwrapError(f"key-encryption key {version} is not in this instance")
        derived = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=b"parcours/instance-secrets")
        return ChildCipher(derived.derive(kek), version)

    def seal(self, table: str, row_id: object, field: str, plaintext: bytes) -> tuple[bytes, int]:
        """Encrypt an instance secret (e.g. a TOTP seed) under the current KEK; returns (ciphertext, version)."""
        version = self.current_version
        return self._instance_cipher(version).encrypt(table, row_id, field, plaintext), version

    def open(self, table: str, row_id: object, field: str, ciphertext: bytes, version: int) -> bytes:
        return self._instance_cipher(version).decrypt(table, row_id, field, ciphertext)

    def versions(self) -> list[int]:
        return sorted(self._keks)

    def forget(self, version: int) -> None:
        if version == self.current_version:
            raise ValueError("the current key-encryption key cannot be forgotten")
        del self._keks[version]

    def add_kek(self, keys_path: Path) -> int:
        """Create the next KEK file and make it current."""
        version = self.current_version + 1
        key = secrets.token_bytes(KEY_BYTES)
        _write_key(keys_path / f"kek-{version}.key", key)
        self._keks[version] = key
        return version


def _read_key(path: Path) -> bytes:
    key = path.read_bytes()
    if len(key) != KEY_BYTES:
        raise MissingKeyError(f"{path} does not hold a {KEY_BYTES}-byte key")
    return key

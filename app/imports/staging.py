"""Keeping an uploaded import file between its preview and its confirmation.

The file holds names and birth dates, so it never sits in clear on the server: it is encrypted
with AES-256-GCM under a fresh random key and written to `instance/import-staging/<id>.bin`
(mode 0600). The key is not stored on the server: it travels, with the id, in the confirmation
form's hidden `token` (the browser that uploaded the file already has its content). The
associated data binds the ciphertext to the id and to the user and programme who uploaded it, so
another account cannot confirm it. The file is deleted after confirmation or cancellation, and
any staged file older than `MAX_AGE` (the session idle timeout) is deleted on the next upload.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
import time
from pathlib import Path

from app.crypto import ChildCipher, DecryptionError, new_data_key

FOLDER = "import-staging"
MAX_AGE_SECONDS = 30 * 60
_TOKEN = re.compile(r"^([0-9a-f]{32})\.([A-Za-z0-9_-]{43}=?)$")
_TABLE = "import_staging"


def _folder(instance_path: Path) -> Path:
    folder = instance_path / FOLDER
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _parse(token: str) -> tuple[str, bytes] | None:
    match = _TOKEN.match(token or "")
    if not match:
        return None
    try:
        key = base64.urlsafe_b64decode(match.group(2) + "=" * (-len(match.group(2)) % 4))
    except (binascii.Error, ValueError):
        return None
    return (match.group(1), key) if len(key) == 32 else None


def stage(instance_path: Path, data: bytes, owner: str) -> str:
    """Encrypt and store `data`; return the token that opens it again."""
    purge_expired(instance_path)
    staging_id, key = secrets.token_hex(16), new_data_key()
    ciphertext = ChildCipher(key, 1).encrypt(_TABLE, staging_id, owner, data)
    fd = os.open(_folder(instance_path) / f"{staging_id}.bin", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(ciphertext)
    return f"{staging_id}.{base64.urlsafe_b64encode(key).decode().rstrip('=')}"


def load(instance_path: Path, token: str, owner: str) -> bytes | None:
    """The staged file, or None when the token is wrong, expired, or not `owner`'s."""
    parsed = _parse(token)
    if parsed is None:
        return None
    staging_id, key = parsed
    path = _folder(instance_path) / f"{staging_id}.bin"
    if not path.is_file() or time.time() - path.stat().st_mtime > MAX_AGE_SECONDS:
        return None
    try:
        return ChildCipher(key, 1).decrypt(_TABLE, staging_id, owner, path.read_bytes())
    except DecryptionError:
        return None


def discard(instance_path: Path, token: str) -> None:
    parsed = _parse(token)
    if parsed is not None:
        (_folder(instance_path) / f"{parsed[0]}.bin").unlink(missing_ok=True)


def purge_expired(instance_path: Path) -> None:
    cutoff = time.time() - MAX_AGE_SECONDS
    for path in _folder(instance_path).glob("*.bin"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)

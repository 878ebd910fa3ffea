"""The head of the audit chain, kept outside the database in a file MACed with the audit key.

Someone who can rewrite the database but not this file (nor read the key) cannot remove the last
entries, empty the table or replace the chain unnoticed. The file only moves forward: a writer
that committed earlier but writes later never replaces a newer checkpoint.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

FILE = "audit-checkpoint.json"


class CheckpointError(RuntimeError):
    """The checkpoint file exists but was altered or cannot be read."""


@dataclass(frozen=True)
class Checkpoint:
    event_id: int
    hash: str


def path() -> Path:
    instance: Path = current_app.config["PARCOURS"].instance_path
    return instance / FILE


def _mac(key: bytes, event_id: int, last_hash: str) -> str:
    return hmac.new(key, f"audit-checkpoint:{event_id}:{last_hash}".encode(), hashlib.sha256).hexdigest()


def read(file: Path, key: bytes) -> Checkpoint | None:
    if not file.exists():
        return None
    try:
        values = json.loads(file.read_text(encoding="utf-8"))
        mark = Checkpoint(int(values["event_id"]), str(values["hash"]))
        mac = str(values["mac"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CheckpointError(f"le point de contrôle {file} est illisible ({error})") from error
    if not hmac.compare_digest(mac, _mac(key, mark.event_id, mark.hash)):
        raise CheckpointError(f"le point de contrôle {file} a été modifié ou écrit sans la clé d'audit")
    return mark


def write(file: Path, key: bytes, event_id: int, last_hash: str, *, force: bool = False) -> None:
    """Record (event_id, last_hash) unless a later entry is already checkpointed (or `force`)."""
    lock = os.open(file.with_suffix(".lock"), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not force:
            try:
                current = read(file, key)
            except CheckpointError:
                return  # an altered checkpoint stays as found, for `audit verify` to report
            if current is not None and current.event_id >= event_id:
                return
        text = json.dumps({"event_id": event_id, "hash": last_hash, "mac": _mac(key, event_id, last_hash)})
        temporary = file.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, file)
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        os.close(lock)

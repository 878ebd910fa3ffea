"""Key rotation: a new key-encryption key, and every per-child key re-wrapped under it.

Resumable: children still wrapped by an older KEK are re-wrapped in batches, each batch committed;
running the rotation again after an interruption finishes the job instead of starting another.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.auth import totp
from app.children.models import Child
from app.crypto import KeyRing
from app.users.models import User

BATCH = 500


def pending(session: Session, ring: KeyRing) -> int:
    """Children whose key is still wrapped by an older KEK."""
    query = (
        select(func.count())
        .select_from(Child)
        .where(Child.wrapped_key.is_not(None), Child.kek_version != ring.current_version)
    )
    return session.scalar(query) or 0


def rotate(
    session: Session, ring: KeyRing, keys_path: Path, progress: Callable[[int], None] | None = None
) -> tuple[int, int]:
    """Create a new KEK unless a rotation is unfinished, then re-wrap. Returns (kek version, re-wrapped)."""
    if pending(session, ring) == 0:
        ring.add_kek(keys_path)
        audit.record(session, "keys.rotate.start", target_type="kek", target_id=str(ring.current_version))
        session.commit()
    rewrapped = 0
    while True:
        batch = session.execute(
            select(Child.id, Child.wrapped_key, Child.kek_version)
            .where(Child.wrapped_key.is_not(None), Child.kek_version != ring.current_version)
            .limit(BATCH)
        ).all()
        if not batch:
            break
        for child_id, wrapped, version in batch:
            assert wrapped is not None
            new_wrapped, new_version = ring.wrap(ring.unwrap(wrapped, version))
            session.execute(
                update(Child).where(Child.id == child_id).values(wrapped_key=new_wrapped, kek_version=new_version)
            )
        session.commit()
        rewrapped += len(batch)
        if progress:
            progress(len(batch))
    for user in session.scalars(select(User).where(User.totp_secret.is_not(None))):
        totp.rewrap(user, ring)
    audit.record(session, "keys.rotate.done", target_type="kek", target_id=str(ring.current_version))
    session.commit()
    return ring.current_version, rewrapped


def retire_old_keks(ring: KeyRing, keys_path: Path) -> list[int]:
    """Delete every KEK file but the current one (after a purge: crypto-shredding)."""
    retired = []
    for version in ring.versions():
        if version != ring.current_version:
            (keys_path / f"kek-{version}.key").unlink()
            ring.forget(version)
            retired.append(version)
    return retired

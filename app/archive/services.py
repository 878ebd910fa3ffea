"""The files of web archive exports: encrypted at rest, read back decrypted, expired, destroyed.

Each export is a ZIP encrypted as it is written (`app.crypto.stream`) under a key of its own,
wrapped by the instance's key-encryption key. Files expire after `KEPT_FOR`, only the
`KEPT_PER_PROGRAMME` newest of a programme are kept, and a purge destroys those of the
programmes it touches (they may hold a purged child's documents).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.archive.models import DONE, EXPIRED, ArchiveExport
from app.audit import services as audit
from app.crypto.current import keyring
from app.crypto.stream import decrypt_chunks
from app.db import utcnow

KEPT_FOR = timedelta(hours=24)
KEPT_PER_PROGRAMME = 3


def export_file(instance_path: Path, job: ArchiveExport) -> Path:
    return instance_path / "exports" / f"{job.public_id}.zip.enc"


def _destroy(session: Session, instance_path: Path, job: ArchiveExport) -> None:
    export_file(instance_path, job).unlink(missing_ok=True)
    job.status, job.wrapped_key, job.kek_version = EXPIRED, None, None
    audit.record(
        session,
        "archive.export_destroy",
        programme_id=job.programme_id,
        target_type="archive_exports",
        target_id=job.public_id,
    )


def prune_exports(session: Session, instance_path: Path, programme_id: int) -> None:
    """Destroy the programme's exports past `KEPT_FOR`, and all but the newest `KEPT_PER_PROGRAMME`."""
    done = session.scalars(
        select(ArchiveExport)
        .where(ArchiveExport.programme_id == programme_id, ArchiveExport.status == DONE)
        .order_by(ArchiveExport.id.desc())
    ).all()
    limit = utcnow() - KEPT_FOR
    for rank, job in enumerate(done):
        if rank >= KEPT_PER_PROGRAMME or (job.finished_at or job.created_at) < limit:
            _destroy(session, instance_path, job)
    session.flush()


def destroy_exports(session: Session, instance_path: Path, programme_ids: Iterable[int]) -> None:
    """Destroy every export file of these programmes (a purge: they may hold a purged child's documents)."""
    jobs = session.scalars(
        select(ArchiveExport).where(
            ArchiveExport.programme_id.in_(list(programme_ids)), ArchiveExport.status != EXPIRED
        )
    ).all()
    for job in jobs:
        _destroy(session, instance_path, job)
    session.flush()


def read_export(instance_path: Path, job: ArchiveExport) -> Iterator[bytes]:
    """The decrypted ZIP, chunk by chunk (the key is unwrapped now, while the app context exists)."""
    assert job.wrapped_key is not None and job.kek_version is not None
    key = keyring().unwrap(job.wrapped_key, job.kek_version)
    path, label = export_file(instance_path, job), job.public_id

    def chunks() -> Iterator[bytes]:
        with path.open("rb") as handle:
            yield from decrypt_chunks(handle, key, label)

    return chunks()

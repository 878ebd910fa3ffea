"""Archive exports started from the web UI, run in a background thread; status kept in `archive_exports`.

The ZIP is written encrypted to `instance/exports/<job id>.zip.enc` (mode 0600) under a key of its
own, wrapped by the instance's key-encryption key; the download decrypts it as it streams. Files
expire after `KEPT_FOR`, only the `KEPT_PER_PROGRAMME` newest are kept, one export at a time runs
per programme, and a purge destroys the exports of the programmes it touches.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.archive.export import export_year
from app.archive.models import DONE, EXPIRED, FAILED, PENDING, RUNNING, ArchiveExport
from app.audit import services as audit
from app.children.services import new_public_id
from app.children.vault import keyring
from app.crypto import new_data_key
from app.crypto.stream import decrypt_chunks
from app.db import db, utcnow
from app.i18n import _
from app.users.models import Programme, User

log = logging.getLogger(__name__)
PROGRESS_EVERY = 0.5  # seconds between two progress writes
KEPT_FOR = timedelta(hours=24)
KEPT_PER_PROGRAMME = 3


class ExportRefused(ValueError):
    """`str(error)` says in French why no export was started."""


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


def start_export(session: Session, user: User, year: int) -> ArchiveExport:
    """Record the job (audited) and run it in a thread, or inline when the app says so (tests).

    Raises ExportRefused while another export of the programme is under way."""
    busy = session.scalar(
        select(ArchiveExport.id).where(
            ArchiveExport.programme_id == user.programme_id, ArchiveExport.status.in_([PENDING, RUNNING])
        )
    )
    if busy is not None:
        raise ExportRefused(_("Un export est déjà en cours pour ce programme : attendez qu'il se termine."))
    job = ArchiveExport(public_id=new_public_id(), programme_id=user.programme_id, year=year, requested_by=user.id)
    session.add(job)
    session.flush()
    audit.record(
        session,
        "archive.export_start",
        actor_id=user.id,
        programme_id=user.programme_id,
        target_type="archive_exports",
        target_id=job.public_id,
    )
    session.commit()
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("ARCHIVE_JOBS_INLINE"):
        run_export_job(app, job.public_id)
    else:
        threading.Thread(target=run_export_job, args=(app, job.public_id), name="archive-export", daemon=True).start()
    return job


def run_export_job(app: Flask, public_id: str) -> None:
    with app.app_context():
        session = db.session
        job = session.scalar(select(ArchiveExport).where(ArchiveExport.public_id == public_id))
        assert job is not None
        programme = session.get(Programme, job.programme_id)
        assert programme is not None
        job.status = RUNNING
        session.commit()
        last = 0.0

        def progress(done: int, total: int) -> None:
            nonlocal last
            if time.monotonic() - last >= PROGRESS_EVERY or done == total:
                last = time.monotonic()
                job.done, job.total = done, total
                session.commit()

        instance_path = app.config["PARCOURS"].instance_path
        output = export_file(instance_path, job)
        output.parent.mkdir(mode=0o700, exist_ok=True)
        key = new_data_key()
        job.wrapped_key, job.kek_version = keyring().wrap(key)
        session.commit()
        try:
            summary = export_year(
                session,
                programme,
                job.year,
                output,
                actor_id=job.requested_by,
                progress=progress,
                encryption=(key, job.public_id),
            )
        except Exception as error:
            log.exception("archive export %s failed", public_id)
            session.rollback()
            job.status, job.error, job.finished_at = FAILED, str(error)[:500], utcnow()
            job.wrapped_key = job.kek_version = None
            session.commit()
            return
        job.status, job.size, job.finished_at = DONE, summary.size, utcnow()
        job.done = job.total = max(job.total, summary.documents)
        prune_exports(session, instance_path, job.programme_id)
        session.commit()

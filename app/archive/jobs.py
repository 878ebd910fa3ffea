"""Archive exports started from the web UI, run in a background thread; status kept in `archive_exports`.

The ZIP is written encrypted to `instance/exports/<job id>.zip.enc` (mode 0600, see
`app.archive.services`); one export at a time runs per programme.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.archive.export import export_year, year_is_empty
from app.archive.models import DONE, FAILED, PENDING, RUNNING, ArchiveExport
from app.archive.services import export_file, prune_exports
from app.audit import services as audit
from app.crypto import new_data_key
from app.crypto.current import keyring
from app.db import db, new_public_id, utcnow
from app.i18n import _
from app.users.models import Programme, User

log = logging.getLogger(__name__)
PROGRESS_EVERY = 0.5  # seconds between two progress writes


class ExportRefused(ValueError):
    """`str(error)` says in French why no export was started."""


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
    if year_is_empty(session, user.programme_id, year):
        raise ExportRefused(
            _("Aucun document pour %(year)s : aucun document finalisé cette année-là, rien à archiver.")
            % {"year": year}
        )
    job = ArchiveExport(public_id=new_public_id(), programme_id=user.programme_id, year=year, requested_by=user.id)
    session.add(job)
    session.flush()
    audit.record_for(session, "archive.export_start", job, actor_id=user.id)
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

"""SECURITY.md 24: nothing identifying in clear in the instance; web exports encrypted, bounded, expiring, purged."""

from __future__ import annotations

import io
import stat
import zipfile
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.archive.export import export_year
from app.archive.models import DONE, EXPIRED, ArchiveExport
from app.archive.services import export_file
from app.db import db, utcnow
from app.retention.purge import shred
from tests import factories
from tests.conftest import csrf_token
from tests.test_pdf import make_finalised_document

MARKER = "Zqxexportmarqueur"


def _instance(app: Flask) -> Path:
    return Path(app.config["PARCOURS"].instance_path)


def _files(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


def _export(client: FlaskClient, year: int = 2025) -> str:
    started = client.post("/archives", data={"csrf_token": csrf_token(client, "/archives"), "year": year})
    assert started.status_code == 302, started.get_data(as_text=True)
    return started.headers["Location"].rsplit("/", 1)[1]


def _job(session: Session, public_id: str) -> ArchiveExport:
    session.expire_all()
    job = session.scalar(select(ArchiveExport).where(ArchiveExport.public_id == public_id))
    assert job is not None
    return job


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_web_export_is_never_in_clear_on_disk_and_files_are_owner_only(
    app: Flask, session: Session, world: factories.World, login_as
) -> None:  # type: ignore[no-untyped-def]
    child = factories.make_child(session, world.programme, world.referent, nom=MARKER)
    make_finalised_document(session, child, child_label=f"{MARKER} ({child.pseudonym})")
    session.commit()
    app.config["ARCHIVE_JOBS_INLINE"] = True
    try:
        coordinator = login_as(world.coordinateur)
        job = _job(session, _export(coordinator))
        assert job.status == DONE and job.wrapped_key is not None
        stored = export_file(_instance(app), job)
        raw = stored.read_bytes()
        download = coordinator.get(f"/archives/{job.public_id}/archive.zip")
        archive = zipfile.ZipFile(io.BytesIO(download.data))
        download.close()
    finally:
        app.config.pop("ARCHIVE_JOBS_INLINE")
    # The download is the archive; what the instance keeps is ciphertext only.
    assert any(child.pseudonym in name for name in archive.namelist())
    assert not raw.startswith(b"PK") and child.pseudonym.encode() not in raw and b"manifest.json" not in raw
    for path in _files(_instance(app)):
        assert MARKER.encode() not in path.read_bytes(), path
    assert _mode(stored) == 0o600 and _mode(stored.parent) == 0o700
    database = db.engine.url.database if db.engine.url.get_backend_name() == "sqlite" else None
    for path in [Path(database), Path(database + "-wal")] if database else []:
        assert _mode(path) == 0o600, path


def test_exports_expire_are_bounded_and_one_runs_at_a_time(
    app: Flask, session: Session, world: factories.World, login_as
) -> None:  # type: ignore[no-untyped-def]
    make_finalised_document(session, world.child)
    session.commit()
    app.config["ARCHIVE_JOBS_INLINE"] = True
    try:
        coordinator = login_as(world.coordinateur)
        ids = [_export(coordinator) for _ in range(4)]
        kept = [public_id for public_id in ids if _job(session, public_id).status == DONE]
        assert kept == ids[1:]  # the three newest
        assert not export_file(_instance(app), _job(session, ids[0])).exists()
        old = _job(session, ids[1])
        old.finished_at = utcnow() - timedelta(hours=25)
        session.commit()
        refused = coordinator.get(f"/archives/{ids[1]}/archive.zip")
        assert refused.status_code == 302 and "/archives" in refused.headers["Location"]
        assert _job(session, ids[1]).status == EXPIRED
        assert "Expirée, détruite" in coordinator.get("/archives").get_data(as_text=True)
        assert not export_file(_instance(app), _job(session, ids[1])).exists()
        running = _job(session, ids[3])
        running.status = "en_cours"
        session.commit()
        busy = coordinator.post("/archives", data={"csrf_token": csrf_token(coordinator, "/archives"), "year": 2025})
        assert busy.status_code == 409 and "déjà en cours" in busy.get_data(as_text=True)
    finally:
        app.config.pop("ARCHIVE_JOBS_INLINE")


def test_a_purge_destroys_the_exports_and_the_year_still_exports(
    app: Flask, session: Session, world: factories.World, login_as, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    gone = factories.make_child(session, world.programme, world.referent, nom=MARKER)
    make_finalised_document(session, gone, child_label=f"{MARKER} ({gone.pseudonym})")
    make_finalised_document(session, world.child)
    session.commit()
    app.config["ARCHIVE_JOBS_INLINE"] = True
    try:
        job_id = _export(login_as(world.coordinateur))
    finally:
        app.config.pop("ARCHIVE_JOBS_INLINE")
    stored = export_file(_instance(app), _job(session, job_id))
    assert stored.exists()

    shred(session, [gone])
    session.commit()
    assert not stored.exists() and _job(session, job_id).status == EXPIRED
    for path in _files(_instance(app)):
        assert MARKER.encode() not in path.read_bytes(), path

    summary = export_year(session, world.programme, 2025, tmp_path / "apres.zip")
    assert summary.documents == 1
    names = zipfile.ZipFile(tmp_path / "apres.zip").namelist()
    assert not any(gone.pseudonym in name for name in names)

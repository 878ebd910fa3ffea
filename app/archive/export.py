"""Exporting a year of sealed documents to a ZIP archive, streamed, batch by batch.

Memory stays flat: documents are read, written and forgotten in batches (only the manifest
entries, a few hundred bytes each, accumulate). Each batch is its own short transaction, so the
web app keeps writing while an export runs. Documents finalised but not yet sealed are sealed
first, in worker processes (one per core) when there are many.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import repeat
from multiprocessing import get_context
from pathlib import Path
from typing import IO, Any, cast

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, object_session, selectinload

from app.archive.readme import LISEZMOI
from app.audit import services as audit
from app.children.models import Child
from app.crypto.certificates import sign_detached_cms
from app.crypto.stream import EncryptingWriter
from app.dates import format_datetime, reading_zone, use_timezone
from app.db import utcnow
from app.documents.models import FINAL, Document, DocumentContent
from app.documents.queries import version_number
from app.documents.sealing import (
    SealSettings,
    read_sealed_pdf,
    render_and_seal,
    renderable_builder,
    seal_settings,
    store_sealed,
)
from app.i18n import _
from app.signing.keys import all_certificates_pem, load_material
from app.users.models import Programme

MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
CERTIFICATE = "certificate.pem"
README = "LISEZMOI.txt"
DOCUMENTS = "documents/"
SCANS = "pieces/"  # scans attached to the children's files (not sealed: their hashes are in the signed manifest)
BATCH = 100
PARALLEL_FROM = 8  # below this many documents to seal, starting worker processes costs more than it saves

Progress = Callable[[int, int], None]


class ExportError(RuntimeError):
    """The export cannot be made; the message (French) says why."""


@dataclass(frozen=True)
class ExportSummary:
    documents: int
    sealed_now: int
    size: int


def _year_filter(programme_id: int, year: int) -> list[Any]:
    """Finalised documents of the year, of children not purged (a purged child's documents are gone)."""
    return [
        Document.programme_id == programme_id,
        Document.child_id.in_(select(Child.id).where(Child.programme_id == programme_id, Child.purged_at.is_(None))),
        Document.status == FINAL,
        Document.finalised_at >= datetime(year, 1, 1),
        Document.finalised_at < datetime(year + 1, 1, 1),
    ]


def year_is_empty(session: Session, programme_id: int, year: int) -> bool:
    """No finalised document and no relevé de décisions in the year: nothing to archive."""
    from app.eps.services import releves_of_year

    if session.scalar(select(Document.id).where(*_year_filter(programme_id, year)).limit(1)) is not None:
        return False
    return not releves_of_year(session, programme_id, year)


def _chunks(ids: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _load(session: Session, ids: Sequence[int]) -> list[Document]:
    query = (
        select(Document)
        .where(Document.id.in_(ids))
        .options(selectinload(Document.content), joinedload(Document.child))
        .order_by(Document.id)
    )
    return list(session.scalars(query).unique())


def _end_batch(session: Session, documents: list[Document]) -> None:
    """Commit and forget the batch's documents (and their PDFs) to keep memory flat."""
    session.commit()
    for document in documents:
        if document.content is not None:
            session.expunge(document.content)
        session.expunge(document)


def _seal_missing(session: Session, settings: SealSettings, ids: Sequence[int], tick: Callable[[], None]) -> None:
    if not ids:
        return
    builder = renderable_builder()
    if builder is None:
        raise ExportError(
            _("%(count)s document(s) finalisé(s) sans PDF scellé, et aucun moteur de rendu n'est chargé.")
            % {"count": len(ids)}
        )
    workers = os.cpu_count() or 1
    pool = None
    if workers > 1 and len(ids) >= PARALLEL_FROM:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
    try:
        for chunk in _chunks(ids, BATCH):
            documents = _load(session, chunk)
            renderables = [builder(session, document) for document in documents]
            if pool is not None:
                sealed = pool.map(render_and_seal, repeat(settings), renderables, chunksize=4)
            else:
                sealed = map(render_and_seal, repeat(settings), renderables)
            for document, pdf in zip(documents, sealed, strict=True):
                store_sealed(document, pdf)
                tick()
            _end_batch(session, documents)
    finally:
        if pool is not None:
            pool.shutdown()


_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def _folder(pseudonym: str, root: str = DOCUMENTS) -> str:
    """A child's folder in the archive, named by its pseudonym."""
    return f"{root}{_UNSAFE.sub('_', pseudonym) or 'inconnu'}/"


def archive_path(document: Document) -> str:
    """`documents/<pseudonym>/<form>-v<document version>-<id>.pdf`: a correction is v2 (the form's
    own version is in the manifest's `form_version`)."""
    session = object_session(document)
    version = version_number(session, document) if session is not None else 1
    form = _UNSAFE.sub("_", document.form_id)
    return f"{_folder(document.child.pseudonym)}{form}-v{version}-{document.public_id}.pdf"


def _iso(moment: datetime) -> str:
    return moment.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def manifest_bytes(header: dict[str, Any], files: list[dict[str, Any]]) -> bytes:
    """The manifest, one file per line so that `sed | sha256sum -c` can check it (see LISEZMOI)."""
    head = json.dumps(header, ensure_ascii=False, indent=2).removesuffix("\n}")
    body = ",\n".join("    " + json.dumps(entry, ensure_ascii=False) for entry in files)
    files_json = f"[\n{body}\n  ]" if files else "[]"
    return f'{head},\n  "files": {files_json}\n}}\n'.encode()


def _form_set_version() -> str:
    from app.formengine import form_set

    return str(form_set().version)


def _store(archive: zipfile.ZipFile, path: str, moment: datetime, data: bytes, **entry: Any) -> dict[str, Any]:
    """Write one file as it is (PDF streams and images are compressed already), dated `moment`;
    its manifest entry: path, sha256, size, then `entry`."""
    info = zipfile.ZipInfo(path, date_time=moment.timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o600 << 16
    archive.writestr(info, data)
    return {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data), **entry}


def _write_documents(
    session: Session, archive: zipfile.ZipFile, ids: Sequence[int], tick: Callable[[], None]
) -> list[dict[str, Any]]:
    files: list[dict[str, Any]] = []
    for chunk in _chunks(ids, BATCH):
        documents = _load(session, chunk)
        for document in documents:
            assert document.finalised_at is not None
            files.append(
                _store(
                    archive,
                    archive_path(document),
                    document.finalised_at,
                    read_sealed_pdf(document),
                    form_id=document.form_id,
                    form_version=document.form_version,
                    finalised_at=_iso(document.finalised_at),
                )
            )
            tick()
        _end_batch(session, documents)
    return files


def _store_record(archive: zipfile.ZipFile, path: str, moment: datetime, pdf: bytes, form_id: str) -> dict[str, Any]:
    """A record sealed outside the documents (relevé, closure, actions): version 1 of its kind."""
    return _store(archive, path, moment, pdf, form_id=form_id, form_version=1, finalised_at=_iso(moment))


def _write_releves(session: Session, archive: zipfile.ZipFile, programme_id: int, year: int) -> list[dict[str, Any]]:
    """The sealed relevés de décisions of the EPS séances closed in the year (pseudonymised)."""
    from app.eps.services import releves_of_year

    return [
        _store_record(archive, f"{DOCUMENTS}eps/{name}", closed_at, pdf, "releve_eps")
        for name, closed_at, pdf in releves_of_year(session, programme_id, year)
    ]


def _write_closures(session: Session, archive: zipfile.ZipFile, programme_id: int, year: int) -> list[dict[str, Any]]:
    """The sealed records of the exits closed without the family that took effect in the year."""
    from app.exits.services import records_of_year

    return [
        _store_record(archive, f"{_folder(pseudonym)}cloture-v1-{public_id}.pdf", effective_at, pdf, "cloture")
        for pseudonym, public_id, effective_at, pdf in records_of_year(session, programme_id, year)
    ]


def _write_actions(session: Session, archive: zipfile.ZipFile, programme: Programme, year: int) -> list[dict[str, Any]]:
    """The actions of each parcours in the year, sealed now (they live outside any signed document)."""
    from app.followup.services import ACTIONS_RECORD, actions_of_year

    return [
        _store_record(archive, f"{_folder(pseudonym)}{ACTIONS_RECORD}-v1-{public_id}.pdf", changed, pdf, ACTIONS_RECORD)
        for pseudonym, public_id, changed, pdf in actions_of_year(session, programme, year)
    ]


def _write_scans(session: Session, archive: zipfile.ZipFile, programme_id: int, year: int) -> list[dict[str, Any]]:
    """The scans attached during the year, as they were deposited, under `pieces/<pseudonym>/`."""
    from app.scans.services import extension_of, of_year

    files: list[dict[str, Any]] = []
    for scan, data in of_year(session, programme_id, year):
        path = f"{_folder(scan.child.pseudonym, SCANS)}{scan.category}-{scan.public_id}.{extension_of(scan)}"
        files.append(
            _store(archive, path, scan.created_at, data, category=scan.category, added_at=_iso(scan.created_at))
        )
    return files


def _write_text(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=datetime.now(UTC).timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    archive.writestr(info, data)


def export_year(
    session: Session,
    programme: Programme,
    year: int,
    output: Path,
    *,
    actor_id: int | None = None,
    progress: Progress | None = None,
    encryption: tuple[bytes, str] | None = None,
) -> ExportSummary:
    """Write the archive of `programme`'s documents finalised in `year` to `output` (atomically).

    With `encryption` (key, label) the file is encrypted as it is written (see `app.crypto.stream`):
    nothing of it is ever on disk in clear."""
    settings = seal_settings(programme)
    keys_path: Path = current_app.config["PARCOURS"].keys_path
    conditions = _year_filter(programme.id, year)
    all_ids = list(session.scalars(select(Document.id).where(*conditions).order_by(Document.id)))
    unsealed = list(
        session.scalars(select(Document.id).join(DocumentContent).where(*conditions, DocumentContent.pdf.is_(None)))
    )
    session.commit()
    total, done = len(unsealed) + len(all_ids), 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    _seal_missing(session, settings, unsealed, tick)
    created_at = utcnow()
    partial = output.with_name(output.name + ".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            sink = cast(IO[bytes], EncryptingWriter(handle, *encryption)) if encryption else handle
            with sink, zipfile.ZipFile(sink, "w", allowZip64=True) as archive:
                files = _write_documents(session, archive, all_ids, tick)
                files += _write_releves(session, archive, programme.id, year)
                files += _write_closures(session, archive, programme.id, year)
                files += _write_actions(session, archive, programme, year)
                files += _write_scans(session, archive, programme.id, year)
                header = {
                    "programme": programme.code,
                    "year": year,
                    "created_at": _iso(created_at),
                    "form_set_version": _form_set_version(),
                }
                manifest = manifest_bytes(header, files)
                _write_text(archive, MANIFEST, manifest)
                _write_text(archive, SIGNATURE, sign_detached_cms(manifest, load_material(keys_path, programme.code)))
                _write_text(archive, CERTIFICATE, all_certificates_pem(keys_path, programme.code))
                with use_timezone(programme.timezone):
                    readme = LISEZMOI.format(
                        programme_name=programme.name,
                        programme_code=programme.code,
                        year=year,
                        created_at=format_datetime(created_at),
                        zone=reading_zone(),
                        count=len(files),
                    )
                _write_text(archive, README, readme.encode())
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    audit.record(
        session,
        "archive.export",
        actor_id=actor_id,
        programme_id=programme.id,
        target_type="archives",
        target_id=f"{programme.code}-{year}",
    )
    session.commit()
    return ExportSummary(documents=len(files), sealed_now=len(unsealed), size=output.stat().st_size)

"""Scans of a child's file: upload (checked, encrypted), read, list, archive and purge.

Each change records its audit event in the caller's transaction; the caller commits (or rolls back
on `ScanError`). Messages are French.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session, joinedload

from app.audit import services as audit
from app.authz import Permission, policy
from app.children.models import Child
from app.children.services import cipher_for
from app.db import db, new_public_id
from app.i18n import _
from app.scans import content
from app.scans.models import SCANS_TABLE, Scan
from app.users.models import User

DEFAULT_MAX_BYTES = 10 * 1024 * 1024  # config key `scans_max_bytes`
FILENAME_MAX = 200
CATEGORIES = {
    "contrat_signe": _("Contrat papier signé"),
    "bilan_partenaire": _("Bilan d'un partenaire"),
    "courrier": _("Courrier"),
    "autre": _("Autre document"),
}


class ScanError(ValueError):
    """The scan is refused; `str(error)` is a French message for the user."""


def max_bytes() -> int:
    return int(current_app.config["PARCOURS"].extra.get("scans_max_bytes", DEFAULT_MAX_BYTES))


def _size_label(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",").removesuffix(",0") + " Mo"


def clean_filename(name: str) -> str:
    """The name typed by the uploader, without path or control characters (shown, never used as a path)."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    return name[:FILENAME_MAX] or _("sans nom")


def upload(session: Session, actor: User, child: Child, category: str, filename: str, data: bytes) -> Scan:
    """Attach a scan to the child's file: the category is known, the size bounded, the content checked."""
    if not policy(actor, Permission.DOCUMENT_EDIT, child):
        raise ScanError(_("Vous ne pouvez pas ajouter de pièce à ce dossier."))
    if category not in CATEGORIES:
        raise ScanError(_("Choisissez la catégorie de la pièce dans la liste."))
    if not data:
        raise ScanError(_("Choisissez un fichier à déposer (PDF, JPEG ou PNG)."))
    limit = max_bytes()
    if len(data) > limit:
        raise ScanError(
            _(
                "Ce fichier pèse %(size)s : %(max)s au plus. "
                "Numérisez-le en plus basse résolution ou en plusieurs pièces."
            )
            % {"size": _size_label(len(data)), "max": _size_label(limit)}
        )
    try:
        kind = content.check(data)
    except content.ContentError as error:
        raise ScanError(str(error)) from error
    scan = Scan(
        public_id=new_public_id(),
        programme_id=child.programme_id,
        child_id=child.id,
        category=category,
        kind=kind,
        size=len(data),
        filename=b"",
        content=b"",
        uploaded_by=actor.id,
    )
    scan.child = child
    session.add(scan)
    session.flush()
    cipher = cipher_for(child)
    scan.filename = cipher.encrypt_text(SCANS_TABLE, scan.id, "filename", clean_filename(filename))
    scan.content = cipher.encrypt(SCANS_TABLE, scan.id, "content", data)
    session.flush()
    audit.record(
        session,
        "scan.upload",
        actor_id=actor.id,
        programme_id=child.programme_id,
        target_type="children",
        target_id=child.public_id,
    )
    return scan


def load_scan(scan_id: str) -> Scan | None:
    return db.session.scalar(select(Scan).options(joinedload(Scan.child)).where(Scan.public_id == scan_id))


def read(scan: Scan) -> bytes:
    return cipher_for(scan.child).decrypt(SCANS_TABLE, scan.id, "content", scan.content)


def filename_of(scan: Scan) -> str:
    try:
        return cipher_for(scan.child).decrypt_text(SCANS_TABLE, scan.id, "filename", scan.filename)
    except (ValueError, PermissionError):
        return _("nom illisible")


def extension_of(scan: Scan) -> str:
    return content.EXTENSIONS[scan.kind]


def download_name(scan: Scan) -> str:
    """The name given to the browser: category, pseudonym, date (never the uploaded name, which may identify)."""
    return f"{scan.category}-{scan.child.pseudonym}-{scan.created_at:%Y-%m-%d}.{extension_of(scan)}"


# Built once: the child's page reads it at every view.
SCANS_OF_CHILD = select(Scan).where(Scan.child_id == bindparam("child_id")).order_by(Scan.id.desc())


def scans_of(session: Session, child: Child) -> list[tuple[str, str, list[Scan]]]:
    """(category code, label, scans newest first) for each category holding a scan of the child."""
    scans = list(session.scalars(SCANS_OF_CHILD, {"child_id": child.id}))
    return [
        (code, label, [s for s in scans if s.category == code])
        for code, label in CATEGORIES.items()
        if any(s.category == code for s in scans)
    ]


def of_year(session: Session, programme_id: int, year: int) -> Iterator[tuple[Scan, bytes]]:
    """Scans of the programme's children not purged, attached during `year`, one at a time (memory flat)."""
    ids = list(
        session.scalars(
            select(Scan.id)
            .join(Child, Scan.child_id == Child.id)
            .where(
                Scan.programme_id == programme_id,
                Child.purged_at.is_(None),
                Scan.created_at >= datetime(year, 1, 1),
                Scan.created_at < datetime(year + 1, 1, 1),
            )
            .order_by(Scan.id)
        )
    )
    for scan_id in ids:
        scan = session.scalar(select(Scan).options(joinedload(Scan.child)).where(Scan.id == scan_id))
        if scan is not None:
            yield scan, read(scan)
            session.expunge(scan)


def shred(session: Session, child_ids: list[int]) -> None:
    """Delete the scans of purged children (their key goes too: nothing left to decrypt them)."""
    session.execute(delete(Scan).where(Scan.child_id.in_(child_ids)))

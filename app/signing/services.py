"""Programme certificates inside the app: create missing ones, import a PKCS #12 (audited)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.signing import keys
from app.users.models import Programme


def ensure_programme_certificates(session: Session, keys_path: Path) -> list[str]:
    """Create a self-signed sealing certificate for every programme that has none; their codes."""
    created = []
    for programme in session.scalars(select(Programme).order_by(Programme.code)):
        if keys.ensure_certificate(keys_path, programme.code, programme.name):
            created.append(programme.code)
    return created


def import_certificate(
    session: Session, keys_path: Path, programme: Programme, data: bytes, password: str, actor_id: int | None
) -> str:
    """Replace the programme's sealing key and certificate; returns the SHA-256 fingerprint.

    Raises `app.crypto.certificates.CertificateError` with a French message on a bad file or password.
    """
    fingerprint = keys.import_pkcs12(keys_path, programme.code, data, password)
    audit.record_for(session, "keys.certificate_import", programme, actor_id=actor_id)
    return fingerprint

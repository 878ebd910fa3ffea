"""Sealing finalised documents and reading the sealed file back.

The sealed PDF is rendered and sealed once, at finalisation, then stored encrypted with the
child's key: downloads and archives use that stored file, never a new rendering.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy.orm import Session

from app.children.services import cipher_for
from app.documents.models import FINAL, Document
from app.documents.rendering import RenderableDocument, render_pdf
from app.signing.keys import ensure_certificate
from app.signing.sealer import seal_pdf, signer_for
from app.users.models import Programme

TABLE = "document_contents"
FIELD = "pdf"

# The form engine registers how a stored document becomes a RenderableDocument, so that the
# archive export can seal documents finalised before a seal was possible (imports, failures).
RenderableBuilder = Callable[[Session, Document], RenderableDocument]
_builder: list[RenderableBuilder] = []


class NotSealedError(LookupError):
    """The document has no sealed PDF (not finalised, or sealing has not happened yet)."""


@dataclass(frozen=True)
class SealSettings:
    """What a process needs to seal for one programme (picklable: sent to export workers)."""

    keys_path: Path
    programme_code: str
    programme_name: str
    tsa_url: str | None = None


def register_renderable_builder(builder: RenderableBuilder) -> None:
    _builder[:] = [builder]


def renderable_builder() -> RenderableBuilder | None:
    return _builder[0] if _builder else None


def seal_settings(programme: Programme) -> SealSettings:
    """The programme's sealing settings; creates its self-signed certificate on first use."""
    settings = current_app.config["PARCOURS"]
    ensure_certificate(settings.keys_path, programme.code, programme.name)
    tsa_url = settings.extra.get("tsa_url") or None
    return SealSettings(settings.keys_path, programme.code, programme.name, tsa_url)


def render_and_seal(settings: SealSettings, renderable: RenderableDocument) -> bytes:
    """Render and seal; pure apart from reading the key (loaded once per process)."""
    signer = signer_for(settings.keys_path, settings.programme_code)
    return seal_pdf(render_pdf(renderable), signer, name=settings.programme_name, tsa_url=settings.tsa_url)


def store_sealed(document: Document, sealed: bytes) -> None:
    document.content.pdf = cipher_for(document.child).encrypt(TABLE, document.id, FIELD, sealed)


def seal_finalised(session: Session, document: Document, renderable: RenderableDocument) -> None:
    """Render, seal with the programme's key and store encrypted with the child's key (no commit)."""
    programme = session.get(Programme, document.programme_id)
    assert programme is not None
    store_sealed(document, render_and_seal(seal_settings(programme), renderable))
    session.flush()


def read_sealed_pdf(document: Document) -> bytes:
    """The stored sealed PDF, decrypted; NotSealedError when there is none."""
    if document.status != FINAL or document.content is None or document.content.pdf is None:
        raise NotSealedError(f"document {document.public_id} has no sealed PDF")
    return cipher_for(document.child).decrypt(TABLE, document.id, FIELD, document.content.pdf)

"""The programme's texts (confidentiality charter, letter templates), versioned, and charter acceptances."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.eps import letters, services
from app.eps.models import CHARTE, TEXT_KINDS, CharterAcceptance, EpsText
from app.i18n import _
from app.users.models import User


def current_text(session: Session, programme_id: int, kind: str) -> EpsText | None:
    return session.scalar(
        select(EpsText)
        .where(EpsText.programme_id == programme_id, EpsText.kind == kind)
        .order_by(EpsText.version.desc())
        .limit(1)
    )


def text_body(session: Session, programme_id: int, kind: str) -> tuple[int, str]:
    """(version, body) of the programme's text; version 0 is the shipped default, not yet saved."""
    text = current_text(session, programme_id, kind)
    return (text.version, text.body) if text else (0, letters.DEFAULT_TEXTS[kind])


def save_text(session: Session, actor: User, kind: str, body: str) -> EpsText:
    """A new version of the charter or of a letter template (coordinator)."""
    services.require_coordinator(actor, actor.programme_id)
    if kind not in TEXT_KINDS:
        raise services.EpsError(_("Texte inconnu."))
    body = body.strip()
    if not body:
        raise services.EpsError(_("Le texte ne peut pas être vide."))
    version, current = text_body(session, actor.programme_id, kind)
    if version and body == current:
        text = current_text(session, actor.programme_id, kind)
        assert text is not None
        return text
    text = EpsText(programme_id=actor.programme_id, kind=kind, version=version + 1, body=body, created_by=actor.id)
    session.add(text)
    session.flush()
    services.record(session, f"eps.text.save:{kind}", actor, "eps_texts", f"{kind}-v{text.version}")
    return text


def ensure_text(session: Session, programme_id: int, kind: str) -> EpsText:
    """The current version, storing the shipped default as version 1 when there is none."""
    text = current_text(session, programme_id, kind)
    if text is None:
        text = EpsText(programme_id=programme_id, kind=kind, version=1, body=letters.DEFAULT_TEXTS[kind])
        session.add(text)
        session.flush()
    return text


def accepted_current_charter(session: Session, user: User) -> CharterAcceptance | None:
    text = current_text(session, user.programme_id, CHARTE)
    if text is None:
        return None
    return session.scalar(
        select(CharterAcceptance).where(CharterAcceptance.user_id == user.id, CharterAcceptance.text_id == text.id)
    )


def accept_charter(session: Session, user: User, version: int) -> CharterAcceptance:
    """Record that `user` accepted the version of the charter they were shown."""
    text = ensure_text(session, user.programme_id, CHARTE)
    if version != text.version:
        raise services.EpsError(_("La charte a changé pendant votre lecture : relisez la version actuelle."))
    existing = accepted_current_charter(session, user)
    if existing is not None:
        return existing
    acceptance = CharterAcceptance(user_id=user.id, text_id=text.id, version=text.version)
    session.add(acceptance)
    session.flush()
    services.record(session, "eps.charter.accept", user, "eps_texts", f"charte-v{text.version}")
    return acceptance

"""Read side of the parcours: the waiting list and the notes left to a référent at a transfer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, selectinload

from app.children.models import Child, Parcours
from app.children.services import cipher_for
from app.nomenclature import Decision
from app.parcours.models import TRANSFERS_TABLE, ReferentTransfer
from app.users.models import User


@dataclass(frozen=True)
class Waiting:
    child: Child
    parcours: Parcours
    since: date  # the admission (EPS decision) date
    days: int


def waiting_list(session: Session, programme_id: int, today: date | None = None) -> list[Waiting]:
    """Children admitted (parcours accepted, not closed) who have no référent yet, longest wait first."""
    today = today or date.today()
    query = (
        select(Parcours)
        .join(Child, Parcours.child_id == Child.id)
        .where(
            Parcours.programme_id == programme_id,
            Parcours.decision_eps == Decision.ACCEPTE,
            Parcours.date_sortie.is_(None),
            Child.referent_id.is_(None),
            Child.purged_at.is_(None),
        )
        .options(selectinload(Parcours.child).joinedload(Child.identity))
    )
    found = []
    for parcours in session.scalars(query):
        since = parcours.date_decision or parcours.date_orientation
        found.append(Waiting(parcours.child, parcours, since, (today - since).days))
    return sorted(found, key=lambda w: (-w.days, w.child.pseudonym))


@dataclass(frozen=True)
class TransferNote:
    author: str
    at: datetime
    previous: str | None
    text: str


# Built once: the child's page reads it at every view.
LAST_TRANSFER_TO = (
    select(ReferentTransfer)
    .where(
        ReferentTransfer.child_id == bindparam("child_id"), ReferentTransfer.to_referent_id == bindparam("referent_id")
    )
    .order_by(ReferentTransfer.id.desc())
    .limit(1)
)


def note_for_current_referent(session: Session, child: Child) -> TransferNote | None:
    """The note left to the child's current référent when the child was given to them, if any."""
    if child.referent_id is None:
        return None
    transfer = session.scalar(LAST_TRANSFER_TO, {"child_id": child.id, "referent_id": child.referent_id})
    if transfer is None or transfer.note is None:
        return None
    try:
        text = cipher_for(child).decrypt_text(TRANSFERS_TABLE, transfer.id, "note", transfer.note)
    except (ValueError, PermissionError):
        return None
    names = {
        u.id: u.name
        for u in session.scalars(select(User).where(User.id.in_([transfer.created_by, transfer.from_referent_id])))
    }
    return TransferNote(
        author=names.get(transfer.created_by or 0, ""),
        at=transfer.created_at,
        previous=names.get(transfer.from_referent_id) if transfer.from_referent_id else None,
        text=text,
    )

"""Retention: crypto-shred the children whose last contact from the family is older than the retention period.

A purged child keeps only clear codes and dates (past years' indicators stay right) and its audit
events. Its data key, identity, search digests, encrypted details, answers and PDFs are deleted;
then every remaining child key is re-wrapped under a new key-encryption key and the old ones are
deleted, so that no backup taken before the purge can open the purged child's key either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.orm import Session

from app.archive.services import destroy_exports
from app.audit import services as audit
from app.children.models import Child, ChildIdentity, ChildSearchIndex, Parcours, ParcoursDetails
from app.db import utcnow
from app.documents.models import Document, DocumentContent
from app.eps.models import AgendaItem, EpsDecision, Letter
from app.exits import services as exits
from app.followup.models import ParcoursAction
from app.nomenclature import Decision
from app.parcours import services as parcours
from app.scans import services as scans


@dataclass(frozen=True)
class Expired:
    pseudonym: str
    programme_id: int
    last_family_contact: date


def retention_cutoff(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def expired_children(session: Session, today: date, years: int, programme_id: int | None = None) -> list[Child]:
    """Children past retention: last contact from the family before the cutoff, no parcours still open."""
    open_parcours = exists().where(
        and_(Parcours.child_id == Child.id, Parcours.decision_eps == Decision.ACCEPTE, Parcours.date_sortie.is_(None))
    )
    query = select(Child).where(
        Child.purged_at.is_(None), Child.last_family_contact < retention_cutoff(today, years), ~open_parcours
    )
    if programme_id is not None:
        query = query.where(Child.programme_id == programme_id)
    return list(session.scalars(query.order_by(Child.programme_id, Child.last_family_contact)))


def shred(session: Session, children: list[Child]) -> None:
    """Delete every encrypted value and the key of each child, in the caller's transaction."""
    ids = [child.id for child in children]
    if not ids:
        return
    parcours_ids = select(Parcours.id).where(Parcours.child_id.in_(ids))
    document_ids = select(Document.id).where(Document.child_id.in_(ids))
    session.execute(delete(ChildIdentity).where(ChildIdentity.child_id.in_(ids)))
    session.execute(delete(ChildSearchIndex).where(ChildSearchIndex.child_id.in_(ids)))
    session.execute(delete(ParcoursDetails).where(ParcoursDetails.parcours_id.in_(parcours_ids)))
    session.execute(delete(DocumentContent).where(DocumentContent.document_id.in_(document_ids)))
    # EPS: the letters, the référents' presentations and the préconisation texts (codes stay).
    session.execute(delete(Letter).where(Letter.child_id.in_(ids)))
    session.execute(update(AgendaItem).where(AgendaItem.parcours_id.in_(parcours_ids)).values(presentation=None))
    session.execute(update(EpsDecision).where(EpsDecision.parcours_id.in_(parcours_ids)).values(note=None))
    # Actions: provider, cost and funder (type, status and dates stay, like the parcours' codes).
    session.execute(update(ParcoursAction).where(ParcoursAction.parcours_id.in_(parcours_ids)).values(payload=None))
    scans.shred(session, ids)
    exits.shred(session, ids)
    parcours.shred_transfer_notes(session, ids)
    session.execute(
        update(Child)
        .where(Child.id.in_(ids))
        .values(wrapped_key=None, famille_digest=None, ref_digest=None, purged_at=utcnow())
    )
    for child in children:
        audit.record_for(session, "child.purge", child)
    # Web exports of these programmes may hold the purged children's documents: destroyed too.
    destroy_exports(session, current_app.config["PARCOURS"].instance_path, {child.programme_id for child in children})
    session.expire_all()

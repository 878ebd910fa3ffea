"""Read-side of the workflow: the pseudonymised EPS agenda and the coordinator's to-do lists.

The agenda is built from clear, coded columns only (pseudonym, year of birth, codes, dates): no
identity is ever decrypted for it, so nothing identifying can leak into the page.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from app.authz.caseload import CASELOAD_HOLDERS
from app.children.models import Child, Parcours
from app.children.queries import visible_to
from app.db import utcnow
from app.documents.models import DRAFT, Document
from app.documents.queries import orientation_finalised
from app.followup.queries import last_reviews
from app.nomenclature import Decision, age_band
from app.users.models import User

RECENT_DECISION_DAYS = 90
RECENT_DECISION_LIMIT = 30
REVIEW_MONTHS = 3
DRAFT_WAITING_DAYS = 7


@dataclass(frozen=True)
class AgendaLine:
    """What the EPS sees of one orientation: codes and dates, never an identity."""

    parcours_id: str
    pseudonym: str
    tranche_age: str
    sexe: str
    cycle: str | None
    rep: str | None
    qpv: str | None
    orienteur: str
    difficultes: list[str]
    date_orientation: date
    facts_shared: bool
    decision: str
    date_decision: date | None
    referent_id: int | None
    date_entree: date | None


def _line(parcours: Parcours, year: int) -> AgendaLine:
    child = parcours.child
    return AgendaLine(
        parcours_id=parcours.public_id,
        pseudonym=child.pseudonym,
        tranche_age=age_band(child.annee_naissance, year),
        sexe=child.sexe,
        cycle=parcours.cycle,
        rep=parcours.rep,
        qpv=parcours.qpv,
        orienteur=parcours.orienteur,
        difficultes=parcours.codes_of("difficulte"),
        date_orientation=parcours.date_orientation,
        facts_shared=parcours.eps_facts_shared,
        decision=parcours.decision_eps,
        date_decision=parcours.date_decision,
        referent_id=child.referent_id,
        date_entree=parcours.date_entree,
    )


def _programme_parcours(programme_id: int) -> Select[Parcours]:
    return (
        select(Parcours)
        .join(Child, Parcours.child_id == Child.id)
        .where(Parcours.programme_id == programme_id, Child.purged_at.is_(None))
        .options(selectinload(Parcours.child), selectinload(Parcours.codes))
    )


def agenda_lines(
    session: Session, programme_id: int, parcours_ids: list[int], today: date | None = None
) -> dict[int, AgendaLine]:
    """The pseudonymised lines of the given parcours (the EPS séances' view), by parcours id."""
    if not parcours_ids:
        return {}
    year = (today or date.today()).year
    rows = session.scalars(_programme_parcours(programme_id).where(Parcours.id.in_(parcours_ids)))
    return {parcours.id: _line(parcours, year) for parcours in rows}


def pending_orientations(session: Session, programme_id: int, today: date | None = None) -> list[AgendaLine]:
    """Finalised orientations waiting for the EPS, oldest first (a draft never comes to the EPS)."""
    year = (today or date.today()).year
    query = _programme_parcours(programme_id).where(
        Parcours.decision_eps == Decision.EN_ATTENTE, orientation_finalised()
    )
    rows = session.scalars(query.order_by(Parcours.date_orientation, Parcours.id))
    return [_line(parcours, year) for parcours in rows]


def recent_decisions(session: Session, programme_id: int, today: date | None = None) -> list[AgendaLine]:
    """Decisions of the last three months, newest first."""
    today = today or date.today()
    query = _programme_parcours(programme_id).where(
        Parcours.decision_eps != Decision.EN_ATTENTE,
        Parcours.date_decision >= today - timedelta(days=RECENT_DECISION_DAYS),
    )
    rows = session.scalars(
        query.order_by(Parcours.date_decision.desc(), Parcours.id.desc()).limit(RECENT_DECISION_LIMIT)
    )
    return [_line(parcours, today.year) for parcours in rows]


def active_referents(session: Session, programme_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(User.programme_id == programme_id, User.role.in_(CASELOAD_HOLDERS), User.active.is_(True))
            .order_by(User.name)
        )
    )


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (clamped to the end of a shorter month)."""
    year, month_index = divmod(day.year * 12 + day.month - 1 - months, 12)
    last_day = calendar.monthrange(year, month_index + 1)[1]
    return date(year, month_index + 1, min(day.day, last_day))


@dataclass(frozen=True)
class Todo:
    """The coordinator's home page: what needs attention."""

    pending_count: int
    without_review: list[tuple[Parcours, date]]  # parcours, date of the last journal entry (or entry)
    waiting_documents: list[Document]


def coordinator_todo(session: Session, user: User, today: date | None = None) -> Todo:
    today = today or date.today()
    visible = visible_to(user).subquery()
    pending_count = session.scalar(
        select(func.count(Parcours.id))
        .join(visible, Parcours.child_id == visible.c.id)
        .where(Parcours.decision_eps == Decision.EN_ATTENTE, orientation_finalised())
    )
    ongoing = list(
        session.scalars(
            select(Parcours)
            .join(visible, Parcours.child_id == visible.c.id)
            .where(
                Parcours.decision_eps == Decision.ACCEPTE,
                Parcours.date_entree.is_not(None),
                Parcours.date_sortie.is_(None),
            )
            .options(selectinload(Parcours.child))
        )
    )
    reviews = last_reviews(session, [p.id for p in ongoing])
    limit = months_before(today, REVIEW_MONTHS)
    without_review = []
    for parcours in ongoing:
        assert parcours.date_entree is not None
        last = max(reviews.get(parcours.id, parcours.date_entree), parcours.date_entree)
        if last <= limit:
            without_review.append((parcours, last))
    without_review.sort(key=lambda item: item[1])
    waiting = list(
        session.scalars(
            select(Document)
            .join(visible, Document.child_id == visible.c.id)
            .where(Document.status == DRAFT, Document.created_at <= utcnow() - timedelta(days=DRAFT_WAITING_DAYS))
            .order_by(Document.created_at)
            .options(selectinload(Document.child))
        )
    )
    return Todo(pending_count or 0, without_review, waiting)

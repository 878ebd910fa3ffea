"""The référent's home: what they must do, over their own caseload only.

Every list is built from clear columns (dates, codes, statuses) of the children `visible_to` the
user; names are decrypted by the view, audited, and never cached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.children.models import Child, Parcours
from app.children.queries import visible_to
from app.documents.models import DRAFT, Document
from app.documents.queries import orientation_finalised
from app.followup.models import WAITING_STATUSES, ParcoursAction
from app.followup.queries import last_reviews
from app.nomenclature import Decision
from app.users.models import User

REVIEW_WEEKS = 6  # default of the config key `journal_review_weeks`
RENEWAL_DAYS = 30  # a contract whose planned end or review date is this close is listed


def review_weeks() -> int:
    """Weeks without a journal entry after which a parcours is listed as due for a review (instance config)."""
    return int(current_app.config["PARCOURS"].extra.get("journal_review_weeks", REVIEW_WEEKS))


@dataclass(frozen=True)
class ReviewDue:
    parcours: Parcours
    since: date  # the last journal entry, or the entry date when there is none


@dataclass(frozen=True)
class Renewal:
    parcours: Parcours
    due: date  # the nearer of the contract's review date and planned end
    what: str  # "revision" or "fin"


@dataclass
class ReferentTodo:
    review_weeks: int
    reviews_due: list[ReviewDue] = field(default_factory=list)
    renewals: list[Renewal] = field(default_factory=list)
    drafts: list[Document] = field(default_factory=list)
    actions_waiting: list[ParcoursAction] = field(default_factory=list)
    awaiting_eps: list[Parcours] = field(default_factory=list)

    def children(self) -> set[Child]:
        found = {r.parcours.child for r in self.reviews_due} | {d.child for d in self.drafts}
        found |= {r.parcours.child for r in self.renewals}
        found |= {a.parcours.child for a in self.actions_waiting} | {p.child for p in self.awaiting_eps}
        return found


def _ongoing(session: Session, user: User) -> list[Parcours]:
    visible = visible_to(user).subquery()
    return list(
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


def reviews_due(session: Session, user: User, today: date, weeks: int) -> list[ReviewDue]:
    """Ongoing parcours without a journal entry for `weeks` weeks (counted from entry when none), oldest first."""
    ongoing = _ongoing(session, user)
    reviews = last_reviews(session, [p.id for p in ongoing])
    limit = today - timedelta(weeks=weeks)
    due = []
    for parcours in ongoing:
        assert parcours.date_entree is not None
        since = max(reviews.get(parcours.id, parcours.date_entree), parcours.date_entree)
        if since <= limit:
            due.append(ReviewDue(parcours, since))
    return sorted(due, key=lambda r: (r.since, r.parcours.id))


def renewals(session: Session, user: User, today: date) -> list[Renewal]:
    """Ongoing parcours whose contract's review date or planned end is past or within RENEWAL_DAYS."""
    limit = today + timedelta(days=RENEWAL_DAYS)
    found = []
    for parcours in _ongoing(session, user):
        dates = [
            (d, what) for d, what in ((parcours.date_revision_prevue, "revision"), (parcours.date_fin_prevue, "fin"))
        ]
        due = [(d, what) for d, what in dates if d is not None and d <= limit]
        if due:
            day, what = min(due)
            found.append(Renewal(parcours, day, what))
    return sorted(found, key=lambda r: (r.due, r.parcours.id))


def drafts(session: Session, user: User) -> list[Document]:
    visible = visible_to(user).subquery()
    return list(
        session.scalars(
            select(Document)
            .join(visible, Document.child_id == visible.c.id)
            .where(Document.status == DRAFT)
            .order_by(Document.created_at, Document.id)
            .options(selectinload(Document.child))
        )
    )


def actions_waiting(session: Session, user: User) -> list[ParcoursAction]:
    """Actions proposed or waiting on the ongoing parcours of the caseload."""
    ongoing = [p.id for p in _ongoing(session, user)]
    if not ongoing:
        return []
    return list(
        session.scalars(
            select(ParcoursAction)
            .where(ParcoursAction.parcours_id.in_(ongoing), ParcoursAction.status.in_(WAITING_STATUSES))
            .order_by(ParcoursAction.created_at, ParcoursAction.id)
            .options(selectinload(ParcoursAction.parcours).selectinload(Parcours.child))
        )
    )


def awaiting_eps(session: Session, user: User) -> list[Parcours]:
    """Finalised orientations of the caseload not yet decided (waiting or adjourned), oldest first."""
    visible = visible_to(user).subquery()
    return list(
        session.scalars(
            select(Parcours)
            .join(visible, Parcours.child_id == visible.c.id)
            .where(Parcours.decision_eps.in_([Decision.EN_ATTENTE, Decision.AJOURNE]), orientation_finalised())
            .order_by(Parcours.date_orientation, Parcours.id)
            .options(selectinload(Parcours.child))
        )
    )


def referent_todo(session: Session, user: User, today: date | None = None, weeks: int | None = None) -> ReferentTodo:
    today = today or date.today()
    weeks = weeks if weeks is not None else review_weeks()
    return ReferentTodo(
        review_weeks=weeks,
        reviews_due=reviews_due(session, user, today, weeks),
        renewals=renewals(session, user, today),
        drafts=drafts(session, user),
        actions_waiting=actions_waiting(session, user),
        awaiting_eps=awaiting_eps(session, user),
    )

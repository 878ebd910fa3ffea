"""Read side of the EPS séances: what may go on an agenda, the séances a user sees, the home summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from app.authz import Permission, policy
from app.authz.permissions import roles_with
from app.children.models import Child, Parcours
from app.documents.queries import orientation_finalised
from app.eps.models import AJOURNEE, CLOSE, ORIENTATION, REVUE, SORTIE, AgendaItem, EpsDecision, ReviewRequest, Seance
from app.exits.models import PROPOSED, Closure
from app.followup.queries import last_reviews as last_journal_reviews
from app.nomenclature import Decision
from app.users.models import User
from app.workflow.queries import months_before

REVIEW_MONTHS = 6  # default of the config key `eps_review_months`
WAITING_DAYS = 30  # default of the config key `eps_waiting_days`
# Journal entries that review the parcours for the EPS: a passage en EPS, a synthèse (the written bilan).
EPS_REVIEW_KINDS = ("passage_eps", "synthese")


def review_months() -> int:
    """Months after entry or the last review when a parcours comes back to the EPS (instance config)."""
    return int(current_app.config["PARCOURS"].extra.get("eps_review_months", REVIEW_MONTHS))


def waiting_days() -> int:
    return int(current_app.config["PARCOURS"].extra.get("eps_waiting_days", WAITING_DAYS))


@dataclass(frozen=True)
class Candidate:
    """A situation that may be put on an agenda, and why."""

    parcours: Parcours
    kind: str
    since: date  # orientation date, last review (or entry) date, or request date


def _on_open_agenda(session: Session, programme_id: int) -> set[int]:
    rows = session.scalars(
        select(AgendaItem.parcours_id)
        .join(Seance, AgendaItem.seance_id == Seance.id)
        .where(Seance.programme_id == programme_id, Seance.status != CLOSE)
    )
    return set(rows)


def _programme(programme_id: int) -> Select[Parcours]:
    return (
        select(Parcours)
        .join(Child, Parcours.child_id == Child.id)
        .where(Parcours.programme_id == programme_id, Child.purged_at.is_(None))
        .options(selectinload(Parcours.child))
    )


def candidates(
    session: Session, programme_id: int, today: date | None = None, months: int = REVIEW_MONTHS
) -> list[Candidate]:
    """Situations not yet on an open agenda: finalised orientations, adjourned ones, parcours due for
    review (`months` after entry or the last EPS review, or asked by the référent), proposed exits."""
    today = today or date.today()
    taken = _on_open_agenda(session, programme_id)
    found: list[Candidate] = []
    waiting = session.scalars(
        _programme(programme_id)
        .where(Parcours.decision_eps.in_([Decision.EN_ATTENTE, Decision.AJOURNE]), orientation_finalised())
        .order_by(Parcours.date_orientation)
    )
    for parcours in waiting:
        kind = AJOURNEE if parcours.decision_eps == Decision.AJOURNE else ORIENTATION
        found.append(Candidate(parcours, kind, parcours.date_orientation))
    requests = {
        r.parcours_id: r
        for r in session.scalars(
            select(ReviewRequest).where(ReviewRequest.item_id.is_(None)).order_by(ReviewRequest.id)
        )
    }
    ongoing = list(
        session.scalars(
            _programme(programme_id).where(
                Parcours.decision_eps == Decision.ACCEPTE,
                Parcours.date_entree.is_not(None),
                Parcours.date_sortie.is_(None),
            )
        )
    )
    last_reviews = dict(
        session.execute(
            select(EpsDecision.parcours_id, EpsDecision.decided_on)
            .where(
                EpsDecision.parcours_id.in_([p.id for p in ongoing]),
                EpsDecision.outcome.in_(["poursuite", "ajustement"]),
            )
            .order_by(EpsDecision.decided_on)
        ).all()
    )
    # A passage en EPS or a synthèse recorded in the journal is a review too.
    for parcours_id, day in last_journal_reviews(session, [p.id for p in ongoing], kinds=EPS_REVIEW_KINDS).items():
        last_reviews[parcours_id] = max(last_reviews.get(parcours_id, day), day)
    proposed = dict(
        session.execute(
            select(Closure.parcours_id, Closure.created_at).where(
                Closure.programme_id == programme_id, Closure.status == PROPOSED
            )
        ).all()
    )
    limit = months_before(today, months)
    for parcours in ongoing:
        if parcours.id in proposed:  # an exit closed without the family, waiting for the EPS to validate it
            found.append(Candidate(parcours, SORTIE, proposed[parcours.id].date()))
            continue
        request = requests.get(parcours.id)
        if request is not None:
            found.append(
                Candidate(parcours, SORTIE if request.kind == "sortie" else REVUE, request.requested_at.date())
            )
            continue
        assert parcours.date_entree is not None
        last = last_reviews.get(parcours.id, parcours.date_entree)
        if last <= limit:
            found.append(Candidate(parcours, REVUE, last))
    return [c for c in found if c.parcours.id not in taken]


def visible_seances(session: Session, user: User) -> list[Seance]:
    """The coordinator's séances, or those an EPS member is invited to (newest first)."""
    query = select(Seance).where(Seance.programme_id == user.programme_id).order_by(Seance.starts_at.desc())
    seances = list(session.scalars(query.options(selectinload(Seance.members))))
    if not policy(user, Permission.EPS_SEANCE_MANAGE):
        return [s for s in seances if s.invites(user.id)]
    return seances


def eps_members(session: Session, programme_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(
                User.programme_id == programme_id,
                User.role.in_(roles_with(Permission.EPS_CHARTER)),
                User.active.is_(True),
            )
            .order_by(User.name)
        )
    )


@dataclass(frozen=True)
class Home:
    next_seance: Seance | None
    not_on_agenda: int
    waiting_too_long: list[Parcours]
    waiting_days: int


def coordinator_home(session: Session, programme_id: int, delay: int = WAITING_DAYS) -> Home:
    now = datetime.now()
    next_seance = session.scalar(
        select(Seance)
        .where(
            Seance.programme_id == programme_id, Seance.status != CLOSE, Seance.starts_at >= now - timedelta(hours=12)
        )
        .order_by(Seance.starts_at)
        .limit(1)
    )
    pending = candidates(session, programme_id, months=review_months())
    limit = date.today() - timedelta(days=delay)
    waiting = [c.parcours for c in pending if c.kind in (ORIENTATION, AJOURNEE) and c.since <= limit]
    return Home(next_seance, len(pending), waiting, delay)

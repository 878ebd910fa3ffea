"""The one query that says which children a user may see; every list goes through it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Row, Select, bindparam, select
from sqlalchemy.orm import Session

from app.authz.caseload import caseload_criterion
from app.children.models import Child, ChildSearchIndex, Parcours
from app.children.vault import blind_index
from app.nomenclature import Decision
from app.users.models import User


def visible_to(user: User) -> Select[Child]:
    return select(Child).where(caseload_criterion(user, Child.programme_id, Child.referent_id, Child.purged_at))


# A child's latest parcours as a list shows it: child_id, id, decision_eps, date_orientation,
# date_decision, date_entree, date_sortie.
LatestParcours = Row[int, int, Decision, date, date | None, date | None, date | None]


# Built once: the caseload reads it at every view.
PARCOURS_OF_CHILDREN = (
    select(
        Parcours.child_id,
        Parcours.id,
        Parcours.decision_eps,
        Parcours.date_orientation,
        Parcours.date_decision,
        Parcours.date_entree,
        Parcours.date_sortie,
    )
    .where(Parcours.child_id.in_(bindparam("ids", expanding=True)))
    .order_by(Parcours.date_orientation, Parcours.id)
)


def latest_parcours(session: Session, child_ids: Iterable[int]) -> dict[int, LatestParcours]:
    """Each child's latest parcours (`Child.parcours[-1]`: the last oriented), as a row of its id,
    decision and dates: what a list of children shows, without loading every parcours."""
    ids = list(child_ids)
    if not ids:
        return {}
    rows = session.execute(PARCOURS_OF_CHILDREN, {"ids": ids})
    return {row.child_id: row for row in rows}  # the last one of each child stays


def matching_children(session: Session, programme_id: int, nom: str, prenom: str, born: date) -> list[Child]:
    """Children of the programme with exactly this name and birth date (blind index), oldest first."""
    digest = blind_index(programme_id).digest("identite", nom, prenom, born.isoformat())
    return list(
        session.scalars(
            select(Child)
            .join(ChildSearchIndex, ChildSearchIndex.child_id == Child.id)
            .where(ChildSearchIndex.programme_id == programme_id, ChildSearchIndex.digest == digest)
            .where(Child.purged_at.is_(None))
            .order_by(Child.id)
        )
    )


def duplicate_of(session: Session, child: Child) -> Child | None:
    """The earlier child this one may duplicate (shown to the coordinator only)."""
    return session.get(Child, child.possible_duplicate_of) if child.possible_duplicate_of else None

"""The one query that says which children a user may see; every list goes through it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.authz.caseload import caseload_criterion
from app.children.models import Child, ChildSearchIndex
from app.children.vault import blind_index
from app.users.models import User


def visible_to(user: User) -> Select[Child]:
    return select(Child).where(caseload_criterion(user, Child.programme_id, Child.referent_id, Child.purged_at))


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

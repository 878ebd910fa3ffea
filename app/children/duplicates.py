"""Which child an orientation belongs to, and the possible duplicates the coordinator resolves.

An orientation never hands over an existing child: when its identity matches a child its author
may not see (no référent yet, or another référent's), a new child is created in the author's
caseload and flagged as a possible duplicate. The author gets the same answer either way, learns
nothing of the other file, and writes nothing into it; the coordinator compares and resolves.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.authz.permissions import Permission
from app.authz.policy import policy
from app.children.models import Child, ChildSearchIndex
from app.children.services import Identity, create_child
from app.children.vault import blind_index
from app.users.models import Role, User


def matching_children(session: Session, programme_id: int, identity: Identity) -> list[Child]:
    """Children of the programme with exactly this name and birth date (blind index), oldest first."""
    digest = blind_index(programme_id).digest(
        "identite", identity.nom, identity.prenom, identity.date_naissance.isoformat()
    )
    return list(
        session.scalars(
            select(Child)
            .join(ChildSearchIndex, ChildSearchIndex.child_id == Child.id)
            .where(ChildSearchIndex.programme_id == programme_id, ChildSearchIndex.digest == digest)
            .where(Child.purged_at.is_(None))
            .order_by(Child.id)
        )
    )


def child_for_orientation(session: Session, actor: User, identity: Identity) -> Child:
    """The child a new orientation goes to: a match the actor may see, else a new child of theirs."""
    matches = matching_children(session, actor.programme_id, identity)
    for child in matches:
        if policy(actor, Permission.CHILD_VIEW, child):
            return child
    child = create_child(
        session,
        programme_id=actor.programme_id,
        identity=identity,
        referent_id=actor.id if actor.role == Role.REFERENT else None,
        actor_id=actor.id,
        last_contact=date.today(),
    )
    if matches:
        child.possible_duplicate_of = matches[0].id
        session.flush()
    return child


def duplicate_of(session: Session, child: Child) -> Child | None:
    """The earlier child this one may duplicate (shown to the coordinator only)."""
    return session.get(Child, child.possible_duplicate_of) if child.possible_duplicate_of else None


def mark_distinct(session: Session, child: Child, actor: User) -> None:
    """The coordinator checked both files: they are two different children."""
    if child.possible_duplicate_of is None:
        return
    child.possible_duplicate_of = None
    audit.record(
        session,
        "child.duplicate.resolve",
        actor_id=actor.id,
        programme_id=child.programme_id,
        target_type="children",
        target_id=child.public_id,
    )
    session.flush()

"""Rules of collective actions: creation, sessions, attendance, attendance sheets.

Each function checks its rule, changes the rows and records audit events in the caller's
transaction; the caller commits (or rolls back on `CollectiveError`). Messages are French.
A child's attendance is part of their file: adding or removing it is audited on the child.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import DateTime, Select, bindparam, delete, literal, select
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.authz import Permission, policy
from app.authz.caseload import caseload_criterion
from app.children.models import Child
from app.collective.models import PUBLICS, CollectiveAction, CollectiveAttendance, CollectiveSession
from app.db import new_public_id
from app.i18n import _
from app.nomenclature import nomenclature
from app.users.models import Role, User

TITLE_MAX = 160
COUNT_MAX = 10_000


class CollectiveError(ValueError):
    """A rule refused the change; `str(error)` is a French message for the user."""


@dataclass(frozen=True)
class ActionFields:
    title: str
    action_code: str
    public: str
    provider: str
    starts_on: date
    ends_on: date | None
    capacity: int | None


def visible_actions(user: User) -> Select[CollectiveAction]:
    """The actions `user` may see: the programme's for the coordinator, their own for a référent."""
    never_purged = literal(None, type_=DateTime)
    criterion = caseload_criterion(user, CollectiveAction.programme_id, CollectiveAction.referent_id, never_purged)
    return select(CollectiveAction).where(criterion).order_by(CollectiveAction.starts_on.desc())


def _check(fields: ActionFields) -> None:
    if not fields.title.strip():
        raise CollectiveError(_("Indiquez l'intitulé de l'action."))
    if fields.action_code not in nomenclature().codes("action"):
        raise CollectiveError(_("Choisissez un type d'action de la liste."))
    if fields.public not in PUBLICS:
        raise CollectiveError(_("Choisissez le public : enfants, parents, ou les deux."))
    if fields.ends_on is not None and fields.ends_on < fields.starts_on:
        raise CollectiveError(_("La date de fin ne peut pas précéder la date de début : corrigez l'une des deux."))
    if fields.capacity is not None and not 0 < fields.capacity <= COUNT_MAX:
        raise CollectiveError(_("La capacité est un nombre de places entre 1 et 10 000, ou vide."))


def create_action(session: Session, actor: User, fields: ActionFields) -> CollectiveAction:
    """A new action; a référent's action is theirs (they alone among référents see it)."""
    _check(fields)
    action = CollectiveAction(
        public_id=new_public_id(),
        programme_id=actor.programme_id,
        referent_id=actor.id if actor.role == Role.REFERENT else None,
        title=fields.title.strip()[:TITLE_MAX],
        action_code=fields.action_code,
        public=fields.public,
        provider=fields.provider.strip()[:TITLE_MAX],
        starts_on=fields.starts_on,
        ends_on=fields.ends_on,
        capacity=fields.capacity,
        created_by=actor.id,
    )
    session.add(action)
    session.flush()
    audit.record_for(session, "collective.action.create", action, actor_id=actor.id)
    return action


def add_session(
    session: Session, actor: User, action: CollectiveAction, held_on: date, place: str
) -> CollectiveSession:
    if held_on < action.starts_on or (action.ends_on is not None and held_on > action.ends_on):
        raise CollectiveError(_("La séance doit avoir lieu entre le début et la fin de l'action."))
    item = CollectiveSession(
        public_id=new_public_id(),
        programme_id=action.programme_id,
        action=action,
        held_on=held_on,
        place=place.strip()[:TITLE_MAX],
    )
    session.add(item)
    session.flush()
    audit.record_for(session, "collective.session.create", item, actor_id=actor.id)
    return item


def attendees(session: Session, item: CollectiveSession) -> list[Child]:
    query = select(Child).join(CollectiveAttendance, CollectiveAttendance.child_id == Child.id)
    return list(session.scalars(query.where(CollectiveAttendance.session_id == item.id)))


def record_attendance(
    session: Session,
    actor: User,
    item: CollectiveSession,
    child_ids: Iterable[str],
    other_children: int,
    parents: int,
) -> None:
    """Set the session's attendance: the children ticked among those `actor` may see (children they
    may not see stay as recorded), and the counts of other children and of parents."""
    if not (0 <= other_children <= COUNT_MAX and 0 <= parents <= COUNT_MAX):
        raise CollectiveError(_("Les effectifs sont des nombres entre 0 et 10 000."))
    wanted = set(child_ids)
    chosen = list(session.scalars(select(Child).where(Child.public_id.in_(wanted)))) if wanted else []
    if len(chosen) != len(wanted) or any(not policy(actor, Permission.CHILD_VIEW, c) for c in chosen):
        raise CollectiveError(_("Un des enfants cochés n'est pas dans vos dossiers : rechargez la page."))
    if item.action.capacity is not None and len(chosen) > item.action.capacity:
        raise CollectiveError(_("Plus d'enfants que de places : augmentez la capacité de l'action ou décochez."))
    present = {child.id: child for child in attendees(session, item)}
    chosen_ids = {child.id for child in chosen}
    for child in chosen:
        if child.id not in present:
            session.add(CollectiveAttendance(session=item, child_id=child.id))
            audit.record_for(session, "collective.attendance.add", child, actor_id=actor.id)
    for child_id, child in present.items():
        if child_id not in chosen_ids and policy(actor, Permission.CHILD_VIEW, child):
            session.execute(
                delete(CollectiveAttendance).where(
                    CollectiveAttendance.session_id == item.id, CollectiveAttendance.child_id == child_id
                )
            )
            audit.record_for(session, "collective.attendance.remove", child, actor_id=actor.id)
    item.other_children, item.parents = other_children, parents
    session.flush()
    audit.record_for(session, "collective.session.attendance", item, actor_id=actor.id)


# Built once: the child's page reads it at every view.
SESSIONS_OF_CHILD = (
    select(CollectiveSession)
    .join(CollectiveAttendance, CollectiveAttendance.session_id == CollectiveSession.id)
    .where(CollectiveAttendance.child_id == bindparam("child_id"))
    .order_by(CollectiveSession.held_on)
)


def actions_of_child(session: Session, child: Child) -> list[tuple[CollectiveAction, int]]:
    """The collective actions the child attended, with the number of sessions attended."""
    counts: dict[int, tuple[CollectiveAction, int]] = {}
    for item in session.scalars(SESSIONS_OF_CHILD, {"child_id": child.id}):
        action, seen = counts.get(item.action_id, (item.action, 0))
        counts[item.action_id] = (action, seen + 1)
    return list(counts.values())

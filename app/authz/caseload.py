"""Whose children a user works on: the caseload rule, stated once for objects and for queries.

The policy asks it about one loaded object (`in_caseload`); list queries ask it for a SQL
criterion (`caseload_criterion`). Both read the same table, `CASELOAD`.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import ColumnElement, and_, false

from app.users.models import Role


class Scope(Enum):
    NONE = "none"  # sees no child (EPS members see pseudonyms only, admins nothing)
    OWN = "own"  # the children whose référent they are
    PROGRAMME = "programme"  # every child of their programme


CASELOAD: dict[Role, Scope] = {
    Role.REFERENT: Scope.OWN,
    Role.COORDINATEUR: Scope.PROGRAMME,
    Role.EPS: Scope.NONE,
    Role.ADMIN: Scope.NONE,
    Role.RESEAU: Scope.NONE,  # consolidated tables only
}

# Roles a child can be assigned to (their caseload is the children they follow).
CASELOAD_HOLDERS = frozenset(role for role, scope in CASELOAD.items() if scope is Scope.OWN)


class Actor(Protocol):
    """What the policy needs of a user."""

    @property
    def id(self) -> int: ...
    @property
    def programme_id(self) -> int: ...
    @property
    def role(self) -> str: ...
    @property
    def active(self) -> bool: ...


@runtime_checkable
class InProgramme(Protocol):
    """An object that belongs to one programme (a user account, an archive export)."""

    @property
    def programme_id(self) -> int: ...


@runtime_checkable
class CaseRecord(Protocol):
    """A child's file or a part of it (parcours, document): its programme and its référent."""

    @property
    def programme_id(self) -> int: ...
    @property
    def referent_id(self) -> int | None: ...
    @property
    def purged(self) -> bool: ...


def scope_of(user: Actor) -> Scope:
    return CASELOAD[Role(user.role)]


def holds_caseload(user: Actor) -> bool:
    """True when children can be assigned to `user` (an active référent)."""
    return user.active and Role(user.role) in CASELOAD_HOLDERS


def in_caseload(user: Actor, record: CaseRecord) -> bool:
    if record.programme_id != user.programme_id or record.purged:
        return False
    scope = scope_of(user)
    return scope is Scope.PROGRAMME or (scope is Scope.OWN and record.referent_id == user.id)


def caseload_criterion(user: Actor, programme_id: Any, referent_id: Any, purged_at: Any) -> ColumnElement[bool]:
    """`in_caseload` as a SQL criterion on the columns of a child-like table."""
    scope = scope_of(user)
    if scope is Scope.NONE:
        return false()
    visible = and_(programme_id == user.programme_id, purged_at.is_(None))
    if scope is Scope.OWN:
        return and_(visible, referent_id == user.id)
    return visible

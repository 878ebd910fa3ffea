"""The one place that decides whether a user may do something, optionally to one object.

Objects are judged through small protocols (`CaseRecord`, `InProgramme`), so the policy knows
no feature: a child, its parcours, its documents, EPS agenda items and letters are case records;
an EPS séance is a meeting; user accounts and archive exports belong to a programme.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from app.authz.caseload import Actor, CaseRecord, InProgramme, in_caseload
from app.authz.permissions import ROLE_PERMISSIONS, Permission
from app.users.models import Role


@runtime_checkable
class Meeting(Protocol):
    """A meeting of a programme (an EPS séance): EPS members see it only when it lets them in."""

    @property
    def programme_id(self) -> int: ...
    def member_may_see(self, user_id: int) -> bool: ...


def policy(user: Actor | None, permission: Permission, obj: object = None) -> bool:
    """True when `user` holds `permission` on `obj` (or in general when `obj` is None)."""
    if permission is Permission.PUBLIC:
        return True
    if user is None or not user.active:
        return False
    if permission is Permission.AUTHENTICATED:
        return True
    if permission not in ROLE_PERMISSIONS[Role(user.role)]:
        return False
    if obj is None:
        return True
    if isinstance(obj, CaseRecord):
        return in_caseload(user, obj)
    if isinstance(obj, Meeting):
        if obj.programme_id != user.programme_id:
            return False
        return user.role != Role.EPS or obj.member_may_see(user.id)
    if isinstance(obj, InProgramme):
        return obj.programme_id == user.programme_id
    return False

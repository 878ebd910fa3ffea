"""The one place that decides whether a user may do something, optionally to one object."""

from __future__ import annotations

from typing import Any

from app.archive.models import ArchiveExport
from app.authz.permissions import ROLE_PERMISSIONS, Permission
from app.children.models import Child, Parcours
from app.documents.models import Document
from app.eps.models import AgendaItem, Letter, Seance
from app.users.models import Programme, Role, User


def _child_rule(user: User, child: Child) -> bool:
    if child.programme_id != user.programme_id or child.purged_at is not None:
        return False
    if user.role == Role.REFERENT:
        return child.referent_id == user.id
    return True


def policy(user: User | None, permission: Permission, obj: Any = None) -> bool:
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
    if isinstance(obj, Child):
        return _child_rule(user, obj)
    if isinstance(obj, Parcours | Document):
        return _child_rule(user, obj.child)
    if isinstance(obj, User):
        return obj.programme_id == user.programme_id
    if isinstance(obj, Programme):
        return obj.id == user.programme_id
    if isinstance(obj, Seance):
        if obj.programme_id != user.programme_id:
            return False
        return user.role != Role.EPS or obj.member_may_see(user.id)
    if isinstance(obj, AgendaItem | Letter):
        return _child_rule(user, obj.child)
    if isinstance(obj, ArchiveExport):
        return obj.programme_id == user.programme_id
    return False

"""The one query that says which children a user may see; every list goes through it."""

from __future__ import annotations

from sqlalchemy import Select, false, select

from app.children.models import Child
from app.users.models import Role, User


def visible_to(user: User) -> Select[Child]:
    query = select(Child).where(Child.programme_id == user.programme_id, Child.purged_at.is_(None))
    if user.role == Role.REFERENT:
        return query.where(Child.referent_id == user.id)
    if user.role == Role.COORDINATEUR:
        return query
    return query.where(false())

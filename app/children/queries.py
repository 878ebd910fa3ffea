"""The one query that says which children a user may see; every list goes through it."""

from __future__ import annotations

from sqlalchemy import Select, select

from app.authz.caseload import caseload_criterion
from app.children.models import Child
from app.users.models import User


def visible_to(user: User) -> Select[Child]:
    return select(Child).where(caseload_criterion(user, Child.programme_id, Child.referent_id, Child.purged_at))

"""The caseload rule is stated once: the policy on one child and the list query agree."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.authz import Permission, policy
from app.authz.caseload import in_caseload
from app.children.models import Child
from app.children.queries import visible_to
from app.db import utcnow
from tests.factories import World


def test_policy_and_list_query_see_the_same_children(session: Session, world: World) -> None:
    world.other_child.purged_at = utcnow()
    session.flush()
    children = list(session.scalars(select(Child)))
    assert {world.child, world.other_child, world.foreign_child} <= set(children)
    for user in [*world.users().values(), world.other_referent, world.foreign_coordinateur]:
        listed = set(session.scalars(visible_to(user)))
        assert listed == {c for c in children if in_caseload(user, c)}, user.role
        if policy(user, Permission.CHILD_LIST):
            assert listed == {c for c in children if policy(user, Permission.CHILD_VIEW, c)}, user.role
    assert {c for c in children if in_caseload(world.referent, c)} == {world.child}

"""Collective actions for the indicators bench: 5,000 sessions (250 actions of 20 sessions over
2019-2026) with 0 to 6 children of the programme each, bulk-inserted."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

ACTIONS = 250
SESSIONS_PER_ACTION = 20


def add_collective_sessions(session: Session, programme_id: int, seed: int = 14) -> int:
    """Insert the actions, sessions and attendance; the number of sessions."""
    from app.children.models import Child
    from app.collective.models import CollectiveAction, CollectiveAttendance, CollectiveSession

    rng = random.Random(seed)
    children = list(session.scalars(select(Child.id).where(Child.programme_id == programme_id)))
    actions = [
        {
            "public_id": f"bench{programme_id}a{n}",
            "programme_id": programme_id,
            "title": f"Atelier {n}",
            "action_code": rng.choice(("parentalite", "accompagnement_scolaire", "culture_loisirs_sport")),
            "public": rng.choice(("enfants", "parents", "enfants_parents")),
            "provider": "",
            "starts_on": date(2019, 1, 1) + timedelta(days=rng.randrange(2400)),
        }
        for n in range(ACTIONS)
    ]
    session.execute(insert(CollectiveAction), actions)
    ids = dict(session.execute(select(CollectiveAction.public_id, CollectiveAction.id)).tuples().all())
    sessions = [
        {
            "public_id": f"bench{programme_id}s{n}x{k}",
            "programme_id": programme_id,
            "action_id": ids[action["public_id"]],
            "held_on": action["starts_on"] + timedelta(days=7 * k),
            "place": "",
            "other_children": rng.randrange(0, 8),
            "parents": rng.randrange(0, 12),
        }
        for n, action in enumerate(actions)
        for k in range(SESSIONS_PER_ACTION)
    ]
    session.execute(insert(CollectiveSession), sessions)
    session_ids = list(
        session.scalars(select(CollectiveSession.id).where(CollectiveSession.programme_id == programme_id))
    )
    attendance = [
        {"session_id": session_id, "child_id": child_id}
        for session_id in session_ids
        for child_id in rng.sample(children, rng.randrange(0, 7))
    ]
    session.execute(insert(CollectiveAttendance), attendance)
    session.commit()
    return len(session_ids)

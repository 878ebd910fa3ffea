"""Move a programme's blind index from the instance-wide key to its own key (`parcours keys reindex`).

Before migration 0008 every programme indexed names under one key, so the same child could be
linked across programmes by anyone holding the database. Each programme still on that key has
its children's digests recomputed from their decrypted identities, one programme per transaction.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.children.models import Child
from app.children.services import forget_blind_indexes, read_identity, ref_digest, write_identity
from app.users.models import Programme


def reindex(session: Session) -> dict[str, int]:
    """Re-index every programme still on the shared key; {programme code: children re-indexed}."""
    done: dict[str, int] = {}
    for programme in session.scalars(select(Programme).where(Programme.blind_index_version == 0)):
        programme.blind_index_version = 1
        session.flush()
        forget_blind_indexes()
        children = session.scalars(
            select(Child).where(Child.programme_id == programme.id, Child.wrapped_key.is_not(None))
        ).all()
        for child in children:
            identity = read_identity(child)
            write_identity(session, child, identity)
            child.ref_digest = ref_digest(programme.id, identity.ref_enfant) if identity.ref_enfant else None
        audit.record(
            session,
            "keys.reindex",
            programme_id=programme.id,
            target_type="programmes",
            target_id=programme.code,
        )
        session.commit()
        done[programme.code] = len(children)
    return done

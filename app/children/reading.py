"""Reading the identities shown on a page: audited as a batch, and robust to one unreadable row."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy.orm import Session

from app.audit import services as audit
from app.children.models import Child
from app.children.services import Identity, read_identity
from app.users.models import User

log = logging.getLogger(__name__)


def read_identities(session: Session, user: User, children: Iterable[Child], action: str) -> dict[int, Identity | None]:
    """Decrypt the identities of `children` shown to `user` on one page; one audit event for the batch.

    An identity that does not decrypt (altered, or its key lost) is None, logged and audited by the
    child's public id only, so that one bad row never takes the whole page down."""
    identities: dict[int, Identity | None] = {}
    for child in children:
        try:
            identities[child.id] = read_identity(child)
        except (ValueError, PermissionError):  # DecryptionError, bad JSON or date, shredded key
            identities[child.id] = None
            unreadable(session, user, child)
    audit.record(
        session,
        action,
        actor_id=user.id,
        programme_id=user.programme_id,
        target_type="children",
        target_id=f"{len(identities)} enfants",
    )
    return identities


def unreadable(session: Session, user: User, child: Child) -> None:
    """Record that the child's identity could not be read (nothing of its data in the log or the trail)."""
    log.warning("identity of child %s does not decrypt", child.public_id)
    audit.record(
        session,
        "child.unreadable",
        actor_id=user.id,
        programme_id=child.programme_id,
        target_type="children",
        target_id=child.public_id,
        outcome="error",
    )

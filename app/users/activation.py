"""One-time links through which the holder of an account chooses its password.

Only a hash of the token is stored; a link works once, for `VALIDITY`, and a new link cancels the
older ones of the same account.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db import utcnow
from app.users.models import AccountToken, User

VALIDITY = timedelta(days=3)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(session: Session, user: User, issued_by: int | None) -> str:
    """A new one-time token for `user` (earlier unused ones stop working)."""
    now = utcnow()
    session.execute(
        update(AccountToken).where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None)).values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    session.add(AccountToken(token_hash=_hash(token), user_id=user.id, issued_by=issued_by, expires_at=now + VALIDITY))
    session.flush()
    return token


def find(session: Session, token: str) -> tuple[AccountToken, User] | None:
    """The valid (unused, unexpired) token and its active account, or None."""
    if not 20 <= len(token) <= 100:
        return None
    row = session.scalar(select(AccountToken).where(AccountToken.token_hash == _hash(token)))
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active or user.pending_role is not None:
        return None
    return row, user

"""Checking credentials, with throttling that looks the same for unknown and known e-mails."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.db import utcnow
from app.users.models import User
from app.users.passwords import DUMMY_HASH, verify_password

MAX_FAILURES = 5
LOCK_DURATION = timedelta(minutes=15)


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with these credentials, or None; failures are audited, success is audited
    by the caller once the login is complete (after the second factor when there is one)."""
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    now = utcnow()
    if user is None:
        verify_password(DUMMY_HASH, password)
        audit.record(session, "login.failure", outcome="failure")
        return None
    locked = user.locked_until is not None and user.locked_until > now
    if locked or not verify_password(user.password_hash, password) or not user.active:
        if locked:
            audit.record(session, "login.failure", actor_id=user.id, programme_id=user.programme_id, outcome="locked")
        else:
            register_failure(session, user, "login.failure")
        return None
    return user


def register_failure(session: Session, user: User, action: str) -> None:
    """Count a failed attempt (password or code); lock the account for longer each time."""
    user.failed_logins += 1
    if user.failed_logins >= MAX_FAILURES:
        # Each lock lasts longer: 15 min, then 30, 45...
        user.locked_until = utcnow() + LOCK_DURATION * (user.failed_logins - MAX_FAILURES + 1)
    audit.record(session, action, actor_id=user.id, programme_id=user.programme_id, outcome="failure")


def reset_failures(user: User) -> None:
    user.failed_logins = 0
    user.locked_until = None

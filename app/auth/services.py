"""Checking credentials: the same work and the same answer for unknown, wrong and locked accounts."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import services as audit
from app.auth import throttle
from app.users.models import User
from app.users.passwords import DUMMY_HASH, verify_password


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with these credentials, or None; failures are audited, success is audited
    by the caller once the login is complete (after the second factor when there is one).

    The password hash is always computed, even for an unknown or locked account, so that the
    three failures take the same time."""
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    is_locked = throttle.locked(session, email)
    usable = user is not None and bool(user.password_hash)
    matches = verify_password(user.password_hash if usable and user else DUMMY_HASH, password) and usable
    if is_locked or not matches or user is None or not user.active:
        if not is_locked:
            throttle.fail(session, email)
        audit.record(
            session,
            "login.failure",
            actor_id=user.id if user else None,
            programme_id=user.programme_id if user else None,
            outcome="locked" if is_locked else "failure",
        )
        return None
    return user


def second_factor_failed(session: Session, user: User) -> None:
    """A wrong or replayed code: counted like a wrong password for this account and address."""
    throttle.fail(session, f"totp:{user.id}")
    audit.record(session, "login.failure.totp", actor_id=user.id, programme_id=user.programme_id, outcome="failure")


def second_factor_locked(session: Session, user: User) -> bool:
    return throttle.locked(session, f"totp:{user.id}")


def login_succeeded(session: Session, email: str, user: User) -> None:
    throttle.succeed(session, email)
    throttle.succeed(session, f"totp:{user.id}")

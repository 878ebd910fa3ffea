"""Login sessions kept server-side; the cookie holds only a random token.

A new token is issued at every login. Logout, password change and disabling an account revoke
tokens in the database, so a copied cookie stops working at once. Idle and absolute timeouts are
enforced on every request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, g, session
from sqlalchemy import bindparam, select, update

from app.db import db, utcnow
from app.users.models import User, UserSession

# Sliding the idle deadline costs a write; do it at most this often.
_TOUCH_INTERVAL = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User) -> None:
    """Drop whatever the browser had and bind a fresh token to `user`."""
    session.clear()
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(token_hash=_hash(token), user_id=user.id))
    session["sid"] = token
    session.permanent = True


def end() -> None:
    token = session.get("sid")
    if token:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token_hash == _hash(token), UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    session.clear()


# Built once: every request runs it.
SESSION_AND_USER = (
    select(UserSession, User)
    .join(User, User.id == UserSession.user_id)
    .where(UserSession.token_hash == bindparam("token_hash"))
)


def load_user() -> None:
    """Before each request: set `g.user` from a valid, unexpired session, else None.

    Read in a reader transaction (no lock on SQLite); the rare writes (expiry, the idle deadline slid
    at most once a minute) end it first and commit on their own."""
    g.user = None
    token = session.get("sid")
    if not token:
        return
    db.begin_read()
    found = db.session.execute(SESSION_AND_USER, {"token_hash": _hash(token)}).first()
    row, user = found if found is not None else (None, None)
    settings = current_app.config["PARCOURS"]
    now = utcnow()
    if (
        row is None
        or row.revoked_at is not None
        or now - row.last_seen_at > timedelta(minutes=settings.session_idle_minutes)
        or now - row.created_at > timedelta(hours=settings.session_absolute_hours)
    ):
        if row is not None and row.revoked_at is None:
            db.session.commit()
            row.revoked_at = now
            db.session.commit()
        session.clear()
        return
    if user is None or not user.active:
        session.clear()
        return
    if now - row.last_seen_at > _TOUCH_INTERVAL:
        db.session.commit()
        row.last_seen_at = now
        db.session.commit()
    g.user = user

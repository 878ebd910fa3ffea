"""Login throttling without an enumeration oracle and without a way to lock someone out for good.

Failures are counted per (e-mail typed, address) and per address, whether the account exists or
not, so an unknown account, a wrong password and a locked account look and behave alike. A lock
lasts `LOCK` and never grows; attempts during a lock are not counted; once it lifts, counting
starts again. Someone elsewhere trying the same account does not lock its holder out.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import current_app, request
from sqlalchemy.orm import Session

from app.db import utcnow
from app.users.models import LoginThrottle

PAIR_LIMIT = 5  # failures of one account from one address within WINDOW
ADDRESS_LIMIT = 30  # failures from one address, any account, within WINDOW
WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)


def _key(*parts: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, "\x1f".join(("login-throttle", *parts)).encode(), hashlib.sha256).hexdigest()


def keys_for(account: str) -> tuple[str, str]:
    """(the key of this account from this address, the key of this address)."""
    address = request.remote_addr or "-"
    return _key("pair", account.strip().lower(), address), _key("address", address)


def _row(session: Session, key: str) -> LoginThrottle:
    row = session.get(LoginThrottle, key, with_for_update=True)
    if row is None:
        row = LoginThrottle(key=key, failures=0, window_start=utcnow())
        session.add(row)
    return row


def locked(session: Session, account: str) -> bool:
    now = utcnow()
    for key in keys_for(account):
        row = session.get(LoginThrottle, key)
        if row is not None and row.locked_until is not None and row.locked_until > now:
            return True
    return False


def fail(session: Session, account: str) -> None:
    """Count a failure unless a lock is running; lock for `LOCK` when a limit is reached."""
    now = utcnow()
    for key, limit in zip(keys_for(account), (PAIR_LIMIT, ADDRESS_LIMIT), strict=True):
        row = _row(session, key)
        if row.locked_until is not None and row.locked_until > now:
            continue
        if row.locked_until is not None or now - row.window_start > WINDOW:
            row.failures, row.window_start, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= limit:
            row.locked_until = now + LOCK


def succeed(session: Session, account: str) -> None:
    pair, _address = keys_for(account)
    row = session.get(LoginThrottle, pair)
    if row is not None:
        session.delete(row)

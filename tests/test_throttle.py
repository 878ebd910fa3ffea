"""SECURITY 26: lockout without an enumeration oracle, and no way to lock a user out for good."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.auth import services
from app.auth.throttle import PAIR_LIMIT
from app.db import utcnow
from app.users.models import LoginThrottle
from app.users.passwords import verify_password
from tests.conftest import csrf_token
from tests.factories import PASSWORD, World

WRONG = "mauvais mot de passe"


def _client(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _attempt(client: FlaskClient, email: str, password: str) -> int:
    response = client.post("/connexion", data={"email": email, "password": password, "csrf_token": csrf_token(client)})
    return response.status_code


def _lock(client: FlaskClient, email: str) -> None:
    for _ in range(PAIR_LIMIT):
        assert _attempt(client, email, WRONG) == 401


def test_unknown_wrong_and_locked_accounts_do_the_same_work(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def counting(password_hash: str, password: str) -> bool:
        calls.append(password_hash)
        return verify_password(password_hash, password)

    monkeypatch.setattr(services, "verify_password", counting)
    locked = _client(app, "192.0.2.1")
    _lock(locked, world.other_referent.email)
    calls.clear()
    answers = {}
    for kind, email in (
        ("unknown", "personne@nulle.part"),
        ("wrong", world.referent.email),
        ("locked", world.other_referent.email),
    ):
        before = len(calls)
        answers[kind] = _attempt(locked, email, PASSWORD if kind == "locked" else WRONG)
        assert len(calls) == before + 1, f"{kind}: the password hash must be computed exactly once"
    assert set(answers.values()) == {401}


def test_unknown_accounts_lock_like_known_ones(app: Flask, world: World) -> None:
    client = _client(app, "192.0.2.2")
    _lock(client, "personne@nulle.part")
    _lock(client, world.referent.email)
    assert _attempt(client, world.referent.email, PASSWORD) == 401


def test_the_lock_lifts_after_its_period_and_does_not_grow(app: Flask, session: Session, world: World) -> None:
    client = _client(app, "192.0.2.3")
    _lock(client, world.referent.email)
    assert _attempt(client, world.referent.email, PASSWORD) == 401
    session.expire_all()
    until = {
        row.key: row.locked_until
        for row in session.query(LoginThrottle).filter(LoginThrottle.locked_until.is_not(None))
    }
    for _ in range(10):  # attempts during the lock neither count nor extend it
        _attempt(client, world.referent.email, WRONG)
    session.expire_all()
    assert {
        row.key: row.locked_until
        for row in session.query(LoginThrottle).filter(LoginThrottle.locked_until.is_not(None))
    } == until
    session.execute(update(LoginThrottle).values(locked_until=utcnow()))  # the period is over
    session.commit()
    assert _attempt(client, world.referent.email, PASSWORD) == 302


def test_someone_elsewhere_cannot_lock_the_holder_out(app: Flask, world: World) -> None:
    _lock(_client(app, "198.51.100.7"), world.referent.email)
    assert _attempt(_client(app, "192.0.2.4"), world.referent.email, PASSWORD) == 302


def test_one_address_trying_many_accounts_is_stopped(app: Flask, world: World) -> None:
    client = _client(app, "192.0.2.5")
    for number in range(30):
        _attempt(client, f"essai{number}@nulle.part", WRONG)
    assert _attempt(client, world.referent.email, PASSWORD) == 401

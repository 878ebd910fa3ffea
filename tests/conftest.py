"""Shared fixtures: one instance and schema per run, each test inside a rolled-back transaction.

Set PARCOURS_DATABASE_URL to run the same suite on PostgreSQL.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import create_engine, make_url, text, update
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from app import create_app
from app.config import write_config
from app.crypto.keyring import create_initial_keys
from app.db import db, make_engine
from app.migrate import upgrade
from app.users.models import User
from tests import factories

# A busy 2-core CI machine must not turn a slow example into a failure: no per-example deadline.
settings.register_profile("parcours", deadline=None)
settings.load_profile("parcours")

# Copies of the shared fixtures (see tests/fixtures/README.md): the tests never read outside the repository.
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def make_instance(path: Path, database_url: str | None = None) -> Path:
    """An instance folder with config and keys, like `parcours init` makes."""
    path.mkdir(parents=True, exist_ok=True)
    values: dict[str, object] = {"secret_key": "test-secret-" + "x" * 40, "secure_cookies": False}
    if database_url:
        values["database_url"] = database_url
    write_config(path, values)
    create_initial_keys(path / "keys")
    return path


def reset_database(url: str) -> None:
    """Empty the test database and bring it to the latest migration."""
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    engine.dispose()


@pytest.fixture()
def fresh_instance(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """`fresh_instance(name)`: a new instance with its own empty database, migrated to head, on
    the backend under test (a new PostgreSQL database when PARCOURS_DATABASE_URL is set)."""
    server_url = os.environ.get("PARCOURS_DATABASE_URL")
    created: list[str] = []

    def make(name: str) -> Path:
        path = tmp_path / name
        url = f"sqlite:///{path / 'parcours.sqlite3'}"
        if server_url:
            database = f"parcours_t_{uuid.uuid4().hex[:12]}"
            _admin_execute(server_url, f'CREATE DATABASE "{database}"')
            created.append(database)
            url = str(make_url(server_url).set(database=database).render_as_string(hide_password=False))
        make_instance(path, url)
        reset_database(url)
        return path

    yield make
    for database in created:
        _admin_execute(server_url or "", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _admin_execute(server_url: str, statement: str) -> None:
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    url = os.environ.get("PARCOURS_DATABASE_URL")
    path = make_instance(tmp_path_factory.mktemp("instance"), url)
    reset_database(url or f"sqlite:///{path / 'parcours.sqlite3'}")
    return path


class IsolatedClient(FlaskClient):
    """Each request gets its own app context (own `g`, own database session), as in production;
    without this, requests would share the test's app context."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def base_app(instance_path: Path) -> Iterator[Flask]:
    app = create_app(instance_path)
    app.config["TESTING"] = True
    app.test_client_class = IsolatedClient
    yield app
    db.engine_of(app).dispose()


@pytest.fixture()
def make_app() -> Iterator[Callable[[Path], Flask]]:
    """`make_app(instance)`: another app on its own instance; its engine is disposed afterwards."""
    apps: list[Flask] = []

    def make(path: Path) -> Flask:
        app = create_app(path)
        apps.append(app)
        return app

    yield make
    for app in apps:
        db.engine_of(app).dispose()


@pytest.fixture()
def app(base_app: Flask) -> Iterator[Flask]:
    """The app with every session joined to one outer transaction, rolled back after the test."""
    connection = db.engine_of(base_app).connect()
    outer = connection.begin()
    db.bind_to(base_app, connection)
    try:
        with base_app.app_context():
            yield base_app
    finally:
        db.bind_to(base_app, None)
        outer.rollback()
        connection.close()


@pytest.fixture()
def session(app: Flask) -> Session:
    return db.session


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def world(session: Session) -> factories.World:
    """Two programmes: one with a coordinator, two référents, an EPS member, an admin and
    children; the other with its own coordinator and child."""
    return factories.make_world(session)


CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/connexion") -> str:
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = CSRF_FIELD.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, email: str, password: str = factories.PASSWORD) -> None:
    """Log in through the real pages, typing the TOTP code when the account has one."""
    response = client.post("/connexion", data={"email": email, "password": password, "csrf_token": csrf_token(client)})
    assert response.status_code == 302, f"login of {email} failed ({response.status_code})"
    if response.headers["Location"].startswith("/connexion/code"):
        with client.application.app_context():  # a code is single-use: allow this test to log in again
            db.session.execute(update(User).where(User.email == email).values(totp_last_step=None))
            db.session.commit()
        code = pyotp.TOTP(factories.TOTP_SEEDS[email]).now()
        response = client.post(
            "/connexion/code", data={"code": code, "csrf_token": csrf_token(client, "/connexion/code")}
        )
        assert response.status_code == 302, f"second factor of {email} failed ({response.status_code})"


@pytest.fixture()
def login_as(app: Flask):  # type: ignore[no-untyped-def]
    """`login_as(user)` returns a client logged in as that user."""

    def _login(user: factories.User) -> FlaskClient:
        client = app.test_client()
        login(client, user.email)
        return client

    return _login

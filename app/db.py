"""Database wiring: declarative base with a naming convention, engine and per-request session."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine, Enum, MetaData, create_engine, event, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def str_enum(values: type[StrEnum], length: int) -> Enum:
    """A column holding one of `values`: VARCHAR(length) storing the value, read back as the enum member."""
    return Enum(
        values,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def new_public_id() -> str:
    """The random id shown in URLs and audit targets instead of the row id."""
    return secrets.token_urlsafe(12)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _owner_only_sqlite_files(url: str) -> None:
    """Create the database file readable by its owner only (SQLite gives its WAL and shared-memory
    files the database file's mode) and tighten the mode of existing ones."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.parent.is_dir():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        for suffix in ("", "-wal", "-shm", "-journal"):
            companion = path.with_name(path.name + suffix)
            if companion.exists():
                companion.chmod(0o600)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        _owner_only_sqlite_files(url)
        engine = create_engine(url, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, and transactions that take the write lock up front.

    pysqlite's own transaction handling is switched off so that SQLAlchemy's BEGIN (and
    savepoints) reach SQLite as written; BEGIN IMMEDIATE avoids lock-upgrade deadlocks since
    nearly every request writes an audit event.
    """

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@dataclass
class _State:
    engine: Engine
    factory: sessionmaker[Session]


class Database:
    """Engine and a session per application context; the state lives on each app."""

    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["DATABASE_URL"])
        app.extensions["parcours_db"] = _State(engine, sessionmaker(bind=engine, expire_on_commit=False))
        app.teardown_appcontext(self._close_session)

    @staticmethod
    def _state(app: Flask | None = None) -> _State:
        state: _State = (app or current_app).extensions["parcours_db"]
        return state

    @property
    def engine(self) -> Engine:
        return self._state().engine

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = self._state().factory()
        session: Session = g.db_session
        return session

    def engine_of(self, app: Flask) -> Engine:
        return self._state(app).engine

    def bind_to(self, app: Flask, connection: Connection | None) -> None:
        """Run every session of `app` inside an outer transaction on `connection` (tests roll it
        back); None restores the engine."""
        state = self._state(app)
        if connection is None:
            state.factory = sessionmaker(bind=state.engine, expire_on_commit=False)
        else:
            state.factory = sessionmaker(
                bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
            )

    @contextmanager
    def new_session(self) -> Iterator[Session]:
        """A session outside the request one (background jobs, CLI loops)."""
        with self._state().factory() as session:
            yield session

    @staticmethod
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


db = Database()

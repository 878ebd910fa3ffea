"""Database wiring: declarative base with a naming convention, engine and per-request session."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine, Enum, MetaData, create_engine, event, make_url, text
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Execution option of a transaction that only reads (see Database.begin_read).
READ_ONLY = "parcours_read_only"


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


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        _owner_only(make_url(url).database)
        engine = create_engine(url, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _owner_only(database: str | None) -> None:
    """Create the SQLite file readable by its owner only (SQLite gives its WAL the same mode), and
    take group and other rights away from an existing one and its WAL."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.exists() and path.parent.is_dir():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for existing in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if existing.exists() and existing.stat().st_mode & 0o077:
            existing.chmod(0o600)


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, and transactions that take the write lock up front unless they only read.

    pysqlite's own transaction handling is switched off so that SQLAlchemy's BEGIN (and
    savepoints) reach SQLite as written. A transaction begins IMMEDIATE (the write lock up front: no
    lock-upgrade deadlock) unless it was opened by `Database.begin_read`: a reader begins DEFERRED,
    takes no lock, and never makes other workers wait. `synchronous=NORMAL` in WAL mode: a commit
    survives the process being killed (`kill -9`) without an fsync per transaction; only a power cut
    may lose the last commits (production runs PostgreSQL, see the README).
    """

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        mode = "DEFERRED" if connection.get_execution_options().get(READ_ONLY) else "IMMEDIATE"
        connection.exec_driver_sql(f"BEGIN {mode}")


def read_in_parallel(session: Session, *reads: Callable[[Session], object]) -> None:
    """Run `reads` (functions that only query, through the session they are given) each in its own
    thread and connection, all on one snapshot: the database as last committed when `session` took it.

    PostgreSQL: `session` exports its snapshot and every reader imports it. SQLite: `session` holds
    the write lock (its transaction began IMMEDIATE), so nothing commits before every reader has
    taken its own snapshot. Otherwise (a SQLite reader, whose view may be older than the last
    commit; a session bound to one connection, as in the tests) the reads run one after the other
    on `session`.
    """
    bind, caller = session.get_bind(), session.connection()
    if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
        snapshot = str(caller.exec_driver_sql("SELECT pg_export_snapshot()").scalar())
        if not re.fullmatch(r"[0-9A-F-]+", snapshot):
            raise RuntimeError(f"unexpected snapshot id {snapshot!r}")

        def begin(reader: Session) -> None:
            reader.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            reader.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))

    elif (
        isinstance(bind, Engine)
        and bind.url.database not in (None, "", ":memory:")
        and not caller.get_execution_options().get(READ_ONLY)
    ):

        def begin(reader: Session) -> None:
            reader.connection(execution_options={READ_ONLY: True})

    else:
        for read in reads:
            read(session)
        return

    def run(read: Callable[[Session], object]) -> None:
        with Session(bind) as reader:
            begin(reader)
            read(reader)

    with ThreadPoolExecutor(max_workers=len(reads)) as pool:
        for done in [pool.submit(run, read) for read in reads]:
            done.result()


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

    def begin_read(self) -> None:
        """Open the request session's next transaction as a reader (SQLite: a deferred BEGIN, no lock).

        Such a transaction must not write: commit it before any change (SQLite cannot safely turn a
        reader into a writer once another connection has committed). No-op inside a transaction.
        """
        session = self.session
        if not session.in_transaction():
            session.connection(execution_options={READ_ONLY: True})

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

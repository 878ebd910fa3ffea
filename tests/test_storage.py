"""SECURITY P0-2/3: nothing identifying in clear in the database, and no key in it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from app.children.models import Child
from app.children.services import read_identity
from app.crypto.keyring import MissingKeyError
from app.db import db
from app.migrate import upgrade
from tests.conftest import make_instance
from tests.factories import make_child, make_parcours, make_programme, make_user

MARKER_NOM = "Zqxmarkernom"
MARKER_ADRESSE = "77 impasse Zqxmarkeradresse"


def _plant(session: Session) -> Child:
    programme = make_programme(session)
    referent = make_user(session, programme, "referent")
    child = make_child(
        session,
        programme,
        referent,
        nom=MARKER_NOM,
        prenom="Zqxmarkerprenom",
        adresse=MARKER_ADRESSE,
        date_naissance=date(2014, 2, 3),
        ref_famille="Zqxmarkerfamille",
    )
    make_parcours(session, child)
    return child


@pytest.fixture()
def file_instance(tmp_path: Path) -> Path:
    """A fresh SQLite instance whose writes are really committed to its file and WAL."""
    path = make_instance(tmp_path / "instance", f"sqlite:///{tmp_path / 'instance' / 'parcours.sqlite3'}")
    return path


def test_planted_markers_are_absent_from_the_sqlite_file_and_its_wal(
    make_app: Callable[[Path], Flask], file_instance: Path
) -> None:
    app = make_app(file_instance)
    upgrade(db.engine_of(app))
    with app.app_context():
        _plant(db.session)
        db.session.commit()
        raw = b"".join(p.read_bytes() for p in file_instance.glob("parcours.sqlite3*"))
        assert (file_instance / "parcours.sqlite3-wal").exists()
        for marker in (MARKER_NOM, "Zqxmarkerprenom", "Zqxmarkeradresse", "Zqxmarkerfamille", "2014-02-03"):
            assert marker.encode() not in raw
            assert marker.encode("utf-16-le") not in raw
        db.session.close()
        raw_connection = db.engine.raw_connection()
        raw_connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw_connection.close()
        assert MARKER_NOM.encode() not in (file_instance / "parcours.sqlite3").read_bytes()


def test_no_column_of_any_table_holds_a_marker(session: Session) -> None:
    """Works on PostgreSQL as on SQLite: reads every column of every table as text."""
    _plant(session)
    session.flush()
    connection = session.connection()
    for table in inspect(connection).get_table_names():
        for row in connection.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608 - table names from the schema
            dump = " ".join(str(v) for v in row)
            assert MARKER_NOM not in dump, table
            assert "Zqxmarkeradresse" not in dump, table


def test_a_copy_of_the_database_without_its_keys_decrypts_nothing(
    make_app: Callable[[Path], Flask], file_instance: Path, tmp_path: Path
) -> None:
    app = make_app(file_instance)
    upgrade(db.engine_of(app))
    with app.app_context():
        child_id = _plant(db.session).id
        db.session.commit()
    db.engine_of(app).dispose()
    thief = make_instance(tmp_path / "thief", f"sqlite:///{tmp_path / 'thief' / 'parcours.sqlite3'}")
    shutil.copy(file_instance / "parcours.sqlite3", thief / "parcours.sqlite3")
    stolen = make_app(thief)
    with stolen.app_context():
        child = db.session.scalar(select(Child).where(Child.id == child_id))
        assert child is not None
        with pytest.raises(RuntimeError):
            read_identity(child)


def test_the_app_refuses_to_start_without_its_key_encryption_key(
    make_app: Callable[[Path], Flask], file_instance: Path
) -> None:
    (file_instance / "keys" / "kek-1.key").unlink()
    with pytest.raises(MissingKeyError, match="key-encryption key"):
        make_app(file_instance)

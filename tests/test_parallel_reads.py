"""The yearly indicators read in parallel threads on one snapshot (`app.db.read_in_parallel`):
the same figures as one transaction gives, and no mix of before and after a concurrent commit."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import db, read_in_parallel
from app.imports.services import import_csv
from app.indicators import compute as indicators
from app.users.models import Programme
from tests.conftest import FIXTURES
from tests.factories import make_programme
from tests.test_indicators_fixtures import _expected_part


@pytest.fixture()
def committed_app(fresh_instance: Callable[[str], Path], make_app: Callable[[Path], Flask]) -> Flask:
    """An app on its own database, whose sessions commit for real (not the tests' outer transaction)."""
    return make_app(fresh_instance("parallel"))


def test_indicators_read_in_parallel_match_the_fixtures(committed_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: set[int] = set()
    for name in ("_children", "_codes"):
        count = getattr(indicators, name)

        def spied(*args: object, _count: Callable[..., None] = count) -> None:
            threads.add(threading.get_ident())
            _count(*args)

        monkeypatch.setattr(indicators, name, spied)
    with committed_app.app_context():
        session = db.session
        programme = make_programme(session)
        assert (
            import_csv(session, (FIXTURES / "parcours-exemple.csv").read_bytes(), programme, actor_id=None).errors == []
        )
        session.commit()
        for period in ("2024", "2025", "2026", "2025-2026"):
            expected = json.loads((FIXTURES / f"indicateurs-v2-{period}.json").read_text(encoding="utf-8"))
            assert _expected_part(expected, indicators.compute(session, programme.id, period)) == []
            session.rollback()
    assert threads and threading.get_ident() not in threads, "the counts ran on the caller's thread"


def test_parallel_readers_do_not_see_a_commit_made_while_they_run(committed_app: Flask) -> None:
    """A report never mixes the data before and after someone else's change."""
    with committed_app.app_context():
        session = db.session
        make_programme(session)
        session.commit()
        engine, counted = db.engine, list[int]()
        first_counted = threading.Event()

        def add_programme() -> None:
            with Session(engine) as other:
                other.add(Programme(code="PARALLELE", name="PRE ajouté pendant le calcul"))
                other.commit()

        writer = threading.Thread(target=add_programme)

        def count_then_let_a_writer_commit(reader: Session) -> None:
            counted.append(reader.scalar(select(func.count(Programme.id))) or 0)
            writer.start()
            writer.join(timeout=2)  # PostgreSQL commits at once; SQLite waits for the snapshot's end
            first_counted.set()

        def count_after_the_commit(reader: Session) -> None:
            first_counted.wait(timeout=10)
            counted.append(reader.scalar(select(func.count(Programme.id))) or 0)

        read_in_parallel(session, count_then_let_a_writer_commit, count_after_the_commit)
        session.rollback()
        writer.join(timeout=30)
        assert counted[0] == counted[1]
        assert session.scalar(select(func.count(Programme.id))) == counted[0] + 1

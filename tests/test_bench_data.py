"""The benchmarks' generated programmes are valid import files (a bench that stops on its own data
measures nothing): every row passes the import's rules, dates included."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from app.imports.services import import_csv
from bench.indicators import generate, generate_history
from tests.factories import World


@pytest.mark.parametrize("make", [generate, generate_history])
def test_generated_files_import_without_errors(session: Session, world: World, make) -> None:  # type: ignore[no-untyped-def]
    report = import_csv(session, make(400), world.programme, actor_id=None, dry_run=True)
    assert [str(error) for error in report.errors[:3]] == []
    assert report.parcours_created == 400

"""The worked example of the shared fixtures: import the CSV, compare every fixed key per year."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.imports.services import import_csv
from app.indicators.compute import compute
from tests.conftest import FIXTURES
from tests.factories import make_programme


def _expected_part(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Differences on the keys present in `expected` (its `programme` key is not compared)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"]
        diffs = []
        for key, value in expected.items():
            if key == "programme" and not path:
                continue
            if key not in actual:
                diffs.append(f"{path}.{key}: missing")
            else:
                diffs.extend(_expected_part(value, actual[key], f"{path}.{key}"))
        return diffs
    return [] if expected == actual and type(expected) is type(actual) else [f"{path}: {actual!r} != {expected!r}"]


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_fixture_years_match_exactly(session: Session, year: int) -> None:
    programme = make_programme(session)
    report = import_csv(session, (FIXTURES / "parcours-exemple.csv").read_bytes(), programme, actor_id=None)
    assert report.errors == []
    expected = json.loads((FIXTURES / f"indicateurs-exemple-{year}.json").read_text(encoding="utf-8"))
    actual = compute(session, programme.id, year)
    assert _expected_part(expected, actual) == []
    assert actual["programme"] == programme.code

"""The worked example of the shared fixtures: import the CSV, compare every fixed key per year."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.imports.services import import_csv
from app.indicators.compute import compute, consolidate
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


def _doubled(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _doubled(value) for key, value in node.items()}
    return node * 2 if isinstance(node, int) else node


def test_a_network_of_programmes_adds_up_and_keeps_the_mean(session: Session) -> None:
    """The same caseload in two programmes: every count doubles, the mean duration does not."""
    data = (FIXTURES / "parcours-exemple.csv").read_bytes()
    first, second = make_programme(session), make_programme(session)
    for programme in (first, second):
        assert import_csv(session, data, programme, actor_id=None).errors == []
    expected = json.loads((FIXTURES / "indicateurs-exemple-2025.json").read_text(encoding="utf-8"))
    network = consolidate(session, [first.id, second.id], 2025)
    doubled = _doubled({k: v for k, v in expected.items() if k not in ("annee", "programme")})
    doubled["sorties"]["duree"]["moyenne_mois"] = expected["sorties"]["duree"]["moyenne_mois"]
    assert _expected_part(doubled, network) == []
    assert (network["annee"], network["programme"]) == (2025, "RESEAU")
    assert network["programmes"] == sorted([first.code, second.code])
    assert consolidate(session, [first.id], 2025)["familles_aidees"] == expected["familles_aidees"]


@pytest.mark.parametrize("period", ["2024", "2025", "2026", "2025-2026"])
def test_v2_fixtures_match_every_key_exactly(session: Session, period: str) -> None:
    """`periode`, `sorties.duree.jours_total` and the `eps` block, calendar and school years."""
    programme = make_programme(session)
    report = import_csv(session, (FIXTURES / "parcours-exemple.csv").read_bytes(), programme, actor_id=None)
    assert report.errors == []
    expected = json.loads((FIXTURES / f"indicateurs-v2-{period}.json").read_text(encoding="utf-8"))
    actual = compute(session, programme.id, period)
    assert _expected_part(expected, actual) == []
    assert {"periode", "eps"} <= set(actual) and "jours_total" in actual["sorties"]["duree"]

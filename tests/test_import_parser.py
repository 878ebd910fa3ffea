"""Properties of the import parser: it never raises, and valid rows survive the round trip."""

from __future__ import annotations

import re
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.dates import parse_date_or_none as parse_date
from app.imports.parser import parse
from app.imports.rows import COLUMNS, ImportIssue
from app.nomenclature import nomenclature

TODAY = date(2026, 11, 25)
HEADER = ";".join(COLUMNS)
N = nomenclature()


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    result = parse(data, TODAY)
    assert all(isinstance(i, ImportIssue) and i.line >= 1 for i in result.issues)
    assert not (result.rows and result.issues)


CELL = st.text(alphabet=st.sampled_from(list("ab;,|\"'\n\r/-0123456789 éÉ\x00")), max_size=12)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(CELL, max_size=25), max_size=6), st.sampled_from([";", ","]))
def test_arbitrary_rows_under_a_valid_header_never_raise(rows: list[list[str]], delimiter: str) -> None:
    text = "\n".join([HEADER.replace(";", delimiter), *(delimiter.join(r) for r in rows)])
    result = parse(text.encode("utf-8"), TODAY)
    for issue in result.issues:
        assert str(issue).startswith(f"line {issue.line}, column {issue.column}: ")
        assert 1 <= issue.line <= len(re.split(r"\r\n|\r|\n", text)) + 1  # \r alone ends a line too


def test_real_dates_only() -> None:
    assert parse_date("29/02/2024") == date(2024, 2, 29)
    assert parse_date("2023-02-29") is None
    assert parse_date("31/02/2024") is None
    assert parse_date("2024-13-01") is None
    assert parse_date("1/2/2024") == date(2024, 2, 1)  # as the forms accept it
    assert parse_date("2024-1-02") is None


NAME = (
    st.text(alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyzÉéèçïë' -")), min_size=1, max_size=20)
    .map(lambda name: " ".join(name.split()))  # names are stored with single spaces
    .filter(bool)
)


def codes(dimension: str) -> st.SearchStrategy[str]:
    return st.sampled_from(N.codes(dimension))


@st.composite
def valid_row(draw: st.DrawFn, index: int) -> dict[str, object]:
    oriented = draw(st.dates(min_value=date(2010, 1, 1), max_value=date(2026, 1, 1)))
    decision = draw(codes("decision_eps"))
    entree = sortie = motif = None
    if decision == "accepte" and draw(st.booleans()):
        entree = draw(st.dates(min_value=oriented, max_value=date(2026, 6, 1)))
        if draw(st.booleans()):
            sortie = draw(st.dates(min_value=entree, max_value=date(2026, 11, 1)))
            motif = draw(codes("motif_sortie"))
    return {
        "ref_enfant": f"REF-{index}",
        "nom": draw(NAME),
        "prenom": draw(NAME),
        "date_naissance": draw(st.dates(min_value=oriented - timedelta(days=18 * 365), max_value=oriented)),
        "sexe": draw(codes("sexe")),
        "ref_famille": draw(st.none() | st.sampled_from(["F1", "F2"])),
        "qpv": draw(st.none() | codes("qpv")),
        "rep": draw(st.none() | codes("rep")),
        "niveau": draw(st.none() | codes("niveau")),
        "orienteur": draw(codes("orienteur")),
        "date_orientation": oriented,
        "decision_eps": decision,
        "date_entree": entree,
        "date_sortie": sortie,
        "motif_sortie": motif,
        "difficultes": tuple(draw(st.lists(codes("difficulte"), unique=True, max_size=3))),
        "actions": tuple(draw(st.lists(codes("action"), unique=True, max_size=3))),
    }


def render(value: object, french_dates: bool, shout: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y") if french_dates else value.isoformat()
    if isinstance(value, tuple):
        return "|".join(render(v, french_dates, shout) for v in value)
    return str(value).upper() if shout else str(value)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=5).flatmap(lambda n: st.tuples(*(valid_row(i) for i in range(n)))),
    st.sampled_from([";", ","]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_valid_rows_round_trip(
    rows: tuple[dict[str, object], ...], delimiter: str, french_dates: bool, shout_codes: bool, bom: bool
) -> None:
    coded = {"sexe", "qpv", "rep", "niveau", "orienteur", "decision_eps", "motif_sortie", "difficultes", "actions"}
    lines = [delimiter.join(COLUMNS)]
    for row in rows:
        cells = [render(row.get(c), french_dates, shout_codes and c in coded) for c in COLUMNS]
        lines.append(delimiter.join(f'"{cell}"' if delimiter in cell else cell for cell in cells))
    data = ("\ufeff" if bom else "") + "\n".join(lines) + "\n"
    result = parse(data.encode("utf-8"), TODAY)
    assert result.issues == []
    assert len(result.rows) == len(rows)
    for number, (parsed, row) in enumerate(zip(result.rows, rows, strict=True), start=2):
        assert parsed.line == number
        for name, value in row.items():
            assert getattr(parsed, name) == value, name

"""The one date module: forms and imports read the same spellings, pages write the same format."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.dates import (
    DateError,
    DateRules,
    check_timezone,
    date_problems,
    format_date,
    format_datetime,
    format_moment,
    parse_date,
    parse_date_or_none,
    periods_overlap,
    use_timezone,
)
from app.formengine.fields import Invalid
from app.formengine.fields import parse_date as form_date

days = st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31))


@given(days)
def test_written_dates_read_back(day: date) -> None:
    assert parse_date(format_date(day)) == day
    assert parse_date(day.isoformat()) == day
    assert parse_date(f"{day.day}/{day.month}/{day.year:04d}") == day


@given(st.text(max_size=12))
def test_anything_else_is_refused_with_a_french_message(text: str) -> None:
    try:
        day = parse_date(text)
    except DateError as error:
        assert "date" in str(error).lower()
        assert parse_date_or_none(text) is None
    else:
        assert parse_date_or_none(text) == day


@pytest.mark.parametrize("text", ["31/02/2024", "2023-02-29", "2024-13-01", "12.03.2024", "2024/03/12", ""])
def test_impossible_or_foreign_spellings(text: str) -> None:
    assert parse_date_or_none(text) is None


def test_forms_add_the_year_range() -> None:
    assert form_date("01/02/2024") == date(2024, 2, 1)
    with pytest.raises(Invalid, match="1900 et 2100"):
        form_date("01/02/1899")


def test_french_formats() -> None:
    assert format_date(date(2026, 3, 7)) == "07/03/2026"
    assert format_date(None) == ""
    with use_timezone("UTC"):
        assert format_moment(datetime(2026, 3, 7, 9, 5)) == "07/03/2026 à 09 h 05"


def test_stored_utc_times_are_read_in_the_programme_zone() -> None:
    stored = datetime(2026, 3, 7, 22, 30)  # UTC
    with use_timezone("Europe/Paris"):
        assert format_datetime(stored) == "07/03/2026 23:30"
    with use_timezone("Indian/Mayotte"):
        assert format_moment(stored) == "08/03/2026 à 01 h 30"
        assert format_date(stored) == "08/03/2026"
    with use_timezone("Indian/Reunion"):
        assert format_datetime(stored, seconds=True) == "08/03/2026 02:30:00"
    with use_timezone("Europe/Paris"):
        assert format_datetime(datetime(2026, 7, 1, 12, 0)) == "01/07/2026 14:00"  # summer time
    assert check_timezone("Indian/Mayotte") == "Indian/Mayotte"
    with pytest.raises(DateError, match="Fuseau horaire inconnu"):
        check_timezone("Mars/Olympus")


TODAY = date(2026, 11, 30)


def test_date_rules_name_the_field_in_french() -> None:
    birth = DateRules(birth_date=True)
    assert date_problems(date(2030, 1, 1), birth, "Date de naissance", today=TODAY) == [
        "Date de naissance : le 01/01/2030 est dans le futur ; indiquez une date passée ou aujourd'hui."
    ]
    assert "plus de 25 ans" in date_problems(date(1950, 5, 1), birth, "Date de naissance", today=TODAY)[0]
    assert date_problems(date(2016, 5, 1), birth, "Date de naissance", today=TODAY) == []
    end = DateRules(after="debut")
    [problem] = date_problems(date(2026, 3, 1), end, "Fin", today=TODAY, other=date(2026, 4, 1), other_label="Début")
    assert problem.startswith("Fin : le 01/03/2026 est avant « Début » (01/04/2026)")
    assert date_problems(date(2027, 3, 1), DateRules(not_future=True), "Date de sortie", today=TODAY)


@given(days, days)
def test_a_date_breaks_a_rule_exactly_when_it_should(value: date, other: date) -> None:
    rules = DateRules(not_future=True, after="x")
    problems = date_problems(value, rules, "Champ", today=TODAY, other=other, other_label="X")
    assert len(problems) == (value > TODAY) + (value < other)
    assert all(p.startswith("Champ : ") for p in problems)


recent = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
periods = st.tuples(recent, st.one_of(st.none(), st.integers(0, 400))).map(
    lambda p: (p[0], None if p[1] is None else p[0] + timedelta(days=p[1]))
)


@given(periods, periods)
def test_overlap_is_sharing_at_least_one_day(first: tuple[date, date | None], second: tuple[date, date | None]) -> None:
    far = max(first[0], second[0]) + timedelta(days=500)

    def span(period: tuple[date, date | None]) -> set[date]:
        start, end = period
        return {start + timedelta(days=n) for n in range(((end or far) - start).days + 1)}

    assert periods_overlap(first, second) == bool(span(first) & span(second))
    assert periods_overlap(first, second) == periods_overlap(second, first)

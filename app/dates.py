"""Dates as the PRE writes them: one parser, one set of French formats, one overlap rule.

Accepted on input (forms and imports alike): `AAAA-MM-JJ` and `JJ/MM/AAAA` (day and month may
have one digit), real calendar dates only. Shown as `JJ/MM/AAAA`.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from app.i18n import _

_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")
_FRENCH = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})\Z")
FRENCH_FORMAT = "%d/%m/%Y"


class DateError(ValueError):
    """`str(error)` says in French what is wrong with the date and how to write it."""


def parse_date(text: str) -> date:
    """The date written in `text`; raises DateError when it is not one."""
    iso, french = _ISO.match(text), _FRENCH.match(text)
    if iso:
        year, month, day = (int(p) for p in iso.groups())
    elif french:
        day, month, year = (int(p) for p in french.groups())
    else:
        raise DateError(_("Date invalide : écrivez-la au format JJ/MM/AAAA."))
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(_("Cette date n'existe pas.")) from None


def parse_date_or_none(text: str) -> date | None:
    try:
        return parse_date(text)
    except DateError:
        return None


def format_date(value: date | datetime | None) -> str:
    """JJ/MM/AAAA; empty for no date."""
    return value.strftime(FRENCH_FORMAT) if value else ""


def format_datetime(value: datetime | None, seconds: bool = False) -> str:
    """JJ/MM/AAAA HH:MM (tables)."""
    return value.strftime(FRENCH_FORMAT + (" %H:%M:%S" if seconds else " %H:%M")) if value else ""


def format_time(value: datetime) -> str:
    """HH:MM."""
    return value.strftime("%H:%M")


def format_moment(value: datetime) -> str:
    """« JJ/MM/AAAA à HH h MM » (sentences)."""
    return _("%(day)s à %(hour)s h %(minute)s") % {
        "day": value.strftime(FRENCH_FORMAT),
        "hour": value.strftime("%H"),
        "minute": value.strftime("%M"),
    }


def periods_overlap(first: tuple[date, date | None], second: tuple[date, date | None]) -> bool:
    """Two periods (start, end) overlap; both days are included and no end means still open."""
    (start_a, end_a), (start_b, end_b) = first, second
    return (end_a is None or start_b <= end_a) and (end_b is None or start_a <= end_b)


JINJA_FILTERS = {"date_fr": format_date, "datetime_fr": format_datetime, "moment_fr": format_moment}

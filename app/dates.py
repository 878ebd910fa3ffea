"""Dates as the PRE writes them: one parser, one set of French formats, one set of rules, one
overlap rule, and the programme's time zone for every time a user reads.

Accepted on input (forms and imports alike): `AAAA-MM-JJ` and `JJ/MM/AAAA` (day and month may
have one digit), real calendar dates only. Shown as `JJ/MM/AAAA`. Times are stored in UTC (naive
datetimes) and shown in the zone set by `use_timezone` (the reader's programme; Europe/Paris by
default): `format_datetime`, `format_time` and `format_moment` convert.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
    """JJ/MM/AAAA; empty for no date (a stored time is read in the reader's zone)."""
    if isinstance(value, datetime):
        value = local(value)
    return value.strftime(FRENCH_FORMAT) if value else ""


DEFAULT_TIMEZONE = "Europe/Paris"
# The zones of France's PRE, offered first; any IANA zone name is accepted.
TIMEZONES = {
    "Europe/Paris": _("France métropolitaine et Corse (Europe/Paris)"),
    "Indian/Reunion": _("La Réunion (Indian/Reunion, UTC+4)"),
    "Indian/Mayotte": _("Mayotte (Indian/Mayotte, UTC+3)"),
    "America/Guadeloupe": _("Guadeloupe (America/Guadeloupe, UTC−4)"),
    "America/Martinique": _("Martinique (America/Martinique, UTC−4)"),
    "America/Cayenne": _("Guyane (America/Cayenne, UTC−3)"),
    "America/Miquelon": _("Saint-Pierre-et-Miquelon (America/Miquelon)"),
    "Pacific/Noumea": _("Nouvelle-Calédonie (Pacific/Noumea, UTC+11)"),
    "Pacific/Tahiti": _("Polynésie française (Pacific/Tahiti, UTC−10)"),
}
_reading_zone: ContextVar[str] = ContextVar("reading_zone", default=DEFAULT_TIMEZONE)


def check_timezone(name: str) -> str:
    """`name` if it is a known time zone; raises DateError (in French) otherwise."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DateError(
            _("Fuseau horaire inconnu « %(name)s » : indiquez par exemple Europe/Paris ou Indian/Mayotte.")
            % {"name": name[:60]}
        ) from None
    return name


def reading_zone() -> str:
    """The name of the zone times are shown in (Europe/Paris, Indian/Mayotte…)."""
    return _reading_zone.get()


def set_timezone(name: str | None) -> None:
    """The zone in which this request (or command) shows times."""
    _reading_zone.set(name or DEFAULT_TIMEZONE)


@contextmanager
def use_timezone(name: str | None) -> Iterator[None]:
    token = _reading_zone.set(name or DEFAULT_TIMEZONE)
    try:
        yield
    finally:
        _reading_zone.reset(token)


def local(value: datetime) -> datetime:
    """A stored time (naive UTC, or aware) in the reader's zone, without tzinfo for formatting."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(_reading_zone.get())).replace(tzinfo=None)


def format_datetime(value: datetime | None, seconds: bool = False) -> str:
    """JJ/MM/AAAA HH:MM (tables), in the reader's zone."""
    return local(value).strftime(FRENCH_FORMAT + (" %H:%M:%S" if seconds else " %H:%M")) if value else ""


def format_time(value: datetime) -> str:
    """HH:MM, in the reader's zone."""
    return local(value).strftime("%H:%M")


def format_moment(value: datetime) -> str:
    """« JJ/MM/AAAA à HH h MM » (sentences), in the reader's zone."""
    value = local(value)
    return _("%(day)s à %(hour)s h %(minute)s") % {
        "day": value.strftime(FRENCH_FORMAT),
        "hour": value.strftime("%H"),
        "minute": value.strftime("%M"),
    }


def periods_overlap(first: tuple[date, date | None], second: tuple[date, date | None]) -> bool:
    """Two periods (start, end) overlap; both days are included and no end means still open."""
    (start_a, end_a), (start_b, end_b) = first, second
    return (end_a is None or start_b <= end_a) and (end_b is None or start_a <= end_b)


# A child of the PRE is 2 to 16 years old; a birth date beyond this is a typing mistake.
OLDEST_CHILD_YEARS = 25


@dataclass(frozen=True)
class DateRules:
    """What a date field must respect; attached to a form field (`not_future: true`,
    `birth_date: true`, `after: other_field`) or to an import column."""

    not_future: bool = False
    birth_date: bool = False  # plausible birth date of a child (implies not in the future)
    after: str | None = None  # the field this date may not precede

    def __bool__(self) -> bool:
        return self.not_future or self.birth_date or self.after is not None


# The rules every form and the import apply to these fields, whatever the form's definition says:
# published form versions are immutable, and these dates are the ones the indicators read.
BUILT_IN_RULES = {
    "date_naissance": DateRules(birth_date=True),
    "date_orientation": DateRules(not_future=True),
    "date_decision": DateRules(not_future=True, after="date_orientation"),
    "date_entree": DateRules(not_future=True, after="date_orientation"),
    "date_sortie": DateRules(not_future=True, after="date_entree"),
    "date_accord": DateRules(not_future=True),
    "date_contrat": DateRules(not_future=True),
    "fin": DateRules(after="debut"),
    "rencontres.date": DateRules(not_future=True),
}


def built_in_rules(field_id: str, group_id: str | None = None) -> DateRules:
    """The rules `BUILT_IN_RULES` gives a field (`group.field` for a field of a repeated group)."""
    if group_id is not None and f"{group_id}.{field_id}" in BUILT_IN_RULES:
        return BUILT_IN_RULES[f"{group_id}.{field_id}"]
    return BUILT_IN_RULES.get(field_id, DateRules())


def combined(first: DateRules, second: DateRules) -> DateRules:
    return DateRules(
        not_future=first.not_future or second.not_future,
        birth_date=first.birth_date or second.birth_date,
        after=first.after or second.after,
    )


def date_problems(
    value: date,
    rules: DateRules,
    label: str,
    *,
    today: date,
    other: date | None = None,
    other_label: str = "",
    child_on: date | None = None,
) -> list[str]:
    """French messages, naming the field, for each rule `value` breaks (`other`: the `after` date;
    `child_on`: the day a birth date's child was oriented, today when not known)."""
    problems = []
    shown = {"field": label, "date": format_date(value)}
    if (rules.not_future or rules.birth_date) and value > today:
        problems.append(
            _("%(field)s : le %(date)s est dans le futur ; indiquez une date passée ou aujourd'hui.") % shown
        )
    elif rules.birth_date:
        problems.extend(birth_problems(value, label, child_on or today))
    if rules.after and other is not None and value < other:
        problems.append(
            _("%(field)s : le %(date)s est avant « %(other)s » (%(other_date)s) ; corrigez l'une des deux.")
            % {**shown, "other": other_label, "other_date": format_date(other)}
        )
    return problems


def birth_problems(birth: date, label: str, child_on: date) -> list[str]:
    """A birth date is plausible for a child of the PRE on `child_on` (born before, not too long before)."""
    shown = {"field": label, "date": format_date(birth), "on": format_date(child_on)}
    if birth > child_on:
        return [_("%(field)s : le %(date)s est après l'orientation (%(on)s) ; vérifiez l'année.") % shown]
    if birth.year < child_on.year - OLDEST_CHILD_YEARS:
        message = _("%(field)s : le %(date)s ferait un enfant de plus de %(years)d ans le %(on)s ; vérifiez l'année.")
        return [message % {**shown, "years": OLDEST_CHILD_YEARS}]
    return []


JINJA_GLOBALS = {"reading_zone": reading_zone, "timezones": TIMEZONES}
JINJA_FILTERS = {"date_fr": format_date, "datetime_fr": format_datetime, "moment_fr": format_moment}

"""Numbers and dates read from URLs and forms: ASCII only, within bounds, else None (a 400/404, never a 500).

`str.isdigit` accepts "²" and other Unicode digits that `int` refuses, and an unbounded integer
overflows the database's; every number taken from a request goes through `bounded_int`.
"""

from __future__ import annotations

from datetime import date

MAX_ID = 2**31 - 1  # the largest value of a 32-bit INTEGER column
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def bounded_int(text: str | None, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """The integer written in ASCII digits in `text` when minimum <= it <= maximum, else None."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > len(str(maximum)):
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


def bounded_date(text: str | None) -> date | None:
    """An ISO date (AAAA-MM-JJ) between 1900 and 2999, else None (a day after it always exists)."""
    if not text or not text.isascii():
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None

"""Holidays as dates: "Christmas Eve", "Thanksgiving", "New Year's Day", "Easter Monday".

The decoder offers a holiday's name as a date candidate (:mod:`calendar_ner.decode.types`) and
the calendar resolver reads it as the next such day (:mod:`calendar_ner.calendar.phrases`).
python-dateutil computes the days that move (``easter``, and ``relativedelta`` for "the fourth
Thursday of November"); the table below only names them, the way English speakers write them.
The holiday packages on PyPI list each country's public holidays by their official names, which
leave out days people plan around (Christmas Eve, Halloween, Valentine's Day, Mother's Day) and
would need the user's country; the days whose date depends on the country (Thanksgiving, Labor
Day, Mother's Day) are read as in the United States, and the resolver says so in a note.

    >>> holiday_day("Christmas Eve", date(2026, 12, 1))
    datetime.date(2026, 12, 24)
    >>> today = date(2026, 12, 1)
    >>> holiday_day("thanksgiving", today), holiday_day("Easter Monday", today)
    (datetime.date(2027, 11, 25), datetime.date(2027, 3, 29))
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from dateutil.easter import easter
from dateutil.relativedelta import MO, SU, TH, relativedelta, weekday

_S = r"(?:['’]?s)?"  # "New Year's", "New Years", "Valentines"


def _fixed(month: int, day: int) -> Callable[[int], date]:
    return lambda year: date(year, month, day)


def _nth(month: int, weekday: weekday) -> Callable[[int], date]:
    """The day ``weekday`` (dateutil's ``TH(4)``, ``MO(-1)``) names in ``month``."""
    if (weekday.n or 1) < 0:  # counted from the month's end
        return lambda year: date(year, month, 1) + relativedelta(day=31, weekday=weekday)
    return lambda year: date(year, month, 1) + relativedelta(weekday=weekday)


# (pattern, the day in a given year, whether its date is the United States')
_HOLIDAYS: list[tuple[str, Callable[[int], date], bool]] = [
    (rf"new\s+year{_S}\s+eve|(?-i:NYE|nye)", _fixed(12, 31), False),  # not "Call Nye"
    (r"new\s+year(?:['’]?s(?:\s+day)?|\s+day)", _fixed(1, 1), False),  # not "New Year planning"
    (r"christmas\s+eve|xmas\s+eve", _fixed(12, 24), False),
    (r"christmas(?:\s+day)?|xmas(?:\s+day)?", _fixed(12, 25), False),
    (r"boxing\s+day", _fixed(12, 26), False),
    (r"valentine(?:['’]?s(?:\s+day)?|\s+day)", _fixed(2, 14), False),  # not "with Valentine"
    (r"halloween", _fixed(10, 31), False),
    (rf"(?:st\.?|saint)\s+patrick{_S}\s+day", _fixed(3, 17), False),
    (r"juneteenth", _fixed(6, 19), True),
    (r"independence\s+day", _fixed(7, 4), True),
    (rf"veteran{_S}\s+day", _fixed(11, 11), True),
    (r"thanksgiving(?:\s+day)?", _nth(11, TH(4)), True),
    (r"labou?r\s+day", _nth(9, MO(1)), True),
    (r"memorial\s+day", _nth(5, MO(-1)), True),
    (rf"mother{_S}\s+day", _nth(5, SU(2)), True),
    (rf"father{_S}\s+day", _nth(6, SU(3)), True),
    (r"good\s+friday", lambda year: easter(year) - timedelta(days=2), False),
    (r"easter\s+monday", lambda year: easter(year) + timedelta(days=1), False),
    (r"easter(?:\s+sunday)?", easter, False),
]
_NAMES = [re.compile(pattern, re.IGNORECASE) for pattern, _, _ in _HOLIDAYS]
# Every holiday name, longest forms first in each pattern: "Christmas Eve" before "Christmas".
HOLIDAY = "(?:" + "|".join(pattern for pattern, _, _ in _HOLIDAYS) + ")"


def _holiday(name: str) -> tuple[Callable[[int], date], bool] | None:
    phrase = " ".join(name.split()).strip(" .,")
    for pattern, (_, day, american) in zip(_NAMES, _HOLIDAYS, strict=True):
        if pattern.fullmatch(phrase):
            return day, american
    return None


def is_holiday(name: str) -> bool:
    """Whether ``name`` is a holiday's name ("Christmas Eve", "thanksgiving")."""
    return _holiday(name) is not None


def is_american(name: str) -> bool:
    """Whether the day a holiday ``name`` names is the United States' (Thanksgiving)."""
    found = _holiday(name)
    return bool(found and found[1])


def holiday_day(name: str, today: date, year: int | None = None) -> date | None:
    """The day holiday ``name`` names in ``year``, or else the next one on or after ``today``;
    None for a name that is no holiday."""
    found = _holiday(name)
    if found is None:
        return None
    day = found[0]
    if year is not None:
        return day(year)
    return day(today.year) if day(today.year) >= today else day(today.year + 1)

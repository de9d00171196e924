"""Clock times and days of the month said in words: "six thirty", "ten past five", "half six",
"seven pm", "1430 hrs", "the twenty-first of June".

The decoder's candidates (:mod:`calendar_ner.decode.types`), the normalized values
(:mod:`calendar_ner.schema`) and the calendar resolver (:mod:`calendar_ner.calendar`) read them
alike. The number words are written out here rather than taken from a number-words library:
an hour is one to twelve, a minute one to fifty-nine, a day first to thirty-first, and the
spellings a clock or a date uses ("oh five", "half six") are not a library's general numbers.

    >>> [spoken_clock(v) for v in ("six thirty", "ten past five", "quarter to nine pm")]
    [Clock(hour=6, minute=30, meridiem=None), Clock(hour=5, minute=10, meridiem=None), \
Clock(hour=8, minute=45, meridiem='pm')]
    >>> military_clock("1430"), military_clock("0900 hrs"), military_clock("2460")
    ((14, 30), (9, 0), None)
    >>> with_day_numbers("the twenty-first of June"), with_day_numbers("March first")
    ('the 21st of June', 'March 1st')
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from typing import NamedTuple

# Month names and their abbreviations, lower case, and their numbers ("may": 5, "sept": 9).
MONTHS: dict[str, int] = {
    name.lower(): i
    for i in range(1, 13)
    for name in (calendar.month_name[i], calendar.month_abbr[i])
} | {"sept": 9}
MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))  # longest first: "march" before "mar"
# Weekday names and their abbreviations, lower case, and their numbers ("tues": 1).
WEEKDAYS: dict[str, int] = {
    name: i
    for i, names in enumerate(
        (
            "monday mon",
            "tuesday tue tues",
            "wednesday wed weds",
            "thursday thu thur thurs",
            "friday fri",
            "saturday sat",
            "sunday sun",
        )
    )
    for name in names.split()
}
WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
HOURS = "one two three four five six seven eight nine ten eleven twelve".split()
_UNITS = HOURS[:9]
_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}


def _compounds(tens: dict[str, int], units: list[str]) -> dict[str, int]:
    """ "twenty-one" and "twenty one" → 21, … for every tens word and unit word."""
    return {
        f"{word}{joint}{unit}": value + i + 1
        for word, value in tens.items()
        for i, unit in enumerate(units)
        for joint in ("-", " ")
    }


# The minutes of a clock said in words: "oh five"/"o five" 5, "fifteen" 15, "forty-five" 45.
MINUTES: dict[str, int] = (
    {f"{oh} {unit}": i + 1 for i, unit in enumerate(_UNITS) for oh in ("oh", "o")}
    | {word: 10 + i for i, word in enumerate(_TEENS)}
    | _TENS
    | _compounds(_TENS, _UNITS)
)
_UNIT_NTH = "first second third fourth fifth sixth seventh eighth ninth".split()
_TEEN_NTH = (
    "tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth "
    "nineteenth".split()
)
# The days of a month said as ordinals: "first" 1, "twenty-first" 21, "thirtieth" 30.
DAY_ORDINALS: dict[str, int] = (
    {word: i + 1 for i, word in enumerate(_UNIT_NTH)}
    | {word: 10 + i for i, word in enumerate(_TEEN_NTH)}
    | {"twentieth": 20, "thirtieth": 30}
    | _compounds({"twenty": 20}, _UNIT_NTH)
    | _compounds({"thirty": 30}, _UNIT_NTH[:1])
)


def _alternatives(words: Iterable[str]) -> str:
    """A regex of ``words``, longest first ("twenty-five" before "twenty"), with any spaces or
    hyphen inside them matching one or more spaces or a hyphen."""
    ordered = sorted(words, key=len, reverse=True)
    return "(?:" + "|".join(re.sub(r"[ -]", r"[\\s-]+", w) for w in ordered) + ")"


HOUR_WORD = _alternatives(HOURS)
MINUTE_WORD = _alternatives(MINUTES)
DAY_ORDINAL_WORD = _alternatives(DAY_ORDINALS)
# How far a clock said as "<minutes> past/to <hour>" lies from its hour.
_RELATIVE_MINUTES = _alternatives(["half", "quarter", "five", "ten", "twenty", "twenty-five"])
MERIDIEM = r"(?:\s*(?P<ap>[ap])\.?\s?m\b\.?)"

_SPOKEN = re.compile(
    rf"(?:(?:(?P<rel_m>{_RELATIVE_MINUTES})(?:\s+minutes?)?\s+(?P<rel>past|after|to)"
    r"|(?P<rel_d>\d{1,2})(?:\s+minutes?)?\s+(?:past|after))\s+"  # "2 to 4" is a range
    rf"(?P<rel_h>{HOUR_WORD}|1[0-2]|[1-9])"
    rf"|half\s+(?P<half_h>{HOUR_WORD})"
    rf"|(?P<h>{HOUR_WORD})(?:[\s-]+(?P<m>{MINUTE_WORD}))?)"
    rf"(?:\s*o['’]?\s*clock)?{MERIDIEM}?",
    re.IGNORECASE,
)
_MILITARY = re.compile(r"(?P<h>[01]\d|2[0-3])(?P<m>[0-5]\d)(?:\s*(?:hrs?|hours|h)\b\.?)?", re.I)


_HOUR_NUMBERS = {word: i + 1 for i, word in enumerate(HOURS)}
_PAST_MINUTES = {"half": 30, "quarter": 15} | _HOUR_NUMBERS | MINUTES  # "ten past", "half past"


class Clock(NamedTuple):
    """A clock time said in words: its hour (1-12), minute, and "am"/"pm" where it says one."""

    hour: int
    minute: int
    meridiem: str | None

    @property
    def hour24(self) -> int:
        """The hour on a 24-hour clock, as its am/pm says (``meridiem`` must be set)."""
        return self.hour % 12 + 12 * (self.meridiem == "pm")


def _number(word: str, table: dict[str, int]) -> int:
    return int(word) if word.isdigit() else table[" ".join(re.split(r"[\s-]+", word.lower()))]


def spoken_clock(value: str) -> Clock | None:
    """The clock time ``value`` says in words ("six thirty", "six-thirty", "half past 3", "twenty
    to six", British "half six" for 6:30, "seven pm", "eleven o'clock"), or None. The hour
    stays 1-12: which half of the day a clock without am/pm is, is the bare-hour rule's to say
    (:func:`calendar_ner.schema.bare_hour`)."""
    m = _SPOKEN.fullmatch(" ".join(value.split()).strip(" .,"))
    if not m:
        return None
    meridiem = m["ap"] and m["ap"].lower() + "m"
    if m["half_h"]:
        return Clock(_number(m["half_h"], _HOUR_NUMBERS), 30, meridiem)
    if m["h"]:
        minute = _number(m["m"], MINUTES) if m["m"] else 0
        return Clock(_number(m["h"], _HOUR_NUMBERS), minute, meridiem)
    hour = _number(m["rel_h"], _HOUR_NUMBERS)
    minutes = int(m["rel_d"]) if m["rel_d"] else _number(m["rel_m"], _PAST_MINUTES)
    if not 1 <= minutes <= 59:
        return None
    if m["rel"] and m["rel"].lower() == "to":  # "twenty to six": 5:40
        return Clock(hour - 1 or 12, 60 - minutes, meridiem)
    return Clock(hour, minutes, meridiem)


def military_clock(value: str) -> tuple[int, int] | None:
    """The (hour, minute) of a 24-hour clock written without a colon ("1430", "0900 hrs"), or
    None."""
    m = _MILITARY.fullmatch(value.strip())
    return (int(m["h"]), int(m["m"])) if m else None


_DAY_ORDINAL = re.compile(rf"(?<![\w-]){DAY_ORDINAL_WORD}(?![\w-])", re.IGNORECASE)


def _suffix(day: int) -> str:
    return "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def with_day_numbers(text: str) -> str:
    """``text`` with each day ordinal said in words written in digits ("the twenty-first of
    June" → "the 21st of June"), for readers of numbered days."""

    def digits(m: re.Match[str]) -> str:
        day = _number(m[0], DAY_ORDINALS)
        return f"{day}{_suffix(day)}"

    return _DAY_ORDINAL.sub(digits, text)
